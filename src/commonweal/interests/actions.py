"""Changes to registers of interests, returns, dispensations, and gifts and hospitality.

A person keeps their own entries; an organisation's governance team (MANAGE_INTERESTS) keeps
them for its people too, grants dispensations and sees withheld entries. A senior
(APPROVE_HOSPITALITY) approves hospitality over the limit, never their own.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Sum

from commonweal.core.actions import Actor, action
from commonweal.core.errors import NotPermitted, Refused
from commonweal.core.formatting import long_date
from commonweal.core.models import COUNCIL_KINDS, Organisation, Person, in_force
from commonweal.core.permissions import Permission
from commonweal.core.sync import plain
from commonweal.interests import rules
from commonweal.interests.config import gift_rules
from commonweal.interests.models import Dispensation, Interest, InterestKind, Offer, Return


def acts_for(person: Person, organisation: Organisation, on: date | None = None) -> bool:
    """Whether the person holds a post in, or a role for, the organisation on a date."""
    from commonweal.governance.models import PostHolding

    on = on or date.today()
    holds_post = (
        PostHolding.objects.filter(person=person, post__organisation=organisation)
        .filter(in_force(on))
        .exists()
    )
    return (
        holds_post
        or person.role_assignments.filter(organisation=organisation).filter(in_force(on)).exists()
    )


def _keeper(actor: Actor, person: Person, organisation: Organisation) -> None:
    """The person keeps their own register; the organisation's governance team keeps it too."""
    if actor.person is not None and actor.person.pk == person.pk:
        actor.require_self(person)
    else:
        actor.require(organisation, because=f"the register of {person}")


def _may_see_withheld(actor: Actor, person: Person, organisation: Organisation) -> bool:
    return (actor.person is not None and actor.person.pk == person.pk) or actor.holds(
        Permission.MANAGE_INTERESTS, organisation
    )


@dataclass(frozen=True)
class InterestIn:
    kind: InterestKind
    description: str
    starts: date
    counterparty: str = ""
    ends: date | None = None
    action: str = ""
    pecuniary: bool = False
    withheld: bool = False
    withheld_reason: str = ""


def elected_member(person: Person, organisation: Organisation, on: date | None = None) -> bool:
    """Whether the person holds an elected or co-opted post in the organisation (a council's
    members: the only people with disclosable pecuniary interests)."""
    from commonweal.governance.models import PostHolding

    return any(
        {"elected", "co-opted"} & set(h.post.categories)
        for h in PostHolding.objects.filter(person=person, post__organisation=organisation)
        .filter(in_force(on or date.today()))
        .select_related("post")
    )


def _check(person: Person, organisation: Organisation, entry: InterestIn) -> None:
    problems = []
    if entry.ends is not None and entry.ends < entry.starts:
        problems.append(("ends", f"must be on or after the start ({long_date(entry.starts)})"))
    if entry.pecuniary and (
        organisation.kind not in COUNCIL_KINDS or not elected_member(person, organisation)
    ):
        problems.append(
            (
                "pecuniary",
                "Disclosable pecuniary interests are an elected or co-opted council member's "
                f"(Localism Act 2011); {person} is not one of {organisation.name}'s members",
            )
        )
    if entry.withheld and not entry.withheld_reason.strip():
        problems.append(("withheld_reason", "Say why the entry is withheld from publication"))
    if problems:
        from commonweal.core.errors import Problem

        raise Refused(
            "The entry cannot be recorded.",
            [Problem(field, message) for field, message in problems],
        )


@action("interests.record_interest", permission=Permission.MANAGE_INTERESTS)
def record_interest(
    actor: Actor, person: Person, organisation: Organisation, entry: InterestIn
) -> Interest:
    """Add an interest to a person's register with an organisation they act for."""
    _keeper(actor, person, organisation)
    if not acts_for(person, organisation):
        raise Refused.at(
            "organisation", f"{person} holds no post or role in {organisation.name} today"
        )
    _check(person, organisation, entry)
    interest = Interest.objects.create(
        person=person, organisation=organisation, declared_on=date.today(), **entry.__dict__
    )
    actor.record(
        "interest",
        str(interest.pk),
        f"Declared {interest.get_kind_display().lower()} interest of {person} "
        f"({organisation.name})",
        after=_public(interest),
    )
    return interest


@action("interests.change_interest", permission=Permission.MANAGE_INTERESTS)
def change_interest(actor: Actor, interest: Interest, entry: InterestIn) -> Interest:
    """Change an entry (its end date, how it is managed): the audit trail keeps what it was."""
    _keeper(actor, interest.person, interest.organisation)
    _check(interest.person, interest.organisation, entry)
    before = _public(interest)
    for name, value in entry.__dict__.items():
        setattr(interest, name, value)
    interest.save()
    actor.record(
        "interest",
        str(interest.pk),
        f"Changed an interest of {interest.person} ({interest.organisation.name})",
        before=before,
        after=_public(interest),
    )
    return interest


def _public(interest: Interest) -> dict[str, Any]:
    """An entry as the audit trail keeps it: a withheld entry's details are not copied there,
    where more people can read them than the register allows."""
    fields = {
        "kind": interest.kind,
        "starts": interest.starts,
        "ends": interest.ends,
        "pecuniary": interest.pecuniary,
        "withheld": interest.withheld,
    }
    if not interest.withheld:
        fields.update(
            description=interest.description,
            counterparty=interest.counterparty,
            action=interest.action,
        )
    return {k: plain(v) for k, v in fields.items()}


@action("interests.make_return", permission=Permission.MANAGE_INTERESTS)
def make_return(
    actor: Actor, person: Person, organisation: Organisation, *, nil: bool = False
) -> Return:
    """Confirm the register is complete today; a nil return says there is nothing to declare."""
    _keeper(actor, person, organisation)
    today = date.today()
    current = Interest.objects.filter(person=person, organisation=organisation).filter(
        in_force(today)
    )
    if nil and current.exists():
        count = current.count()
        raise Refused.at(
            "nil",
            f"There {'is' if count == 1 else 'are'} {count} interest{'s' if count != 1 else ''} "
            f"on {person}'s register today: confirm the register instead of making a nil "
            "return, or end the interests that have ended",
        )
    made = Return.objects.create(person=person, organisation=organisation, on=today, nil=nil)
    actor.record(
        "interest_return",
        str(made.pk),
        f"{'Nil return' if nil else 'Return'} of interests by {person} to {organisation.name}",
    )
    return made


@action("interests.grant_dispensation", permission=Permission.MANAGE_INTERESTS)
def grant_dispensation(
    actor: Actor,
    person: Person,
    organisation: Organisation,
    *,
    scope: str,
    granted_by: str,
    starts: date,
    ends: date,
    interest: Interest | None = None,
) -> Dispensation:
    """A council's dispensation (Localism Act 2011, s33): at most four years, as the Act says."""
    actor.require(organisation, because=f"a dispensation for {person}")
    if organisation.kind not in COUNCIL_KINDS:
        raise Refused.at(
            "organisation",
            f"dispensations from disclosable pecuniary interests are a council's; "
            f"{organisation.name} is not a council",
        )
    if ends < starts:
        raise Refused.at("ends", f"must be on or after the start ({long_date(starts)})")
    if ends > rules.add_year(rules.add_year(rules.add_year(rules.add_year(starts)))):
        raise Refused.at("ends", "a dispensation lasts at most four years (Localism Act 2011, s33)")
    if interest is not None and (interest.person_id != person.pk or not interest.pecuniary):
        raise Refused.at("interest", "name one of the person's disclosable pecuniary interests")
    made = Dispensation.objects.create(
        person=person,
        organisation=organisation,
        interest=interest,
        scope=scope,
        granted_by=granted_by,
        starts=starts,
        ends=ends,
    )
    actor.record(
        "dispensation",
        str(made.pk),
        f"Dispensation for {person} ({organisation.name}), {long_date(starts)} to "
        f"{long_date(ends)}",
        after={"scope": scope, "granted_by": granted_by},
    )
    return made


@dataclass(frozen=True)
class OfferIn:
    kind: str
    description: str
    offered_by: str
    value: int
    on: date
    decision: str
    from_supplier: bool = False
    promotional: bool = False
    cash: bool = False
    reason: str = ""


def advice_for(
    person: Person, organisation: Organisation, offer: OfferIn, exclude: int | None = None
) -> rules.Advice:
    """The rules' advice on an offer, counting the person's earlier gifts from the same source."""
    config = gift_rules(council=organisation.kind in COUNCIL_KINDS)
    earlier = 0
    if offer.kind == Offer.Kind.GIFT and not offer.from_supplier:
        since = offer.on - timedelta(days=config.cumulative_days)
        same = Offer.objects.filter(
            person=person,
            kind=Offer.Kind.GIFT,
            offered_by__iexact=offer.offered_by.strip(),
            on__gt=since,
            on__lte=offer.on,
        ).exclude(decision=Offer.Decision.DECLINED)
        if exclude is not None:
            same = same.exclude(pk=exclude)
        earlier = same.aggregate(total=Sum("value"))["total"] or 0
    return rules.advise(
        rules.Offered(
            kind=offer.kind,
            value=offer.value,
            from_supplier=offer.from_supplier,
            promotional=offer.promotional,
            cash=offer.cash,
            earlier_from_source=earlier,
        ),
        config,
    )


PENDING = Offer.Decision.PENDING.value


@action("interests.record_offer", permission=Permission.MANAGE_INTERESTS)
def record_offer(actor: Actor, person: Person, organisation: Organisation, offer: OfferIn) -> Offer:
    """Record a gift or hospitality and the decision on it, which the rules must allow; one
    that needs a senior's approval is recorded as awaiting it."""
    _keeper(actor, person, organisation)
    if offer.on > date.today():
        raise Refused.at("on", "must be today or in the past: record an offer once it is made")
    advice = advice_for(person, organisation, offer)
    pending = offer.decision == PENDING
    if pending and not advice.with_approval:
        raise Refused.at("decision", f"No approval is needed: {advice.because}")
    if not pending and not advice.permits(rules.Decision(offer.decision), approved=False):
        raise Refused.at("decision", advice.because)
    made = Offer.objects.create(
        person=person,
        organisation=organisation,
        advice=advice.because,
        declared=advice.declare,
        **{**offer.__dict__, "decision": Offer.Decision.PENDING if pending else offer.decision},
    )
    actor.record(
        "offer",
        str(made.pk),
        f"{made.get_kind_display()} offered to {person} by {offer.offered_by}: "
        f"{made.get_decision_display().lower()}",
        after={"value": offer.value, "decision": made.decision},
    )
    return made


@action("interests.decide_offer", permission=Permission.APPROVE_HOSPITALITY)
def decide_offer(actor: Actor, offer: Offer, *, approve: bool, reason: str) -> Offer:
    """A senior approves (or declines) an offer awaiting approval; never their own."""
    actor.require(offer.organisation, because=f"an offer to {offer.person}")
    if actor.person is not None and actor.person.pk == offer.person_id:
        raise NotPermitted("No one approves their own gifts or hospitality.")
    if offer.decision != Offer.Decision.PENDING:
        raise Refused.at("decision", "this offer is not awaiting approval")
    if not reason.strip():
        raise Refused.at("reason", "Give the reason for the decision")
    offer.decision = Offer.Decision.APPROVED if approve else Offer.Decision.DECLINED
    offer.approved_by = actor.person
    offer.reason = reason
    offer.save(update_fields=["decision", "approved_by", "reason"])
    actor.record(
        "offer",
        str(offer.pk),
        f"{'Approved' if approve else 'Declined'} {offer.get_kind_display().lower()} offered to "
        f"{offer.person}",
        after={"decision": offer.decision, "reason": reason},
    )
    return offer
