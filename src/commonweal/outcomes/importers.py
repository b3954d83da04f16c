"""National data for outcomes, from the data directory: ONS population estimates by age band
and sex, practice and PCN deprivation (IMD 2019), and A&E attendances as SPC series.

Each file is read and checked whole (problems name the file, line and column) before one short
write; they are national facts, so only the command line and the task worker load them.
"""

import csv
import io
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from commonweal.core.actions import Actor, action
from commonweal.core.db import serialise
from commonweal.core.documents import DocumentError
from commonweal.core.errors import Problem

from .models import Deprivation, PopulationEstimate, Series, SeriesPoint

POPULATION = Path("population") / "mye_projections_se_england.csv"
PRACTICE_IMD = Path("deprivation") / "practice_imd2019.csv"
PCN_IMD = Path("deprivation") / "pcn_imd2019.csv"
AE = Path("spc") / "ae_attendances.csv"
MAX_BYTES = 50_000_000
FOUR_HOUR_TARGET = 95.0


@dataclass
class Result:
    file: str
    rows: int
    written: int
    seconds: float

    def describe(self) -> str:
        return f"{self.file}: {self.rows:,} rows read, {self.written:,} written in {self.seconds:.1f} s"


class _Problems:
    def __init__(self, file: str):
        self.file = file
        self.found: list[Problem] = []

    def add(self, line: int, column: str, message: str) -> None:
        if len(self.found) < 200:
            self.found.append(Problem(column, message, self.file, line))

    def raise_if_any(self) -> None:
        if self.found:
            raise DocumentError(self.found)


def _rows(path: Path, needed: list[str], problems: _Problems) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as dicts, with their line numbers; a missing column or a short row is
    a problem."""
    if not path.is_file():
        problems.add(0, "", "no such file")
        problems.raise_if_any()
    if path.stat().st_size > MAX_BYTES:
        problems.add(0, "", f"is larger than {MAX_BYTES // 1_000_000} MB")
        problems.raise_if_any()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.add(1, "", "is not UTF-8 text")
        problems.raise_if_any()
        raise AssertionError from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        problems.add(1, "", "the file is empty")
        problems.raise_if_any()
        raise AssertionError
    missing = [c for c in needed if c not in header]
    if missing:
        problems.add(1, "", "missing column " + ", ".join(missing))
        problems.raise_if_any()
    rows = []
    for line, row in enumerate(reader, start=2):
        if len(row) != len(header):
            problems.add(line, "", f"has {len(row)} fields; the header has {len(header)}")
            continue
        rows.append((line, dict(zip(header, row, strict=True))))
    return rows


def _int(text: str, line: int, column: str, problems: _Problems, *, low: int = 0) -> int | None:
    try:
        value = int(text)
    except ValueError:
        problems.add(line, column, f"'{text[:40]}' is not a whole number")
        return None
    if not low <= value <= 2_000_000_000:
        problems.add(line, column, f"{value} is out of range")
        return None
    return value


def _float(text: str, line: int, column: str, problems: _Problems) -> float | None:
    try:
        value = float(text)
    except ValueError:
        problems.add(line, column, f"'{text[:40]}' is not a number")
        return None
    if not -1e9 < value < 1e9:
        problems.add(line, column, f"{text[:40]} is out of range")
        return None
    return value


@action("outcomes.import_population", internal_only=True)
def import_population(actor: Actor, path: str | Path) -> Result:
    """ONS mid-year estimates and projections in 5-year bands (the other band widths in the
    file are sums of these and are left out)."""
    path, started = Path(path), time.perf_counter()
    problems = _Problems(path.name)
    needed = ["Area_Name", "Area_Code", "Area_Type", "Sex", "Age_group", "Age_band_type"]
    needed += ["Year", "Population", "Data_type"]
    rows = _rows(path, needed, problems)
    found: dict[tuple[str, int, str, str], PopulationEstimate] = {}
    for line, r in rows:
        if r["Age_band_type"] != "5 years":
            continue
        band = r["Age_group"].removesuffix(" years").strip()
        start_text = band.split("-")[0].rstrip("+")
        if not start_text.isdigit():
            problems.add(line, "Age_group", f"'{r['Age_group'][:40]}' is not an age band")
            continue
        if r["Sex"] not in ("Male", "Female"):
            problems.add(line, "Sex", f"'{r['Sex'][:20]}' is not Male or Female")
            continue
        year = _int(r["Year"], line, "Year", problems, low=1900)
        people = _int(r["Population"], line, "Population", problems)
        if year is None or people is None:
            continue
        key = (r["Area_Code"], year, r["Sex"], band)
        if key in found:
            problems.add(line, "Age_group", f"{band} for {r['Sex']} in {year} is given twice")
            continue
        found[key] = PopulationEstimate(
            area_code=r["Area_Code"][:20],
            area_name=r["Area_Name"][:200],
            area_type=r["Area_Type"][:40],
            year=year,
            sex=r["Sex"],
            age_band=band,
            age_from=int(start_text),
            population=people,
            projected=r["Data_type"].startswith("Projected"),
            source=f"ONS, {r['Data_type']}"[:200],
        )
    problems.raise_if_any()
    serialise("outcomes:population")
    codes = {k[0] for k in found}
    PopulationEstimate.objects.filter(area_code__in=codes).delete()
    PopulationEstimate.objects.bulk_create(found.values(), batch_size=2000)
    result = Result(path.name, len(rows), len(found), time.perf_counter() - started)
    actor.record("population", path.name, f"Imported population estimates: {result.describe()}")
    return result


@action("outcomes.import_deprivation", internal_only=True)
def import_deprivation(actor: Actor, path: str | Path, code_column: str) -> Result:
    """IMD 2019 score and decile per practice or PCN (weighted by registered patients)."""
    path, started = Path(path), time.perf_counter()
    problems = _Problems(path.name)
    rows = _rows(path, [code_column, "imd_score", "imd_decile"], problems)
    found: dict[str, Deprivation] = {}
    for line, r in rows:
        code = r[code_column].strip()
        if not code or code == "U":  # the PCN file's "Unknown" row
            continue
        score = _float(r["imd_score"], line, "imd_score", problems)
        decile = _int(r["imd_decile"], line, "imd_decile", problems, low=1)
        if decile is not None and decile > 10:
            problems.add(line, "imd_decile", f"{decile} is not a decile (1 to 10)")
            continue
        if score is None or decile is None:
            continue
        found[code] = Deprivation(
            area_code=code[:20], score=score, decile=decile, source="IMD 2019, " + path.name
        )
    problems.raise_if_any()
    serialise("outcomes:deprivation")
    Deprivation.objects.filter(area_code__in=list(found)).delete()
    Deprivation.objects.bulk_create(found.values(), batch_size=2000)
    result = Result(path.name, len(rows), len(found), time.perf_counter() - started)
    actor.record("deprivation", path.name, f"Imported deprivation: {result.describe()}")
    return result


def _month(text: str, line: int, problems: _Problems) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        problems.add(line, "period", f"'{text[:40]}' is not a date (YYYY-MM-DD)")
        return None
    if day.day != 1:
        problems.add(line, "period", f"{text} is not the first day of a month")
        return None
    return day


def _months(first: date, last: date) -> list[date]:
    months, d = [], first
    while d <= last:
        months.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return months


@action("outcomes.import_ae", internal_only=True)
def import_ae(actor: Actor, path: str | Path, names: dict[str, str] | None = None) -> Result:
    """Monthly A&E attendances and 4-hour performance per trust (all department types), as two
    series each. A month a trust did not report is a gap in its series, never a zero."""
    path, started = Path(path), time.perf_counter()
    problems = _Problems(path.name)
    rows = _rows(path, ["period", "org_code", "type", "attendances", "breaches"], problems)
    totals: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for line, r in rows:
        month = _month(r["period"], line, problems)
        attendances = _int(r["attendances"], line, "attendances", problems)
        breaches = _int(r["breaches"], line, "breaches", problems)
        if month is None or attendances is None or breaches is None:
            continue
        if breaches > attendances:
            problems.add(line, "breaches", f"{breaches} is more than the attendances")
            continue
        code = r["org_code"].strip()[:20]
        if not code:
            problems.add(line, "org_code", "is empty")
            continue
        t = totals[code][month]
        t[0] += attendances
        t[1] += breaches
    problems.raise_if_any()
    serialise("outcomes:series")
    names = names or {}
    all_months = sorted({m for by_month in totals.values() for m in by_month})
    written = 0
    for code, by_month in sorted(totals.items()):
        months = _months(min(by_month), max(by_month)) if by_month else []
        org = names.get(code, code)
        for measure, name, unit, improvement, target in (
            ("attendances", f"{org}: A&E attendances (all types)", "attendances", "neutral", None),
            (
                "four_hour",
                f"{org}: A&E attendances seen within 4 hours (all types)",
                "%",
                "increase",
                FOUR_HOUR_TARGET,
            ),
        ):
            series, _ = Series.objects.update_or_create(
                code=f"ae-{code.lower()}-{measure.replace('_', '-')}",
                defaults={
                    "name": name,
                    "organisation_code": code,
                    "organisation_name": names.get(code, ""),
                    "measure": measure,
                    "unit": unit,
                    "improvement": improvement,
                    "target": target,
                    "source": "NHS England A&E attendances and emergency admissions "
                    "(via NHSRdatasets), OGL v3",
                },
            )
            series.points.all().delete()
            points = []
            for m in months:
                if m not in by_month:
                    value = None
                elif measure == "attendances":
                    value = float(by_month[m][0])
                else:
                    a, b = by_month[m]
                    value = None if a == 0 else 100 * (a - b) / a
                points.append(SeriesPoint(series=series, period=m, value=value))
            SeriesPoint.objects.bulk_create(points, batch_size=2000)
            written += len(points)
    result = Result(path.name, len(rows), written, time.perf_counter() - started)
    actor.record(
        "series",
        path.name,
        f"Imported A&E series for {len(totals)} trusts, {len(all_months)} months: "
        + result.describe(),
    )
    return result
