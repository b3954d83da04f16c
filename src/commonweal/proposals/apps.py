from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "commonweal.proposals"
    label = "proposals"
    verbose_name = "Commissioning proposals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import commonweal.proposals.actions  # noqa: F401
        from commonweal.meetings.presenters import PLAN_ITEM_LINKS
        from commonweal.registry.presenters import AREA_SECTIONS

        from .assessing import place_section
        from .presenters import plan_links

        PLAN_ITEM_LINKS.append(plan_links)
        AREA_SECTIONS.append(place_section)
