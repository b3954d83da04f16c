from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "commonweal.public"
    label = "public"
    verbose_name = "Public register"

    def ready(self) -> None:
        from commonweal.core.actions import AFTER_ACTION
        from commonweal.public.publication import after_action

        # Each action publishes what it made or changed, in its own transaction.
        if after_action not in AFTER_ACTION:
            AFTER_ACTION.append(after_action)
