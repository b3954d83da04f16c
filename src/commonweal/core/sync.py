"""Bring stored rows into line with what a document describes, without deleting anything.

Loaders describe rows by a natural key (an area's code, a post's reference, a holder and the
date they started). `sync` creates the rows a document adds, changes the fields it changes,
and *ends* the rows it no longer describes (sets `ends`, the last day they were in force);
a row described again is reinstated. Nothing is deleted, because decisions, attendance and
roles may point at any of these rows. Every change is written to a `Diff`, which becomes the
audit event's before and after (only the fields that changed) and tells the loader whose
permission the change needs.
"""

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Model


def plain(value: Any) -> Any:
    """A value as the audit trail writes it: JSON, with rows by their code or key."""
    if isinstance(value, Model):
        for name in ("code", "key", "slug"):
            if hasattr(value, name):
                return getattr(value, name)
        return str(value.pk)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


@dataclass
class Diff:
    """What a load changed, field by field: path -> (before, after)."""

    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def note(self, path: str, before: Any, after: Any) -> None:
        self.changes[path] = (plain(before), plain(after))

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def under(self, prefix: str) -> bool:
        return any(p == prefix or p.startswith(prefix + ".") for p in self.changes)

    def before(self) -> dict[str, Any] | None:
        return {p: b for p, (b, _) in self.changes.items()} or None

    def after(self) -> dict[str, Any] | None:
        return {p: a for p, (_, a) in self.changes.items()} or None


def key_text(key: Hashable) -> str:
    """A natural key as the audit trail writes it: parts joined by '/', empty parts left out."""
    if isinstance(key, tuple):
        return "/".join(str(plain(part)) for part in key if part not in (None, ""))
    return str(plain(key))


def ends_for(row: Model, on: date) -> date | None:
    """The end a dropped row gets: the day before the load, or, for a row that had not yet
    started, the day before it would have started (so it was never in force)."""
    current = getattr(row, "ends", None)
    last = on - timedelta(days=1)
    if current is not None and current <= last:
        return current
    starts = getattr(row, "starts", None)
    if starts is not None and starts > last:
        return starts - timedelta(days=1)
    return last


def _same(row: Model, name: str, value: Any) -> bool:
    if isinstance(value, Model) or (value is None and hasattr(row, f"{name}_id")):
        return getattr(row, f"{name}_id") == (value.pk if value is not None else None)
    return bool(getattr(row, name) == value)


def sync[K: Hashable, M: Model](
    existing: Iterable[M],
    key: Callable[[M], K],
    wanted: Mapping[K, Mapping[str, Any]],
    make: Callable[[K, Mapping[str, Any]], M],
    *,
    on: date,
    diff: Diff,
    path: str | Callable[[K], str],
    end: bool = True,
) -> dict[K, M]:
    """Make the stored rows match `wanted` (key -> field values); return the described rows.

    `make` builds (and saves) a row for a new key. Rows not wanted are ended as of `on` (the
    load's date) when `end` is true, and left alone when it is false. `path` names a row in the
    diff: a prefix (the key is added after it) or a function of the key.
    """
    if isinstance(path, str):
        prefix = path

        def path(k: K) -> str:
            return f"{prefix}.{key_text(k)}"

    stored = {key(row): row for row in existing}
    # Rows are written in the order the database's rules need: first the rows no longer wanted
    # are ended, then stored rows change (those that end before those that open), and only then
    # are new rows made. Some tables hold one open row for a key (an organisation's
    # responsibility for an area, a post's place on a body): a new open row made before the old
    # one ends would break that. The diff is noted in the document's order all the same.
    ended: list[tuple[K, Any, date | None]] = []
    if end:
        for k, row in stored.items():
            if k in wanted:
                continue
            ends = ends_for(row, on)
            if ends != getattr(row, "ends", None):
                ended.append((k, getattr(row, "ends", None), ends))
                row.ends = ends  # type: ignore[attr-defined]
                row.save(update_fields=["ends"])

    def opens(k: K) -> bool:
        return "ends" in wanted[k] and wanted[k]["ends"] is None

    changed: dict[K, list[tuple[str, Any]]] = {}
    for k in sorted((k for k in wanted if k in stored), key=opens):
        row, fields = stored[k], wanted[k]
        names = [n for n, v in fields.items() if not _same(row, n, v)]
        changed[k] = [(n, getattr(row, n)) for n in names]
        for name in names:
            setattr(row, name, fields[name])
        if names:
            row.save(update_fields=names)
    rows: dict[K, M] = {}
    for k, fields in wanted.items():
        if k in stored:
            rows[k] = stored[k]
            for name, before in changed[k]:
                diff.note(f"{path(k)}.{name}", before, fields[name])
        else:
            rows[k] = make(k, fields)
            diff.note(path(k), None, {n: v for n, v in fields.items() if v not in (None, "", [])})
    for k, before, after in ended:
        diff.note(f"{path(k)}.ends", before, after)
    return rows
