"""Assurance actions: load a framework, assess a period, respond to an exception, record and
close quality concerns, and put a system report on the forward plan.

Each runs in one transaction with an audit event and needs MANAGE_ASSURANCE in an organisation
that owns what it changes: the framework's owner (loading, assessing, responding), or an
organisation responsible for the place (a quality concern).
"""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db.models import Max

from commonweal.core.actions import Actor, action
from commonweal.core.db import serialise
from commonweal.core.documents import DocumentError, Located
from commonweal.core.errors import Problem, Refused
from commonweal.core.models import Organisation
from commonweal.core.permissions import Permission
from commonweal.governance.models import Body
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import ForwardPlanItem, ItemKind, Meeting
from commonweal.registry.actions import stewards
from commonweal.registry.models import Area, AreaResponsibility, System
from commonweal.registry.rules import Level

from . import documents, monitor, rules
from .models import (
    Assessment,
    AssuranceException,
    Framework,
    FrameworkVersion,
    Occurrence,
    QualityConcern,
    Response,
)

# Framework documents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    framework: Framework
    version: FrameworkVersion
    unchanged: bool


def _problem(located: Located, loc: tuple[str | int, ...], message: str) -> Problem:
    return located.problem(("assurance", *loc), message)


@action("assurance.load_framework", permission=Permission.MANAGE_ASSURANCE)
def load_framework(actor: Actor, located: Located, text: str) -> Loaded:
    """Check a system's assurance framework against the system and load it as a new version
    (the same text again changes nothing)."""
    doc = documents.check(located)
    system = System.objects.filter(slug=doc.system).first()
    if system is None:
        raise DocumentError([_problem(located, ("system",), f"no system '{doc.system}'")])
    owner = Organisation.objects.filter(code=doc.owner).first()
    if owner is None or owner not in stewards(system):
        raise DocumentError(
            [
                _problem(
                    located,
                    ("owner",),
                    f"'{doc.owner}' does not look after {system.name}: the framework's owner is "
                    "one of the system's NHS commissioners or councils",
                )
            ]
        )
    actor.require(owner, because=f"the assurance framework of {system.name}")
    problems = _check_against(located, doc, system, owner)
    if problems:
        raise DocumentError(problems)
    serialise(f"assurance:framework:{system.slug}:{doc.code}")
    framework, _ = Framework.objects.get_or_create(
        system=system, code=doc.code, defaults={"name": doc.name, "owner": owner}
    )
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if framework.version is not None and framework.version.sha256 == sha:
        return Loaded(framework, framework.version, True)
    number = (framework.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = FrameworkVersion.objects.create(
        framework=framework,
        number=number,
        path=Path(located.file).name[:300],
        text=text,
        sha256=sha,
        content=doc.model_dump(mode="json"),
        written_by=doc.provenance.written_by,
        checked_by=doc.provenance.checked_by,
        review_date=doc.provenance.review_date,
        source=doc.provenance.source,
        illustrative=doc.illustrative,
        loaded_by=actor.label,
    )
    framework.name, framework.owner, framework.version = doc.name, owner, version
    framework.save()
    actor.record(
        "assurance_framework",
        str(framework.pk),
        f"Loaded version {number} of {doc.name} for {system.name}: {len(doc.lines)} lines",
    )
    return Loaded(framework, version, False)


def _check_against(
    located: Located, doc: documents.AssuranceDoc, system: System, owner: Organisation
) -> list[Problem]:
    """What the document names in the system: its places, providers, pools and body."""
    from commonweal.outcomes.models import Indicator
    from commonweal.pools.models import Agreement

    problems = []
    places = set(
        Area.objects.filter(system=system, level=Level.PLACE.value).values_list("code", flat=True)
    )
    pools = set(Agreement.objects.filter(system=system).values_list("reference", flat=True))
    for i, p in enumerate(doc.places):
        if p.place not in places:
            problems.append(
                _problem(located, ("places", i, "place"), f"{system.name} has no place '{p.place}'")
            )
        known = set(
            Organisation.objects.filter(code__in=p.providers).values_list("code", flat=True)
        )
        for j, code in enumerate(p.providers):
            if code not in known:
                problems.append(
                    _problem(located, ("places", i, "providers", j), f"no organisation '{code}'")
                )
        for j, ref in enumerate(p.pools):
            if ref not in pools:
                problems.append(
                    _problem(
                        located, ("places", i, "pools", j), f"{system.name} has no pool '{ref}'"
                    )
                )
    for i, line in enumerate(doc.lines):
        if line.indicators:
            known = set(
                Indicator.objects.filter(code__in=line.indicators).values_list("code", flat=True)
            )
            for j, code in enumerate(line.indicators):
                if code not in known:
                    problems.append(
                        _problem(
                            located,
                            ("lines", i, "indicators", j),
                            f"no indicator '{code}': load the catalogue or framework that "
                            "defines it first",
                        )
                    )
    if doc.report_to is not None:
        body = Body.objects.filter(system=system, code=doc.report_to.body).first()
        if body is None:
            problems.append(
                _problem(
                    located,
                    ("report_to", "body"),
                    f"{system.name} has no body '{doc.report_to.body}'",
                )
            )
        elif not body.owners.filter(pk=owner.pk).exists():
            problems.append(
                _problem(
                    located,
                    ("report_to", "body"),
                    f"{body.name} is not one of {owner.name}'s bodies: reports go on its "
                    "forward plan",
                )
            )
    return problems


# Assessing a period ----------------------------------------------------------------------------


def scopes(system: System) -> list[Area]:
    """The system's own area first, then its places, as the reports are laid out."""
    top = list(Area.objects.filter(system=system, level=Level.SYSTEM.value, ends__isnull=True)[:1])
    places = list(
        Area.objects.filter(system=system, level=Level.PLACE.value, ends__isnull=True).order_by(
            "name"
        )
    )
    return top + places


@dataclass(frozen=True)
class Assessed:
    period: rules.Period
    assessments: list[Assessment]
    opened: int
    continued: int
    closed: int
    plan_item: ForwardPlanItem | None

    def describe(self) -> str:
        exceptions = sum(a.exceptions for a in self.assessments)
        return (
            f"{self.period.label}: {len(self.assessments)} reports, {exceptions} exceptions "
            f"({self.opened} new, {self.continued} carried on, {self.closed} left the report)"
        )


@action("assurance.assess", permission=Permission.MANAGE_ASSURANCE)
def assess(actor: Actor, framework: Framework, period: rules.Period) -> Assessed:
    """Assess a period for the system and each of its places from the data held now; the
    exceptions the data triggers carry on from the period before, open, or leave the report.
    A period before one already assessed is refused: its reports stand as they were."""
    actor.require(framework.owner, because=f"the assurance of {framework.system.name}")
    version = framework.version
    if version is None:
        raise Refused("The framework has no version loaded")
    frequency = version.content.get("frequency", "quarterly")
    if period.frequency != frequency:
        raise Refused.at(
            "period",
            f"{framework.name} reports {frequency}: choose a {'quarter' if frequency == 'quarterly' else 'month'}",
        )
    serialise(f"assurance:{framework.pk}")
    later = (
        Assessment.objects.filter(framework=framework, period_end__gt=period.end)
        .order_by("-period_end")
        .first()
    )
    if later is not None:
        raise Refused.at(
            "period",
            f"{rules.parse(later.period).label} is already assessed: an earlier period's reports "
            "stand as they were",
        )
    if period.start > date.today():
        raise Refused.at("period", f"{period.label} has not begun")
    before = rules.previous(period)
    made, counts = [], {"opened": 0, "continued": 0, "closed": 0}
    for area in scopes(framework.system):
        scope = monitor.Scope(framework.system, area, version.content)
        found = monitor.assess(scope, period)
        triggered = {(r.line, r.subject): r for r in found.rows if r.reasons}
        assessment = Assessment.objects.create(
            version=version,
            framework=framework,
            scope=area,
            period=period.slug,
            period_start=period.start,
            period_end=period.end,
            content={"rows": [r.as_dict() for r in found.rows], "notes": found.notes},
            exceptions=len(triggered),
            assessed_by=actor.label,
        )
        made.append(assessment)
        _carry(framework, area, period, before, assessment, triggered, counts)
    plan_item = None
    if version.content.get("report_to") and actor.holds(Permission.PLAN_BUSINESS, framework.owner):
        plan_item = plan_report(actor, framework, period)
    result = Assessed(
        period, made, counts["opened"], counts["continued"], counts["closed"], plan_item
    )
    actor.record(
        "assurance_assessment", period.slug, f"Assessed {framework.name}, " + result.describe()
    )
    return result


def _carry(
    framework: Framework,
    area: Area,
    period: rules.Period,
    before: rules.Period,
    assessment: Assessment,
    triggered: dict[tuple[str, str], monitor.Row],
    counts: dict[str, int],
) -> None:
    # Open before this period (in the period before it, or in this period's earlier
    # assessment), or closed by this period's earlier assessment.
    candidates = {
        e.key: e
        for e in AssuranceException.objects.filter(
            framework=framework, scope=area, last__in=(before.slug, period.slug)
        ).filter(closed__in=("", period.slug))
    }
    # Open exceptions last seen before the period before it (a period went unassessed):
    # the data no longer shows them, so they leave the report now.
    for stale in AssuranceException.objects.filter(
        framework=framework, scope=area, closed="", last_end__lt=before.start
    ):
        stale.closed, stale.closed_end = period.slug, period.end
        stale.save()
        counts["closed"] += 1
    carried = rules.carry(candidates, triggered)
    for key in carried.continued:
        e = candidates[key]
        e.last, e.last_end, e.closed, e.closed_end = period.slug, period.end, "", None
        e.subject_label = triggered[key].subject_label[:300]
        e.save()
        Occurrence.objects.create(
            exception=e, assessment=assessment, reasons=triggered[key].reasons
        )
        counts["continued"] += e.opened != period.slug
        counts["opened"] += e.opened == period.slug
    for key in carried.opened:
        row = triggered[key]
        e = AssuranceException.objects.create(
            framework=framework,
            scope=area,
            line=row.line,
            subject=row.subject[:120],
            subject_label=row.subject_label[:300],
            domain=row.domain,
            opened=period.slug,
            opened_end=period.end,
            last=period.slug,
            last_end=period.end,
        )
        Occurrence.objects.create(exception=e, assessment=assessment, reasons=row.reasons)
        counts["opened"] += 1
    for key in carried.closed:
        e = candidates[key]
        if e.closed != period.slug:
            e.closed, e.closed_end = period.slug, period.end
            e.save()
            counts["closed"] += 1


def plan_report(actor: Actor, framework: Framework, period: rules.Period) -> ForwardPlanItem:
    """The period's system report on the forward plan of the body the framework reports to, at
    its next arranged meeting (once: the same report is not planned twice)."""
    content = framework.version.content if framework.version else {}
    to = content.get("report_to")
    if not to:
        raise Refused(f"{framework.name} names no body to report to")
    project = f"assurance:{framework.code}:{period.slug}"[:100]
    existing = ForwardPlanItem.objects.filter(organisation=framework.owner, project=project).first()
    if existing is not None:
        return existing
    body = Body.objects.get(system=framework.system, code=to["body"])
    meeting = (
        Meeting.objects.filter(
            body=body,
            status__in=(Meeting.Status.TENTATIVE, Meeting.Status.CONFIRMED),
            starts__date__gte=date.today(),
        )
        .order_by("starts")
        .first()
    )
    return meetings.add_plan_item(
        actor,
        framework.owner,
        framework.system,
        meetings.PlanIn(
            title=f"System assurance report, {period.label}"[:200],
            author=actor.label[:200],
            kind=ItemKind.DISCUSSION,
            summary=(
                f"The exceptions {framework.name} finds for {period.long_label}, at system level "
                "and in each place, with their owners' responses, for assurance."
            ),
            body=body,
            meeting=meeting,
            due=None if meeting is not None else date.today() + timedelta(days=28),
            project=project,
        ),
    )


# Responses ----------------------------------------------------------------------------------------


def _actions_of(raw: list[dict[str, Any]]) -> list[dict[str, str]]:
    out, problems = [], []
    for i, a in enumerate(raw):
        text = str(a.get("action", "")).strip()
        who = str(a.get("owner", "")).strip()
        due = a.get("due")
        if not text:
            problems.append(Problem(f"actions[{i}].action", "Say what will be done"))
        if not who:
            problems.append(Problem(f"actions[{i}].owner", "Name who will do it"))
        if not isinstance(due, date):
            problems.append(Problem(f"actions[{i}].due", "Give the date it is due"))
        if text and who and isinstance(due, date):
            out.append({"action": text[:2000], "owner": who[:200], "due": due.isoformat()})
    if problems:
        raise Refused("The response was not recorded.", problems)
    return out


@action("assurance.respond", permission=Permission.MANAGE_ASSURANCE)
def respond(
    actor: Actor,
    exception: AssuranceException,
    *,
    owner: str,
    response: str,
    actions: list[dict[str, Any]] | None = None,
) -> Response:
    """Record the owner's response to an exception and its actions; it carries with the
    exception while the data triggers it."""
    framework = exception.framework
    actor.require_any(
        [framework.owner, *stewards(framework.system)],
        because=f"the assurance of {framework.system.name}",
    )
    problems = []
    if not owner.strip():
        problems.append(Problem("owner", "Name who owns the response"))
    if not response.strip():
        problems.append(Problem("response", "Say what is being done about the exception"))
    if problems:
        raise Refused("The response was not recorded.", problems)
    if exception.closed:
        raise Refused(
            f"This exception left the report in {rules.parse(exception.closed).label}: the data "
            "no longer triggers it"
        )
    done = Response.objects.create(
        exception=exception,
        period=exception.last,
        owner=owner.strip()[:200],
        response=response.strip()[:10000],
        actions=_actions_of(actions or []),
        recorded_by=actor.label,
    )
    actor.record(
        "assurance_exception",
        str(exception.pk),
        f"Responded to the exception {exception.line}: {exception.subject_label} ({done.owner})",
    )
    return done


# Quality concerns -----------------------------------------------------------------------------------


def place_keepers(place: Area) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            pk__in=AreaResponsibility.objects.filter(area=place).values_list(
                "organisation_id", flat=True
            )
        )
    )


@dataclass(frozen=True)
class ConcernIn:
    provider: str  # ODS code
    title: str
    source: str
    severity: str
    description: str
    raised_on: date
    actions: str = ""


@action("assurance.record_concern", permission=Permission.MANAGE_ASSURANCE)
def record_concern(actor: Actor, place: Area, c: ConcernIn) -> QualityConcern:
    """A place records a concern about a provider's quality or safety."""
    if place.level != Level.PLACE.value:
        raise Refused.at("place", "A quality concern is recorded by a place")
    actor.require_any(place_keepers(place), because=f"quality surveillance in {place.name}")
    problems = []
    provider = Organisation.objects.filter(code=c.provider.strip().upper()).first()
    if provider is None:
        problems.append(Problem("provider", f"No organisation has the code '{c.provider[:20]}'"))
    for name in ("title", "source", "description"):
        if not getattr(c, name).strip():
            problems.append(Problem(name, f"Enter the concern's {name}"))
    if c.severity not in rules.SEVERITIES:
        problems.append(Problem("severity", f"Choose a severity: {', '.join(rules.SEVERITIES)}"))
    if c.raised_on > date.today():
        problems.append(Problem("raised_on", "A concern cannot be raised in the future"))
    if problems:
        raise Refused("The concern was not recorded.", problems)
    assert provider is not None
    serialise(f"assurance:concerns:{place.system_id}")
    count = QualityConcern.objects.filter(system_id=place.system_id).count()
    concern = QualityConcern.objects.create(
        system_id=place.system_id,
        place=place,
        provider=provider,
        reference=f"QC-{count + 1:04}",
        title=c.title.strip()[:200],
        source=c.source.strip()[:200],
        severity=c.severity,
        description=c.description.strip()[:10000],
        actions=c.actions.strip()[:10000],
        raised_on=c.raised_on,
        recorded_by=actor.label,
    )
    actor.record(
        "quality_concern",
        concern.reference,
        f"{place.name} raised a {c.severity} quality concern about {provider.name}: {concern.title}",
    )
    return concern


@action("assurance.close_concern", permission=Permission.MANAGE_ASSURANCE)
def close_concern(
    actor: Actor, concern: QualityConcern, closed_on: date, note: str
) -> QualityConcern:
    actor.require_any(
        place_keepers(concern.place), because=f"quality surveillance in {concern.place.name}"
    )
    if concern.closed_on is not None:
        raise Refused(f"{concern.reference} was closed on {concern.closed_on:%-d %B %Y}")
    problems = []
    if closed_on < concern.raised_on:
        problems.append(Problem("closed_on", "A concern cannot close before it was raised"))
    if closed_on > date.today():
        problems.append(Problem("closed_on", "A concern cannot be closed in the future"))
    if not note.strip():
        problems.append(Problem("note", "Say why the concern is closed"))
    if problems:
        raise Refused("The concern was not closed.", problems)
    concern.closed_on, concern.closing_note = closed_on, note.strip()[:10000]
    concern.save()
    actor.record(
        "quality_concern", concern.reference, f"Closed {concern.reference}: {concern.title}"
    )
    return concern
