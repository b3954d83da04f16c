from django.apps import AppConfig


class PoolsConfig(AppConfig):
    name = "commonweal.pools"
    label = "pools"
    verbose_name = "Pooled funds"

    def ready(self) -> None:
        import commonweal.pools.actions  # noqa: F401
