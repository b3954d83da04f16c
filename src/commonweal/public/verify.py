"""Checking the public register: the chain, the records against what was published, and the
anchors, in the database and kept outside it. Each problem names the record it is about."""

import hashlib
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from commonweal.interests.models import Offer
from commonweal.public.models import Anchor, Entry, RegisterDecision
from commonweal.public.publication import GENESIS, all_forms, anchors_storage, link

# An anchor log fetched from a URL is read up to this size: bounded memory for a hostile server.
MOST_BYTES = 256 * 1024 * 1024
KINDS = dict(Entry.Kind.choices)


@dataclass(frozen=True)
class Problem:
    record: str  # "decision D00012", "the chain", "anchor 120"
    message: str
    tampering: bool = True  # False: not yet published, which `commonweal publish` puts right


@dataclass
class Report:
    entries: int = 0
    records: int = 0
    anchors: int = 0
    outside: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def tampered(self) -> bool:
        return any(p.tampering for p in self.problems)


def _digest(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


def _name(kind: str, key: str) -> str:
    return f"{KINDS.get(kind, kind).lower()} {key}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # an anchors URL is read where it says, not wherever it points


def read_anchors(source: str | None) -> list[dict[str, Any]]:
    """Anchors kept outside the database: the anchors storage, or a file, directory or URL
    holding them (JSON lines, a JSON list, or a directory of anchor files). Each source is read
    up to MOST_BYTES, and each anchor's shape is checked, so a hostile file is refused."""
    if source is None:
        storage = anchors_storage()
        try:
            _, names = storage.listdir("")
        except FileNotFoundError:
            return []
        out = []
        for name in sorted(n for n in names if n.startswith("anchor-") and n.endswith(".json")):
            with storage.open(name) as f:
                out.append(_anchor(_load(f.read(MOST_BYTES + 1), name), name))
        return out
    if source.startswith(("http://", "https://")):
        opener = urllib.request.build_opener(_NoRedirects)
        with opener.open(source, timeout=60) as response:
            text = response.read(MOST_BYTES + 1)
        return _parse(_capped(text, source), source)
    if not source.startswith(("/", ".")) and "://" in source:
        raise ValueError(f"{source}: only a file, a directory, or an http(s) URL")
    path = Path(source)
    if path.is_dir():
        out = []
        for p in sorted(path.glob("anchor-*.json")):
            with p.open("rb") as f:
                out.append(_anchor(_load(f.read(MOST_BYTES + 1), str(p)), str(p)))
        return out
    if not path.is_file():
        raise ValueError(f"{source}: no such file or directory")
    with path.open("rb") as f:
        return _parse(_capped(f.read(MOST_BYTES + 1), source), source)


def _capped(data: bytes, source: str) -> str:
    if len(data) > MOST_BYTES:
        raise ValueError(f"{source}: more than {MOST_BYTES:,} bytes")
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise ValueError(f"{source}: not UTF-8 text") from None


def _load(data: bytes | str, where: str) -> Any:
    if len(data) > MOST_BYTES:
        raise ValueError(f"{where}: more than {MOST_BYTES:,} bytes")
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise ValueError(f"{where}: not JSON ({e})") from None


def _anchor(data: Any, where: str) -> dict[str, Any]:
    """An anchor as written: {seq, head, at, entries: [[seq, kind, key, version, hash]]}."""
    ok = (
        isinstance(data, dict)
        and isinstance(data.get("seq"), int)
        and isinstance(data.get("head"), str)
        and isinstance(data.get("entries", []), list)
        and all(
            isinstance(row, list)
            and len(row) == 5
            and isinstance(row[0], int)
            and all(isinstance(x, str) for x in (row[1], row[2], row[4]))
            and isinstance(row[3], int)
            for row in data.get("entries", [])
        )
    )
    if not ok:
        raise ValueError(
            f"{where}: not an anchor ({{seq, head, at, entries: [[seq, kind, key, version, "
            "hash], ...]}})"
        )
    return dict(data)


def _parse(text: str, source: str) -> list[dict[str, Any]]:
    text = text.strip()
    if text.startswith("["):
        found = _load(text, source)
        if not isinstance(found, list):
            raise ValueError(f"{source}: not a list of anchors")
        return [_anchor(a, f"{source}, anchor {n}") for n, a in enumerate(found, 1)]
    return [
        _anchor(_load(line, f"{source}, line {number}"), f"{source}, line {number}")
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip()
    ]


def _entries() -> Iterator[tuple[int, str, str, int, str, str, str]]:
    return (
        Entry.objects.order_by("seq")
        .values_list("seq", "kind", "key", "version", "payload", "prev", "hash")
        .iterator(chunk_size=2000)
    )


def verify(outside: list[dict[str, Any]] | None) -> Report:
    report = Report()
    problems = report.problems
    # 1. The chain: each entry's hash is over its payload and the hash before it.
    chain: dict[int, tuple[str, str, int, str]] = {}
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    previous = GENESIS
    for seq, kind, key, version, payload, prev, stored in _entries():
        report.entries += 1
        name = _name(kind, key)
        if seq != report.entries:
            problems.append(
                Problem("the chain", f"entry {report.entries} is missing (next is {seq})")
            )
            report.entries = seq
        if prev != previous:
            problems.append(Problem(name, f"entry {seq} does not follow the entry before it"))
        if link(prev, kind, key, version, payload) != stored:
            problems.append(
                Problem(name, f"entry {seq} (version {version}) was changed after it was published")
            )
        chain[seq] = (kind, key, version, stored)
        latest[(kind, key)] = (version, _digest(payload))
        previous = stored

    # 2. Each record now, against the last version published; the register against the chain.
    seen: set[tuple[str, str]] = set()
    for batch in all_forms():
        for f in batch:
            report.records += 1
            seen.add((f.kind, f.key))
            published = latest.get((f.kind, f.key))
            if published is None:
                problems.append(
                    Problem(_name(f.kind, f.key), "is not yet published", tampering=False)
                )
            elif published[1] != _digest(f.payload):
                problems.append(
                    Problem(
                        _name(f.kind, f.key),
                        f"differs from version {published[0]} as published: "
                        "changed after publication",
                    )
                )
    undeclared = {
        f"G{pk}" for pk in Offer.objects.filter(declared=False).values_list("id", flat=True)
    }
    for kind, key in latest.keys() - seen:
        # A gift re-judged as not for declaring leaves the register; nothing else does.
        if not (kind == Entry.Kind.OFFER and key in undeclared):
            problems.append(Problem(_name(kind, key), "was published but is no longer recorded"))
    shown: set[str] = set()
    for reference, payload in RegisterDecision.objects.values_list("reference", "payload").iterator(
        chunk_size=2000
    ):
        shown.add(reference)
        published = latest.get((Entry.Kind.DECISION, reference))
        if published is None or published[1] != _digest(payload):
            problems.append(
                Problem(
                    _name(Entry.Kind.DECISION, reference),
                    "the register shows something other than what was published",
                )
            )

    for kind, key in latest:
        if kind == Entry.Kind.DECISION and key not in shown:
            problems.append(
                Problem(_name(kind, key), "was published but is missing from the register")
            )

    # 3. Anchors: in the database, then those kept outside it.
    inside = {
        a["seq"]: a
        for a in (
            {"seq": seq, "head": head, "at": at.isoformat(), "entries": entries}
            for seq, head, at, entries in Anchor.objects.values_list("seq", "head", "at", "entries")
        )
    }
    report.anchors = len(inside)
    _check_anchors(inside.values(), chain, problems, "anchor")
    if outside is not None:
        report.outside = len(outside)
        _check_anchors(outside, chain, problems, "anchor kept outside the database,")
        kept = {a.get("seq"): a for a in outside}
        for number, a in inside.items():
            there = kept.get(number)
            if there is None:
                problems.append(
                    Problem(f"anchor {number}", "is in the database but not kept outside it")
                )
            elif there.get("head") != a["head"] or there.get("entries") != a["entries"]:
                problems.append(
                    Problem(
                        f"anchor {number}", "in the database differs from the copy kept outside it"
                    )
                )
        for missing in kept.keys() - inside.keys():
            problems.append(
                Problem(f"anchor {missing}", "is kept outside but missing from the database")
            )
    return report


def _check_anchors(
    anchors: Any,
    chain: dict[int, tuple[str, str, int, str]],
    problems: list[Problem],
    what: str,
) -> None:
    for a in anchors:
        seq = a.get("seq")
        found = chain.get(seq) if isinstance(seq, int) else None
        if found is None:
            problems.append(Problem(f"{what} {seq}", "names an entry the chain does not have"))
            continue
        for row in a.get("entries", []):
            try:
                e_seq, kind, key, version, hash_ = row
            except (TypeError, ValueError):
                problems.append(Problem(f"{what} {seq}", f"has a malformed entry: {row!r}"))
                continue
            now = chain.get(e_seq)
            if now is None or now[:3] != (kind, key, version) or now[3] != hash_:
                problems.append(
                    Problem(
                        _name(kind, key),
                        f"entry {e_seq} (version {version}) is not what {what} {seq} of "
                        f"{a.get('at', '?')} recorded: changed after publication",
                    )
                )
        if found[3] != a.get("head"):
            problems.append(
                Problem(f"{what} {seq}", f"the chain's head at entry {seq} is not the one anchored")
            )
