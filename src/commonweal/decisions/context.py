"""Validating recorded decisions against the database, one or a hundred thousand at a time.

Everything the engine needs is read with a fixed number of queries per batch, never one per
decision: a system's schemes (every version), posts, bodies with their memberships over time
and post holders are read once (`History`), and the engine's `Governance` for a date is
assembled in Python from them (one per distinct set of memberships, shared by every date that
has it); the attendance and declarations of every meeting the batch touches are read in three
queries (`ItemStates`); a project's prior commitments come from the recorded parts, in the
order the decisions were taken.

A decision is described to this module as plain data (`DecisionData`): from a form before it is
written, or from the register when it is validated again. Both go through `judge`.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from commonweal.core.db import CHUNK
from commonweal.core.models import Organisation
from commonweal.governance import engine
from commonweal.governance.documents import scheme_from_json
from commonweal.governance.models import Body, BodyMembership, Post, PostHolding, Scheme
from commonweal.meetings import rules as meeting_rules
from commonweal.meetings.actions import local_day
from commonweal.meetings.models import AgendaItem, Attendance, Declaration
from commonweal.registry.models import Area, System

from . import rules

URGENT_CODE = "urgent-action"

# Where a decision's "within budget" check learns what each part's budget line has left: a
# higher layer (finance, which keeps the ledger) registers a function in its `ready()`. Given
# the system, the decision and the id of the decision not to count (itself, when validated
# again), it answers {organisation code: pence available} for the parts it knows, or None.
type BudgetSource = Callable[[System, "DecisionData"], Mapping[str, int] | None]
BUDGET_SOURCES: list[BudgetSource] = []
# Given a system and an organisation's code, the cost centres the ledger holds for it (None:
# the ledger holds none, so a budget line named on a form cannot be checked there).
type BudgetLinesSource = Callable[[System, str], Collection[str] | None]
BUDGET_LINES: list[BudgetLinesSource] = []
INQUORATE = engine.Code.INQUORATE.value


@dataclass(frozen=True)
class PartData:
    organisation: str
    amount: int
    deciders: tuple[tuple[str, str], ...] = ()  # (person key, post ref)
    body: str | None = None  # the body that decided this part
    consent: bool = True
    votes: engine.Votes | None = None
    budget_line: str = ""  # the cost centre the money comes from


@dataclass(frozen=True)
class DecisionData:
    outcome: str  # decision, recommendation, sign_off, consultation
    basis: str  # meeting, officer, urgent
    on: date
    parts: tuple[PartData, ...] = ()
    decision_type: str = ""
    body: str | None = None  # the body at whose meeting, or on whose behalf
    item: int | None = None  # an agenda item's id
    project: str = ""
    footprint: str | None = None
    takers: tuple[tuple[str, str], ...] = ()  # urgent action: (person, post)
    consulted: tuple[tuple[str, str], ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class Judgement:
    valid: bool
    binds: tuple[str, ...]
    checks: tuple[dict[str, str], ...]

    @property
    def reasons(self) -> tuple[dict[str, str], ...]:
        return tuple(c for c in self.checks if _fails(c))

    def part_valid(self, organisation: str) -> bool:
        return not any(_fails(c) and c["organisation"] in ("", organisation) for c in self.checks)


def _fails(check: Mapping[str, str]) -> bool:
    """A failed check that counts: not one reported for the record only."""
    return check["status"] == "failed" and not check.get("reported")


@dataclass
class _BodyRow:
    code: str
    name: str
    kind: str
    owners: tuple[str, ...]
    voting: engine.Voting
    quorum: engine.Quorum
    casting_vote: bool
    memberships: list[tuple[int, str, str, date | None, date | None]]  # id, kind, post, dates
    urgent_action: Mapping[str, Any]
    chair: str | None
    deputy: str | None
    substitutes: tuple[str, ...]


class History:
    """A system's governance over time, read once: schemes, posts, bodies, memberships,
    holders and names."""

    def __init__(self, system: System):
        self.system = system
        schemes: dict[str, list[engine.Scheme]] = defaultdict(list)
        for org, compiled in Scheme.objects.filter(system=system).values_list(
            "organisation__code", "compiled"
        ):
            schemes[org].append(scheme_from_json(compiled))
        self.schemes = dict(schemes)
        posts = list(Post.objects.filter(system=system).select_related("organisation"))
        self.post_ids = {p.ref: p.pk for p in posts}
        self.names: dict[str, str] = {p.ref: f"{p.title} ({p.organisation.name})" for p in posts}
        self.categories = {p.ref: frozenset([*p.categories, *p.statutory_roles]) for p in posts}
        post_refs = {p.pk: p.ref for p in posts}
        owners: dict[int, list[str]] = defaultdict(list)
        for body_id, code in Body.owners.through.objects.filter(body__system=system).values_list(
            "body_id", "organisation__code"
        ):
            owners[body_id].append(code)
        memberships: dict[int, list[tuple[int, str, str, date | None, date | None]]] = defaultdict(
            list
        )
        for mid, body_id, kind, post_id, starts, ends in BodyMembership.objects.filter(
            body__system=system
        ).values_list("id", "body_id", "kind", "post_id", "starts", "ends"):
            memberships[body_id].append((mid, kind, post_refs[post_id], starts, ends))
        self.bodies: dict[str, _BodyRow] = {}
        for b in Body.objects.filter(system=system):
            self.bodies[b.code] = _BodyRow(
                code=b.code,
                name=b.name,
                kind=b.kind,
                owners=tuple(sorted(owners[b.pk])),
                voting=engine.Voting(b.voting),
                quorum=engine.Quorum(b.quorum_number, tuple(b.quorum_required), b.quorum_block),
                casting_vote=b.casting_vote,
                memberships=memberships[b.pk],
                urgent_action=b.urgent_action or {},
                chair=post_refs.get(b.chair_id) if b.chair_id else None,
                deputy=post_refs.get(b.deputy_id) if b.deputy_id else None,
                substitutes=tuple(b.substitutes),
            )
            self.names[b.code] = b.name
        org_codes = set(self.schemes) | {o for b in self.bodies.values() for o in b.owners}
        self.names.update(
            Organisation.objects.filter(code__in=org_codes).values_list("code", "name")
        )
        self.holdings: dict[str, list[engine.Holding]] = defaultdict(list)
        people: dict[str, str] = {}
        for post_id, key, name, starts, ends, acting in PostHolding.objects.filter(
            post__system=system
        ).values_list("post_id", "person__key", "person__name", "starts", "ends", "acting"):
            ref = post_refs[post_id]
            self.holdings[ref].append(engine.Holding(key, ref, starts, ends, acting))
            people[key] = name
        self.names.update(people)
        self._gov: dict[frozenset[int], engine.Governance] = {}
        self._on: dict[date, engine.Governance] = {}
        self._parents: dict[str, str | None] = dict(
            Area.objects.filter(system=system).values_list("code", "parent__code")
        )

    def governance_on(self, on: date) -> engine.Governance:
        """The engine's view of the system on a date: every scheme version (the engine picks
        the one in force), and each body with the memberships in force that day."""
        found = self._on.get(on)
        if found is not None:
            return found
        live = {
            code: [m for m in b.memberships if _in_force(on, m[3], m[4])]
            for code, b in self.bodies.items()
        }
        key = frozenset(m[0] for ms in live.values() for m in ms)
        gov = self._gov.get(key)
        if gov is None:
            bodies = {}
            for code, b in self.bodies.items():
                groups: dict[str, set[str]] = defaultdict(set)
                for _, kind, post, _, _ in live[code]:
                    groups[kind].add(post)
                bodies[code] = engine.BodyFact(
                    code=code,
                    name=b.name,
                    kind=b.kind,
                    owners=b.owners,
                    voting=b.voting,
                    members=frozenset(groups["member"]),
                    attendees=frozenset(groups["attendee"]),
                    invited=frozenset(groups["invited"]),
                    quorum=b.quorum,
                    casting_vote=b.casting_vote,
                )
            gov = engine.Governance(
                schemes=self.schemes, bodies=bodies, names=self.names, categories=self.categories
            )
            self._gov[key] = gov
        self._on[on] = gov
        return gov

    def footprint_path(self, code: str | None) -> tuple[str, ...]:
        path: list[str] = []
        current = code
        while current and current not in path:
            path.append(current)
            current = self._parents.get(current)
        return tuple(path)

    def held(self, person: str, post: str, on: date) -> bool:
        return any(h.person == person and h.on(on) for h in self.holdings.get(post, ()))


def _in_force(on: date, starts: date | None, ends: date | None) -> bool:
    return (starts is None or starts <= on) and (ends is None or on <= ends)


@dataclass(frozen=True)
class ItemState:
    """An agenda item as its meeting's record has it: who was in the room for it, in which
    posts, and who was conflicted."""

    item: int
    number: int
    body: str
    presence: meeting_rules.ItemPresence
    names: Mapping[str, str] = field(default_factory=dict)

    @property
    def meeting(self) -> engine.Meeting:
        return engine.Meeting(present=self.presence.present)

    @property
    def declarations(self) -> list[engine.Declaration]:
        return [engine.Declaration(p, "declared", True) for p in sorted(self.presence.conflicted)]

    def present_rows(self) -> list[dict[str, str]]:
        return [
            {"person": x.person, "name": self.names.get(x.person, x.person), "post": x.post}
            for x in self.presence.present
        ]


def item_states(history: History, item_ids: Iterable[int] | None = None) -> dict[int, ItemState]:
    """Each item's state (every item of the system's meetings when no ids are given), reading
    the items, the attendance and the declarations in three queries whatever their number."""
    system = history.system
    if item_ids is None:
        item_rows = AgendaItem.objects.filter(meeting__body__system=system)
        attendance = Attendance.objects.filter(meeting__body__system=system)
        links = Declaration.items.through.objects.filter(agendaitem__meeting__body__system=system)
    else:
        ids = list(item_ids)[:CHUNK]  # one decision, or a page of them
        item_rows = AgendaItem.objects.filter(pk__in=ids)
        attendance = Attendance.objects.filter(meeting__items__in=ids).distinct()
        links = Declaration.items.through.objects.filter(agendaitem_id__in=ids)
    items = list(
        item_rows.values_list(
            "id", "number", "meeting_id", "meeting__starts", "meeting__body__code"
        )
    )
    numbers = {i: n for i, n, _, _, _ in items}
    attending: dict[int, list[meeting_rules.Attending]] = defaultdict(list)
    names: dict[str, str] = {}
    for (
        meeting_id,
        key,
        name,
        post_org,
        post_code,
        capacity,
        status,
        arrived,
        left,
    ) in attendance.values_list(
        "meeting_id",
        "person__key",
        "person__name",
        "post__organisation__code",
        "post__code",
        "capacity",
        "status",
        "arrived_id",
        "left_id",
    ):
        names[key] = name
        attending[meeting_id].append(
            meeting_rules.Attending(
                person=key,
                post=f"{post_org}/{post_code}" if post_code else "",
                capacity=capacity,
                present=status == Attendance.Status.PRESENT,
                arrived=numbers.get(arrived) if arrived else None,
                left=numbers.get(left) if left else None,
            )
        )
    declared: dict[int, list[meeting_rules.Declared]] = defaultdict(list)
    for item_id, key, ruling, pecuniary, dispensed in links.values_list(
        "agendaitem_id",
        "declaration__person__key",
        "declaration__ruling",
        "declaration__pecuniary",
        "declaration__dispensation_id",
    ):
        declared[item_id].append(
            meeting_rules.Declared(
                person=key,
                items=frozenset({numbers.get(item_id, 0)}),
                ruling=meeting_rules.Ruling(ruling),
                pecuniary=pecuniary,
                dispensed=dispensed is not None,
            )
        )
    out: dict[int, ItemState] = {}
    for item_id, number, meeting_id, starts, code in items:
        body = history.bodies.get(code)
        fact = history.governance_on(local_day(starts)).bodies.get(code)
        presence = meeting_rules.item_presence(
            number,
            attending.get(meeting_id, ()),
            declared.get(item_id, ()),
            fact.members if fact else frozenset(),
            list(body.substitutes) if body else [],
            body.chair if body else None,
            body.deputy if body else None,
        )
        out[item_id] = ItemState(item_id, number, code, presence, names)
    return out


def engine_decision(history: History, d: DecisionData) -> engine.Decision:
    """The engine's form of a decision. Urgent action is the body's decision taken on its
    behalf: its parts name the body, and its takers are judged by the terms of reference."""
    return engine.Decision(
        decision_type=d.decision_type,
        on=d.on,
        parts=tuple(
            engine.Part(
                organisation=p.organisation,
                amount=p.amount,
                deciders=tuple(engine.Decider(person, post) for person, post in p.deciders),
                body=p.body,
                consent=p.consent,
                votes=p.votes,
            )
            for p in d.parts
        ),
        meeting=d.body if d.basis == "meeting" else None,
        project=d.project,
        footprint_path=history.footprint_path(d.footprint),
        id=str(d.id or ""),
    )


def _check(org: str, code: str, status: str, sentence: str, clause: str = "") -> dict[str, str]:
    return {
        "organisation": org,
        "code": code,
        "status": status,
        "clause": clause,
        "sentence": sentence,
    }


def judge(
    history: History,
    d: DecisionData,
    state: ItemState | None,
    prior: Mapping[str, int] | None,
    *,
    budget: bool = False,
) -> Judgement:
    """Validate one decision (or other outcome) with what the register knows; with `budget`,
    ask the ledger what each part's budget line has left (when it is being recorded: a
    decision validated again later would count against itself)."""
    gov = history.governance_on(d.on)
    if d.outcome != "decision":
        return _quorum_only(gov, d, state)
    context = engine.Context(
        holdings=history.holdings,
        prior_spend=prior,
        available_budget=available_budget(history.system, d) if budget else None,
        meeting=state.meeting if state is not None else None,
        declarations=state.declarations if state is not None else None,
    )
    result = engine.validate(engine_decision(history, d), context, gov)
    checks = [c.as_dict() for c in result.checks]
    meeting_check = result.meeting
    if meeting_check is not None:
        # A meeting of decision makers' quorum is reported for the record, never a reason a
        # part fails (the engine's rule): kept with the checks, marked so.
        checks.insert(0, {**meeting_check.as_dict(), "reported": "yes"})
    if d.basis == "urgent":
        # Taken between meetings: no quorum to count; the terms of reference say who may act.
        checks = [c for c in checks if c["code"] != INQUORATE]
        checks += _urgent_checks(history, d)
    valid = not any(_fails(c) for c in checks)
    failed_whole = any(_fails(c) and c["organisation"] == "" for c in checks)
    binds = (
        ()
        if failed_whole
        else tuple(
            p.organisation
            for p in d.parts
            if p.consent
            and not any(_fails(c) and c["organisation"] == p.organisation for c in checks)
        )
    )
    return Judgement(valid, binds, tuple(checks))


def available_budget(system: System, d: DecisionData) -> Mapping[str, int] | None:
    """What the parts' budget lines have left, by organisation, from the sources registered."""
    found: dict[str, int] = {}
    for source in BUDGET_SOURCES:
        found.update(source(system, d) or {})
    return found or None


def _quorum_only(gov: engine.Governance, d: DecisionData, state: ItemState | None) -> Judgement:
    """A recommendation, sign-off or consultation response needs no scheme authority, only a
    quorate meeting."""
    fact = gov.bodies.get(d.body or "")
    if state is None or fact is None:
        check = _check("", INQUORATE, "failed", "It is recorded at an item of a body's meeting.")
        return Judgement(False, (), (check,))
    if not any(True for _ in state.presence.present):
        check = _check("", INQUORATE, "failed", "The meeting's attendance is not recorded yet.")
        return Judgement(False, (), (check,))
    quorate, said = engine.item_quorum(fact, state.meeting, state.presence.conflicted, gov)
    checks = tuple(_check("", INQUORATE, "passed" if quorate else "failed", str(s)) for s in said)
    return Judgement(quorate, (), checks)


def _urgent_checks(history: History, d: DecisionData) -> list[dict[str, str]]:
    body = history.bodies.get(d.body or "")
    rule = body.urgent_action if body else {}
    names = history.names

    def person(key: str, post: str) -> rules.Person:
        return rules.Person(key, history.names.get(key, key), post)

    out = []
    for key, post in d.takers:
        if history.held(key, post, d.on):
            continue
        out.append(
            _check(
                "",
                engine.Code.NOT_POST_HOLDER.value,
                "failed",
                f"{names.get(key, key)} did not hold the post of {names.get(post, post)} on "
                f"{d.on:%-d %B %Y}.",
            )
        )
    for said in rules.urgent_action(
        list(rule.get("by", ())),
        list(rule.get("consult", ())),
        [person(k, p) for k, p in d.takers],
        [person(k, p) for k, p in d.consulted],
        history.categories,
        names,
    ):
        out.append(_check("", URGENT_CODE, "passed" if said.ok else "failed", said.sentence))
    return out


def prior_spend(system: System, project: str, before: int | None = None) -> dict[str, int]:
    """What each organisation has already committed on a project: the parts its recorded
    decisions on the project bound it to (neither rescinded nor corrected since)."""
    if not project:
        return {}
    from commonweal.decisions.models import Decision, DecisionPart

    decisions = Decision.objects.filter(
        system=system, project=project, outcome="decision", changed_by__isnull=True
    )
    if before is not None:
        decisions = decisions.filter(pk__lt=before)
    binds = dict(decisions.values_list("id", "binds"))
    out: dict[str, int] = defaultdict(int)
    for decision_id, org, amount in DecisionPart.objects.filter(
        decision_id__in=list(binds)
    ).values_list("decision_id", "organisation__code", "amount"):
        if org in binds[decision_id]:
            out[org] += amount
    return dict(out)


def summarise(checks: Sequence[dict[str, str]]) -> list[str]:
    return [c["sentence"] for c in checks if _fails(c)]
