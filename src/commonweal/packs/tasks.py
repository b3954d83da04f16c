"""Background work for packs, run by `commonweal worker` (django-tasks-db)."""

from django.tasks import task

from .build import build


@task()
def build_pack(pack_id: int) -> dict[str, int]:
    pack = build(pack_id)
    return {"pages": pack.pages, "status_done": int(pack.status == "done")}
