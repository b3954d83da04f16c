from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "commonweal.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        import commonweal.outcomes.actions
        import commonweal.outcomes.importers  # noqa: F401
