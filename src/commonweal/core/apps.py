from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "commonweal.core"
    label = "core"
    verbose_name = "Commonweal platform"

    def ready(self) -> None:
        # Every action registers itself on import: load them all, so the registry of actions
        # (and the permission metatest that walks it) is complete from start-up.
        import commonweal.core.people  # noqa: F401
