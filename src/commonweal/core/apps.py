from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "commonweal.core"
    label = "core"
    verbose_name = "Commonweal platform"
