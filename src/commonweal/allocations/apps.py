from django.apps import AppConfig


class AllocationsConfig(AppConfig):
    name = "commonweal.allocations"
    label = "allocations"
    verbose_name = "Allocation"

    def ready(self) -> None:
        import commonweal.allocations.actions  # noqa: F401
        from commonweal.allocations.actions import plan_item_links
        from commonweal.meetings.presenters import PLAN_ITEM_LINKS

        # Meeting pages and forward plan entries link to the allocation they take.
        if plan_item_links not in PLAN_ITEM_LINKS:
            PLAN_ITEM_LINKS.append(plan_item_links)
