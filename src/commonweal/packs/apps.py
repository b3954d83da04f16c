from django.apps import AppConfig


class PacksConfig(AppConfig):
    name = "commonweal.packs"
    label = "packs"
    verbose_name = "Board packs"

    def ready(self) -> None:
        import commonweal.packs.actions  # noqa: F401  (actions register themselves)
