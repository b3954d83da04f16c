"""Database helpers that differ between the server database and the embedded one."""

import hashlib

from django.db import connection


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
