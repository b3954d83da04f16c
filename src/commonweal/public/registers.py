"""The public registers: interests, gifts and hospitality, each council's notice of key
decisions, and forward plans, built from the allow-list (`presenters.PUBLISHED`) only.

Registers of interests and of gifts and hospitality are published as NHS England's "Managing
conflicts of interest in the NHS" (2017) asks: person, post, the interest or the offer, its
dates, and how it is managed or what was decided. An interest stays on the published register
for 6 months after it ends (`INTEREST_KEPT_MONTHS`), then leaves it; the organisation keeps it
(nothing is deleted). An entry withheld from publication shows the person and that it is
withheld: not its kind, dates or details, nor the reason it is withheld (the reason would often
say what the guidance withholds it to protect); a filter by kind never finds one, for the same
reason. Every declared gift or hospitality is published, accepted or declined, and one awaiting
a senior's decision shows as awaiting it.

A council's notice of key decisions follows the 2012 access-to-information Regulations: each key
decision on its forward plan, executive meetings' and officers' alike, with the day it was first
published and whether that gave 28 clear days' notice (regulation 9); one with less is marked as
taken under the general exception (regulation 10) or special urgency (regulation 11), with the
reason and the scrutiny chair's notice or consent. An NHS body has no key decisions: its forward
plan is published as a plan. Business that goes to an exempt agenda item keeps its title; its
summary and the decision sought are withheld (they are what the exempt report says).
"""

import calendar
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Lower

from commonweal.core.dates import in_force
from commonweal.core.formatting import pounds
from commonweal.core.models import COUNCIL_KINDS, Organisation
from commonweal.governance.models import PostHolding
from commonweal.interests.models import Interest, InterestKind, Offer
from commonweal.meetings.actions import (
    GENERAL_EXCEPTION_DAYS,
    KEY_DECISION_NOTICE_DAYS,
    SCHEDULE_12A,
    clear_days,
    local_day,
)
from commonweal.meetings.models import AgendaItem, ForwardPlanItem, KeyException
from commonweal.registry.models import System

# NHS England's guidance: an interest stays on the published register for at least 6 months
# after it ends.
INTEREST_KEPT_MONTHS = 6
WITHHELD = "Withheld: to be taken in private"


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day where it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def interests_kept_from(today: date) -> date:
    """The earliest end date of an interest still on the published register today."""
    return months_before(today, INTEREST_KEPT_MONTHS)


def is_council(org: Organisation) -> bool:
    return org.kind in COUNCIL_KINDS


# The rows, as pages and downloads publish them ------------------------------------------------


class Row:
    """A published row: `data()` is its JSON and, flattened, its CSV line."""

    columns: ClassVar[tuple[str, ...]]

    def data(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in self.columns}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class PublicInterest(Row):
    entry: str  # the register entry's public reference, as the published chain names it
    person: str
    posts: tuple[str, ...]
    withheld: bool
    kind: str | None
    kind_label: str
    pecuniary: bool | None
    description: str
    counterparty: str
    starts: date | None
    ends: date | None
    action: str
    declared_on: date | None

    columns = (
        "entry",
        "person",
        "posts",
        "withheld",
        "kind",
        "pecuniary",
        "counterparty",
        "description",
        "starts",
        "ends",
        "action",
        "declared_on",
    )

    @classmethod
    def of(cls, i: Interest, posts: tuple[str, ...], council: bool) -> "PublicInterest":
        if i.withheld:
            return cls(
                f"I{i.pk}", i.person.name, posts, True, None, "", None, "", "", None, None, "", None
            )
        return cls(
            entry=f"I{i.pk}",
            person=i.person.name,
            posts=posts,
            withheld=False,
            kind=i.kind,
            kind_label=i.get_kind_display(),
            # Disclosable pecuniary interests are a council member's only (Localism Act 2011).
            pecuniary=i.pecuniary if council else None,
            description=i.description,
            counterparty=i.counterparty,
            starts=i.starts,
            ends=i.ends,
            action=i.action,
            declared_on=i.declared_on,
        )


@dataclass(frozen=True)
class PublicOffer(Row):
    entry: str
    person: str
    posts: tuple[str, ...]
    kind: str
    kind_label: str
    description: str
    offered_by: str
    value_pounds: str  # "1250.00": exact, for a spreadsheet
    value_label: str  # "£1,250"
    on: date
    decision: str
    decision_label: str
    reason: str

    columns = (
        "entry",
        "person",
        "posts",
        "kind",
        "description",
        "offered_by",
        "value_pounds",
        "on",
        "decision",
        "reason",
    )

    @classmethod
    def of(cls, o: Offer, posts: tuple[str, ...]) -> "PublicOffer":
        return cls(
            entry=f"G{o.pk}",
            person=o.person.name,
            posts=posts,
            kind=o.kind,
            kind_label=o.get_kind_display(),
            description=o.description,
            offered_by=o.offered_by,
            value_pounds=f"{Decimal(o.value) / 100:.2f}",
            value_label=pounds(o.value) or "£0",
            on=o.on,
            decision=o.decision,
            decision_label=o.get_decision_display(),
            reason=o.reason,
        )


@dataclass(frozen=True)
class PublicPlanItem(Row):
    reference: str
    title: str
    kind: str
    kind_label: str
    taken_by: str  # a body's name, or an officer's post
    by_officer: bool
    due: date
    first_due: date
    summary: str
    decision_sought: str
    status: str
    status_label: str
    key_decision: bool | None
    # Going to an exempt agenda item: why (summary and decision sought are then withheld).
    private: str

    columns = (
        "reference",
        "title",
        "kind",
        "taken_by",
        "by_officer",
        "due",
        "first_due",
        "summary",
        "decision_sought",
        "status",
        "key_decision",
        "private",
    )


@dataclass(frozen=True)
class PublicKeyDecision(Row):
    reference: str
    title: str
    decision_maker: str
    by_officer: bool
    due: date
    summary: str
    decision_sought: str
    first_published: date
    clear_days: int
    notice_given: bool  # 28 clear days or more (regulation 9)
    exception: str  # general_exception, special_urgency, or "" (none recorded)
    exception_label: str
    exception_reason: str
    scrutiny_chair: str
    scrutiny_chair_on: date | None
    status: str
    status_label: str
    private: str

    columns = (
        "reference",
        "title",
        "decision_maker",
        "by_officer",
        "due",
        "summary",
        "decision_sought",
        "first_published",
        "clear_days",
        "notice_given",
        "exception",
        "exception_reason",
        "scrutiny_chair",
        "scrutiny_chair_on",
        "status",
        "private",
    )

    @property
    def chair_consented(self) -> bool:
        return self.exception == KeyException.SPECIAL_URGENCY


def csv_header(row_type: type[Row]) -> list[str]:
    return list(row_type.columns)


def csv_line(row: Row) -> list[str]:
    return [csv_cell(v) for v in row.data().values()]


# Which organisations keep registers ----------------------------------------------------------


@dataclass(frozen=True)
class RegisterOrganisation:
    code: str
    name: str
    kind_label: str
    council: bool
    interests: int
    gifts: int
    plan_items: int
    key_decisions: int


def system_organisations(s: System, today: date) -> list[RegisterOrganisation]:
    """The organisations that keep registers or forward plans in a system: those with posts or
    bodies in it, or business on its forward plan, each with how many entries it publishes
    (a fixed number of queries, however many organisations)."""
    orgs = list(
        Organisation.objects.filter(
            Q(posts__system=s) | Q(bodies__system=s) | Q(forward_plan__system=s)
        )
        .distinct()
        .order_by("name")
    )
    ids = [o.pk for o in orgs]

    def counts(qs: QuerySet[Any]) -> dict[int, int]:
        rows = qs.filter(organisation_id__in=ids).values("organisation_id").annotate(n=Count("id"))
        return {r["organisation_id"]: r["n"] for r in rows}

    interests = counts(_interests_on_register(today))
    gifts = counts(_offers_on_register())
    plan = counts(_plan_items())
    key = counts(_plan_items().filter(key_decision=True))
    return [
        RegisterOrganisation(
            o.code,
            o.name,
            o.get_kind_display(),
            is_council(o),
            interests.get(o.pk, 0),
            gifts.get(o.pk, 0),
            plan.get(o.pk, 0),
            key.get(o.pk, 0),
        )
        for o in orgs
    ]


# Posts held, for the registers' "position" column --------------------------------------------


class Posts:
    """The posts people hold in an organisation, from one query per batch of rows."""

    def __init__(self, org: Organisation, people: Iterable[int]) -> None:
        self.holdings: dict[int, list[tuple[date | None, date | None, str]]] = {}
        for person_id, starts, ends, title in (
            PostHolding.objects.filter(post__organisation=org, person_id__in=set(people))
            .order_by("post__title")
            .values_list("person_id", "starts", "ends", "post__title")
        ):
            self.holdings.setdefault(person_id, []).append((starts, ends, title))

    def on(self, person_id: int, day: date) -> tuple[str, ...]:
        """Posts held on a day (for an entry that has ended, the posts held when it ended)."""
        return tuple(
            dict.fromkeys(
                title
                for starts, ends, title in self.holdings.get(person_id, [])
                if in_force(day, starts, ends)
            )
        )


# The register of interests -------------------------------------------------------------------


def _interests_on_register(today: date) -> QuerySet[Interest]:
    return Interest.objects.filter(Q(ends__isnull=True) | Q(ends__gte=interests_kept_from(today)))


def interests(
    org: Organisation, today: date, *, person: str = "", kind: str = ""
) -> QuerySet[Interest]:
    """The entries on an organisation's published register today, by person; a withheld
    entry after the person's others, in the order it was made (its dates are not published)."""
    qs = _interests_on_register(today).filter(organisation=org)
    if person:
        qs = qs.filter(person__name__icontains=person)
    if kind:
        qs = qs.filter(kind=kind, withheld=False)
    return qs.select_related("person").order_by(
        Lower("person__name"),
        "person_id",
        "withheld",
        Case(When(withheld=True, then=Value(None)), default=F("starts")).desc(nulls_last=True),
        "id",
    )


def interest_rows(org: Organisation, rows: Sequence[Interest], today: date) -> list[PublicInterest]:
    posts = Posts(org, (i.person_id for i in rows))
    council = is_council(org)
    return [
        PublicInterest.of(
            i,
            posts.on(i.person_id, min(today, i.ends) if i.ends else today),
            council,
        )
        for i in rows
    ]


# The register of gifts and hospitality -------------------------------------------------------


def _offers_on_register() -> QuerySet[Offer]:
    # An offer the rules did not ask to declare (promotional material, say) is not on it.
    return Offer.objects.filter(declared=True)


def offers(org: Organisation, *, person: str = "", kind: str = "") -> QuerySet[Offer]:
    qs = _offers_on_register().filter(organisation=org)
    if person:
        qs = qs.filter(person__name__icontains=person)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("person").order_by("-on", "-id")


def offer_rows(org: Organisation, rows: Sequence[Offer], today: date) -> list[PublicOffer]:
    posts = Posts(org, (o.person_id for o in rows))
    return [PublicOffer.of(o, posts.on(o.person_id, min(today, o.on))) for o in rows]


# Forward plans and the notice of key decisions -----------------------------------------------


def _plan_items() -> QuerySet[ForwardPlanItem]:
    return ForwardPlanItem.objects.exclude(status=ForwardPlanItem.Status.WITHDRAWN)


def plan_items(org: Organisation, *, status: str = "") -> QuerySet[ForwardPlanItem]:
    qs = _plan_items().filter(organisation=org)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("body", "decider").order_by("due", "reference")


def key_decisions(org: Organisation) -> QuerySet[ForwardPlanItem]:
    return plan_items(org).filter(key_decision=True)


def exemption(item: AgendaItem) -> str:
    """Why an agenda item is exempt, as the public reads it."""
    words = []
    if item.exemption_paragraph:
        words.append(
            f"paragraph {item.exemption_paragraph} of Schedule 12A to the Local Government "
            f"Act 1972 ({SCHEDULE_12A.get(item.exemption_paragraph, 'exempt information')})"
        )
    if item.exemption_reason:
        words.append(item.exemption_reason)
    return "; ".join(words) or "exempt business"


def _private(rows: Sequence[ForwardPlanItem]) -> dict[int, str]:
    """Plan items that go to an exempt agenda item, with why: their summary and decision
    sought are what the exempt report says (an agenda item takes the plan's summary)."""
    out: dict[int, str] = {}
    for p in rows:
        if p.private_reason:
            paragraph = (
                f"paragraph {p.private_paragraph} of Schedule 12A to the Local Government Act "
                f"1972 ({SCHEDULE_12A.get(p.private_paragraph, 'exempt information')}); "
                if p.private_paragraph
                else ""
            )
            out[p.pk] = f"Intended to be taken in private: {paragraph}{p.private_reason}"
    for item in AgendaItem.objects.filter(plan_item__in=[p.pk for p in rows], exempt=True).order_by(
        "id"
    ):
        assert item.plan_item_id is not None
        out.setdefault(item.plan_item_id, f"Exempt: {exemption(item)}")
    return out


def _taken_by(p: ForwardPlanItem) -> str:
    if p.body is not None:
        return p.body.name
    return p.decider.title if p.decider is not None else ""


def plan_rows(rows: Sequence[ForwardPlanItem]) -> list[PublicPlanItem]:
    private = _private(rows)
    return [
        PublicPlanItem(
            reference=p.reference,
            title=p.title,
            kind=p.kind,
            kind_label=p.get_kind_display(),
            taken_by=_taken_by(p),
            by_officer=p.body_id is None,
            due=p.due,
            first_due=p.first_due,
            summary=WITHHELD if p.pk in private else p.summary,
            decision_sought=WITHHELD if p.pk in private else p.decision_sought,
            status=p.status,
            status_label=p.get_status_display(),
            key_decision=p.key_decision,
            private=private.get(p.pk, ""),
        )
        for p in rows
    ]


def key_decision_rows(rows: Sequence[ForwardPlanItem]) -> list[PublicKeyDecision]:
    private = _private(rows)
    out = []
    for p in rows:
        published = local_day(p.created)
        clear = clear_days(published, p.due)
        notice = clear >= KEY_DECISION_NOTICE_DAYS
        kind = "" if notice else p.key_exception_kind
        out.append(
            PublicKeyDecision(
                reference=p.reference,
                title=p.title,
                decision_maker=_taken_by(p),
                by_officer=p.body_id is None,
                due=p.due,
                summary=WITHHELD if p.pk in private else p.summary,
                decision_sought=WITHHELD if p.pk in private else p.decision_sought,
                first_published=published,
                clear_days=clear,
                notice_given=notice,
                exception=kind,
                exception_label=KeyException(kind).label if kind else "",
                exception_reason="" if notice else p.key_exception,
                scrutiny_chair="" if notice else p.scrutiny_chair,
                scrutiny_chair_on=None if notice else p.scrutiny_chair_on,
                status=p.status,
                status_label=p.get_status_display(),
                private=private.get(p.pk, ""),
            )
        )
    return out


# What the downloads say about themselves ------------------------------------------------------

INTEREST_KINDS = dict(InterestKind.choices)
OFFER_KINDS = dict(Offer.Kind.choices)
OFFER_DECISIONS = dict(Offer.Decision.choices)
PLAN_STATUSES = {
    k: v for k, v in ForwardPlanItem.Status.choices if k != ForwardPlanItem.Status.WITHDRAWN
}
EXCEPTIONS = dict(KeyException.choices)


def notes(register: str) -> str:
    """What a register publishes and leaves out, in a sentence or two (pages and downloads)."""
    return {
        "interests": (
            f"Interests stay on the published register for {INTEREST_KEPT_MONTHS} months after "
            "they end (NHS England, Managing conflicts of interest in the NHS). An entry "
            "withheld from publication shows only the person and that it is withheld."
        ),
        "gifts": (
            "Every gift and hospitality the rules ask to be declared, whether accepted or "
            "declined; one awaiting a senior's decision shows as awaiting it."
        ),
        "key-decisions": (
            f"Key decisions are published at least {KEY_DECISION_NOTICE_DAYS} clear days before "
            "they are taken (the Local Authorities (Executive Arrangements) (Meetings and Access "
            "to Information) (England) Regulations 2012, regulation 9). One published later is "
            "taken under the general exception, after the chair of the relevant overview and "
            f"scrutiny committee has been told in writing and {GENERAL_EXCEPTION_DAYS} clear "
            "days' public notice (regulation 10), or under special urgency, with the chair's "
            "agreement that it is urgent and cannot reasonably be deferred (regulation 11)."
        ),
        "forward-plan": (
            "Business the organisation expects to take, at its bodies' meetings or by its "
            "officers. Withdrawn items are left out."
        ),
    }[register]


def in_batches(qs: QuerySet[Any], size: int = 500) -> Iterator[list[Any]]:
    """A queryset a batch at a time (in its own order), for a download of any length."""
    batch: list[Any] = []
    for row in qs.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
