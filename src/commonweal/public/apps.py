from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "commonweal.public"
    label = "public"
    verbose_name = "Public register"
