"""Building a pack: lay out the generated pages with WeasyPrint until the page numbers they
print are the pages things land on, then put the papers in (in a bounded child process) and
keep the result as a new version.

The generated pages are laid out at least twice: the agenda prints the page each item starts
on, and those numbers depend on how long the agenda and the cover sheets are. Paper lengths are
known from their upload, so the whole pack's numbering is worked out before any paper is read.
"""

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from commonweal.core.pdf import refuse_fetch
from commonweal.meetings.actions import local_day
from commonweal.meetings.models import PaperVersion

from . import assemble, presenters
from .models import Pack

log = logging.getLogger(__name__)

PASSES = 4


@dataclass(frozen=True)
class Laid:
    pdf: bytes
    plan: assemble.Plan
    numbers: dict[str, dict[int, int]]  # {"item": {item id: page}, "paper": {version: page}}


def lay_out(
    content: presenters.PackContent, version: int, papers: dict[int, str], out: str
) -> Laid:
    """Render the generated pages until the page numbers they print stop changing."""
    from weasyprint import HTML

    sheets = content.sheets
    numbers: dict[str, dict[int, int]] = {
        "item": {i.id: 0 for i in sheets},
        "paper": {p.version: 0 for i in sheets for p in i.inline},
    }
    for _ in range(PASSES):
        html = render_to_string(
            "packs/pdf/pack.jinja", {"pack": content, "pages": numbers, "version": version}
        )
        document = HTML(string=html, url_fetcher=refuse_fetch).render(pdf_tags=True)
        at = {name: n for n, page in enumerate(document.pages) for name in page.anchors}
        starts = [at[f"item-{i.number}"] for i in sheets]
        ends = [s - 1 for s in starts[1:]] + [len(document.pages) - 1]
        plan = assemble.Plan(
            generated="",
            out=out,
            sections=tuple(
                assemble.Section(
                    title=f"{i.number}. {i.title}",
                    sheet=start,
                    after=end,
                    papers=tuple(
                        assemble.Paper(papers[p.version], p.pages, p.title) for p in i.inline
                    ),
                )
                for i, start, end in zip(sheets, starts, ends, strict=True)
            ),
            front=(("Cover", at["cover"]), ("Agenda", at["agenda"])),
        )
        where, firsts = assemble.layout(len(document.pages), plan)
        found = {
            "item": {i.id: where[s] for i, s in zip(sheets, starts, strict=True)},
            "paper": {
                p.version: first
                for i, f in zip(sheets, firsts, strict=True)
                for p, first in zip(i.inline, f, strict=True)
            },
        }
        if found == numbers:
            return Laid(document.write_pdf(pdf_tags=True), plan, numbers)
        numbers = found
    raise assemble.AssemblyFailed("the agenda's page numbers would not settle")


def _progress(pack_id: int, stage: str, done: int, total: int) -> None:
    Pack.objects.filter(pk=pack_id).exclude(status=Pack.Status.DONE).update(
        stage=stage, done=done, total=total
    )


def build(pack_id: int) -> Pack:
    """Build a requested pack; a pack already claimed by another worker is left to it."""
    claimed = Pack.objects.filter(pk=pack_id, status=Pack.Status.WAITING).update(
        status=Pack.Status.BUILDING, stage="Laying out the cover, agenda and cover sheets"
    )
    pack = Pack.objects.select_related("meeting__body__system").get(pk=pack_id)
    if not claimed:
        return pack
    began = time.perf_counter()
    meeting = pack.meeting
    # What is exempt now, not when it was asked for: an item marked exempt meanwhile is
    # withheld from the public, and a member's conflicts only ever withhold exempt items.
    asked = [int(x) for x in pack.withheld.split(",") if x]
    withheld = presenters.withheld_for(meeting, pack.edition, asked)
    try:
        content = presenters.content(
            meeting, pack.edition, withheld, pack.site, local_day(timezone.now())
        )
        with tempfile.TemporaryDirectory(prefix="commonweal-pack-") as tmp:
            papers = _copy_papers(content, Path(tmp))
            out = str(Path(tmp) / "pack.pdf")
            laid = lay_out(content, pack.version, papers, out)
            generated = Path(tmp) / "generated.pdf"
            generated.write_bytes(laid.pdf)
            plan = assemble.Plan(str(generated), out, laid.plan.sections, laid.plan.front)
            _progress(pack_id, "Putting the papers in and numbering the pages", 0, 1)
            verdict = assemble.run(
                plan,
                lambda d, t: _progress(
                    pack_id, "Putting the papers in and numbering the pages", d, t
                ),
            )
            index = [
                {
                    "id": i.id,
                    "number": i.number,
                    "page": laid.numbers["item"][i.id],
                    "papers": [
                        {"version": p.version, "page": laid.numbers["paper"][p.version]}
                        for p in i.inline
                    ],
                }
                for i in content.sheets
            ]
            with open(out, "rb") as f, transaction.atomic():
                fresh = Pack.objects.select_for_update().get(pk=pack_id)
                fresh.file.save("pack.pdf", File(f), save=False)
                Pack.objects.filter(pk=pack_id).update(
                    file=fresh.file.name,
                    withheld=content.withheld_key,
                    status=Pack.Status.DONE,
                    stage="",
                    fingerprint=content.fingerprint,
                    pages=verdict["pages"],
                    size=verdict["size"],
                    sha256=verdict["sha256"],
                    peak_kb=verdict["peak_kb"],
                    index=index,
                    built=timezone.now(),
                    seconds=time.perf_counter() - began,
                )
    except assemble.AssemblyFailed as failed:
        Pack.objects.filter(pk=pack_id).update(status=Pack.Status.FAILED, error=failed.message)
    except Exception:
        log.exception("pack %s failed", pack_id)
        Pack.objects.filter(pk=pack_id).update(
            status=Pack.Status.FAILED,
            error="The pack could not be built; the error is in the worker's log.",
        )
    return Pack.objects.get(pk=pack_id)


def _copy_papers(content: presenters.PackContent, into: Path) -> dict[int, str]:
    """Each inline paper copied out of storage (which may be object storage) for the child."""
    wanted = {p.version for i in content.sheets for p in i.inline}
    paths = {}
    for version in PaperVersion.objects.filter(pk__in=wanted):
        path = into / f"paper-{version.pk}.pdf"
        with version.file.open("rb") as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
        paths[version.pk] = str(path)
    return paths
