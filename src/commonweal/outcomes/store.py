"""Writing indicator values in bulk: the rows a release covers replace the ones it replaces,
inside the caller's transaction.

A QOF release is about 170,000 rows. The ORM's bulk_create builds a model instance per row; here
rows go straight to the database: PostgreSQL's COPY, SQLite's executemany of one prepared
INSERT. Both are several times faster and keep the write to a few seconds. After the write, the
figures withheld on public pages to protect a suppressed count are marked again (suppression.py).
"""

import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from . import suppression
from .models import Value

# Columns written, in order; every one has a default for rows that do not give it.
COLUMNS: tuple[str, ...] = (
    "indicator_id",
    "area_code",
    "area_name",
    "area_type",
    "area_type_label",
    "indicator_name",
    "parent_code",
    "parent_name",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
    "period_sortable",
    "period_range",
    "value",
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "count",
    "denominator",
    "value_note",
    "recent_trend",
    "computed_trend",
    "compared95",
    "compared998",
    "compared_england",
    "compared_parent",
    "parent_label",
    "new_data",
    "compared_to_goal",
    "practices",
    "withheld_as_complement",
    "source",
    "loaded_at",
)
NUMBERS = frozenset({"value", "lower95", "upper95", "lower998", "upper998", "count", "denominator"})
DEFAULTS: dict[str, Any] = {
    "sex": "Persons",
    "age": "All ages",
    "practices": [],
    "withheld_as_complement": False,
}


def _cell(column: str, row: Mapping[str, Any]) -> Any:
    value = row.get(column, DEFAULTS.get(column, None if column in NUMBERS else ""))
    if column in NUMBERS:
        if value is None:
            return None
        number = float(value)
        return None if math.isnan(number) else number
    if column == "practices":
        return json.dumps(list(value)) if value else "[]"
    return value


def replace(
    indicator_ids: Sequence[int], rows: Iterable[Mapping[str, Any]], *, where: Mapping[str, Any]
) -> int:
    """Delete the indicators' values matching `where` (e.g. {"source": "QOF 2020/21"}), then
    write `rows`. Returns the number written. Call inside a transaction."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())  # once, not per row
    records = (tuple(now if c == "loaded_at" else _cell(c, row) for c in COLUMNS) for row in rows)
    return _write(indicator_ids, records, where)


def replace_frame(
    indicator_ids: Sequence[int],
    frame: pd.DataFrame,
    constants: Mapping[str, Any],
    *,
    where: Mapping[str, Any],
) -> int:
    """As `replace`, from a frame's columns (and constants for columns it lacks): a whole
    column is converted at once, not a cell at a time."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())  # once, not per row
    columns: list[Any] = []
    for c in COLUMNS:
        if c == "loaded_at":
            columns.append(itertools.repeat(now))
        elif c in frame:
            values = frame[c]
            if c in NUMBERS:
                numbers = values.to_numpy(dtype=float, na_value=np.nan)
                columns.append([None if math.isnan(x) else x for x in numbers.tolist()])
            elif c == "practices":
                columns.append([json.dumps(list(p)) if len(p) else "[]" for p in values])
            else:
                columns.append(values.astype(object).tolist())
        else:
            value = constants.get(c, DEFAULTS.get(c, None if c in NUMBERS else ""))
            columns.append(itertools.repeat(json.dumps(value) if c == "practices" else value))
    # The constant columns repeat without end: the frame's columns set the length.
    return _write(indicator_ids, zip(*columns, strict=False), where)


def _write(
    indicator_ids: Sequence[int], records: Iterable[tuple[Any, ...]], where: Mapping[str, Any]
) -> int:
    Value.objects.filter(indicator_id__in=list(indicator_ids), **where).delete()
    rows = list(records)
    # Each (indicator, period) written is gone through whole for the figures that would give a
    # suppressed count away. Where the rows written are all of it (a QOF release, a first
    # import), that is worked out from them before they are written, and the marks go in with
    # them; otherwise it is read back afterwards, with the values already there.
    pairs = {(row[AT["indicator_id"]], row[AT["period"]]) for row in rows}
    beside = Value.objects.filter(
        indicator_id__in={i for i, _ in pairs}, period__in={p for _, p in pairs}
    ).exists()
    if not beside:
        rows = _marked(rows)
    table = Value._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for record in rows:
                    copy.write_row(record)
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"
            for start in range(0, len(rows), 10_000):
                cursor.executemany(sql, rows[start : start + 10_000])
    if beside:
        suppression.refresh(pairs)
    return len(rows)


AT = {c: i for i, c in enumerate(COLUMNS)}


def _marked(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows, those to be withheld as complements marked so (suppression.withheld)."""
    fields = [f for f in suppression.FIELDS if f not in ("id", "withheld_as_complement")]
    at = [AT[f] for f in fields]
    plain = []
    for n, row in enumerate(rows):
        values = dict(zip(fields, (row[i] for i in at), strict=True))
        practices = values["practices"]
        values["practices"] = json.loads(practices) if practices != "[]" else []
        values["id"] = n
        values["indicator_id"] = row[AT["indicator_id"]]
        values["period"] = row[AT["period"]]
        plain.append(values)
    flag = AT["withheld_as_complement"]
    withheld = suppression.withheld(plain)
    return [
        (*row[:flag], n in withheld, *row[flag + 1 :]) if row[flag] != (n in withheld) else row
        for n, row in enumerate(rows)
    ]
