"""Proposal actions: load workflows and a system's set-up, create and revise proposals, hold
their documents, put them on bodies' forward plans, ask the governance engine for the route to
approval, and move them from state to state on the evidence the workflow asks for.

Each runs in one transaction with an audit event. A proposal's changes need MANAGE_PROPOSALS in
its lead organisation; forward plan entries are made through meetings.add_plan_item, which also
needs PLAN_BUSINESS in the organisation whose plan it is. A system's set-up needs LOAD_SYSTEM in
one of the organisations that look after the system; workflows are platform documents loaded by
the command line.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F, Max
from django.utils import timezone

from commonweal.core.actions import Actor, action
from commonweal.core.db import serialise
from commonweal.core.documents import DocumentError, Located
from commonweal.core.errors import Conflict, NotPermitted, Problem, Refused
from commonweal.core.models import Organisation, Role, in_force
from commonweal.core.permissions import Permission
from commonweal.decisions.models import Decision, Finding, Revalidation
from commonweal.governance.context import governance_for
from commonweal.governance.documents import DecisionType
from commonweal.governance.engine.facts import StepKind
from commonweal.governance.models import Body, Post
from commonweal.governance.presenters import describe_route
from commonweal.governance.requests import ProposalIn as RouteQuestion
from commonweal.governance.requests import route_proposal
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import ItemKind, Meeting
from commonweal.meetings.papers import PaperRefused, inspect
from commonweal.outcomes.models import Indicator
from commonweal.registry.actions import stewards
from commonweal.registry.models import Area, AreaResponsibility, System

from . import documents, levels, rules, scoring
from .models import (
    Approval,
    Assessment,
    Document,
    Framework,
    Item,
    Moderation,
    Money,
    Passage,
    PlaceOption,
    Programme,
    Proposal,
    Setup,
    Triage,
    Workflow,
)

MAX_PENCE = 10**14  # a trillion pounds: more than any proposal
FIRST_YEAR, LAST_YEAR = 2000, 2100


# Workflows --------------------------------------------------------------------------------------


def graph(workflow: Workflow) -> rules.Graph:
    c = workflow.compiled
    return rules.Graph(
        initial=c["initial"],
        states=tuple(rules.State(**s) for s in c["states"]),
        transitions=tuple(
            rules.Transition(
                **{
                    **t,
                    "sources": tuple(t["sources"]),
                    "bodies": tuple(t["bodies"]),
                    "outcomes": tuple(t["outcomes"]),
                    "requires": tuple(t["requires"]),
                }
            )
            for t in c["transitions"]
        ),
        bodies=tuple(c["bodies"]),
        documents=tuple(c["documents"]),
    )


def _compiled(doc: documents.WorkflowDocument, g: rules.Graph) -> dict[str, Any]:
    return {
        "initial": g.initial,
        "states": [s.__dict__ for s in g.states],
        "transitions": [
            {
                **t.__dict__,
                "sources": list(t.sources),
                "bodies": list(t.bodies),
                "outcomes": list(t.outcomes),
                "requires": list(t.requires),
            }
            for t in g.transitions
        ],
        "bodies": list(g.bodies),
        "documents": list(g.documents),
        "names": {
            "bodies": {b.code: b.name for b in doc.bodies},
            "documents": {d.code: d.name for d in doc.documents},
        },
    }


@dataclass(frozen=True)
class Loaded:
    workflow: Workflow
    unchanged: bool


def _store_workflow(actor: Actor, located: Located, text: str) -> Loaded:
    doc, g = documents.check_workflow(located)
    sha = hashlib.sha256(text.encode()).hexdigest()
    code = doc.workflow.code
    serialise(f"workflow:{code}")
    latest = Workflow.objects.filter(code=code).order_by("-version").first()
    if latest is not None and latest.sha256 == sha:
        return Loaded(latest, True)
    workflow = Workflow.objects.create(
        code=code,
        version=(latest.version + 1) if latest else 1,
        name=doc.workflow.name,
        source=doc.workflow.source,
        document=text,
        sha256=sha,
        compiled=_compiled(doc, g),
        loaded_by=actor.label[:150],
    )
    actor.record(
        "workflow",
        str(workflow.pk),
        f"Loaded workflow {code} as version {workflow.version}: {len(g.states)} states, "
        f"{len(g.transitions)} transitions",
    )
    return Loaded(workflow, False)


@action("proposals.load_workflow", internal_only=True)
def load_workflow(actor: Actor, located: Located, text: str) -> Loaded:
    """A workflow document, checked as a graph, as a new version (the same text changes nothing)."""
    return _store_workflow(actor, located, text)


def read_workflow(actor: Actor, source: str | Path, text: str | None = None) -> Loaded:
    raw = Path(source).read_text(encoding="utf-8") if text is None else text
    return load_workflow(actor, documents.read(source, raw), raw)


def _workflow_named(actor: Actor, code: str) -> Workflow | None:
    """The latest loaded version of a workflow, loading the shipped one if none is."""
    found = Workflow.objects.filter(code=code).order_by("-version").first()
    if found is not None:
        return found
    path = documents.shipped(code)
    if path is None:
        return None
    text = path.read_text(encoding="utf-8")
    return _store_workflow(actor, documents.read(path, text), text).workflow


# A system's set-up ------------------------------------------------------------------------------


@action("proposals.load_setup", permission=Permission.LOAD_SYSTEM)
def load_setup(actor: Actor, located: Located, text: str) -> Setup:
    """A system's proposals document: its workflow, its bodies for the workflow's, its
    programmes. Every body a workflow names must be mapped to bodies of the system."""
    doc = documents.check_setup(located)
    system = System.objects.filter(slug=doc.system).first()
    if system is None:
        raise DocumentError(
            [located.problem(("proposals", "system"), f"no system '{doc.system}' is loaded")]
        )
    actor.require_any(stewards(system), because=f"{system.name}'s proposals")
    problems: list[Problem] = []
    workflows: dict[tuple[str | int, ...], Workflow] = {}
    for where, code in [(("proposals", "workflow"), doc.workflow)] + [
        (("proposals", "programmes", i, "workflow"), p.workflow)
        for i, p in enumerate(doc.programmes)
        if p.workflow
    ]:
        w = _workflow_named(actor, code)
        if w is None:
            problems.append(located.problem(where, f"no workflow '{code}' is loaded or shipped"))
        else:
            workflows[where] = w
    bodies = {b.code: b for b in Body.objects.filter(system=system)}
    needed: dict[str, str] = {}
    # The bodies of the workflows named, and of those its proposals already run.
    in_use = Workflow.objects.filter(
        pk__in=Proposal.objects.filter(system=system).values("workflow")
    )
    for w in [*workflows.values(), *in_use]:
        needed.update(w.compiled["names"]["bodies"])
    for slot, codes in doc.bodies.items():
        if slot not in needed:
            problems.append(
                located.problem(
                    ("proposals", "bodies", slot),
                    f"the workflows name no body '{slot}'; they name "
                    f"{', '.join(sorted(needed)) or 'none'}",
                )
            )
        if not codes:
            problems.append(located.problem(("proposals", "bodies", slot), "name its bodies"))
        for j, code in enumerate(codes):
            if code not in bodies:
                problems.append(
                    located.problem(
                        ("proposals", "bodies", slot, j),
                        f"{system.name} has no body '{code}'",
                    )
                )
    for slot, name in needed.items():
        if slot not in doc.bodies:
            problems.append(
                located.problem(
                    ("proposals", "bodies"),
                    f"map the workflow's '{slot}' ({name}) to one or more of {system.name}'s bodies",
                )
            )
    frameworks: dict[str, Framework] = {}
    for kind, code in (
        (Framework.TRIAGE, doc.triage),
        (Framework.SCORING, doc.scoring),
        (Framework.CATALOGUE, doc.catalogue),
    ):
        found = _framework_named(actor, kind, code)
        if found is None:
            problems.append(
                located.problem(
                    ("proposals", kind), f"no {kind} framework '{code}' is loaded or shipped"
                )
            )
        else:
            frameworks[kind] = found
    places = _check_places(system, doc, located, bodies, problems)
    if problems:
        raise DocumentError(problems)
    serialise(f"proposals-setup:{system.pk}")
    setup, created = Setup.objects.update_or_create(
        system=system,
        defaults={
            "workflow": workflows[("proposals", "workflow")],
            "bodies": doc.bodies,
            "document": text,
            "triage": frameworks[Framework.TRIAGE],
            "scoring": frameworks[Framework.SCORING],
            "catalogue": frameworks[Framework.CATALOGUE],
        },
    )
    PlaceOption.objects.filter(system=system).exclude(
        area__in=[area for area, *_ in places]
    ).delete()
    for area, place_in, board in places:
        PlaceOption.objects.update_or_create(
            system=system,
            area=area,
            defaults={
                "option": place_in.option,
                "board": board,
                "note": place_in.note,
                "checked_on": timezone.localdate(),
            },
        )
    for i, p in enumerate(doc.programmes):
        Programme.objects.update_or_create(
            system=system,
            code=p.code,
            defaults={
                "name": p.name,
                "remit": p.remit,
                "position": i,
                "workflow": workflows.get(("proposals", "programmes", i, "workflow")),
            },
        )
    actor.record(
        "proposals_setup",
        str(setup.pk),
        f"{'Set up' if created else 'Reloaded'} proposals for {system.name}: workflow "
        f"{setup.workflow.code} version {setup.workflow.version}, {len(doc.programmes)} programmes",
    )
    return setup


def footprint_path(area: Area) -> list[str]:
    """The area's code and those of the areas it lies in, nearest first."""
    codes, seen = [], 0
    node: Area | None = area
    while node is not None and seen < 20:
        codes.append(node.code)
        node, seen = node.parent, seen + 1
    return codes


def partners_of(area: Area, on: date) -> list[Organisation]:
    """The NHS commissioners and councils responsible for a place on a day: its partners."""
    return list(
        Organisation.objects.filter(
            pk__in=AreaResponsibility.objects.filter(
                in_force(on), area=area, role__in=("nhs_commissioner", "local_authority")
            ).values("organisation")
        ).order_by("code")
    )


def _check_places(
    system: System,
    doc: documents.SetupIn,
    located: Located,
    bodies: dict[str, Body],
    problems: list[Problem],
) -> list[tuple[Area, documents.PlaceIn, Body | None]]:
    """Each place's option, checked against its partners' schemes in force today: a mismatch is
    a problem at the place's line, naming it."""
    if not doc.places:
        return []
    today = timezone.localdate()
    gov = governance_for(system, today)
    areas = {a.code: a for a in Area.objects.filter(system=system)}
    out = []
    for i, p in enumerate(doc.places):
        where = ("proposals", "places", i)
        area = areas.get(p.place)
        if area is None:
            problems.append(
                located.problem((*where, "place"), f"{system.name} has no area '{p.place}'")
            )
            continue
        board = bodies.get(p.board) if p.board else None
        if p.board and board is None:
            problems.append(
                located.problem((*where, "board"), f"{system.name} has no body '{p.board}'")
            )
            continue
        if area.level != "place":
            problems.append(
                located.problem(
                    (*where, "place"),
                    f"{area.name} is not a place (it is a {area.level.replace('_', ' ')})",
                )
            )
            continue
        found = partners_of(area, today)
        partners = [o.code for o in found]
        councils = list(
            AreaResponsibility.objects.filter(
                in_force(today), area=area, role="local_authority"
            ).values_list("organisation__code", flat=True)
        )
        footprints = footprint_path(area)
        for message in levels.check_place(
            gov, p.option, footprints, p.board, partners, councils, today
        ):
            problems.append(located.problem((*where, "option"), f"{area.name}: {message}"))
        out.append((area, p, board))
    return out


def read_setup(actor: Actor, source: str | Path, text: str | None = None) -> Setup:
    raw = Path(source).read_text(encoding="utf-8") if text is None else text
    return load_setup(actor, documents.read(source, raw), raw)


# Proposals --------------------------------------------------------------------------------------


@dataclass
class MoneyIn:
    organisation: str
    year: int
    cost: int = 0  # pence
    saving: int = 0


@dataclass
class ProposalIn:
    title: str
    service: str
    footprint: str  # an area code of the system
    lead: str  # an organisation code
    care_group: str = ""
    programme: str = ""
    summary: str = ""
    population: str = ""
    risks: str = ""
    sponsors: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    money: list[MoneyIn] = field(default_factory=list)


def organisations_for(system: System) -> list[Organisation]:
    """Who may lead or sponsor a system's proposal: its NHS commissioners and councils (those
    responsible for its areas)."""
    return list(
        Organisation.objects.filter(
            responsibilities__area__system=system,
            responsibilities__role__in=("nhs_commissioner", "local_authority"),
        )
        .distinct()
        .order_by("name")
    )


@dataclass(frozen=True)
class Checked:
    footprint: Area
    lead: Organisation
    programme: Programme | None
    sponsors: list[Organisation]
    indicators: list[Indicator]
    money: list[tuple[Organisation, int, int, int]]


def _check(system: System, p: ProposalIn) -> Checked:
    problems: list[Problem] = []
    for name in ("title", "service"):
        if not getattr(p, name).strip():
            problems.append(Problem(name, f"Enter the proposal's {name}"))
    footprint = Area.objects.filter(system=system, code=p.footprint).first()
    if footprint is None:
        problems.append(Problem("footprint", f"{system.name} has no area '{p.footprint[:40]}'"))
    members = {o.code: o for o in organisations_for(system)}
    lead = members.get(p.lead)
    if lead is None:
        problems.append(
            Problem(
                "lead", f"'{p.lead[:20]}' is not an NHS commissioner or council of {system.name}"
            )
        )
    programme = None
    if p.programme:
        programme = Programme.objects.filter(system=system, code=p.programme).first()
        if programme is None:
            problems.append(
                Problem("programme", f"{system.name} has no programme '{p.programme[:60]}'")
            )
    sponsors = [members[c] for c in dict.fromkeys(p.sponsors) if c in members]
    for code in sorted(set(p.sponsors) - set(members)):
        problems.append(
            Problem(
                "sponsors", f"'{code[:20]}' is not an NHS commissioner or council of {system.name}"
            )
        )
    indicators = list(Indicator.objects.filter(code__in=p.indicators))
    for code in sorted(set(p.indicators) - {i.code for i in indicators}):
        problems.append(Problem("indicators", f"No indicator has the code '{code[:60]}'"))
    orgs = {o.code: o for o in [*sponsors, *([lead] if lead else [])]}
    money = []
    seen: set[tuple[str, int]] = set()
    for i, m in enumerate(p.money):
        where = f"money[{i}]"
        if m.organisation not in orgs:
            problems.append(
                Problem(f"{where}.organisation", "Money is the lead organisation's or a sponsor's")
            )
        if not FIRST_YEAR <= m.year <= LAST_YEAR:
            problems.append(
                Problem(f"{where}.year", f"A financial year from {FIRST_YEAR} to {LAST_YEAR}")
            )
        for name in ("cost", "saving"):
            value = getattr(m, name)
            if not 0 <= value <= MAX_PENCE:
                problems.append(
                    Problem(f"{where}.{name}", "An amount from £0 to £1,000,000,000,000")
                )
        if (m.organisation, m.year) in seen:
            problems.append(Problem(f"{where}.year", "That organisation's year is given twice"))
        seen.add((m.organisation, m.year))
        if m.organisation in orgs:
            money.append((orgs[m.organisation], m.year, m.cost, m.saving))
    if problems:
        raise Refused("The proposal was not saved.", problems)
    assert footprint is not None and lead is not None
    return Checked(footprint, lead, programme, sponsors, indicators, money)


def _snapshot(p: Proposal) -> dict[str, Any]:
    return {
        "title": p.title,
        "service": p.service,
        "care_group": p.care_group,
        "programme": p.programme.code if p.programme else "",
        "footprint": p.footprint.code,
        "population": p.population,
        "lead": p.lead.code,
        "summary": p.summary,
        "risks": p.risks,
        "sponsors": sorted(o.code for o in p.sponsors.all()),
        "indicators": sorted(i.code for i in p.indicators.all()),
        "money": [
            [m.organisation.code, m.year, m.cost, m.saving]
            for m in p.money.select_related("organisation").order_by("year", "organisation__code")
        ],
    }


def _apply(proposal: Proposal, p: ProposalIn, c: Checked) -> None:
    proposal.title = p.title.strip()[:200]
    proposal.service = p.service.strip()[:200]
    proposal.care_group = p.care_group.strip()[:200]
    proposal.summary = p.summary.strip()[:20_000]
    proposal.population = p.population.strip()[:500]
    proposal.risks = p.risks.strip()[:20_000]
    proposal.programme = c.programme
    proposal.footprint = c.footprint
    proposal.lead = c.lead
    proposal.save()
    proposal.sponsors.set(c.sponsors)
    proposal.indicators.set(c.indicators)
    proposal.money.all().delete()
    Money.objects.bulk_create(
        Money(proposal=proposal, organisation=o, year=y, cost=cost, saving=saving)
        for o, y, cost, saving in c.money
    )


@action("proposals.create", permission=Permission.MANAGE_PROPOSALS)
def create(actor: Actor, system: System, p: ProposalIn) -> Proposal:
    """A new proposal, in its workflow's first state (the programme's workflow, or else the
    system's)."""
    lead = Organisation.objects.filter(code=p.lead).first()
    if lead is None:
        raise Refused.at("lead", f"No organisation has the code '{p.lead[:20]}'")
    actor.require(lead, because=f"proposals led by {lead.name}")
    setup = Setup.objects.filter(system=system).select_related("workflow").first()
    if setup is None:
        raise Conflict(f"{system.name} has no proposals set-up loaded (commonweal load-proposals)")
    c = _check(system, p)
    serialise(f"proposals:{system.pk}")
    number = (Proposal.objects.filter(system=system).aggregate(m=Max("number"))["m"] or 0) + 1
    workflow = (c.programme.workflow if c.programme else None) or setup.workflow
    g = graph(workflow)
    first = g.state(g.initial)
    proposal = Proposal(
        system=system,
        number=number,
        workflow=workflow,
        state=first.code,
        stage=first.stage,
        public=first.public,
    )
    _apply(proposal, p, c)
    actor.record("proposal", str(proposal.pk), f"Created {proposal}", after=_snapshot(proposal))
    return proposal


@action("proposals.revise", permission=Permission.MANAGE_PROPOSALS)
def revise(actor: Actor, proposal: Proposal, p: ProposalIn) -> Proposal:
    """Change what the proposal says. Once its approval has been asked, its money, lead and
    footprint are what the route was worked out from, and stay as they are."""
    actor.require(proposal.lead, because=f"{proposal.reference}, led by {proposal.lead.name}")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    g = graph(proposal.workflow)
    if g.state(proposal.state).final:
        raise Conflict(
            f"{proposal.reference} is {g.state(proposal.state).name.lower()}: it no longer changes"
        )
    c = _check(proposal.system, p)
    if c.lead != proposal.lead:
        actor.require(c.lead, because=f"proposals led by {c.lead.name}")
    before = _snapshot(proposal)
    if proposal.approvals.exists():
        fixed = ("lead", "footprint", "money")
        after_money = [
            [o.code, y, cost, saving]
            for o, y, cost, saving in sorted(c.money, key=lambda m: (m[1], m[0].code))
        ]
        changed = [
            name
            for name, new in (
                ("lead", c.lead.code),
                ("footprint", c.footprint.code),
                ("money", after_money),
            )
            if before[name] != new
        ]
        if changed:
            raise Refused(
                "The proposal was not saved.",
                [
                    Problem(
                        name,
                        f"Its approval has been asked on these figures: the {name} "
                        "no longer changes (withdraw it and start again to change them)",
                    )
                    for name in changed
                    if name in fixed
                ],
            )
    _apply(proposal, p, c)
    after = _snapshot(proposal)
    changed_keys = [k for k in after if after[k] != before[k]]
    actor.record(
        "proposal",
        str(proposal.pk),
        f"Revised {proposal.reference}: {', '.join(changed_keys) or 'nothing changed'}",
        before={k: before[k] for k in changed_keys},
        after={k: after[k] for k in changed_keys},
    )
    return proposal


# Documents ---------------------------------------------------------------------------------------


@action("proposals.keep_document", permission=Permission.MANAGE_PROPOSALS)
def keep_document(
    actor: Actor, proposal: Proposal, kind: str, filename: str, data: bytes, *, title: str = ""
) -> Document:
    """A document for the proposal (PDF, Word or Excel, checked as meetings check papers)."""
    actor.require(proposal.lead, because=f"{proposal.reference}, led by {proposal.lead.name}")
    if graph(proposal.workflow).state(proposal.state).final:
        raise Conflict(f"{proposal.reference} is finished: its documents no longer change")
    names = proposal.workflow.compiled["names"]["documents"]
    if kind not in names:
        raise Refused.at(
            "kind", f"The workflow holds {', '.join(names.values())}, not '{kind[:60]}'"
        )
    name = meetings._clean_name(filename)
    try:
        inspected = inspect(data, name)
    except PaperRefused as refused:
        message = refused.message
        raise Refused.at(
            "file", message if message.startswith("'") else f"'{name}' {message}"
        ) from None
    document = Document(
        proposal=proposal,
        kind=kind,
        title=(title.strip() or name.rsplit(".", 1)[0])[:200],
        filename=name,
        format=inspected.kind,
        size=inspected.size,
        sha256=inspected.sha256,
        extent=inspected.extent,
        uploaded_by=(actor.person.name if actor.person else actor.label)[:150],
    )
    path = f"proposals/{inspected.sha256[:2]}/{inspected.sha256}.{inspected.kind}"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(data))
    document.file.name = path
    document.save()
    actor.record(
        "proposal",
        str(proposal.pk),
        f"Added {names[kind].lower()} '{document.title}' ({name}) to {proposal.reference}",
        after={"sha256": inspected.sha256, "kind": kind},
    )
    return document


# Forward plans -----------------------------------------------------------------------------------


def _check_due(due: date | None) -> None:
    """A date the business is due: from today, and not years ahead (the schemes in force on it
    give the route)."""
    if due is None:
        return
    today = date.today()
    if due < today:
        raise Refused.at("due", "The date it is due must be today or later")
    if due > today + timedelta(days=5 * 365):
        raise Refused.at("due", "The date it is due must be within five years")


def entered(proposal: Proposal) -> Any:
    """When the proposal reached its present state: outcomes recorded before then answered an
    earlier pass (a workflow may loop back)."""
    last = proposal.passages.order_by("-at", "-id").first()
    return last.at if last is not None else proposal.created


def bodies_for(proposal: Proposal, slot: str) -> list[Body]:
    setup = Setup.objects.get(system=proposal.system)
    codes = setup.bodies.get(slot, [])
    found = {b.code: b for b in Body.objects.filter(system=proposal.system, code__in=codes)}
    return [found[c] for c in codes if c in found]


def _next_meeting(body: Body, after: date | None = None) -> Meeting | None:
    meetings_ = Meeting.objects.filter(
        body=body,
        status__in=(Meeting.Status.TENTATIVE, Meeting.Status.CONFIRMED),
        starts__gte=timezone.now(),
    )
    if after is not None:
        meetings_ = meetings_.filter(starts__date__gte=after)
    return meetings_.order_by("starts").first()


def _planner(actor: Actor, proposal: Proposal, body: Body) -> Organisation:
    """Whose forward plan the item goes on: the lead's if it owns the body, else an owner
    whose business the actor plans."""
    owners = list(body.owners.all())
    if proposal.lead in owners:
        return proposal.lead
    for org in owners:
        if actor.holds(Permission.PLAN_BUSINESS, org):
            return org
    raise NotPermitted(
        f"{body.name} is not {proposal.lead.name}'s: its business is planned by "
        f"{', '.join(o.name for o in owners)}"
    )


def _transition(proposal: Proposal, code: str) -> rules.Transition:
    g = graph(proposal.workflow)
    t = next((t for t in g.transitions if t.code == code), None)
    if t is None:
        raise Refused.at("transition", f"The workflow has no transition '{code[:60]}'")
    if proposal.state not in t.sources:
        raise Conflict.at(
            "transition",
            f"{proposal.reference} is at '{g.state(proposal.state).name}': '{t.name}' is not "
            "the next step",
        )
    return t


ITEM_KIND = {
    "recommendation": ItemKind.RECOMMENDATION,
    "sign_off": ItemKind.RECOMMENDATION,
    "consultation": ItemKind.CONSULTATION,
    "decision": ItemKind.DECISION,
}


@action("proposals.put_forward", permission=Permission.MANAGE_PROPOSALS)
def put_forward(
    actor: Actor, proposal: Proposal, transition: str, *, due: date | None = None
) -> list[Item]:
    """Put the proposal on the forward plan of each body the transition names, at its next
    arranged meeting (or due on the date given), for the outcome the workflow asks of it."""
    actor.require(proposal.lead, because=f"{proposal.reference}, led by {proposal.lead.name}")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    t = _transition(proposal, transition)
    if not t.bodies:
        raise Refused.at("transition", f"'{t.name}' is not made at a body's meeting")
    _check_due(due)
    since = entered(proposal)
    names = proposal.workflow.compiled["names"]["bodies"]
    made = []
    for slot in t.bodies:
        choices = bodies_for(proposal, slot)
        if not choices:
            raise Conflict(f"{proposal.system.name} has no body for the workflow's '{names[slot]}'")
        if Item.objects.filter(
            proposal=proposal,
            transition=t.code,
            workflow_body=slot,
            created__gte=since,
            plan_item__status__in=("planned", "on_agenda", "taken"),
        ).exists():
            continue
        body = choices[0]
        meeting = _next_meeting(body)
        if meeting is None and due is None:
            raise Refused.at(
                "due",
                f"No meeting of {body.name} is arranged: enter the date the item is due",
            )
        kind = ITEM_KIND[t.outcomes[0]]
        plan = meetings.add_plan_item(
            actor,
            _planner(actor, proposal, body),
            proposal.system,
            meetings.PlanIn(
                title=f"{proposal.reference}: {proposal.title}"[:200],
                author=(actor.person.name if actor.person else actor.label)[:200],
                kind=kind,
                summary=f"{t.name}: {proposal.summary}"[:2000],
                body=body,
                meeting=meeting,
                due=None if meeting is not None else due,
                decision_sought=t.name if kind == ItemKind.DECISION else "",
                project=proposal.reference,
            ),
        )
        made.append(
            Item.objects.create(
                proposal=proposal, plan_item=plan, transition=t.code, workflow_body=slot, body=body
            )
        )
    if not made:
        raise Conflict(f"{proposal.reference} is already on the forward plan for '{t.name}'")
    actor.record(
        "proposal",
        str(proposal.pk),
        f"Put {proposal.reference} on the forward plan of "
        + ", ".join(i.body.name for i in made if i.body)
        + f" for '{t.name}'",
    )
    return made


def commitments(proposal: Proposal) -> list[tuple[Organisation, int]]:
    """Each organisation's cost over every year: what it commits (the lead's is always there)."""
    totals: dict[int, tuple[Organisation, int]] = {proposal.lead.pk: (proposal.lead, 0)}
    for m in proposal.money.select_related("organisation"):
        org, total = totals.get(m.organisation_id, (m.organisation, 0))
        totals[m.organisation_id] = (org, total + m.cost)
    return sorted(totals.values(), key=lambda pair: (pair[0] != proposal.lead, pair[0].code))


@action("proposals.seek_approval", permission=Permission.MANAGE_PROPOSALS)
def seek_approval(
    actor: Actor,
    proposal: Proposal,
    transition: str,
    *,
    decision_type: str,
    due: date | None = None,
) -> Approval:
    """Ask the governance engine for the route to approval and put the proposal on the forward
    plan of every body the route names (or on an officer's list, where an officer decides)."""
    actor.require(proposal.lead, because=f"{proposal.reference}, led by {proposal.lead.name}")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    t = _transition(proposal, transition)
    if not t.route:
        raise Refused.at("transition", f"'{t.name}' is not made by the governance route")
    if decision_type not in {d.value for d in DecisionType}:
        raise Refused.at("decision_type", f"Not a kind of decision: '{decision_type[:40]}'")
    _check_due(due)
    open_items = Item.objects.filter(
        proposal=proposal,
        approval__isnull=False,
        created__gte=entered(proposal),
        plan_item__status__in=("planned", "on_agenda"),
    )
    if open_items.exists():
        raise Conflict(
            f"{proposal.reference}'s route is already on the forward plan: withdraw those entries "
            "before asking again"
        )
    on = due or date.today()
    money = commitments(proposal)
    question = RouteQuestion.model_validate(
        {
            "system": proposal.system.slug,
            "decision_type": decision_type,
            "on": on,
            "footprint": proposal.footprint.code,
            "project": proposal.reference,
            "title": proposal.title,
            "commitments": [
                {"organisation": o.code, "amount": str(Decimal(pence) / 100)} for o, pence in money
            ],
        }
    )
    route, gov = route_proposal(question)
    if not route.decidable:
        reasons = "; ".join(
            f"{o.organisation}: {o.reason}" for o in route.organisations if o.reason
        )
        raise Refused.at("decision_type", f"No one may decide this: {reasons}")
    described = describe_route(route, gov)
    takers = {
        d["id"]: d["taker"].get("name", "")
        for d in [
            *(d for o in described["organisations"] for d in o["steps"]),
            *described.get("joint", []),
        ]
    }
    approval = Approval.objects.create(
        proposal=proposal,
        transition=t.code,
        decision_type=decision_type,
        on=on,
        commitments=[{"organisation": o.code, "amount": pence} for o, pence in money],
        route=described,
        # Each step: id, kind, organisation, the body that takes it ("" for an officer), and
        # who takes it by name (the public see this, not the route's sentences with amounts).
        steps=[
            [s.id, s.kind.value, s.organisation, s.taker.body or "", takers.get(s.id, "")]
            for s in route.steps
        ],
        asked_by=actor.label[:150],
    )
    proposal.decision_type = decision_type
    proposal.save(update_fields=["decision_type", "changed"])
    common: dict[str, Any] = {
        "title": f"{proposal.reference}: {proposal.title}"[:200],
        "author": (actor.person.name if actor.person else actor.label)[:200],
        "decision_type": decision_type,
        "commitments": [(o.code, pence, None) for o, pence in money],
        "footprint": proposal.footprint,
        "project": proposal.reference,
    }
    kinds = {
        StepKind.CONSULT: ItemKind.CONSULTATION,
        StepKind.RECOMMEND: ItemKind.RECOMMENDATION,
        StepKind.DECIDE: ItemKind.DECISION,
        StepKind.DECIDE_JOINTLY: ItemKind.DECISION,
    }
    bodies = {b.code: b for b in Body.objects.filter(system=proposal.system)}
    after: date | None = None
    for step in route.steps:
        body = bodies.get(step.taker.body or "")
        summary = f"{t.name}. {step.sentence}"[:2000]
        if body is not None:
            meeting = _next_meeting(body, after)
            if meeting is None and due is None:
                raise Refused.at(
                    "due", f"No meeting of {body.name} is arranged: enter the date approval is due"
                )
            plan_org = (
                Organisation.objects.get(code=step.organisation)
                if step.kind != StepKind.DECIDE_JOINTLY
                else _planner(actor, proposal, body)
            )
            plan = meetings.add_plan_item(
                actor,
                plan_org,
                proposal.system,
                meetings.PlanIn(
                    kind=kinds[step.kind],
                    summary=summary,
                    body=body,
                    meeting=meeting,
                    due=None if meeting is not None else max(on, after or on),
                    decision_sought=proposal.title if step.kind.value.startswith("decide") else "",
                    **common,
                ),
            )
            if meeting is not None:
                after = meetings.local_day(meeting.starts)
        elif step.taker.post and step.kind in (StepKind.DECIDE,):
            org_code, _, post_code = step.taker.post.partition("/")
            post = Post.objects.get(organisation__code=org_code, code=post_code)
            plan = meetings.add_plan_item(
                actor,
                Organisation.objects.get(code=step.organisation),
                proposal.system,
                meetings.PlanIn(
                    kind=ItemKind.DECISION,
                    summary=summary,
                    decider=post,
                    due=max(on, after or on),
                    decision_sought=proposal.title,
                    **common,
                ),
            )
        else:
            # An officer consulted or recommending: nothing to plan (ADR 0018).
            continue
        Item.objects.create(
            proposal=proposal,
            plan_item=plan,
            transition=t.code,
            body=body,
            approval=approval,
            steps=[step.id],
        )
    actor.record(
        "proposal",
        str(proposal.pk),
        f"Asked the route to approve {proposal.reference} as {decision_type.replace('_', ' ')}: "
        f"{len(route.steps)} steps",
        after={"steps": approval.steps},
    )
    return approval


# Evidence and moving on --------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What a transition needs and what has been recorded towards it."""

    ready: bool
    found: tuple[str, ...]
    missing: tuple[str, ...]
    steps: tuple[rules.StepState, ...] = ()


def _decision_label(d: Decision) -> str:
    where = d.body.name if d.body else "an officer"
    return f"{d.reference} {d.get_outcome_display().lower()} by {where} on {d.on:%-d %B %Y}"


def _questioned(system: System) -> set[int]:
    """Decisions the latest completed revalidation found no longer valid."""
    latest = Revalidation.objects.filter(system=system, status=Revalidation.Status.DONE).first()
    if latest is None:
        return set()
    return set(Finding.objects.filter(run=latest).values_list("decision_id", flat=True))


def route_answers(proposal: Proposal, approval: Approval) -> list[rules.StepState]:
    steps = [(s[0], s[1], s[2], s[3]) for s in approval.steps]
    decisions = (
        Decision.objects.filter(
            plan_item__in=Item.objects.filter(approval=approval).values("plan_item"),
            route_step__in=[s[0] for s in steps],
        )
        .select_related("body")
        .prefetch_related("changed_by")
    )
    questioned = _questioned(proposal.system)
    answers = [
        rules.Answer(
            reference=_decision_label(d),
            outcome=d.outcome,
            step=d.route_step,
            body=d.body.code if d.body is not None and d.basis != "officer" else "",
            binds=tuple(d.binds or ()),
            # A rescission answers nothing; nor does what was later corrected or rescinded.
            superseded=d.change == "rescission" or bool(list(d.changed_by.all())),
            questioned=d.pk in questioned,
        )
        for d in decisions
    ]
    return rules.route_state(steps, answers)


def evidence(proposal: Proposal, t: rules.Transition) -> Evidence:
    found: list[str] = []
    missing: list[str] = []
    names = proposal.workflow.compiled["names"]
    held = set(proposal.documents.values_list("kind", flat=True))
    since = entered(proposal)
    questioned = _questioned(proposal.system) if t.bodies else set()
    for kind in t.requires:
        if kind in held:
            found.append(f"{names['documents'][kind]} held")
        else:
            missing.append(f"{names['documents'][kind]}: not yet added")
    if t.bodies:
        for slot in t.bodies:
            items = Item.objects.filter(
                proposal=proposal, transition=t.code, workflow_body=slot, created__gte=since
            )
            # Recorded at a meeting of the body the entry was for, on this pass through the
            # state; not rescinded, corrected or a rescission.
            recorded = (
                Decision.objects.filter(
                    plan_item__in=items.values("plan_item"),
                    outcome__in=t.outcomes,
                    basis="meeting",
                    body=F("plan_item__body"),
                    recorded__gte=since,
                )
                .exclude(change="rescission")
                .exclude(pk__in=questioned)
                .filter(changed_by__isnull=True)
                .select_related("body")
                .order_by("on", "pk")
                .first()
            )
            if recorded is not None:
                found.append(_decision_label(recorded))
            elif items.exists():
                bodies = ", ".join(i.body.name for i in items.select_related("body") if i.body)
                outcomes = " or ".join(o.replace("_", "-") for o in t.outcomes)
                missing.append(f"{names['bodies'][slot]}: no {outcomes} recorded yet at {bodies}")
            else:
                missing.append(f"{names['bodies'][slot]}: not yet on its forward plan")
    steps: list[rules.StepState] = []
    if t.route:
        approval = proposal.approvals.filter(transition=t.code).first()
        if approval is None:
            missing.append("The route to approval has not been asked")
        else:
            steps = route_answers(proposal, approval)
            for s in steps:
                if s.answered_by:
                    found.append(f"{s.step}: {s.answered_by}")
                else:
                    missing.append(f"{s.step} ({s.kind.replace('_', ' ')}): {s.missing}")
    return Evidence(not missing, tuple(found), tuple(missing), tuple(steps))


def _figures(proposal: Proposal) -> dict[str, int]:
    money = list(proposal.money.all())
    return {"cost": sum(m.cost for m in money), "saving": sum(m.saving for m in money)}


def _holds_role(actor: Actor, organisation: Organisation, role: str) -> bool:
    if actor.internal:
        return True
    return any(
        a.organisation_id == organisation.pk and a.role in (role, Role.ADMINISTRATOR)
        for a in actor.roles()
    )


@action("proposals.advance", permission=Permission.MANAGE_PROPOSALS)
def advance(actor: Actor, proposal: Proposal, transition: str, *, note: str = "") -> Passage:
    """Move the proposal on by one of its workflow's transitions, once what the transition asks
    for is there: the documents, each named body's recorded outcome, every route step's valid
    decision. Refused otherwise, with everything still missing."""
    actor.require(proposal.lead, because=f"{proposal.reference}, led by {proposal.lead.name}")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    t = _transition(proposal, transition)
    if t.role and not _holds_role(actor, proposal.lead, t.role):
        raise NotPermitted(f"'{t.name}' is made by a {t.role} of {proposal.lead.name}")
    found = evidence(proposal, t)
    if not found.ready:
        raise Refused(
            f"{proposal.reference} cannot move on by '{t.name}' yet.",
            [Problem("transition", m) for m in found.missing],
        )
    g = graph(proposal.workflow)
    target = g.state(t.target)
    passage = Passage.objects.create(
        proposal=proposal,
        transition=t.code,
        name=t.name,
        source=proposal.state,
        target=target.code,
        evidence=list(found.found),
        # The figures the stage was passed on: a later change of money shows against them.
        figures=_figures(proposal),
        note=note.strip()[:2000],
        by=(actor.person.name if actor.person else actor.label)[:150],
    )
    before = proposal.state
    proposal.state, proposal.stage = target.code, target.stage
    proposal.public = proposal.public or target.public
    proposal.save(update_fields=["state", "stage", "public", "changed"])
    if target.final:
        # Entries still waiting on the plan are no longer needed.
        for item in Item.objects.filter(
            proposal=proposal, plan_item__status="planned"
        ).select_related("plan_item__organisation"):
            if actor.holds(Permission.PLAN_BUSINESS, item.plan_item.organisation):
                meetings.reschedule_plan_item(actor, item.plan_item, withdraw=True)
    actor.record(
        "proposal",
        str(proposal.pk),
        f"{proposal.reference}: {t.name} ({g.state(before).name} → {target.name})",
        before={"state": before},
        after={"state": target.code, "evidence": list(found.found)},
    )
    return passage


# Level-triage trees, scoring frameworks and catalogues -----------------------------------------


@dataclass(frozen=True)
class LoadedFramework:
    framework: Framework
    unchanged: bool


def _store_framework(actor: Actor, located: Located, text: str) -> LoadedFramework:
    kind, doc, compiled = documents.check_framework(located)
    header = getattr(doc, {"triage": "tree"}.get(kind, kind))
    sha = hashlib.sha256(text.encode()).hexdigest()
    serialise(f"level-framework:{kind}:{header.code}")
    latest = Framework.objects.filter(kind=kind, code=header.code).order_by("-version").first()
    if latest is not None and latest.sha256 == sha:
        return LoadedFramework(latest, True)
    framework = Framework.objects.create(
        kind=kind,
        code=header.code,
        version=(latest.version + 1) if latest else 1,
        name=header.name,
        source=header.source,
        document=text,
        sha256=sha,
        compiled=compiled,
        loaded_by=actor.label[:150],
    )
    actor.record(
        "level_framework",
        str(framework.pk),
        f"Loaded {framework.get_kind_display().lower()} {header.code} as version {framework.version}",
    )
    return LoadedFramework(framework, False)


@action("proposals.load_level_framework", internal_only=True)
def load_level_framework(actor: Actor, located: Located, text: str) -> LoadedFramework:
    """A level-triage tree, scoring framework or catalogue, checked, as a new version (the same
    text changes nothing). Systems' set-ups take the latest version when loaded."""
    return _store_framework(actor, located, text)


def read_level_framework(
    actor: Actor, source: str | Path, text: str | None = None
) -> LoadedFramework:
    raw = Path(source).read_text(encoding="utf-8") if text is None else text
    return load_level_framework(actor, documents.read(source, raw), raw)


def _framework_named(actor: Actor, kind: str, code: str) -> Framework | None:
    """The latest loaded version, loading the shipped one if none is."""
    found = Framework.objects.filter(kind=kind, code=code).order_by("-version").first()
    if found is not None:
        return found
    path = documents.shipped_framework(code)
    if path is None:
        return None
    text = path.read_text(encoding="utf-8")
    loaded = _store_framework(actor, documents.read(path, text), text).framework
    return loaded if loaded.kind == kind else None


def _setup_framework(proposal: Proposal, kind: str) -> Framework:
    setup = Setup.objects.filter(system=proposal.system).select_related(kind).first()
    framework = getattr(setup, kind, None) if setup else None
    if framework is None:
        raise Conflict(
            f"{proposal.system.name}'s proposals set-up names no {kind} framework: "
            "load the set-up again (commonweal load-proposals)"
        )
    return framework


def tree(framework: Framework) -> levels.Tree:
    return documents.compiled_tree(framework.compiled)


def framework(framework: Framework) -> scoring.Framework:
    return documents.compiled_framework(framework.compiled)


# Triage -----------------------------------------------------------------------------------------


@action("proposals.triage", permission=Permission.MANAGE_PROPOSALS)
def triage(actor: Actor, proposal: Proposal, answers: dict[str, str], *, note: str = "") -> Triage:
    """Take the proposal through its system's level-triage tree: the answers on the path are
    kept with where it ended (system or place level, and the advice). A new triage is a new
    record; the latest is the proposal's level."""
    actor.require(proposal.lead, because=f"{proposal.reference}, led by {proposal.lead.name}")
    _not_final(proposal)
    fw = _setup_framework(proposal, Framework.TRIAGE)
    t = tree(fw)
    answers = {str(k)[:60]: str(v)[:60] for k, v in answers.items()}
    walked = levels.walk(t, answers)
    if walked.result is None:
        q = t.question(walked.problem)
        assert q is not None
        offered = " or ".join(f"'{a.answer}'" for a in q.answers)
        message = (
            f"Answer {offered}: {q.text}"
            if walked.missing
            else f"'{answers.get(q.code, '')}' is not an answer to this question: answer {offered}"
        )
        raise Refused.at(("answers", q.code), message)
    record = Triage.objects.create(
        proposal=proposal,
        framework=fw,
        path=[{"question": s.question, "text": s.text, "answer": s.answer} for s in walked.path],
        result=walked.result.code,
        level=walked.result.level,
        text=walked.result.text,
        advice=walked.result.advice,
        note=note.strip()[:2000],
        by=(actor.person.name if actor.person else actor.label)[:150],
    )
    actor.record(
        "proposal",
        str(proposal.pk),
        f"{proposal.reference}: triage by {fw.name} ended at {walked.result.level} level "
        f"({' → '.join(f'{s.question}: {s.answer}' for s in walked.path)})",
        after={"triage": record.pk, "result": walked.result.code},
    )
    return record


# Scoring ----------------------------------------------------------------------------------------


def _assessor_name(actor: Actor) -> str:
    return (actor.person.name if actor.person else actor.label)[:200]


def _require_assessor(actor: Actor, proposal: Proposal) -> None:
    actor.require_any(
        organisations_for(proposal.system),
        because=f"assessing {proposal.system.name}'s proposals",
    )
    if actor.user is None:
        raise NotPermitted("Only a person signed in may assess a proposal")
    _not_final(proposal)


def _not_final(proposal: Proposal) -> None:
    state = graph(proposal.workflow).state(proposal.state)
    if state.final:
        raise Conflict(f"{proposal.reference} is {state.name.lower()}: it is no longer assessed")


def _moderation_begun(proposal: Proposal, fw: Framework) -> bool:
    return Moderation.objects.filter(proposal=proposal, framework=fw).exists()


def assessment_of(actor: Actor, proposal: Proposal) -> Assessment | None:
    if actor.user is None:
        return None
    fw = Setup.objects.filter(system=proposal.system).values_list("scoring", flat=True).first()
    return Assessment.objects.filter(proposal=proposal, framework=fw, assessor=actor.user).first()


@action("proposals.declare_interest", permission=Permission.ASSESS_PROPOSALS)
def declare_interest(
    actor: Actor, proposal: Proposal, *, interest: str, detail: str = ""
) -> Assessment:
    """An assessor's declaration of interests in the proposal, made before scoring. Any interest
    means the assessor cannot score it. It may be changed until the assessment is submitted;
    declaring an interest then sets aside any scores already saved."""
    _require_assessor(actor, proposal)
    if interest not in dict(Assessment.INTERESTS):
        raise Refused.at(
            "interest", f"Choose one of: {', '.join(dict(Assessment.INTERESTS).values())}"
        )
    if interest != "none" and not detail.strip():
        raise Refused.at("detail", "Say what the interest is")
    fw = _setup_framework(proposal, Framework.SCORING)
    serialise(f"assessment:{proposal.pk}:{actor.user.pk}")  # type: ignore[union-attr]
    found = Assessment.objects.filter(proposal=proposal, framework=fw, assessor=actor.user).first()
    if found is not None and found.submitted:
        raise Conflict("Your assessment is submitted: it no longer changes")
    if found is None and _moderation_begun(proposal, fw):
        raise Conflict(f"Moderation of {proposal.reference} has begun: it takes no new assessors")
    if found is None:
        found = Assessment(proposal=proposal, framework=fw, assessor=actor.user)
    before = {"interest": found.interest, "scores": dict(found.scores)} if found.pk else None
    found.name = _assessor_name(actor)
    found.interest = interest
    found.interest_detail = detail.strip()[:2000]
    if interest != "none":
        found.scores, found.comments = {}, {}
    found.save()
    actor.record(
        "assessment",
        str(found.pk),
        f"{proposal.reference}: {found.name} declared "
        f"{found.get_interest_display().lower()}"
        + (" and cannot score it" if interest != "none" else ""),
        before=before,
        after={"interest": interest},
    )
    return found


@action("proposals.score", permission=Permission.ASSESS_PROPOSALS)
def score(
    actor: Actor,
    proposal: Proposal,
    scores: dict[str, Any],
    *,
    comments: dict[str, str] | None = None,
    submit: bool = False,
) -> Assessment:
    """Save an assessor's scores (some may be left for later); submitting needs every
    criterion scored, and then the assessment no longer changes."""
    _require_assessor(actor, proposal)
    fw = _setup_framework(proposal, Framework.SCORING)
    spec = framework(fw)
    a = (
        Assessment.objects.select_for_update()
        .filter(proposal=proposal, framework=fw, assessor=actor.user)
        .first()
    )
    if a is None:
        raise Refused.at("interest", "Declare your interests in this proposal before scoring it")
    if a.conflicted:
        raise NotPermitted(
            f"You declared a {a.get_interest_display().lower()} in {proposal.reference}: "
            "a conflicted assessor cannot score it"
        )
    if a.submitted:
        raise Conflict("Your assessment is submitted: it no longer changes")
    problems = scoring.score_problems(spec, scores)
    if problems:
        raise Refused(
            "The scores were refused; nothing was saved.",
            [Problem(f"scores.{code}"[:80], message) for code, message in problems],
        )
    merged = {**a.scores}
    for code, value in scores.items():
        if value is None:
            merged.pop(code, None)
        else:
            merged[code] = value
    notes = {**a.comments}
    for code, text in (comments or {}).items():
        if spec.criterion(code) is None:
            raise Refused.at(("comments", code[:60]), f"no criterion '{code[:60]}'")
        if text.strip():
            notes[code] = text.strip()[:2000]
        else:
            notes.pop(code, None)
    before = dict(a.scores)
    a.scores, a.comments = merged, notes
    if submit:
        missing = [c.name for c in spec.criteria if c.code not in merged]
        if missing:
            raise Refused(
                "Score every criterion before submitting; your scores were not saved.",
                [
                    Problem(f"scores.{c.code}", f"no score for '{c.name}'")
                    for c in spec.criteria
                    if c.code not in merged
                ],
            )
        a.submitted = timezone.now()
    a.name = _assessor_name(actor)
    a.save()
    actor.record(
        "assessment",
        str(a.pk),
        f"{proposal.reference}: {a.name} {'submitted' if submit else 'saved'} scores "
        f"({len(merged)} of {len(spec.criteria)} criteria)",
        before={"scores": before},
        after={"scores": merged, "submitted": bool(a.submitted)},
    )
    return a


@action("proposals.moderate", permission=Permission.ASSESS_PROPOSALS)
def moderate(
    actor: Actor, proposal: Proposal, *, criterion: str, score: int, rationale: str
) -> Moderation:
    """The moderated score for one criterion, agreed with a rationale, by an assessor who has
    submitted (and so may see the others' scores). The total is derived from these."""
    _require_assessor(actor, proposal)
    fw = _setup_framework(proposal, Framework.SCORING)
    spec = framework(fw)
    sheets = list(Assessment.objects.filter(proposal=proposal, framework=fw))
    mine = next((a for a in sheets if a.assessor_id == actor.user.pk), None)  # type: ignore[union-attr]
    if mine is None or mine.submitted is None or mine.conflicted:
        raise NotPermitted(
            "Moderation is by assessors who have submitted their own assessment of "
            f"{proposal.reference} and declared no interest in it"
        )
    # Blind to the end: moderation waits for every assessor without an interest, and needs
    # two at least (one person's scores are not a moderation).
    waiting = [a.name for a in sheets if not a.conflicted and a.submitted is None]
    if waiting:
        raise Conflict(f"Moderation waits for {', '.join(waiting)} to submit")
    if sum(1 for a in sheets if a.submitted and not a.conflicted) < 2:
        raise Conflict("Moderation needs at least two submitted assessments")
    c = spec.criterion(criterion)
    if c is None:
        raise Refused.at(
            "criterion",
            f"no criterion '{criterion[:60]}'; the criteria are "
            + ", ".join(x.code for x in spec.criteria),
        )
    problems = scoring.score_problems(spec, {criterion: score})
    if problems:
        raise Refused.at("score", problems[0][1])
    if not rationale.strip():
        raise Refused.at("rationale", "Give the rationale for the moderated score")
    m = Moderation.objects.create(
        proposal=proposal,
        framework=fw,
        criterion=c.code,
        score=score,
        rationale=rationale.strip()[:4000],
        by=_assessor_name(actor)[:150],
    )
    # Recorded under the moderation, not the proposal: the proposal's history is shown to
    # people who may not yet see scores.
    actor.record(
        "moderation",
        str(m.pk),
        f"{proposal.reference}: moderated '{c.name}' at {score}",
        after={"proposal": proposal.pk, "criterion": c.code, "score": score},
    )
    return m


def moderated(proposal: Proposal, fw: Framework) -> dict[str, Moderation]:
    """The latest moderation of each criterion."""
    latest: dict[str, Moderation] = {}
    for m in Moderation.objects.filter(proposal=proposal, framework=fw).order_by("-at", "-id"):
        latest.setdefault(m.criterion, m)
    return latest
