"""Background work for the register, run by `commonweal worker` (django-tasks-db)."""

from django.tasks import task

from .models import Revalidation
from .revalidation import revalidate


@task()
def revalidate_task(run_id: int) -> dict[str, int]:
    run = revalidate(Revalidation.objects.select_related("system").get(pk=run_id))
    return {"total": run.total, "invalid": run.invalid}
