"""Background work for finance, run by `commonweal worker` (django-tasks-db)."""

from django.tasks import task

from .returns import run_import


@task()
def import_return_task(return_id: int) -> dict[str, int]:
    """Read and import a monthly return; a refusal is kept on the return, not raised."""
    ret = run_import(return_id)
    return {"entries": ret.entries, "status_done": int(ret.status == "done")}
