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
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
        return json.dumps(list(value or []))
    return value


def replace(
    indicator_ids: Sequence[int], rows: Iterable[Mapping[str, Any]], *, where: Mapping[str, Any]
) -> int:
    """Delete the indicators' values matching `where` (e.g. {"source": "QOF 2020/21"}), then
    write `rows`. Returns the number written. Call inside a transaction."""
    now = timezone.now()
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
    now = timezone.now()
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
                columns.append([json.dumps(list(p)) for p in values])
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
    # Which (indicator, period) each record belongs to: their complements are marked again.
    written_for: set[tuple[int, str]] = set()
    key = (COLUMNS.index("indicator_id"), COLUMNS.index("period"))

    def noting(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        for row in rows:
            written_for.add((row[key[0]], row[key[1]]))
            yield row

    records = noting(records)
    table = Value._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)
                    written += 1
        else:
            marks = ", ".join(["%s"] * len(COLUMNS))
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"
            batch: list[tuple[Any, ...]] = []
            for record in records:
                batch.append(record)
                if len(batch) == 10_000:
                    cursor.executemany(sql, batch)
                    written += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                written += len(batch)
    suppression.refresh(written_for)
    return written
