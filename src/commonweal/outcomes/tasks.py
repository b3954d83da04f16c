"""Background work for outcomes, run by `commonweal worker` (django-tasks-db): values are
computed when data arrives, not while a person waits."""

from django.tasks import task

from commonweal.core.actions import Actor

from . import data


@task()
def import_outcomes(data_dir: str) -> list[str]:
    """Import the national outcomes data in the directory and compute every QOF indicator."""
    return data.import_all(Actor.task_worker(), data_dir)
