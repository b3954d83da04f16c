"""Registers of interests, returns due, and gifts and hospitality, as the pages show them.

A withheld entry's details leave here only for the person and their organisation's
governance team; anyone else gets the fact of the entry and the reason it is withheld.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from commonweal.core.actions import Actor
from commonweal.core.formatting import pounds
from commonweal.core.models import Organisation, Person, in_force
from commonweal.core.permissions import Permission
from commonweal.governance.models import PostHolding
from commonweal.interests import rules
from commonweal.interests.models import Dispensation, Interest, Offer, Return


@dataclass(frozen=True)
class InterestRow:
    id: int
    person: str
    person_key: str
    organisation: str
    kind_label: str
    pecuniary: bool
    shown: bool  # details shown to this viewer
    description: str
    counterparty: str
    action: str
    withheld: bool
    withheld_reason: str
    starts: date
    ends: date | None
    declared_on: date
    declared_late: bool
    editable: bool


def may_see(actor: Actor, interest: Interest) -> bool:
    return (actor.person is not None and actor.person.pk == interest.person_id) or actor.holds(
        Permission.MANAGE_INTERESTS, interest.organisation
    )


def interest_rows(interests: Iterable[Interest], actor: Actor) -> list[InterestRow]:
    out = []
    for i in interests:
        shown = not i.withheld or may_see(actor, i)
        out.append(
            InterestRow(
                id=i.pk,
                person=i.person.name,
                person_key=i.person.key,
                organisation=i.organisation.name,
                kind_label=i.get_kind_display(),
                pecuniary=i.pecuniary,
                shown=shown,
                description=i.description if shown else "",
                counterparty=i.counterparty if shown else "",
                action=i.action if shown else "",
                withheld=i.withheld,
                withheld_reason=i.withheld_reason,
                starts=i.starts,
                ends=i.ends,
                declared_on=i.declared_on,
                declared_late=i.declared_on > i.starts + timedelta(days=rules.CHANGE_DAYS),
                editable=may_see(actor, i),
            )
        )
    return out


@dataclass(frozen=True)
class DueRow:
    person: str
    person_key: str
    posts: tuple[str, ...]
    appointed: date | None
    last_return: date | None
    due: rules.Due


def returns_due(org: Organisation, today: date) -> list[DueRow]:
    """Everyone holding one of the organisation's posts today, with when their declaration of
    interests is next due (fixed number of queries, whatever the number of people)."""
    holdings = list(
        PostHolding.objects.filter(post__organisation=org, post__ends__isnull=True)
        .filter(in_force(today))
        .select_related("person", "post")
    )
    people: dict[int, Person] = {}
    posts: dict[int, list[str]] = defaultdict(list)
    appointed: dict[int, date | None] = {}
    for h in holdings:
        people[h.person_id] = h.person
        posts[h.person_id].append(h.post.title)
        earlier = appointed.get(h.person_id, h.starts)
        appointed[h.person_id] = (
            None if earlier is None or h.starts is None else min(earlier, h.starts)
        )
    returns: dict[int, list[date]] = defaultdict(list)
    for person_id, on in Return.objects.filter(organisation=org, person_id__in=people).values_list(
        "person_id", "on"
    ):
        returns[person_id].append(on)
    changes: dict[int, list[date]] = defaultdict(list)
    for person_id, starts, ends in Interest.objects.filter(
        organisation=org, person_id__in=people
    ).values_list("person_id", "starts", "ends"):
        changes[person_id].extend(d for d in (starts, ends) if d is not None)
    rows = [
        DueRow(
            person=p.name,
            person_key=p.key,
            posts=tuple(sorted(posts[pid])),
            appointed=appointed.get(pid),
            last_return=max(returns[pid]) if returns[pid] else None,
            due=rules.return_due(appointed.get(pid), returns[pid], changes[pid], today),
        )
        for pid, p in people.items()
    ]
    return sorted(rows, key=lambda r: (not r.due.overdue, r.due.on, r.person))


@dataclass(frozen=True)
class OfferRow:
    id: int
    person: str
    kind_label: str
    description: str
    offered_by: str
    value: str
    on: date
    decision: str
    decision_label: str
    advice: str
    reason: str
    approved_by: str


def offer_rows(offers: Iterable[Offer]) -> list[OfferRow]:
    return [
        OfferRow(
            id=o.pk,
            person=o.person.name,
            kind_label=o.get_kind_display(),
            description=o.description,
            offered_by=o.offered_by,
            value=pounds(o.value) or "£0",
            on=o.on,
            decision=o.decision,
            decision_label=o.get_decision_display(),
            advice=o.advice,
            reason=o.reason,
            approved_by=o.approved_by.name if o.approved_by else "",
        )
        for o in offers
    ]


@dataclass(frozen=True)
class DispensationRow:
    person: str
    scope: str
    granted_by: str
    starts: date
    ends: date
    in_force: bool


def dispensation_rows(rows: Iterable[Dispensation], today: date) -> list[DispensationRow]:
    return [
        DispensationRow(
            d.person.name, d.scope, d.granted_by, d.starts, d.ends, d.starts <= today <= d.ends
        )
        for d in rows
    ]


def organisations_of(person: Person, today: date) -> list[Organisation]:
    """The organisations a person acts for today: posts held, roles held."""
    ids = set(
        PostHolding.objects.filter(person=person)
        .filter(in_force(today))
        .values_list("post__organisation_id", flat=True)
    ) | set(
        person.role_assignments.filter(in_force(today)).values_list("organisation_id", flat=True)
    )
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def last_returns(person: Person) -> dict[int, Return]:
    out: dict[int, Return] = {}
    for r in Return.objects.filter(person=person).order_by("on", "id"):
        out[r.organisation_id] = r
    return out
