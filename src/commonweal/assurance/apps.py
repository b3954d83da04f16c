from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    name = "commonweal.assurance"
    label = "assurance"
    verbose_name = "Monitoring and assurance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import commonweal.assurance.actions  # noqa: F401
