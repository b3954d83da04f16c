"""Database helpers that differ between the server database and the embedded one."""

import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet


def serialise(key: str) -> None:
    """Inside a transaction, wait until no other transaction holds `key`, then hold it.

    Two loads of the same document at once would otherwise both see "not there yet" and both
    insert. PostgreSQL takes an advisory lock released at commit; SQLite needs nothing, since
    its transactions begin IMMEDIATE and so writers already take their turn one at a time.
    """
    if connection.vendor == "postgresql":
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])


# PostgreSQL binds at most 65,535 parameters in a statement (SQLite 32,766): the codes a
# document names are looked up this many at a time, well under both.
CHUNK = 5_000


def in_chunks[R](rows: QuerySet[Any, R], field: str, values: Iterable[Any]) -> list[R]:
    """The rows whose `field` is one of `values`, looked up a chunk of values at a time."""
    wanted = list(values)
    return [
        row
        for start in range(0, len(wanted), CHUNK)
        for row in rows.filter(**{f"{field}__in": wanted[start : start + CHUNK]})
    ]


def by_field[M: Model](rows: QuerySet[M, M], field: str, values: Iterable[Any]) -> dict[Any, M]:
    """`in_bulk` a chunk at a time: the rows whose `field` is one of `values`, by that field."""
    return {getattr(row, field): row for row in in_chunks(rows, field, values)}
