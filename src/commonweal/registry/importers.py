"""Importers for the NHS's published organisation data.

- epraccur: the ODS GP practice file (CSV, no header row).
- ePCN: the ODS primary care network workbook (PCN details; practice-to-PCN membership).
- QOF mapping: practice -> PCN -> CCG -> STP -> NHS England region (CSV with a header row).
- QOF prevalence: registered list sizes per practice (the denominator of every register).

Every importer reads and checks the whole file first; any bad row stops it, naming the file,
line and field, and nothing is written. A clean file is written in one transaction with one
audit event. A progress bar shows on a terminal.
"""

import csv
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from tqdm import tqdm

from commonweal.core.actions import Actor, action
from commonweal.core.documents import DocumentError
from commonweal.core.errors import Problem
from commonweal.core.models import Organisation, OrganisationKind
from commonweal.registry.models import ListSize, NetworkMembership

MAX_PROBLEMS = 50
BATCH = 2000
GP_PRACTICE_SETTING = "4"  # epraccur's prescribing setting for a GP practice


@dataclass
class ImportResult:
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def describe(self) -> str:
        parts = [
            f"{self.file}: {self.rows:,} rows read, {self.created:,} created, {self.updated:,} updated"
        ]
        parts += [f"{n:,} skipped ({reason})" for reason, n in sorted(self.skipped.items())]
        return "; ".join(parts)


class Problems:
    """Collects row problems; too many and the rest are counted, not listed."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[Problem] = []
        self.more = 0

    def add(self, line: int, column: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(column, message, self.file, line))
        else:
            self.more += 1

    def raise_if_any(self) -> None:
        if self.items:
            items = list(self.items)
            if self.more:
                items.append(Problem("", f"and {self.more:,} more problems like these", self.file))
            raise DocumentError(items)


def parse_date(value: Any, line: int, column: str, problems: Problems) -> date | None:
    """ODS writes dates as YYYYMMDD; spreadsheets may hold real dates."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        problems.add(line, column, f"'{text}' is not a date in the form YYYYMMDD")
        return None


def progress(rows: Iterable[Any], description: str, total: int | None = None) -> Iterator[Any]:
    # tqdm shows itself only on a terminal (disable=None), so logs and tests stay clean.
    yield from tqdm(rows, desc=description, total=total, unit=" rows", disable=None, leave=False)


def _read_csv(path: Path, problems: Problems) -> list[list[str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            return list(csv.reader(f))
    except FileNotFoundError:
        raise DocumentError([Problem("", "no such file", str(path), None)]) from None
    except UnicodeDecodeError as exc:
        raise DocumentError(
            [Problem("", f"is not UTF-8 text: {exc.reason}", str(path), None)]
        ) from None
    except csv.Error as exc:
        raise DocumentError([Problem("", f"is not valid CSV: {exc}", str(path), None)]) from None


def _upsert(orgs: list[Organisation], fields: list[str]) -> None:
    Organisation.objects.bulk_create(
        orgs, batch_size=BATCH, update_conflicts=True, unique_fields=["code"], update_fields=fields
    )


def _ids(codes: Iterable[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    codes = list(set(codes))
    for i in range(0, len(codes), BATCH):
        out.update(
            Organisation.objects.filter(code__in=codes[i : i + BATCH]).values_list("code", "id")
        )
    return out


def _ensure_commissioners(
    codes: Iterable[str], names: dict[str, str], source: str
) -> dict[str, int]:
    """Make sure each commissioner exists; name a placeholder after its code until a file names it."""
    codes = {c for c in codes if c}
    known = _ids(codes)
    missing = [
        Organisation(
            code=c,
            name=names.get(c) or f"NHS commissioner {c}",
            kind=OrganisationKind.NHS_COMMISSIONER,
            source=source,
        )
        for c in sorted(codes - set(known))
    ]
    Organisation.objects.bulk_create(missing, batch_size=BATCH, ignore_conflicts=True)
    return _ids(codes)


def _counted(result: ImportResult, codes: Iterable[str], write: Callable[[], None]) -> None:
    before = set(_ids(codes))
    write()
    codes = list(codes)
    result.created += len(set(codes) - before)
    result.updated += len(set(codes) & before)


EPRACCUR_COLUMNS = 27


@dataclass
class Read:
    """A file read and checked, ready to write: what it holds and the result so far."""

    path: Path
    result: ImportResult
    started: float
    data: Any


def import_epraccur(actor: Actor, path: str | Path) -> ImportResult:
    return write_epraccur(actor, read_epraccur(path))


def read_epraccur(path: str | Path) -> Read:
    path = Path(path)
    started = time.perf_counter()
    problems = Problems(path.name)
    result = ImportResult(path.name)
    practices: dict[str, tuple[Organisation, str]] = {}
    for line, row in enumerate(progress(_read_csv(path, problems), "epraccur"), start=1):
        result.rows += 1
        if len(row) < 15:
            problems.add(
                line, "", f"has {len(row)} fields; the epraccur layout has {EPRACCUR_COLUMNS}"
            )
            continue
        code, name = row[0].strip(), row[1].strip()
        if not code:
            problems.add(line, "organisation code (field 1)", "is empty")
        if not name:
            problems.add(line, "name (field 2)", "is empty")
        status = row[12].strip()
        if status not in {"A", "C", "D", "P"}:
            problems.add(line, "status (field 13)", f"'{status}' is not A, C, D or P")
        opened = parse_date(row[10], line, "open date (field 11)", problems)
        closed = parse_date(row[11], line, "close date (field 12)", problems)
        if opened and closed and closed < opened:
            problems.add(
                line, "close date (field 12)", f"{closed} is before the open date {opened}"
            )
        setting = row[25].strip() if len(row) > 25 else ""
        if setting != GP_PRACTICE_SETTING:
            result.skip("not a GP practice: prescribing setting is not 4")
            continue
        if code in practices:
            problems.add(line, "organisation code (field 1)", f"{code} appears twice")
        practices[code] = (
            Organisation(
                code=code,
                name=name.title() if name.isupper() else name,
                kind=OrganisationKind.GP_PRACTICE,
                opened=opened,
                closed=closed,
                postcode=row[9].strip(),
                source="ODS epraccur",
            ),
            row[14].strip(),
        )
    problems.raise_if_any()
    return Read(path, result, started, practices)


@action("registry.import_epraccur", internal_only=True)
def write_epraccur(actor: Actor, read: Read) -> ImportResult:
    path, result, practices = read.path, read.result, read.data
    commissioners = _ensure_commissioners((c for _, c in practices.values()), {}, "ODS epraccur")
    orgs = []
    for org, commissioner in practices.values():
        org.commissioner_id = commissioners.get(commissioner)
        orgs.append(org)
    _counted(
        result,
        practices,
        lambda: _upsert(
            orgs, ["name", "kind", "opened", "closed", "postcode", "commissioner", "source"]
        ),
    )
    result.seconds = time.perf_counter() - read.started
    actor.record(
        "import", path.name, f"Imported GP practices: {result.describe()}", after=_counts(result)
    )
    return result


def _counts(result: ImportResult) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "skipped": result.skipped,
    }


def _header(actual: tuple[Any, ...], expected: list[str]) -> list[str]:
    """Column titles in ePCN have line breaks inside them; compare them flattened."""
    flat = [" ".join(str(v or "").split()) for v in actual]
    return [e for e in expected if e not in flat]


EPCN_DETAILS = [
    "PCN Code",
    "PCN Name",
    "Current Sub ICB Loc Code",
    "Sub ICB Location",
    "Open Date",
    "Close Date",
]
EPCN_MEMBERS = [
    "Partner Organisation Code",
    "Partner Name",
    "Practice Parent Sub ICB Loc Code",
    "PCN Code",
    "Practice to PCN Relationship Start Date",
    "Practice to PCN Relationship End Date",
]


def _sheet_rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise DocumentError([Problem("", "no such file", str(path), None)]) from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DocumentError(
            [Problem("", f"is not an Excel workbook (.xlsx): {exc}", path.name, None)]
        ) from None
    try:
        if sheet not in book.sheetnames:
            raise DocumentError(
                [
                    Problem(
                        "",
                        f"has no sheet named '{sheet}' (it has {', '.join(book.sheetnames)})",
                        path.name,
                    )
                ]
            )
        return list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()


def _cell(row: tuple[Any, ...], index: dict[str, int], column: str) -> str:
    value = row[index[column]] if index[column] < len(row) else None
    return "" if value is None else str(value).strip()


def import_epcn(actor: Actor, path: str | Path) -> ImportResult:
    return write_epcn(actor, read_epcn(path))


def read_epcn(path: str | Path) -> Read:
    path = Path(path)
    started = time.perf_counter()
    result = ImportResult(path.name)
    networks: dict[str, Organisation] = {}
    network_commissioner: dict[str, str] = {}
    commissioner_names: dict[str, str] = {}
    memberships: list[tuple[str, str, date | None, date | None, str, str]] = []

    for sheet, expected in (
        ("PCNDetails", EPCN_DETAILS),
        ("PCN Core Partner Details", EPCN_MEMBERS),
    ):
        problems = Problems(f"{path.name}:{sheet}")
        rows = _sheet_rows(path, sheet)
        if not rows:
            problems.add(1, "", "the sheet is empty")
            problems.raise_if_any()
        missing = _header(rows[0], expected)
        if missing:
            problems.add(1, "", "missing column " + ", ".join(f"'{m}'" for m in missing))
            problems.raise_if_any()
        index = {" ".join(str(v or "").split()): i for i, v in enumerate(rows[0])}
        for line, row in enumerate(progress(rows[1:], sheet), start=2):
            if not any(row):
                continue
            result.rows += 1
            if sheet == "PCNDetails":
                code = _cell(row, index, "PCN Code")
                name = _cell(row, index, "PCN Name")
                if not code:
                    problems.add(line, "PCN Code", "is empty")
                    continue
                if not name:
                    problems.add(line, "PCN Name", "is empty")
                opened = parse_date(_cell(row, index, "Open Date"), line, "Open Date", problems)
                closed = parse_date(_cell(row, index, "Close Date"), line, "Close Date", problems)
                commissioner = _cell(row, index, "Current Sub ICB Loc Code")
                commissioner_names[commissioner] = _cell(row, index, "Sub ICB Location")
                networks[code] = Organisation(
                    code=code,
                    name=_network_name(name),
                    kind=OrganisationKind.PRIMARY_CARE_NETWORK,
                    opened=opened,
                    closed=closed,
                    postcode=str(row[11] or "").strip() if len(row) > 11 else "",
                    source="ODS ePCN",
                )
                network_commissioner[code] = commissioner
            else:
                practice = _cell(row, index, "Partner Organisation Code")
                network = _cell(row, index, "PCN Code")
                if not practice:
                    problems.add(line, "Partner Organisation Code", "is empty")
                if not network:
                    problems.add(line, "PCN Code", "is empty")
                starts = parse_date(
                    _cell(row, index, "Practice to PCN Relationship Start Date"),
                    line,
                    "Practice to PCN Relationship Start Date",
                    problems,
                )
                ends = parse_date(
                    _cell(row, index, "Practice to PCN Relationship End Date"),
                    line,
                    "Practice to PCN Relationship End Date",
                    problems,
                )
                if network and networks and network not in networks:
                    problems.add(line, "PCN Code", f"{network} is not in the PCNDetails sheet")
                memberships.append(
                    (
                        practice,
                        network,
                        starts,
                        ends,
                        _cell(row, index, "Partner Name"),
                        _cell(row, index, "Practice Parent Sub ICB Loc Code"),
                    )
                )
        problems.raise_if_any()
    return Read(
        path, result, started, (networks, network_commissioner, commissioner_names, memberships)
    )


@action("registry.import_epcn", internal_only=True)
def write_epcn(actor: Actor, read: Read) -> ImportResult:
    path, result = read.path, read.result
    networks, network_commissioner, commissioner_names, memberships = read.data
    commissioners = _ensure_commissioners(
        [*network_commissioner.values(), *(m[5] for m in memberships)],
        {
            c: n.split(" - ")[0].title().replace("Nhs ", "NHS ").replace("Icb", "ICB")
            for c, n in commissioner_names.items()
        },
        "ODS ePCN",
    )
    for code, org in networks.items():
        org.commissioner_id = commissioners.get(network_commissioner[code])
    _counted(
        result,
        networks,
        lambda: _upsert(
            list(networks.values()),
            ["name", "kind", "opened", "closed", "postcode", "commissioner", "source"],
        ),
    )
    # A practice named only here (not in epraccur) is added with what this file says of it.
    known = _ids(m[0] for m in memberships)
    Organisation.objects.bulk_create(
        {
            m[0]: Organisation(
                code=m[0],
                name=m[4].title(),
                kind=OrganisationKind.GP_PRACTICE,
                commissioner_id=commissioners.get(m[5]),
                source="ODS ePCN",
            )
            for m in memberships
            if m[0] not in known
        }.values(),
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    ids = _ids([*networks, *(m[0] for m in memberships)])
    practice_ids = list({ids[m[0]] for m in memberships})
    # ePCN is the authority on membership: it replaces what the QOF mapping said.
    for i in range(0, len(practice_ids), BATCH):
        NetworkMembership.objects.filter(
            practice_id__in=practice_ids[i : i + BATCH], source="QOF mapping"
        ).delete()
    NetworkMembership.objects.bulk_create(
        [
            NetworkMembership(
                practice_id=ids[p], network_id=ids[n], starts=s, ends=e, source="ODS ePCN"
            )
            for p, n, s, e, _, _ in memberships
        ],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["practice", "network", "starts"],
        update_fields=["ends", "source"],
    )
    result.seconds = time.perf_counter() - read.started
    actor.record(
        "import",
        path.name,
        f"Imported primary care networks: {result.describe()}; {len(memberships):,} memberships",
        after={**_counts(result), "memberships": len(memberships)},
    )
    return result


def _network_name(name: str) -> str:
    if not name.isupper():
        return name
    titled = name.title()
    return titled[:-4] + " PCN" if titled.endswith(" Pcn") else titled


QOF_MAPPING = [
    "REGION_ODS_CODE",
    "REGION_NAME",
    "STP_ODS_CODE",
    "STP_NAME",
    "CCG_ODS_CODE",
    "CCG_NAME",
    "PCN_ODS_CODE",
    "PCN_NAME",
    "PRACTICE_CODE",
    "PRACTICE_NAME",
]


def import_qof_mapping(actor: Actor, path: str | Path) -> ImportResult:
    """The QOF geography mapping names regions, STPs, CCGs, PCNs and practices, and links them."""
    return write_qof_mapping(actor, read_qof_mapping(path))


def read_qof_mapping(path: str | Path) -> Read:
    path = Path(path)
    started = time.perf_counter()
    problems = Problems(path.name)
    result = ImportResult(path.name)
    rows = _read_csv(path, problems)
    if not rows:
        problems.add(1, "", "the file is empty")
        problems.raise_if_any()
    header = [h.strip() for h in rows[0]]
    missing = [c for c in QOF_MAPPING if c not in header]
    if missing:
        problems.add(1, "", "missing column " + ", ".join(missing))
        problems.raise_if_any()
    col = {c: header.index(c) for c in QOF_MAPPING}
    orgs: dict[str, dict[str, Any]] = {}
    membership: list[tuple[str, str]] = []

    def put(code: str, name: str, kind: str, line: int, column: str, **links: str) -> None:
        if not code:
            problems.add(line, column, "is empty")
            return
        orgs[code] = {"name": name, "kind": kind, **links}

    for line, row in enumerate(progress(rows[1:], "QOF mapping"), start=2):
        if not any(cell.strip() for cell in row):
            continue
        result.rows += 1
        if len(row) != len(header):
            problems.add(line, "", f"has {len(row)} fields; the header has {len(header)}")
            continue
        v = {c: row[i].strip() for c, i in col.items()}
        put(
            v["REGION_ODS_CODE"],
            v["REGION_NAME"],
            OrganisationKind.NHS_ENGLAND_REGION,
            line,
            "REGION_ODS_CODE",
        )
        put(
            v["STP_ODS_CODE"],
            v["STP_NAME"],
            OrganisationKind.SYSTEM_PARTNERSHIP,
            line,
            "STP_ODS_CODE",
            part_of=v["REGION_ODS_CODE"],
        )
        put(
            v["CCG_ODS_CODE"],
            v["CCG_NAME"],
            OrganisationKind.NHS_COMMISSIONER,
            line,
            "CCG_ODS_CODE",
            part_of=v["STP_ODS_CODE"],
        )
        put(
            v["PCN_ODS_CODE"],
            v["PCN_NAME"],
            OrganisationKind.PRIMARY_CARE_NETWORK,
            line,
            "PCN_ODS_CODE",
            commissioner=v["CCG_ODS_CODE"],
        )
        put(
            v["PRACTICE_CODE"],
            v["PRACTICE_NAME"],
            OrganisationKind.GP_PRACTICE,
            line,
            "PRACTICE_CODE",
            commissioner=v["CCG_ODS_CODE"],
        )
        membership.append((v["PRACTICE_CODE"], v["PCN_ODS_CODE"]))
    problems.raise_if_any()
    return Read(path, result, started, (orgs, membership))


@action("registry.import_qof_mapping", internal_only=True)
def write_qof_mapping(actor: Actor, read: Read) -> ImportResult:
    path, result = read.path, read.result
    orgs, membership = read.data
    # Names and kinds first, then the links between them (which need ids).
    objs = [
        Organisation(code=c, name=d["name"], kind=d["kind"], source="QOF mapping")
        for c, d in orgs.items()
    ]
    _counted(result, orgs, lambda: _upsert(objs, ["name", "kind"]))
    ids = _ids(orgs)
    for obj in objs:
        d = orgs[obj.code]
        obj.id = ids[obj.code]
        obj.part_of_id = ids.get(d.get("part_of", ""))
        obj.commissioner_id = ids.get(d.get("commissioner", ""))
    # A second upsert sets the links; bulk_update's CASE expressions are far slower.
    _upsert(objs, ["name", "kind", "part_of", "commissioner"])
    # Memberships from this mapping stand only where ePCN has said nothing of the practice.
    described = set(
        NetworkMembership.objects.exclude(source="QOF mapping").values_list(
            "practice__code", flat=True
        )
    )
    NetworkMembership.objects.bulk_create(
        [
            NetworkMembership(practice_id=ids[p], network_id=ids[n], source="QOF mapping")
            for p, n in membership
            if p not in described
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    result.seconds = time.perf_counter() - read.started
    actor.record(
        "import",
        path.name,
        f"Imported the QOF geography mapping: {result.describe()}",
        after=_counts(result),
    )
    return result


QOF_LIST_DATE = date(2021, 1, 1)


def import_list_sizes(
    actor: Actor, path: str | Path, on: date = QOF_LIST_DATE, source: str = "QOF 2020/21"
) -> ImportResult:
    """Practice list sizes from a QOF prevalence file (PRACTICE_LIST_SIZE on TOTAL rows)."""
    return write_list_sizes(actor, read_list_sizes(path, on, source))


def read_list_sizes(
    path: str | Path, on: date = QOF_LIST_DATE, source: str = "QOF 2020/21"
) -> Read:
    path = Path(path)
    started = time.perf_counter()
    problems = Problems(path.name)
    result = ImportResult(path.name)
    rows = _read_csv(path, problems)
    if not rows:
        problems.add(1, "", "the file is empty")
        problems.raise_if_any()
    header = [h.strip() for h in rows[0]]
    needed = ["PRACTICE_CODE", "PATIENT_LIST_TYPE", "PRACTICE_LIST_SIZE"]
    missing = [c for c in needed if c not in header]
    if missing:
        problems.add(1, "", "missing column " + ", ".join(missing))
        problems.raise_if_any()
    code_i, type_i, size_i = (header.index(c) for c in needed)
    sizes: dict[str, int] = {}
    for line, row in enumerate(progress(rows[1:], "list sizes"), start=2):
        result.rows += 1
        if len(row) != len(header):
            problems.add(line, "", f"has {len(row)} fields; the header has {len(header)}")
            continue
        if row[type_i].strip() != "TOTAL":
            continue
        code, text = row[code_i].strip(), row[size_i].strip()
        try:
            size = int(text)
            if size < 0:
                raise ValueError
        except ValueError:
            problems.add(line, "PRACTICE_LIST_SIZE", f"'{text}' is not a whole number of patients")
            continue
        if code in sizes and sizes[code] != size:
            problems.add(
                line,
                "PRACTICE_LIST_SIZE",
                f"{size} differs from {sizes[code]} given earlier for {code}",
            )
        sizes[code] = size
    problems.raise_if_any()
    return Read(path, result, started, (sizes, on, source))


@action("registry.import_list_sizes", internal_only=True)
def write_list_sizes(actor: Actor, read: Read) -> ImportResult:
    path, result = read.path, read.result
    sizes, on, source = read.data
    ids = _ids(sizes)
    for _code in set(sizes) - set(ids):
        result.skip("practice not in the registry")
    before = ListSize.objects.filter(on=on).count()
    ListSize.objects.bulk_create(
        [
            ListSize(practice_id=ids[c], on=on, patients=n, source=source)
            for c, n in sizes.items()
            if c in ids
        ],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["practice", "on"],
        update_fields=["patients", "source"],
    )
    after = ListSize.objects.filter(on=on).count()
    result.created, result.updated = after - before, len(ids) - (after - before)
    result.seconds = time.perf_counter() - read.started
    actor.record(
        "import",
        path.name,
        f"Imported list sizes on {on}: {result.describe()}",
        after=_counts(result),
    )
    return result


def import_all(actor: Actor, data_dir: str | Path) -> list[ImportResult]:
    """Import every ODS and QOF file present in the data directory, in one transaction.

    Every file is read and checked before the transaction starts, so the database is held
    for writing only while the rows are written (a few seconds for all of England), and
    sign-ins and other writes wait their turn rather than fail.
    """
    data = Path(data_dir)
    steps: list[tuple[Path, Callable[[Path], Read], Callable[[Actor, Read], ImportResult]]] = [
        (
            data / "qof-2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv",
            read_qof_mapping,
            write_qof_mapping,
        ),
        (data / "ods" / "epraccur.csv", read_epraccur, write_epraccur),
        (data / "ods" / "ePCN.xlsx", read_epcn, write_epcn),
        (data / "qof-2020-21" / "PREVALENCE_2021_v2.csv", read_list_sizes, write_list_sizes),
    ]
    present = [(p, read, write) for p, read, write in steps if p.is_file()]
    if not present:
        raise DocumentError(
            [Problem("", "holds none of the ODS or QOF files to import", str(data), None)]
        )
    reads = [(read(p), write) for p, read, write in present]
    with transaction.atomic():
        return [write(actor, r) for r, write in reads]
