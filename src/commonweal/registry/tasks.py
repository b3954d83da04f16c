"""Background work for the registry, run by `commonweal worker` (django-tasks-db)."""

from django.tasks import task

from commonweal.core.actions import Actor
from commonweal.registry.importers import import_all


@task()
def import_data_directory(data_dir: str) -> list[str]:
    """Import every ODS and QOF file in a directory: national data, so the worker acts as an
    internal actor; every file is read and checked before the one short write transaction."""
    return [result.describe() for result in import_all(Actor.task_worker(), data_dir)]
