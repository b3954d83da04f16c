"""What the proposal pages, the API and the public register show, shaped once: the pipeline
board, a proposal with its stages, evidence, route and money, a programme's work plan and the
executive's forward work plan."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from commonweal.core.models import AuditEvent, Organisation
from commonweal.decisions.models import Decision
from commonweal.finance.models import year_label
from commonweal.governance.models import Body
from commonweal.meetings.models import ForwardPlanItem, Meeting
from commonweal.registry.models import Area, System

from . import actions, rules
from .models import Item, Programme, Proposal, Setup, Workflow

CARDS = 50  # cards shown in each column of the board; the count says how many there are


@dataclass(frozen=True)
class Filters:
    programme: str = ""
    place: str = ""
    organisation: str = ""

    def query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass(frozen=True)
class Card:
    reference: str
    title: str
    programme: str
    footprint: str
    lead: str
    href: str


@dataclass(frozen=True)
class Column:
    code: str
    name: str
    stage: int | None
    count: int
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Board:
    system: System
    columns: tuple[Column, ...]
    total: int
    filters: Filters
    programmes: tuple[tuple[str, str], ...]
    places: tuple[tuple[str, str], ...]
    organisations: tuple[tuple[str, str], ...]


def filtered(system: System, f: Filters, *, public: bool = False) -> QuerySet[Proposal]:
    rows = Proposal.objects.filter(system=system)
    if public:
        rows = rows.filter(public=True)
    if f.programme:
        rows = rows.filter(programme__code=f.programme)
    if f.place:
        rows = rows.filter(Q(footprint__code=f.place) | Q(footprint__parent__code=f.place))
    if f.organisation:
        # Led or sponsored; sponsors by a subquery, so that no proposal is counted twice.
        sponsored = Proposal.sponsors.through.objects.filter(organisation__code=f.organisation)
        rows = rows.filter(Q(lead__code=f.organisation) | Q(pk__in=sponsored.values("proposal_id")))
    return rows


def board_stamp(system: System, setup: Setup) -> str:
    """What a system's board is drawn from: any proposal created, moved or changed (each save
    stamps `changed`), the set-up and its programmes reloaded."""
    found = Proposal.objects.filter(system=system).aggregate(
        n=Count("id"), last=Max("changed"), top=Max("id")
    )
    programmes = Programme.objects.filter(system=system).aggregate(n=Count("id"), top=Max("id"))
    return (
        f"{found['n']}-{found['top']}-{found['last']}-{setup.loaded}-{setup.workflow_id}-"
        f"{programmes['n']}-{programmes['top']}"
    )


def board(system: System, f: Filters, *, public: bool = False, setup: Setup | None = None) -> Board:
    setup = setup or Setup.objects.filter(system=system).select_related("workflow").first()
    rows = filtered(system, f, public=public)
    counts: dict[str, int] = {}
    workflows: set[int] = {setup.workflow_id} if setup is not None else set()
    for r in rows.order_by().values("workflow", "state").annotate(n=Count("id")):
        counts[r["state"]] = counts.get(r["state"], 0) + r["n"]
        workflows.add(r["workflow"])
    # Each column's newest cards in one query: numbered within their state, newest first.
    ranked = rows.annotate(
        rank=Window(RowNumber(), partition_by=[F("state")], order_by=F("number").desc())
    ).filter(rank__lte=CARDS)
    prefix = reverse("public-proposals" if public else "proposals", args=[system.slug])
    cards: dict[str, list[Card]] = {}
    for code, number, title, programme, footprint, lead in ranked.order_by(
        "state", "-number"
    ).values_list("state", "number", "title", "programme__name", "footprint__name", "lead__name"):
        cards.setdefault(code, []).append(
            Card(f"P{number:05d}", title, programme or "", footprint, lead, f"{prefix}{number}/")
        )
    # One column per state, in the order of the system's workflow; states of the programmes'
    # own workflows follow. The public see the states their workflow makes public, and any
    # other holding a proposal once published (one withdrawn at formal approval, say).
    columns: list[Column] = []
    seen: set[str] = set()
    ordered = sorted(
        Workflow.objects.filter(pk__in=workflows),
        key=lambda w: (setup is None or w.pk != setup.workflow_id, w.code),
    )
    for w in ordered:
        for state in rules.path(actions.graph(w)):
            key = state.code
            n = counts.get(key, 0)
            if key in seen or (public and not state.public and not n):
                continue
            seen.add(key)
            columns.append(Column(key, state.name, state.stage, n, tuple(cards.get(key, ()))))
    places = Area.objects.filter(system=system, level="place").order_by("name")
    # The leads the filter offers: of the proposals this reader may see.
    visible = Proposal.objects.filter(system=system)
    if public:
        visible = visible.filter(public=True)
    leads = Organisation.objects.filter(pk__in=visible.values("lead")).order_by("name")
    return Board(
        system,
        tuple(columns),
        sum(counts.values()),
        f,
        tuple(
            (p.code, p.name) for p in Programme.objects.filter(system=system).order_by("position")
        ),
        tuple((a.code, a.name) for a in places),
        tuple((o.code, o.name) for o in leads),
    )


# A proposal ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Next:
    code: str
    name: str
    kind: str  # role, bodies, route
    ready: bool
    found: tuple[str, ...]
    missing: tuple[str, ...]
    planned: bool  # its bodies' forward plan entries (or the route's) exist
    steps: tuple[rules.StepState, ...]


@dataclass(frozen=True)
class PlanEntry:
    reference: str
    body: str
    kind: str
    due: date | None
    meeting: str
    status: str
    steps: tuple[str, ...]
    href: str


@dataclass(frozen=True)
class MoneyYear:
    year: str
    organisation: str
    cost: int
    saving: int
    start: int
    code: str


@dataclass(frozen=True)
class RouteStep:
    id: str
    kind: str
    organisation: str
    taker: str


KIND_WORDS = {
    "consult": "is consulted",
    "recommend": "recommends",
    "decide": "decides",
    "decide_jointly": "decides jointly",
}


@dataclass(frozen=True)
class View:
    proposal: Proposal
    state: str
    stages: tuple[tuple[str, str, bool, bool], ...]  # code, name, passed, current
    next: tuple[Next, ...]
    final: bool
    passages: tuple[Any, ...]
    documents: tuple[Any, ...]
    document_kinds: tuple[tuple[str, str], ...]
    plan: tuple[PlanEntry, ...]
    approval: Any
    route: tuple[RouteStep, ...]
    decisions: tuple[Decision, ...]
    money: tuple[MoneyYear, ...]
    cost: int
    saving: int
    indicators: tuple[Any, ...]
    history: tuple[AuditEvent, ...]
    sponsors: tuple[str, ...]


def _plan_entries(proposal: Proposal) -> tuple[PlanEntry, ...]:
    items = Item.objects.filter(proposal=proposal).select_related(
        "plan_item__meeting__body",
        "plan_item__body",
        "plan_item__decider",
        "plan_item__organisation",
    )
    out = []
    for i in items:
        plan = i.plan_item
        taker = plan.body.name if plan.body else (plan.decider.title if plan.decider else "")
        out.append(
            PlanEntry(
                plan.reference,
                taker,
                plan.get_kind_display(),
                plan.due,
                str(plan.meeting) if plan.meeting else "",
                plan.get_status_display(),
                tuple(i.steps),
                reverse("plan-item", args=[plan.organisation.code, plan.reference]),
            )
        )
    return tuple(out)


def view(proposal: Proposal, *, public: bool = False) -> View:
    g = actions.graph(proposal.workflow)
    passed = set(proposal.passages.values_list("source", flat=True))
    stages = tuple(
        (s.code, s.name, s.code in passed, s.code == proposal.state)
        for s in rules.path(g)
        if (not s.final or s.code == proposal.state) and (not public or s.public)
    )
    nexts = []
    if not public:
        since = actions.entered(proposal)
        for t in g.leaving(proposal.state):
            ev = actions.evidence(proposal, t)
            # Entries made on this pass through the state, and not withdrawn.
            planned = (
                Item.objects.filter(
                    proposal=proposal,
                    transition=t.code,
                    created__gte=since,
                    plan_item__status__in=("planned", "on_agenda", "taken"),
                ).exists()
                if (t.bodies or t.route)
                else True
            )
            kind = "route" if t.route else "bodies" if t.bodies else "role"
            nexts.append(
                Next(t.code, t.name, kind, ev.ready, ev.found, ev.missing, planned, ev.steps)
            )
    names = proposal.workflow.compiled["names"]["documents"]
    approval = proposal.approvals.first()
    money = tuple(
        MoneyYear(
            year_label(m.year), m.organisation.name, m.cost, m.saving, m.year, m.organisation.code
        )
        for m in proposal.money.select_related("organisation").order_by(
            "year", "organisation__code"
        )
    )
    item_plans = Item.objects.filter(proposal=proposal).values("plan_item")
    decisions = tuple(
        Decision.objects.filter(plan_item__in=item_plans)
        .select_related("body", "meeting")
        .order_by("on", "pk")
    )
    history: tuple[AuditEvent, ...] = ()
    if not public:
        history = tuple(
            AuditEvent.objects.filter(object_type="proposal", object_id=str(proposal.pk)).order_by(
                "at", "pk"
            )
        )
    return View(
        proposal=proposal,
        state=g.state(proposal.state).name,
        stages=stages,
        next=tuple(nexts),
        final=g.state(proposal.state).final,
        passages=tuple(proposal.passages.all()),
        documents=tuple(proposal.documents.all()),
        document_kinds=tuple(names.items()),
        plan=() if public else _plan_entries(proposal),
        approval=approval,
        route=tuple(
            RouteStep(s[0], KIND_WORDS.get(s[1], s[1]), s[2], s[4] if len(s) > 4 else "")
            for s in (approval.steps if approval is not None else [])
        ),
        decisions=decisions,
        money=money,
        cost=sum(m.cost for m in money),
        saving=sum(m.saving for m in money),
        indicators=tuple(proposal.indicators.order_by("name")),
        history=history,
        sponsors=tuple(o.name for o in proposal.sponsors.order_by("name")),
    )


def as_json(v: View) -> dict[str, Any]:
    p = v.proposal
    return {
        "reference": p.reference,
        "number": p.number,
        "title": p.title,
        "summary": p.summary,
        "service": p.service,
        "care_group": p.care_group,
        "programme": p.programme.code if p.programme else None,
        "footprint": p.footprint.code,
        "population": p.population,
        "lead": p.lead.code,
        "sponsors": sorted(o.code for o in p.sponsors.all()),
        "workflow": {"code": p.workflow.code, "version": p.workflow.version},
        "state": p.state,
        "state_name": v.state,
        "stage": p.stage,
        "decision_type": p.decision_type or None,
        "next": [
            {
                "transition": n.code,
                "name": n.name,
                "made_by": n.kind,
                "ready": n.ready,
                "found": list(n.found),
                "missing": list(n.missing),
            }
            for n in v.next
        ],
        "passages": [
            {
                "transition": s.transition,
                "from": s.source,
                "to": s.target,
                "at": s.at.isoformat(),
                "by": s.by,
                "evidence": s.evidence,
            }
            for s in v.passages
        ],
        "documents": [
            {"kind": d.kind, "title": d.title, "filename": d.filename, "sha256": d.sha256}
            for d in v.documents
        ],
        "route": v.approval.route if v.approval else None,
        "decisions": [
            {
                "reference": d.reference,
                "outcome": d.outcome,
                "route_step": d.route_step or None,
                "body": d.body.code if d.body else None,
                "on": d.on.isoformat(),
            }
            for d in v.decisions
        ],
        "money": [
            {
                "year": m.start,
                "year_label": m.year,
                "organisation": m.code,
                "cost_pence": m.cost,
                "saving_pence": m.saving,
            }
            for m in v.money
        ],
        "indicators": [i.code for i in v.indicators],
    }


# Work plans ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkLine:
    proposal: Proposal
    state: str
    next_step: str
    meeting: str
    due: date | None


def programme_plan(programme: Programme) -> tuple[WorkLine, ...]:
    """A programme's proposals with their next step and where it is taken."""
    proposals = list(programme.proposals.select_related("workflow").order_by("number"))
    # Each proposal's soonest entry still to be taken: read for them all at once.
    soonest: dict[int, ForwardPlanItem] = {}
    for item in (
        Item.objects.filter(proposal__in=proposals, plan_item__status__in=("planned", "on_agenda"))
        .select_related("plan_item__meeting__body", "plan_item__body")
        .order_by("plan_item__due", "pk")
    ):
        soonest.setdefault(item.proposal_id, item.plan_item)
    graphs = {w.pk: actions.graph(w) for w in {p.workflow for p in proposals}}
    out = []
    for p in proposals:
        g = graphs[p.workflow_id]
        leaving = [t for t in g.leaving(p.state) if t.code != "withdraw"]
        plan = soonest.get(p.pk)
        where = ""
        if plan is not None:
            where = str(plan.meeting) if plan.meeting else (plan.body.name if plan.body else "")
        out.append(
            WorkLine(
                p,
                g.state(p.state).name,
                leaving[0].name if leaving else "",
                where,
                plan.due if plan else None,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Sitting:
    meeting: Meeting
    planning: tuple[tuple[str, str, str], ...]  # reference, title, href: proposals
    delivery: tuple[tuple[str, str], ...]  # reference, title: everything else on its plan


def work_plan(system: System, body: Body) -> tuple[Sitting, ...]:
    """The executive's forward work plan: at each of its meetings to come, the proposals due
    (planning) beside the rest of its business (delivery: assurance, performance, finance)."""
    meetings_ = (
        Meeting.objects.filter(body=body, starts__date__gte=date.today())
        .exclude(status=Meeting.Status.CANCELLED)
        .order_by("starts")[:12]
    )
    out = []
    for m in meetings_:
        entries = list(
            ForwardPlanItem.objects.filter(meeting=m)
            .exclude(status="withdrawn")
            .order_by("reference")
        )
        mine = {
            i.plan_item_id: i.proposal
            for i in Item.objects.filter(plan_item__in=[e.pk for e in entries]).select_related(
                "proposal"
            )
        }
        out.append(
            Sitting(
                m,
                tuple(
                    (
                        mine[e.pk].reference,
                        e.title,
                        reverse("proposal", args=[system.slug, mine[e.pk].number]),
                    )
                    for e in entries
                    if e.pk in mine
                ),
                tuple((e.reference, e.title) for e in entries if e.pk not in mine),
            )
        )
    return tuple(out)


def plan_links(items: Sequence[ForwardPlanItem]) -> dict[int, tuple[str, str]]:
    """Forward plan entries link to the proposal they take (meetings.presenters.PLAN_ITEM_LINKS)."""
    pks = [i.pk for i in items]
    out = {}
    for i in Item.objects.filter(plan_item__in=pks).select_related("proposal__system"):
        p = i.proposal
        out[i.plan_item_id] = (
            reverse("proposal", args=[p.system.slug, p.number]),
            f"Proposal {p.reference}",
        )
    return out
