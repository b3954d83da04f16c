from django.apps import AppConfig


class InterestsConfig(AppConfig):
    name = "commonweal.interests"
    label = "interests"
    verbose_name = "Interests, gifts and hospitality"

    def ready(self) -> None:
        import commonweal.interests.actions  # noqa: F401  (actions register themselves)
        from commonweal.interests.config import gift_rules

        # A rules file with mistakes stops start-up, each mistake named with its line.
        gift_rules()
        gift_rules(council=True)
