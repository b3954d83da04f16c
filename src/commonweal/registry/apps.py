from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "commonweal.registry"
    label = "registry"
    verbose_name = "System registry"

    def ready(self) -> None:
        # Every action registers itself on import: load them all, so the registry of actions
        # (and the permission metatest that walks it) is complete from start-up.
        import commonweal.registry.actions
        import commonweal.registry.importers  # noqa: F401
