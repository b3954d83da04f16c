from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "commonweal.registry"
    label = "registry"
    verbose_name = "System registry"
