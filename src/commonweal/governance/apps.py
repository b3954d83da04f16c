from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "commonweal.governance"
    label = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        # Every action registers itself on import: load them all, so the registry of actions
        # (and the permission metatest that walks it) is complete from start-up.
        import commonweal.governance.actions  # noqa: F401
