"""Indicator values computed from practice counts: QOF register prevalence for every practice in
England and its roll-ups (PCN, CCG, STP, NHS region, England), and a system's own areas (its
places and the system) summed from their member practices.

No Django here beyond plain data: the caller gives the registry's memberships and writes the rows.
Counts are summed once in DuckDB over grouping sets; `commonweal.stats.proportion` then gives
each area's value and Wilson intervals, and `compare_to_benchmark` each area's comparison with
England, both at 95% and 99.8%.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from commonweal import stats

ENGLAND = ("E92000001", "England")
PREVALENCE = Path("qof-2020-21") / "PREVALENCE_2021_v2.csv"
MAPPING = Path("qof-2020-21") / "MAPPING_NHS_GEOGRAPHIES_2021.csv"
QOF_PERIOD, QOF_SORTABLE = "2020/21", "20200000"
AGES = {
    "TOTAL": "All ages",
    "06OV": "6+ yrs",
    "16OV": "16+ yrs",
    "17OV": "17+ yrs",
    "18OV": "18+ yrs",
    "50OV": "50+ yrs",
}
# Area types, each with the mapping's code and name columns and its parent type.
LEVELS = (
    ("GP practice", "PRACTICE_CODE", "PRACTICE_NAME", "PCN"),
    ("PCN", "PCN_ODS_CODE", "PCN_NAME", "CCG"),
    ("CCG", "CCG_ODS_CODE", "CCG_NAME", "STP"),
    ("STP", "STP_ODS_CODE", "STP_NAME", "Region"),
    ("Region", "REGION_ODS_CODE", "REGION_NAME", "England"),
    ("England", "NAT_ONS_CODE", "COUNTRY", ""),
)
# The QOF mapping's PCN code for practices in no network: not an area to roll up to.
UNALLOCATED = "U"
OVER_LIST = "Value not calculated: the register ({x:,.0f}) is larger than the list size ({n:,.0f})"


class QofDataMissing(FileNotFoundError):
    """The QOF files are not in the data directory."""


@dataclass(frozen=True)
class Register:
    indicator_id: int
    register: str
    list_type: str


@dataclass(frozen=True)
class SystemArea:
    """One of a system's areas, with the practices it covers (by ODS code)."""

    key: str  # "<system slug>.<area code>"
    name: str
    area_type: str  # "System", "Place", "Local authority", "Neighbourhood"
    parent_key: str
    parent_name: str
    practices: tuple[str, ...]


def _files(data_dir: Path) -> tuple[Path, Path]:
    prevalence, mapping = data_dir / PREVALENCE, data_dir / MAPPING
    for p in (prevalence, mapping):
        if not p.is_file():
            raise QofDataMissing(f"{p} is not there: the QOF 2020/21 files are needed")
    return prevalence, mapping


def practice_counts(data_dir: Path, registers: Sequence[Register]) -> pd.DataFrame:
    """Every practice's register count and list size for the registers asked for, with the
    practice's PCN, CCG, STP, region and England from the QOF mapping."""
    prevalence, mapping = _files(data_dir)
    con = duckdb.connect()
    wanted = pd.DataFrame(
        {
            "indicator_id": [r.indicator_id for r in registers],
            "GROUP_CODE": [r.register for r in registers],
            "PATIENT_LIST_TYPE": [r.list_type for r in registers],
        }
    )
    con.register("wanted", wanted)
    return con.sql(
        f"""
        SELECT w.indicator_id, w.PATIENT_LIST_TYPE AS list_type,
               p.REGISTER::DOUBLE AS count, p.PRACTICE_LIST_SIZE::DOUBLE AS denominator, m.*
        FROM read_csv('{prevalence}', header = true, all_varchar = true) p
        JOIN wanted w USING (GROUP_CODE, PATIENT_LIST_TYPE)
        JOIN read_csv('{mapping}', header = true, all_varchar = true) m USING (PRACTICE_CODE)
        """
    ).df()


def _values(sums: pd.DataFrame) -> pd.DataFrame:
    """Value and Wilson intervals (per 100) for each row of summed counts; a row whose count
    exceeds its denominator is left without a value and says why."""
    over = sums["count"] > sums["denominator"]
    empty = sums["denominator"] <= 0
    good = sums[~over & ~empty]
    computed = stats.proportion(
        good[["key", "count", "denominator"]],
        "count",
        "denominator",
        group_by="key",
        multiplier=100,
        type="standard",
    )
    out = sums.merge(
        computed.drop(columns=["count", "denominator"]), on="key", how="left", validate="1:1"
    )
    out["value_note"] = ""
    out.loc[over, "value_note"] = [
        OVER_LIST.format(x=x, n=n)
        for x, n in zip(out.loc[over, "count"], out.loc[over, "denominator"], strict=True)
    ]
    out.loc[empty, "value_note"] = "Value not calculated: no registered patients"
    return out


def _compare(out: pd.DataFrame, england: Mapping[int, float]) -> pd.DataFrame:
    out["benchmark"] = out["indicator_id"].map(england)
    compared = stats.compare_to_benchmark(
        out[["lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl", "benchmark"]],
        "benchmark",
    )
    # England is the benchmark: it is not compared with itself.
    england_rows = (out["area_type"] == "England").to_numpy()
    out["compared95"] = np.where(england_rows, "Not compared", compared["comparison95_0"])
    out["compared998"] = np.where(england_rows, "Not compared", compared["comparison99_8"])
    return out


def qof_values(counts: pd.DataFrame, system_areas: Iterable[SystemArea] = ()) -> pd.DataFrame:
    """Every area's value for each indicator: practices, their roll-ups and a system's areas.

    Columns: indicator_id, area_code, area_name, area_type, parent_code, parent_name, age,
    count, denominator, value, lower95, upper95, lower998, upper998, compared95, compared998,
    value_note, practices (a list, for a system's areas).
    """
    con = duckdb.connect()
    con.register("c", counts)
    parts = []
    for area_type, code, name, parent in LEVELS:
        parent_cols = next(((c, n) for t, c, n, _ in LEVELS if t == parent), None)
        # An area that spans two parents (a PCN across CCGs) takes the one most of its
        # practices are in; a practice of no PCN ("U", unallocated) has no PCN parent.
        if parent_cols is None:
            parent_sql = "'', ''"
        elif parent == "PCN":
            parent_sql = (
                f"CASE WHEN any_value({parent_cols[0]}) = '{UNALLOCATED}' THEN '' "
                f"ELSE any_value({parent_cols[0]}) END, "
                f"CASE WHEN any_value({parent_cols[0]}) = '{UNALLOCATED}' THEN '' "
                f"ELSE any_value({parent_cols[1]}) END"
            )
        else:
            parent_sql = f"mode({parent_cols[0]}), ''"  # named below
        unallocated = f"WHERE {code} <> '{UNALLOCATED}'" if area_type == "PCN" else ""
        parts.append(
            f"""SELECT indicator_id, any_value(list_type) AS list_type, {code} AS area_code,
                   any_value({name}) AS area_name, '{area_type}' AS area_type,
                   {parent_sql}, sum(count) AS count, sum(denominator) AS denominator
            FROM c {unallocated} GROUP BY indicator_id, {code}"""
        )
    sums = con.sql(" UNION ALL ".join(parts)).df()
    sums.columns = [
        "indicator_id",
        "list_type",
        "area_code",
        "area_name",
        "area_type",
        "parent_code",
        "parent_name",
        "count",
        "denominator",
    ]
    # Each parent's name, by its code (the mode above picks a code, not its name).
    names: dict[str, str] = {}
    for _, code_col, name_col, _ in LEVELS:
        # Distinct pairs first: iterating a whole arrow-backed column a value at a time is slow.
        pairs = counts[[code_col, name_col]].drop_duplicates()
        names.update(zip(pairs[code_col].tolist(), pairs[name_col].tolist(), strict=True))
    sums["parent_name"] = [names.get(c, "") if c else "" for c in sums["parent_code"].tolist()]
    sums["practices"] = [[] for _ in range(len(sums))]
    areas = list(system_areas)
    if areas:
        sums = pd.concat([sums, _system_sums(counts, areas)], ignore_index=True)
    sums["key"] = np.arange(len(sums))
    out = _values(sums)
    top = out[out["area_type"] == "England"]
    england = dict(zip(top["indicator_id"].astype(int), top["value"].astype(float), strict=True))
    out = _compare(out, england)
    out["age"] = out["list_type"].map(AGES).fillna("All ages")
    return out.rename(
        columns={
            "lower95_0cl": "lower95",
            "upper95_0cl": "upper95",
            "lower99_8cl": "lower998",
            "upper99_8cl": "upper998",
        }
    ).drop(columns=["key", "benchmark", "list_type"])


def _system_sums(counts: pd.DataFrame, areas: Sequence[SystemArea]) -> pd.DataFrame:
    """A system's areas summed from their member practices' counts (practices without QOF data
    are left out, and the practices used are listed)."""
    members = pd.DataFrame(
        [(a.key, p) for a in areas for p in a.practices], columns=["area_code", "PRACTICE_CODE"]
    )
    joined = counts[["indicator_id", "list_type", "PRACTICE_CODE", "count", "denominator"]].merge(
        members, on="PRACTICE_CODE"
    )
    if joined.empty:
        return pd.DataFrame(columns=["indicator_id", "area_code"])
    grouped = joined.groupby(["indicator_id", "area_code"], sort=False)
    sums = grouped.agg(
        list_type=("list_type", "first"),
        count=("count", "sum"),
        denominator=("denominator", "sum"),
        practices=("PRACTICE_CODE", lambda s: sorted(set(s))),
    ).reset_index()
    facts = {a.key: a for a in areas}
    sums["area_name"] = [facts[k].name for k in sums["area_code"]]
    sums["area_type"] = [facts[k].area_type for k in sums["area_code"]]
    sums["parent_code"] = [facts[k].parent_key for k in sums["area_code"]]
    sums["parent_name"] = [facts[k].parent_name for k in sums["area_code"]]
    return sums
