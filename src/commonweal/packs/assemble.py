"""Put a pack together: the generated pages (cover, agenda, cover sheets) with each item's PDF
papers inserted after its cover sheet, a page number stamped on every page, and a bookmark per
item and per paper.

Papers are uploaded files: a reader of a hostile PDF can take unbounded time or memory, so
`assemble` runs this in a child process with limits on both (as `meetings.papers` reads an
upload), and the parent sees progress lines and a verdict. No Django here.

`python -m commonweal.packs.assemble < plan.json` prints one JSON line per step.
"""

import hashlib
import json
import resource
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# The child's limits: a pack of a few hundred pages needs far less.
MEMORY = 3_000_000_000
CPU_SECONDS = 300

STAMP = "Page {n}"
# Helvetica's widths (thousandths of the type size) of the characters a stamp uses, so it can
# be placed exactly without a font library.
WIDTHS = {" ": 278, "P": 667, "a": 556, "g": 556, "e": 556} | {str(d): 556 for d in range(10)}
SIZE = 9
MARGIN = 14  # points from the page's bottom and right edges


class AssemblyFailed(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Paper:
    path: str
    pages: int  # as counted when it was uploaded; the pack refuses a file that now differs
    title: str


@dataclass(frozen=True)
class Section:
    """An item's place in the pack: its cover sheet ends at `after` (a page of the generated
    document, from 0), and its papers follow it in order."""

    title: str
    sheet: int  # the generated page its cover sheet starts on
    after: int
    papers: tuple[Paper, ...]


@dataclass(frozen=True)
class Plan:
    generated: str
    out: str
    sections: tuple[Section, ...]
    front: tuple[tuple[str, int], ...] = field(default=())  # ("Agenda", generated page)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "Plan":
        raw = json.loads(text)
        return cls(
            generated=raw["generated"],
            out=raw["out"],
            sections=tuple(
                Section(
                    s["title"],
                    s["sheet"],
                    s["after"],
                    tuple(Paper(p["path"], p["pages"], p["title"]) for p in s["papers"]),
                )
                for s in raw["sections"]
            ),
            front=tuple((t, p) for t, p in raw["front"]),
        )


def layout(generated_pages: int, plan: Plan) -> tuple[dict[int, int], list[list[int]]]:
    """Where everything lands: each generated page's pack page (from 1), and each section's
    papers' first pack pages."""
    inserted_after: dict[int, list[Paper]] = {s.after: list(s.papers) for s in plan.sections}
    number, where = 0, {}
    starts: dict[int, list[int]] = {}
    for g in range(generated_pages):
        number += 1
        where[g] = number
        for paper in inserted_after.get(g, []):
            starts.setdefault(g, []).append(number + 1)
            number += paper.pages
    return where, [starts.get(s.after, []) for s in plan.sections]


def _stamp(text: str, box: tuple[float, float, float, float], rotation: int) -> bytes:
    """A page number at the bottom right as the page is shown, on a white patch, marked as a
    pagination artifact so it stays out of the tagged content."""
    x0, y0, x1, y1 = box
    width = sum(WIDTHS.get(c, 556) for c in text) * SIZE / 1000
    pad = 3
    # The text's origin and direction in the page's own space, for each way it may be turned.
    rotation %= 360
    if rotation == 90:
        m, ox, oy = (0, 1, -1, 0), x1 - MARGIN, y1 - MARGIN - width
    elif rotation == 180:
        m, ox, oy = (-1, 0, 0, -1), x0 + MARGIN + width, y1 - MARGIN
    elif rotation == 270:
        m, ox, oy = (0, -1, 1, 0), x0 + MARGIN, y0 + MARGIN + width
    else:
        m, ox, oy = (1, 0, 0, 1), x1 - MARGIN - width, y0 + MARGIN
    a, b, c, d = m
    return (
        f"q /Artifact <</Type /Pagination /Subtype /Footer>> BDC "
        f"{a} {b} {c} {d} {ox:.2f} {oy:.2f} cm "
        f"1 1 1 rg {-pad} {-pad} {width + 2 * pad:.2f} {SIZE + 2 * pad} re f "
        f"0 0 0 rg BT /CwPageNumber {SIZE} Tf 0 1.5 Td ({text}) Tj ET EMC Q"
    ).encode("ascii")


def _inherited(page: Any, key: str) -> Any:
    node = page
    while node is not None:
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return None


def assemble(
    plan: Plan, progress: Callable[[int, int], None] = lambda d, t: None
) -> dict[str, Any]:
    """Build the pack the plan describes; its page count, size and digest."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    writer = PdfWriter(clone_from=plan.generated)
    generated = len(writer.pages)
    where, starts = layout(generated, plan)
    total = sum(len(s.papers) for s in plan.sections) + 1
    done = 0
    # From the last item back, so the generated pages before each insertion keep their places.
    for section in sorted(plan.sections, key=lambda s: s.after, reverse=True):
        position = section.after + 1
        for paper in reversed(section.papers):
            try:
                reader = PdfReader(paper.path, strict=False)
                if len(reader.pages) != paper.pages:
                    raise AssemblyFailed(
                        f"'{paper.title}' has {len(reader.pages)} pages, not the {paper.pages} "
                        "it had when it was uploaded"
                    )
                writer.merge(position, reader, import_outline=False)
            except AssemblyFailed:
                raise
            except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError):
                raise AssemblyFailed(f"'{paper.title}' could not be read as a PDF") from None
            done += 1
            progress(done, total)
    # Papers' own tags point into structure trees that did not come with them.
    ours = set(where.values())
    for n, page in enumerate(writer.pages, start=1):
        if n not in ours and "/StructParents" in page:
            del page["/StructParents"]
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    opening = DecodedStreamObject()
    opening.set_data(b"q\n")
    opening_ref = writer._add_object(opening)
    for n, page in enumerate(writer.pages, start=1):
        resources = _inherited(page, "/Resources")
        resources = DictionaryObject() if resources is None else resources.get_object()
        fonts = resources.get("/Font")
        fonts = DictionaryObject() if fonts is None else fonts.get_object()
        fonts[NameObject("/CwPageNumber")] = font
        resources[NameObject("/Font")] = fonts
        page[NameObject("/Resources")] = resources
        box = page.cropbox
        stamp = DecodedStreamObject()
        stamp.set_data(
            b"\nQ\n"
            + _stamp(
                STAMP.format(n=n),
                (float(box.left), float(box.bottom), float(box.right), float(box.top)),
                int(_inherited(page, "/Rotate") or 0),
            )
        )
        contents = page.get("/Contents")
        existing = [] if contents is None else contents.get_object()
        parts = list(existing) if isinstance(existing, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject(
            [opening_ref, *[p for p in parts if p is not None], writer._add_object(stamp)]
        )
    # Bookmarks: the front matter, then each item at its cover sheet with its papers under it.
    for title, g in plan.front:
        writer.add_outline_item(title=title, page_number=where[g] - 1)
    for section, firsts in zip(plan.sections, starts, strict=True):
        parent = writer.add_outline_item(title=section.title, page_number=where[section.sheet] - 1)
        for paper, first in zip(section.papers, firsts, strict=True):
            writer.add_outline_item(title=paper.title, page_number=first - 1, parent=parent)
    writer._root_object[NameObject("/PageMode")] = NameObject("/UseOutlines")
    Path(plan.out).parent.mkdir(parents=True, exist_ok=True)
    with open(plan.out, "wb") as out:
        writer.write(out)
    progress(total, total)
    digest = hashlib.sha256()
    with open(plan.out, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return {
        "pages": len(writer.pages),
        "size": Path(plan.out).stat().st_size,
        "sha256": digest.hexdigest(),
        "peak_kb": _peak_kb(),
    }


def _peak_kb() -> int:
    """This process's own peak memory (VmHWM): ru_maxrss of a child starts from its parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run(plan: Plan, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """Assemble in a child process with bounded memory and time; raise AssemblyFailed."""
    child = subprocess.Popen(
        [sys.executable, "-m", "commonweal.packs.assemble"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(plan.to_json())
    child.stdin.close()
    verdict: dict[str, Any] = {}
    # A child stuck without using CPU is killed when the wall-clock limit passes.
    timer = threading.Timer(CPU_SECONDS + 30, child.kill)
    timer.start()
    try:
        for line in _lines(child.stdout):
            if "progress" in line:
                progress(line["progress"], line["of"])
            else:
                verdict = line
        code = child.wait()
    finally:
        timer.cancel()
        if child.poll() is None:
            child.kill()
    if code != 0 and not verdict:
        raise AssemblyFailed("the papers could not be put together within the limits a pack has")
    if "failed" in verdict:
        raise AssemblyFailed(verdict["failed"])
    if "pages" not in verdict:
        raise AssemblyFailed("the pack could not be put together")
    return verdict


def _lines(stream: Any) -> Iterator[dict[str, Any]]:
    for raw in stream:
        try:
            yield json.loads(raw)
        except ValueError:
            continue


def _child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))

    def say(done: int, total: int) -> None:
        print(json.dumps({"progress": done, "of": total}), flush=True)

    try:
        print(json.dumps(assemble(Plan.from_json(sys.stdin.read()), say)), flush=True)
    except AssemblyFailed as failed:
        print(json.dumps({"failed": failed.message}), flush=True)
    except MemoryError:
        print(json.dumps({"failed": "the papers need more memory than a pack may use"}))
    except RecursionError:
        print(json.dumps({"failed": "a paper is nested too deeply to be read"}))


if __name__ == "__main__":
    _child()
