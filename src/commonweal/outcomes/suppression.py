"""Which figures the public pages withhold.

A figure whose count is below the small-number threshold is suppressed where it is shown
(presenters.figure): that needs nothing stored, and follows the threshold in force. Suppressing it
alone is not enough when a total and the figures beside it are shown too: a practice's count is
its PCN's count less its neighbours', and males' is persons' less females'. So with every write
of values, each (indicator, period) written is gone through whole and the figures that would give
a suppressed count away are marked `withheld_as_complement` (rules.withhold says which).

The totals are those that can be subtracted from what is published: an area and the areas whose
parent it is, of one area type (a PCN and its practices); a system's or place's sum and the
practices it lists; persons and the two sexes; an area's figure and its breakdown by one category
type (deprivation deciles, say). Each within one sex, age and category.

The marks are made with the threshold in force when the values were written: after changing
COMMONWEAL_SMALL_NUMBER, run `commonweal withhold-small-numbers` (import-outcomes does it too).
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import connection

from commonweal.core.actions import Actor, action
from commonweal.core.db import serialise

from . import rules
from .models import Indicator, Value

CHUNK = 900  # ids per UPDATE: under SQLite's limit on a statement's parameters


def threshold() -> int:
    return int(getattr(settings, "OUTCOMES_SMALL_NUMBER", rules.DEFAULT_SMALL_NUMBER))


def totals(rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, ...]]:
    """The groups (a total's id, then its parts') among one indicator's values for one period."""
    at: dict[tuple[str, ...], int] = {}
    for r in rows:
        at[(r["area_code"], r["sex"], r["age"], r["category_type"], r["category"])] = r["id"]
    children: dict[tuple[str, ...], list[int]] = defaultdict(list)
    sexes: dict[tuple[str, ...], list[int]] = defaultdict(list)
    categories: dict[tuple[str, ...], list[int]] = defaultdict(list)
    groups: list[tuple[int, ...]] = []
    for r in rows:
        where = (r["sex"], r["age"], r["category_type"], r["category"])
        if r["parent_code"]:
            children[(r["parent_code"], r["area_type"], *where)].append(r["id"])
        if r["sex"] != "Persons":
            sexes[(r["area_code"], r["age"], r["category_type"], r["category"])].append(r["id"])
        if r["category_type"]:
            categories[(r["area_code"], r["sex"], r["age"], r["category_type"])].append(r["id"])
        if r["practices"]:
            parts = [at.get((p, *where)) for p in r["practices"]]
            groups.append((r["id"], *(p for p in parts if p is not None)))
    for key, ids in children.items():
        total = at.get((key[0], *key[2:]))
        if total is not None:
            groups.append((total, *ids))
    for (area, age, ctype, category), ids in sexes.items():
        total = at.get((area, "Persons", age, ctype, category))
        if total is not None:
            groups.append((total, *ids))
    for (area, sex, age, _), ids in categories.items():
        total = at.get((area, sex, age, "", ""))
        if total is not None:
            groups.append((total, *ids))
    return groups


# Read with a plain cursor: at a QOF release's 170,000 rows, the ORM's per-row conversions (a JSON
# decode of every row's empty practice list) took twice as long as the reading.
FIELDS = (
    "id",
    "area_code",
    "area_type",
    "parent_code",
    "sex",
    "age",
    "category_type",
    "category",
    "count",
    "value",
    "denominator",
    "practices",
    "withheld_as_complement",
)


def _rows(indicator_id: int, period: str) -> list[dict[str, Any]]:
    columns = ", ".join(connection.ops.quote_name(f) for f in FIELDS)
    sql = f"SELECT {columns} FROM {Value._meta.db_table} WHERE indicator_id = %s AND period = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [indicator_id, period])
        found = cursor.fetchall()
    rows = []
    for record in found:
        row = dict(zip(FIELDS, record, strict=True))
        practices = row["practices"]
        if isinstance(practices, str):  # SQLite gives the JSON text; PostgreSQL the list
            row["practices"] = json.loads(practices) if practices not in ("", "[]") else []
        rows.append(row)
    return rows


def _withheld_in(rows: Sequence[Mapping[str, Any]], indicator: Indicator, limit: int) -> set[Any]:
    """The ids among one (indicator, period)'s rows to withhold as complements."""
    counts = {
        r["id"]: rules.effective_count(
            r["count"], r["value"], r["denominator"], indicator.method, indicator.multiplier
        )
        for r in rows
    }
    return rules.withhold(counts, totals(rows), limit)


def withheld(rows: Iterable[Mapping[str, Any]]) -> set[Any]:
    """The ids to withhold as complements among rows (of FIELDS, with indicator_id and period)
    that are every value of each (indicator, period) they give: a release not yet written."""
    by_pair: dict[tuple[int, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        by_pair[(row["indicator_id"], row["period"])].append(row)
    indicators = Indicator.objects.in_bulk({i for i, _ in by_pair})
    limit = threshold()
    found: set[Any] = set()
    for (indicator_id, _), group in by_pair.items():
        found |= _withheld_in(group, indicators[indicator_id], limit)
    return found


def refresh(pairs: Iterable[tuple[int, str]]) -> int:
    """Mark again the figures withheld as complements among the values of each (indicator id,
    period) stored. Returns how many are marked. Call inside the writing transaction."""
    by_indicator: dict[int, set[str]] = defaultdict(set)
    for indicator_id, period in pairs:
        by_indicator[indicator_id].add(period)
    limit = threshold()
    marked = 0
    for indicator in Indicator.objects.filter(pk__in=list(by_indicator)):
        for period in sorted(by_indicator[indicator.pk]):
            rows = _rows(indicator.pk, period)
            withheld = _withheld_in(rows, indicator, limit)
            now = {r["id"] for r in rows if r["withheld_as_complement"]}
            for ids, flag in ((sorted(now - withheld), False), (sorted(withheld - now), True)):
                for start in range(0, len(ids), CHUNK):
                    Value.objects.filter(pk__in=ids[start : start + CHUNK]).update(
                        withheld_as_complement=flag
                    )
            marked += len(withheld)
    return marked


@action("outcomes.withhold_small_numbers", internal_only=True)
def withhold_small_numbers(actor: Actor) -> int:
    """Mark again every indicator's values, with the threshold now in force."""
    serialise("outcomes:values")
    marked = refresh(
        list(Value.objects.values_list("indicator_id", "period").order_by().distinct())
    )
    actor.record(
        "values",
        "",
        f"Withheld {marked:,} further figures from the public, below a count of {threshold()}",
    )
    return marked
