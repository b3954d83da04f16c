from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "commonweal.meetings"
    label = "meetings"
    verbose_name = "Meetings"

    def ready(self) -> None:
        import commonweal.meetings.actions  # noqa: F401  (actions register themselves)
