"""What the assurance pages show: a system's framework and its assessed periods, and a report
(the system's or a place's, for a period) as its latest assessment found it, with each
exception's response in force then."""

from dataclasses import dataclass, field
from typing import Any

from commonweal.outcomes import charts
from commonweal.registry.models import Area, System
from commonweal.registry.rules import Level

from . import documents, rules
from .models import Assessment, AssuranceException, Framework, Response

DOMAIN_LABELS = {
    "outcomes": "Outcomes",
    "standards": "Service and constitutional standards",
    "finance": "Finance and savings",
    "pools": "Pooled funds",
    "governance": "Governance",
    "quality": "Quality and safety",
}


def framework_of(system: System) -> Framework | None:
    return (
        Framework.objects.filter(system=system, version__isnull=False)
        .select_related("version", "owner", "system")
        .order_by("code")
        .first()
    )


@dataclass(frozen=True)
class PeriodRow:
    period: rules.Period
    assessed: Any  # when the latest assessment was made
    exceptions: dict[str, int]  # scope code: exceptions


def periods(framework: Framework) -> list[PeriodRow]:
    """The periods assessed, newest first, with each scope's exceptions in the latest
    assessment."""
    latest: dict[tuple[str, str], Assessment] = {}
    # The list needs no assessment's rows: leave their JSON in the database.
    found = Assessment.objects.filter(framework=framework).defer("content")
    for a in found.select_related("scope").order_by("id"):
        latest[(a.period, a.scope.code)] = a
    by_period: dict[str, dict[str, int]] = {}
    when: dict[str, Any] = {}
    for (period, scope), a in latest.items():
        by_period.setdefault(period, {})[scope] = a.exceptions
        when[period] = max(when.get(period, a.assessed), a.assessed)
    rows = [PeriodRow(rules.parse(p), when[p], counts) for p, counts in by_period.items()]
    return sorted(rows, key=lambda r: r.period.end, reverse=True)


@dataclass(frozen=True)
class ExceptionView:
    exception: AssuranceException
    line_name: str
    owner: str  # the line's owner
    reasons: list[str]
    since: rules.Period
    new: bool
    response: Response | None
    earlier: int  # responses before the one in force
    action_plan: dict[str, str] | None
    href: str


@dataclass(frozen=True)
class RowView:
    row: dict[str, Any]
    exception: bool
    chart: charts.Chart | None


@dataclass(frozen=True)
class Report:
    framework: Framework
    system: System
    scope: Area
    period: rules.Period
    assessment: Assessment | None
    places: list[Area]
    exceptions: list[ExceptionView] = field(default_factory=list)
    domains: list[tuple[str, str, list[RowView]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    previous: rules.Period | None = None
    following: rules.Period | None = None

    @property
    def is_system(self) -> bool:
        return self.scope.level == Level.SYSTEM.value

    @property
    def summary(self) -> str:
        counts: dict[str, int] = {}
        for e in self.exceptions:
            counts[e.exception.domain] = counts.get(e.exception.domain, 0) + 1
        return rules.summary(counts)

    @property
    def title(self) -> str:
        return f"{self.scope.name} assurance report, {self.period.label}"


def _chart(row: dict[str, Any], n: int) -> charts.Chart | None:
    points = row.get("chart") or []
    if len([p for p in points if p["y"] is not None]) < 2:
        return None
    return charts.spc(
        [charts.SpcPoint(p["x"], p["y"], p["mean"], p["lpl"], p["upl"], p["type"]) for p in points],
        title_y=row.get("unit") or "",
        target=row.get("target"),
        rebases=[],
        element_id=f"spc-{n}",
    )


def _in_force(responses: list[Response], period: rules.Period) -> tuple[Response | None, int]:
    """The latest response given by the period (responses come newest first)."""
    given = [r for r in responses if rules.parse(r.period).end <= period.end]
    return (given[0], len(given) - 1) if given else (None, 0)


def report(framework: Framework, scope: Area, period: rules.Period) -> Report:
    system = framework.system
    places = list(
        Area.objects.filter(system=system, level=Level.PLACE.value, ends__isnull=True).order_by(
            "name"
        )
    )
    assessed = {
        a.period: a
        for a in Assessment.objects.filter(framework=framework, scope=scope)
        .defer("content")
        .order_by("id")
    }
    before, after = rules.previous(period), rules.following(period)
    common: dict[str, Any] = {
        "framework": framework,
        "system": system,
        "scope": scope,
        "period": period,
        "places": places,
        "previous": before if before.slug in assessed else None,
        "following": after if after.slug in assessed else None,
    }
    if period.slug not in assessed:
        return Report(assessment=None, **common)
    assessment = Assessment.objects.select_related("version").get(pk=assessed[period.slug].pk)
    lines = {ln["code"]: ln for ln in assessment.version.content["lines"]}
    rows = assessment.content["rows"]
    by_key = {(r["line"], r["subject"]): r for r in rows}
    views = []
    occurrences = assessment.occurrences.select_related("exception").prefetch_related(
        "exception__responses"
    )
    for o in occurrences:
        e = o.exception
        row = by_key.get(e.key, {})
        response, earlier = _in_force(list(e.responses.all()), period)
        views.append(
            ExceptionView(
                e,
                lines.get(e.line, {}).get("name", e.line),
                lines.get(e.line, {}).get("owner", ""),
                list(o.reasons),
                rules.parse(e.opened),
                e.opened == period.slug,
                response,
                earlier,
                row.get("action_plan"),
                row.get("href", ""),
            )
        )
    order = {d: i for i, d in enumerate(documents.DOMAIN_ORDER)}
    views.sort(
        key=lambda v: (order.get(v.exception.domain, 99), v.line_name, v.exception.subject_label)
    )
    flagged = {v.exception.key for v in views}
    domains = []
    n = 0
    for d in documents.DOMAIN_ORDER:
        shown = []
        for r in rows:
            if r["domain"] != d:
                continue
            n += 1
            shown.append(RowView(r, (r["line"], r["subject"]) in flagged, _chart(r, n)))
        if shown:
            domains.append((d, DOMAIN_LABELS[d], shown))
    return Report(
        assessment=assessment,
        exceptions=views,
        domains=domains,
        notes=list(assessment.content.get("notes", [])),
        **common,
    )


def as_json(r: Report) -> dict[str, Any]:
    """The report for the API: the same figures and exceptions as the page."""
    return {
        "system": r.system.slug,
        "scope": {"code": r.scope.code, "name": r.scope.name, "level": r.scope.level},
        "period": {
            "slug": r.period.slug,
            "label": r.period.label,
            "start": r.period.start.isoformat(),
            "end": r.period.end.isoformat(),
        },
        "assessed": r.assessment.assessed.isoformat() if r.assessment else None,
        "summary": r.summary if r.assessment else "Not assessed yet.",
        "exceptions": [
            {
                "id": v.exception.pk,
                "domain": v.exception.domain,
                "line": v.exception.line,
                "line_name": v.line_name,
                "subject": v.exception.subject,
                "subject_label": v.exception.subject_label,
                "owner": v.owner,
                "reasons": v.reasons,
                "since": v.since.slug,
                "new": v.new,
                "response": (
                    {
                        "owner": v.response.owner,
                        "response": v.response.response,
                        "actions": v.response.actions,
                        "period": v.response.period,
                        "recorded": v.response.recorded.isoformat(),
                    }
                    if v.response
                    else None
                ),
                "action_plan": v.action_plan,
            }
            for v in r.exceptions
        ],
        "domains": {
            d: [
                {
                    k: row.row[k]
                    for k in (
                        "line",
                        "subject",
                        "subject_label",
                        "data_period",
                        "value",
                        "detail",
                        "reasons",
                    )
                }
                for row in shown
            ]
            for d, _, shown in r.domains
        },
        "notes": r.notes,
    }
