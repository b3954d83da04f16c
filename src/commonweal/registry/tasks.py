"""Background work for the registry, run by `commonweal worker` (django-tasks-db)."""

from django.tasks import task

from commonweal.core.actions import Actor
from commonweal.registry.importers import import_all


@task()
def import_data_directory(data_dir: str, requested_by: str) -> list[str]:
    """Import every ODS and QOF file in a directory; long enough to keep off a web request."""
    actor = Actor(label=f"task worker, for {requested_by}")
    return [result.describe() for result in import_all(actor, data_dir)]
