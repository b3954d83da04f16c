"""Publishing to the public register: the hash chain, the anchors, and what is published.

A record is published when the action that made or changed it finishes (inside its
transaction, through `core.actions.AFTER_ACTION`), and `commonweal publish` publishes anything
not yet published (records loaded in bulk, or published before this existed). Publishing a
record computes its public form; if that differs from the last version published, a new entry
is appended to the chain. Each publication then anchors the chain's head: an `Anchor` row, and
(once the transaction commits) a file in the anchors storage, outside the database.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import connection, transaction
from django.utils import timezone

from commonweal.core.models import AuditEvent
from commonweal.decisions.models import Decision, DecisionEvent, Minutes
from commonweal.interests.models import Interest, Offer
from commonweal.public import decisions as public
from commonweal.public.models import Anchor, Entry, RegisterDecision

GENESIS = "0" * 64
BATCH = 2000
Kind = Entry.Kind


def canonical(data: Any) -> str:
    """Canonical JSON: keys sorted, no insignificant space, UTF-8 as itself."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(prev: str, kind: str, key: str, version: int, payload: str) -> str:
    h = hashlib.sha256(f"{prev}\n{kind}\n{key}\n{version}\n".encode())
    h.update(payload.encode())
    return h.hexdigest()


@dataclass(frozen=True)
class Form:
    """A record's public form, ready to publish."""

    kind: str
    key: str
    payload: str
    decision: public.PublicDecision | None = None
    decision_id: int | None = None


# Each kind of record's public form -------------------------------------------------------------


def decision_forms(rows: Sequence[Decision]) -> list[Form]:
    return [
        Form(Kind.DECISION, p.reference, canonical(p.as_data()), p, d.pk)
        for d, p in zip(rows, public.public_decisions(rows), strict=True)
    ]


def event_key(e: DecisionEvent) -> str:
    return f"{e.decision.reference}/E{e.pk}"


def event_forms(rows: Iterable[DecisionEvent]) -> list[Form]:
    return [
        Form(Kind.DECISION_EVENT, event_key(e), canonical(asdict(public.public_event(e))))
        for e in rows
    ]


def minutes_form(m: Minutes) -> Form:
    meeting = m.meeting
    return Form(
        Kind.MINUTES,
        f"M{m.pk}",
        canonical(
            {
                "minutes": f"M{m.pk}",
                "system": meeting.body.system.slug,
                "body": {"code": meeting.body.code, "name": meeting.body.name},
                "meeting": {"id": meeting.pk, "starts": meeting.starts.isoformat()},
                "text": m.text,
                "approved_on": m.approved_on.isoformat() if m.approved_on else None,
                "approved_at": {"id": m.approved_at.pk, "starts": m.approved_at.starts.isoformat()}
                if m.approved_at
                else None,
                "corrects": f"M{m.corrects_id}" if m.corrects_id else None,
            }
        ),
    )


def interest_form(i: Interest) -> Form:
    data: dict[str, Any] = {
        "entry": f"I{i.pk}",
        "organisation": i.organisation.code,
        "person": i.person.name,
        "withheld": i.withheld,
    }
    if not i.withheld:
        data |= {
            "kind": i.kind,
            "pecuniary": i.pecuniary,
            "description": i.description,
            "counterparty": i.counterparty,
            "starts": i.starts.isoformat(),
            "ends": i.ends.isoformat() if i.ends else None,
            "action": i.action,
            "declared_on": i.declared_on.isoformat(),
        }
    return Form(Kind.INTEREST, f"I{i.pk}", canonical(data))


def offer_form(o: Offer) -> Form:
    return Form(
        Kind.OFFER,
        f"G{o.pk}",
        canonical(
            {
                "entry": f"G{o.pk}",
                "organisation": o.organisation.code,
                "person": o.person.name,
                "kind": o.kind,
                "description": o.description,
                "offered_by": o.offered_by,
                "value": o.value,
                "on": o.on.isoformat(),
                "decision": o.decision,
                "reason": o.reason,
            }
        ),
    )


def _decisions() -> Any:
    return public.with_decisions(Decision.objects.order_by("id"))


def _events() -> Any:
    return DecisionEvent.objects.select_related("decision__item", "meeting__body").order_by("id")


def _minutes() -> Any:
    return (
        Minutes.objects.filter(status=Minutes.Status.APPROVED)
        .select_related("meeting__body__system", "approved_at")
        .order_by("id")
    )


def _interests() -> Any:
    return Interest.objects.select_related("person", "organisation").order_by("id")


def _offers() -> Any:
    # A gift that need not be declared is not on the register.
    return (
        Offer.objects.filter(declared=True).select_related("person", "organisation").order_by("id")
    )


def _batches(rows: Any) -> Iterator[list[Any]]:
    """A queryset a batch at a time, by primary key, so 100,000 rows stay in bounded memory."""
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def all_forms() -> Iterator[list[Form]]:
    """Every publishable record's public form as it is now, a batch at a time."""
    for batch in _batches(_decisions()):
        yield decision_forms(batch)
    for batch in _batches(_events()):
        yield event_forms(batch)
    for batch in _batches(_minutes()):
        yield [minutes_form(m) for m in batch]
    for batch in _batches(_interests()):
        yield [interest_form(i) for i in batch]
    for batch in _batches(_offers()):
        yield [offer_form(o) for o in batch]


# The chain -------------------------------------------------------------------------------------


def anchors_storage() -> Storage:
    return storages["anchors"]


def anchor_name(seq: int) -> str:
    return f"anchor-{seq:012d}.json"


def anchor_data(a: Anchor) -> dict[str, Any]:
    return {"seq": a.seq, "head": a.head, "at": a.at.isoformat(), "entries": a.entries}


def _keep_outside(a: Anchor) -> None:
    storage = anchors_storage()
    name = anchor_name(a.seq)
    if not storage.exists(name):
        storage.save(name, ContentFile(canonical(anchor_data(a)).encode()))


def _lock() -> None:
    """One publisher at a time, so the chain never forks. SQLite's writes are already one at a
    time (transactions begin IMMEDIATE); PostgreSQL takes a transaction-level advisory lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x636F6D6D])


def _latest(kind: str, keys: list[str]) -> dict[str, tuple[int, str]]:
    """The last published version of each key: (version, hash of its payload)."""
    out: dict[str, tuple[int, str]] = {}
    for start in range(0, len(keys), 900):
        for key, version, payload in Entry.objects.filter(
            kind=kind, key__in=keys[start : start + 900]
        ).values_list("key", "version", "payload"):
            if key not in out or out[key][0] < version:
                out[key] = (version, _digest(payload))
    return out


def _digest(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class Held:
    """Records `publish_pending` did not publish: their form differs from the version published,
    and no action accounts for the change (each action publishes its own changes)."""

    keys: list[str]


def publish(forms: Sequence[Form], held: Held | None = None) -> int:
    """Append each form that differs from its last published version; anchor; return how many.

    Given `held`, a form whose record was published before is not published again but listed
    there: a change that no action made is for `verify-register` to report, not to bless.
    """
    if not forms:
        return 0
    with transaction.atomic():
        _lock()
        head = Entry.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev = head if head else (0, GENESIS)
        latest: dict[str, dict[str, tuple[int, str]]] = {}
        for kind in {f.kind for f in forms}:
            latest[kind] = _latest(kind, [f.key for f in forms if f.kind == kind])
        now = timezone.now()
        added: list[Entry] = []
        changed: list[Form] = []
        for f in forms:
            version, digest = latest[f.kind].get(f.key, (0, ""))
            if digest == _digest(f.payload):
                continue
            if held is not None and version > 0:
                held.keys.append(f.key)
                continue
            seq += 1
            version += 1
            prev = link(prev, f.kind, f.key, version, f.payload)
            added.append(
                Entry(
                    seq=seq,
                    kind=f.kind,
                    key=f.key,
                    version=version,
                    payload=f.payload,
                    prev="",
                    hash=prev,
                    published=now,
                )
            )
            latest[f.kind][f.key] = (version, _digest(f.payload))
            changed.append(f)
        if not added:
            return 0
        previous = head[1] if head else GENESIS
        for e in added:
            e.prev, previous = previous, e.hash
        Entry.objects.bulk_create(added, batch_size=1000)
        _register([f for f in changed if f.kind == Kind.DECISION])
        anchor = Anchor.objects.create(
            seq=seq,
            head=prev,
            at=now,
            entries=[[e.seq, e.kind, e.key, e.version, e.hash] for e in added],
        )
        transaction.on_commit(lambda: _keep_outside(anchor))
        return len(added)


def _register(forms: list[Form]) -> None:
    """The decisions register's rows for newly published decisions (replacing earlier ones)."""
    if not forms:
        return
    ids = [f.decision_id for f in forms if f.decision_id is not None]
    RegisterDecision.objects.filter(decision_id__in=ids).delete()
    decisions = {
        d.pk: d
        for d in Decision.objects.filter(pk__in=ids).only(
            "id", "system_id", "body_id", "footprint_id"
        )
    }
    places = public.Places({d.system_id for d in decisions.values()})
    rows = []
    for f in forms:
        p, d = f.decision, decisions[f.decision_id or 0]
        assert p is not None
        rows.append(
            RegisterDecision(
                decision_id=d.pk,
                system_id=d.system_id,
                reference=p.reference,
                title=p.title,
                on=p.on,
                basis=p.basis,
                outcome=p.outcome,
                decision_type=p.decision_type,
                key_decision=p.key_decision,
                body_id=d.body_id,
                organisations=" " + " ".join(x.organisation for x in p.parts) + " ",
                places=" " + " ".join(places.path(d.footprint_id)) + " ",
                amount=p.amount or 0,
                exempt=p.exempt,
                text=public.search_text(p),
                payload=f.payload,
            )
        )
    RegisterDecision.objects.bulk_create(rows, batch_size=1000)


def publish_pending(republish: Sequence[str] = ()) -> tuple[int, list[str]]:
    """Publish every record not yet published (and those named in `republish`, whose change
    someone has checked); return how many entries, and the changed records held back."""
    held = Held([])
    chosen = set(republish)
    added = 0
    for batch in all_forms():
        added += publish([f for f in batch if f.key not in chosen], held)
        added += publish([f for f in batch if f.key in chosen])
    return added, held.keys


# After each action ------------------------------------------------------------------------------


def after_action(events: list[AuditEvent]) -> None:
    """Publish what an action made or changed, inside its transaction."""
    ids: dict[str, set[int]] = {}
    for e in events:
        if e.object_id.isdigit():
            ids.setdefault(e.object_type, set()).add(int(e.object_id))
    decisions = set(ids.get("decision", ()))
    if "agenda_item" in ids:  # an item made exempt (or not) changes its decisions' public form
        decisions |= set(
            Decision.objects.filter(item__in=ids["agenda_item"]).values_list("id", flat=True)
        )
    forms: list[Form] = []
    if decisions:
        forms += decision_forms(list(_decisions().filter(pk__in=decisions)))
        forms += event_forms(_events().filter(decision__in=decisions))
    if "minutes" in ids:
        forms += [minutes_form(m) for m in _minutes().filter(pk__in=ids["minutes"])]
    if "interest" in ids:
        forms += [interest_form(i) for i in _interests().filter(pk__in=ids["interest"])]
    if "offer" in ids:
        forms += [offer_form(o) for o in _offers().filter(pk__in=ids["offer"])]
    publish(forms)
