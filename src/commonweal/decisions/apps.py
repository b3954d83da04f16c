from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "commonweal.decisions"
    label = "decisions"
    verbose_name = "Decisions"

    def ready(self) -> None:
        import commonweal.decisions.actions  # noqa: F401  (actions register themselves)
