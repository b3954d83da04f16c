"""Benchmark: build a meeting's board pack, the members' edition and the public one.

Target (the board packs issue): a pack of 20 items with 300 pages of papers (generated test
PDFs) is built in under 20 s on this machine, and its peak memory is reported. Figures only:
nothing here fails on time.

Builds a fresh database (migrate) and loads the Devon example (its system, governance and
schemes), then makes one meeting of the Integrated Commissioning Executive through the actions
a clerk uses: 20 agenda items, some taken from forward-plan decisions with commitments so their
cover sheets show a route, two exempt, with 300 pages of PDF papers (15 an item: a report and
an appendix, some appendices with landscape pages) and two Word papers that the pack lists
rather than prints; then publishes the agenda. For each edition it asks for the pack
(`request_pack`) and builds it (`build`, as the worker does), and prints the pages, the build
time (the pack's own `seconds` and the wall time), pages per second, the assembly child's peak
memory (`peak_kb`), this process's peak RSS and the pack's size. It also times the build's
stages (the WeasyPrint layout passes, the assembly child) by wrapping the functions `build`
calls, and assembles each pack's plan again in a fresh child that reports its own high-water
mark (VmHWM): on Linux a child's ru_maxrss, hence `peak_kb`, starts from the peak of the
process that started it, so `peak_kb` is at least the builder's own. A baseline in the same
process merges the same paper PDFs with pypdf alone (no generated pages, stamping or
bookmarks; best of 3), and the build's ratio to it is printed. Last, the same pack is asked
for again, which must come from the cache: the time to work out the content
(`presenters.content`) and look it up.
MB here are 2^20 bytes.

    .venv/bin/python benchmarks/board_pack.py [--items 20] [--pages 300]
    .venv/bin/python benchmarks/board_pack.py --database-url postgres://.../an_empty_database

Uses a throwaway directory (COMMONWEAL_HOME: the papers, the packs) and a SQLite file in it
unless --database-url (or DATABASE_URL) names a database, which should be empty.
"""

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

TARGET_SECONDS = 20.0
SITE = "http://localhost:8000/"
# Forward-plan decisions, one every few items: (owner, decision type, commitments in pence).
PLANNED = (
    ("15N", "contract_award", (("15N", 40_000_000, None), ("E10000008", 30_000_000, None))),
    ("15N", "revenue_commitment", (("15N", 9_500_000, None),)),
    ("E10000008", "new_investment", (("E10000008", 25_000_000, None),)),
    ("15N", "pooled_fund_change", (("15N", 60_000_000, None), ("E10000008", 55_000_000, None))),
    ("15N", "business_case", (("15N", 12_000_000, None), ("E06000026", 3_000_000, None))),
    ("15N", "joint_strategy", (("15N", 1_000_000, None), ("E06000027", 1_000_000, None))),
    ("15N", "capital_commitment", (("15N", 80_000_000, None),)),
)
EXEMPT_EVERY = 9  # items 9 and 18 are exempt
WORD_ON = (3, 12)  # items with a Word paper as well


def mb(kb: float) -> float:
    return kb / 1024


def peak_rss_mb() -> float:
    return mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# Run in a fresh child on a kept plan: its own high-water mark, which `peak_kb` is not (a child
# started by a bigger process reports that process's peak as its ru_maxrss on Linux).
MEASURE = """
import json, sys, time
from commonweal.packs import assemble
plan = assemble.Plan.from_json(sys.stdin.read())
t0 = time.perf_counter()
verdict = assemble.assemble(plan)
seconds = time.perf_counter() - t0
try:
    with open("/proc/self/status") as status:
        hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    hwm = None
print(json.dumps({"pages": verdict["pages"], "hwm_kb": hwm, "seconds": seconds}))
"""


class Probe:
    """Times the stages of a build (the layout passes, the assembly child) by wrapping the
    functions `build` calls, and keeps each plan the child is given (its files hard-linked,
    which takes no time to speak of) so the assembly can be measured again afterwards."""

    def __init__(self, keep: Path) -> None:
        from commonweal.packs import assemble, build

        self.keep = keep
        self.layout = self.assembly = 0.0
        self.passes = 0
        self.plan: Any = None
        lay_out, render, run = build.lay_out, build.render_to_string, assemble.run

        def timed_lay_out(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return lay_out(*args, **kwargs)
            finally:
                self.layout += time.perf_counter() - t0

        def counted_render(*args: Any, **kwargs: Any) -> Any:
            self.passes += 1
            return render(*args, **kwargs)

        def kept_run(plan: Any, progress: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return run(plan, progress)
            finally:
                self.assembly += time.perf_counter() - t0
                self.plan = self._kept(plan)

        build.lay_out, build.render_to_string, assemble.run = (
            timed_lay_out,
            counted_render,
            kept_run,
        )

    def start(self) -> None:
        self.layout = self.assembly = 0.0
        self.passes = 0
        self.plan = None

    def _kept(self, plan: Any) -> Any:
        from commonweal.packs import assemble

        where = Path(tempfile.mkdtemp(dir=self.keep))

        def link(path: str) -> str:
            target = where / Path(path).name
            try:
                os.link(path, target)
            except OSError:
                shutil.copyfile(path, target)
            return str(target)

        return assemble.Plan(
            generated=link(plan.generated),
            out=str(where / "pack.pdf"),
            sections=tuple(
                replace(s, papers=tuple(replace(p, path=link(p.path)) for p in s.papers))
                for s in plan.sections
            ),
            front=plan.front,
        )

    def measure(self) -> dict[str, Any]:
        """The kept plan assembled again in a fresh child: pages, hwm_kb and seconds."""
        done = subprocess.run(
            [sys.executable, "-c", MEASURE],
            input=self.plan.to_json(),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Made:
    meeting: Any  # a Meeting (Django is set up only after import)
    items: int
    planned: int
    exempt: int
    pdf_papers: int
    pdf_pages: int
    word_papers: int
    seconds: float


def word(title: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for n in range(3):
        document.add_paragraph(f"Paragraph {n + 1} of the {title.lower()}.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def split(total: int, parts: int) -> list[int]:
    """`total` pages over `parts` items, as evenly as whole pages allow."""
    base, extra = divmod(total, parts)
    return [base + (1 if n < extra else 0) for n in range(parts)]


def make_meeting(items: int, pages: int) -> Made:
    """One published ICE meeting with `items` items and `pages` pages of PDF papers, made
    through the clerk's actions (each upload is checked in a child process, as in use)."""
    from commonweal.core.actions import Actor
    from commonweal.demo.papers import sample_pdf
    from commonweal.governance.models import Body
    from commonweal.meetings import actions
    from commonweal.meetings.models import ItemKind, Meeting

    started = time.perf_counter()
    cl = Actor.command_line
    ice = Body.objects.get(system__slug="devon-2019", code="ice")
    orgs = {o.code: o for o in ice.owners.all()}
    missing = {owner for owner, _, _ in PLANNED} - set(orgs)
    if missing:
        sys.exit(f"the ICE is not owned by {', '.join(sorted(missing))} in the example")
    day = date.today() + timedelta(days=35)
    meeting = actions.schedule_meeting(
        cl(),
        ice,
        actions.at(day, 10, 0),
        status=Meeting.Status.CONFIRMED,
        venue="County Hall, Exeter",
    )
    planned = exempt = pdf_papers = pdf_pages = word_papers = 0
    for n, share in enumerate(split(pages, items), start=1):
        if n % EXEMPT_EVERY == 0:
            item = actions.add_agenda_item(
                cl(),
                meeting,
                actions.ItemIn(
                    title=f"Provider contingency {n // EXEMPT_EVERY}",
                    kind=ItemKind.DECISION,
                    summary="The provider's finances and the options if it fails.",
                    presenter="Head of Joint Commissioning",
                    exempt=True,
                    exemption_paragraph=3,
                    public_interest="Disclosure would harm the negotiating position.",
                ),
            )
            exempt += 1
        elif n % 3 == 2 and planned < len(PLANNED):
            owner, kind, commitments = PLANNED[planned]
            plan = actions.add_plan_item(
                cl(),
                orgs[owner],
                ice.system,
                actions.PlanIn(
                    title=f"Decision {planned + 1}: {kind.replace('_', ' ')}",
                    author="Head of Joint Commissioning",
                    summary="The options, their costs and the recommendation.",
                    body=ice,
                    meeting=meeting,
                    decision_sought="Agree the recommendation in the report.",
                    decision_type=kind,
                    commitments=commitments,
                    project=f"BENCH-{planned + 1}",
                ),
            )
            item = actions.add_agenda_item(cl(), meeting, actions.ItemIn(plan_item=plan))
            planned += 1
        else:
            item = actions.add_agenda_item(
                cl(),
                meeting,
                actions.ItemIn(
                    title=f"Report {n}",
                    kind=(ItemKind.INFORMATION, ItemKind.DISCUSSION)[n % 2],
                    summary="For the executive's information and comment.",
                    presenter="Chief Finance Officer",
                ),
            )
        # A report and an appendix; every other appendix has a wide table on every third page.
        appendix = min(share // 3, share - 1)
        for title, length, every in (
            (f"Item {n} report", share - appendix, 0),
            (f"Item {n} appendix", appendix, 3 if n % 2 else 0),
        ):
            if length < 1:
                continue
            data = sample_pdf(title, length, landscape_every=every)
            actions.upload_paper(cl(), item, f"{title}.pdf", data, title=title)
            pdf_papers += 1
            pdf_pages += length
        if n in WORD_ON:
            title = f"Item {n} consultation responses"
            actions.upload_paper(cl(), item, f"{title}.docx", word(title), title=title)
            word_papers += 1
    actions.publish_agenda(cl(), meeting)
    meeting = Meeting.objects.select_related("body__system").get(pk=meeting.pk)
    return Made(
        meeting,
        items,
        planned,
        exempt,
        pdf_papers,
        pdf_pages,
        word_papers,
        time.perf_counter() - started,
    )


def content_for(meeting: Any, edition: str) -> Any:
    """The pack's content as the pack's page works it out."""
    from django.utils import timezone

    from commonweal.meetings.actions import local_day
    from commonweal.packs import presenters

    withheld = presenters.withheld_for(meeting, edition)
    return presenters.content(meeting, edition, withheld, SITE, local_day(timezone.now()))


def paper_paths(content: Any) -> list[str]:
    """The inline papers of a pack, in the pack's order, as local files."""
    from commonweal.meetings.models import PaperVersion

    wanted = [p.version for i in content.sheets for p in i.inline]
    files = {v.pk: v.file.path for v in PaperVersion.objects.filter(pk__in=wanted)}
    return [files[v] for v in wanted]


def merge_only(paths: list[str]) -> tuple[float, int, int]:
    """The baseline: the papers appended one after another with pypdf and written to memory;
    best of 3 (seconds, pages, bytes)."""
    from pypdf import PdfWriter

    times, pages, size = [], 0, 0
    for _ in range(3):
        t0 = time.perf_counter()
        writer = PdfWriter()
        for path in paths:
            writer.append(path)
        out = io.BytesIO()
        writer.write(out)
        times.append(time.perf_counter() - t0)
        pages, size = len(writer.pages), out.tell()
    return min(times), pages, size


@dataclass(frozen=True)
class Built:
    label: str
    pack: Any
    wall: float
    content: Any
    rss_after: float
    layout: float  # seconds laying out the generated pages, in this process
    passes: int
    assembly: float  # seconds waiting for the assembly child
    child: dict[str, Any]  # the same plan assembled again in a fresh child


def build_edition(meeting: Any, edition: str, label: str, probe: Probe) -> Built:
    from commonweal.core.actions import Actor
    from commonweal.packs import actions
    from commonweal.packs.build import build
    from commonweal.packs.models import Pack

    content = content_for(meeting, edition)
    pack = actions.request_pack(actions.builder(Actor.command_line()), meeting, content, site=SITE)
    if pack.status != Pack.Status.WAITING:
        sys.exit(f"{label}: a new pack should wait to be built, not be {pack.status}")
    probe.start()
    t0 = time.perf_counter()
    pack = build(pack.pk)
    wall = time.perf_counter() - t0
    if pack.status != Pack.Status.DONE:
        sys.exit(f"{label}: the build {pack.status}: {pack.error}")
    rss = peak_rss_mb()
    child = probe.measure()
    if child["pages"] != pack.pages:
        sys.exit(f"{label}: assembled again, {child['pages']} pages, not {pack.pages}")
    return Built(label, pack, wall, content, rss, probe.layout, probe.passes, probe.assembly, child)


def report(built: Built) -> None:
    pack, content = built.pack, built.content
    papers = sum(p.pages for i in content.sheets for p in i.inline)
    print(
        f"\n{built.label} (version {pack.version}): {pack.pages} pages "
        f"({pack.pages - papers} generated, {papers} of papers), {len(content.sheets)} cover "
        f"sheets, {sum(i.withheld for i in content.items)} items withheld"
    )
    print(
        f"  build: {pack.seconds:.2f} s (pack.seconds), {built.wall:.2f} s wall; "
        f"{pack.pages / pack.seconds:.1f} pages/s"
    )
    rest = built.wall - built.layout - built.assembly
    print(
        f"    of which laying out the generated pages {built.layout:.2f} s "
        f"({built.passes} WeasyPrint passes), the assembly child {built.assembly:.2f} s, "
        f"the rest {rest:.2f} s"
    )
    hwm = built.child["hwm_kb"]
    own = f"{mb(hwm):.0f} MB" if hwm is not None else "not known (no /proc)"
    print(
        f"  memory: assembly child peak {mb(pack.peak_kb):.0f} MB as pack.peak_kb reports it; "
        f"its own peak {own} (VmHWM, the plan assembled again in a fresh child, "
        f"{built.child['seconds']:.2f} s)"
    )
    print(f"    this process's peak RSS {built.rss_after:.0f} MB after the build")
    print(f"  pack size: {pack.size / 2**20:.2f} MB")


def baseline(built: Built) -> None:
    paths = paper_paths(built.content)
    seconds, pages, size = merge_only(paths)
    print(
        f"  baseline (pypdf merge of its {len(paths)} papers alone, in process, best of 3): "
        f"{seconds:.2f} s for {pages} pages, {size / 2**20:.2f} MB; build / baseline = "
        f"{built.pack.seconds / seconds:.1f}"
    )


def cached(meeting: Any, built: Built, times: int = 5) -> None:
    """Ask for the same pack again (`times` times): the content is worked out and the built
    pack found, as the pack's page and its progress answer do on every request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from commonweal.core.actions import Actor
    from commonweal.packs import actions
    from commonweal.packs.models import Pack

    before = Pack.objects.count()
    rows = []
    for _ in range(times):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            content = content_for(meeting, built.pack.edition)
            t1 = time.perf_counter()
            again = actions.request_pack(
                actions.builder(Actor.command_line()), meeting, content, site=SITE
            )
            t2 = time.perf_counter()
        if again.pk != built.pack.pk or Pack.objects.count() != before:
            sys.exit(f"{built.label}: asked again, a new pack was made instead of the cached one")
        rows.append(((t2 - t0) * 1000, (t1 - t0) * 1000, (t2 - t1) * 1000, len(queries)))
    first = rows[0]
    median = statistics.median(r[0] for r in rows)
    print(
        f"  asked again: served from the cache (pack {again.pk}, {again.status}) in "
        f"{first[0]:.1f} ms ({first[1]:.1f} ms working out the content, {first[2]:.1f} ms "
        f"request_pack; {first[3]} queries); median of {times}: {median:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--pages", type=int, default=300, help="pages of PDF papers in all")
    args = parser.parse_args()
    if args.items < 1 or args.pages < 2 * args.items:
        parser.error("--items at least 1, and --pages at least two an item (report, appendix)")

    home = tempfile.TemporaryDirectory(prefix="cw-bench-pack-")
    os.environ.update(
        {
            "DATABASE_URL": args.database_url or f"sqlite:///{home.name}/bench.sqlite3",
            "DJANGO_SETTINGS_MODULE": "commonweal.settings",
            "COMMONWEAL_HOME": home.name,  # var/ (the papers and packs) outside the repository
            "COMMONWEAL_DATA_DIR": "",  # the examples as their documents say, not national data
        }
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from commonweal.core.actions import Actor
    from commonweal.governance.actions import load_governance, load_scheme
    from commonweal.packs.models import Edition
    from commonweal.registry.actions import load_system

    call_command("migrate", verbosity=0)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}; this machine: {os.cpu_count()} CPUs")
    t0 = time.perf_counter()
    examples = __import__("commonweal").__path__[0] + "/examples"
    cl = Actor.command_line()
    load_system(cl, f"{examples}/devon-2019.yaml")
    load_governance(cl, f"{examples}/devon-2019-governance.yaml")
    for org in ("15N", "E10000008", "E06000026", "E06000027"):
        load_scheme(cl, f"{examples}/devon-2019-scheme-{org}.yaml")
    print(f"loaded the Devon example in {time.perf_counter() - t0:.1f} s")

    made = make_meeting(args.items, args.pages)
    print(
        f"made {made.meeting}: {made.items} items ({made.planned} from the forward plan, "
        f"{made.exempt} exempt), {made.pdf_papers} PDF papers of {made.pdf_pages} pages and "
        f"{made.word_papers} Word papers, agenda published, in {made.seconds:.1f} s"
    )
    full_content = content_for(made.meeting, Edition.FULL)
    routes = sum(i.route is not None for i in full_content.items)
    problems = [i.route_problem for i in full_content.items if i.route_problem]
    print(
        f"cover sheets with a route: {routes}; routes that cannot be worked out: {len(problems)}"
        + "".join(f"\n  {p}" for p in problems)
    )
    rss_before = peak_rss_mb()
    print(f"this process's peak RSS before building: {rss_before:.0f} MB")

    keep = Path(home.name) / "plans"
    keep.mkdir()
    probe = Probe(keep)
    results = []
    for edition, label in ((Edition.FULL, "members' pack"), (Edition.PUBLIC, "public pack")):
        built = build_edition(made.meeting, edition, label, probe)
        report(built)
        baseline(built)
        cached(made.meeting, built)
        results.append(built)

    full = results[0]
    worst = max(full.pack.seconds, full.wall)
    met = "met" if worst < TARGET_SECONDS else "NOT met"
    print(
        f"\ntarget: the members' pack ({full.pack.pages} pages, {made.pdf_pages} of papers) "
        f"built in {worst:.2f} s against {TARGET_SECONDS:.0f} s: {met}"
    )
    own = [b.child["hwm_kb"] for b in results if b.child["hwm_kb"] is not None]
    print(
        f"peak memory: the assembly child {max(mb(b.pack.peak_kb) for b in results):.0f} MB "
        f"as reported (pack.peak_kb)"
        + (f", {mb(max(own)):.0f} MB its own (VmHWM)" if own else "")
        + f"; this process {peak_rss_mb():.0f} MB ({rss_before:.0f} MB before the builds)"
    )


if __name__ == "__main__":
    main()
