"""What the level and scoring pages, the proposal page and the API show, shaped once: a
proposal's triage (the path taken and its result), the catalogue's suggestion, its place's option
with what the partners' schemes delegate there, and its scoring, blind: nobody sees another
assessor's scores, the spread or the moderated scores before submitting their own (or before
every criterion is moderated, when the result is the proposal's)."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from commonweal.core.actions import Actor
from commonweal.core.formatting import pounds, spreadsheet_safe
from commonweal.core.permissions import Permission
from commonweal.governance.context import governance_for
from commonweal.registry.models import Area

from . import actions, levels, scoring
from .models import Assessment, Framework, Moderation, PlaceOption, Proposal, Setup, Triage


@dataclass(frozen=True)
class Heading:
    code: str
    name: str
    level: str


@dataclass(frozen=True)
class PlaceView:
    place: str
    option: str
    label: str
    words: str
    board: str
    note: str
    partners: tuple[str, ...]
    delegated: tuple[dict[str, str], ...]
    checked_on: date


OPTION_WORDS = {
    PlaceOption.GREATER: "Separate plans, separate budgets: the council and the NHS each decide "
    "separately, through their own governance.",
    PlaceOption.ALIGNED: "Aligned plans, separate budgets: the partners agree priorities and take "
    "their own organisational decisions to achieve them.",
    PlaceOption.JOINT: "Aligned plan, aligned or delegated budget: the place based board decides "
    "for the partners within what their schemes delegate to it.",
}


def _band(lower: int, upper: int | None) -> str:
    if upper is None:
        return f"over {pounds(lower)}"
    return f"up to {pounds(upper)}" if lower == 0 else f"over {pounds(lower)} up to {pounds(upper)}"


def place_view(option: PlaceOption, on: date | None = None) -> PlaceView:
    on = on or timezone.localdate()
    gov = governance_for(option.system, on)
    partners = [o.code for o in actions.partners_of(option.area, on)]
    board = option.board.code if option.board else None
    return PlaceView(
        place=option.area.name,
        option=option.option,
        label=option.get_option_display(),
        words=OPTION_WORDS[option.option],
        board=option.board.name if option.board else "",
        note=option.note,
        partners=tuple(gov.name(o) for o in partners),
        delegated=tuple(
            {
                "organisation": gov.name(d.organisation),
                "clause": d.clause,
                "decision_type": d.decision_type.replace("_", " "),
                "band": _band(d.lower, d.upper),
                "taker": gov.name(d.taker),
                "joint": "yes" if d.joint else "",
            }
            for d in levels.delegated_at(
                gov, actions.footprint_path(option.area), board, partners, on
            )
        ),
        checked_on=option.checked_on,
    )


def place_section(area: Area, on: date) -> tuple[str, dict[str, object]] | None:
    """A place's page: its option and what the partners' schemes delegate there."""
    found = (
        PlaceOption.objects.filter(system=area.system_id, area=area)
        .select_related("area", "board", "system")
        .first()
    )
    if found is None:
        return None
    return "proposals/_place_option.jinja", {"place": place_view(found, on)}


def place_option(proposal: Proposal) -> PlaceOption | None:
    """The option of the proposal's footprint, or of the place it lies in."""
    area: Area | None = proposal.footprint
    seen = 0
    while area is not None and seen < 10:
        found = (
            PlaceOption.objects.filter(system=proposal.system, area=area)
            .select_related("area", "board", "system")
            .first()
        )
        if found is not None:
            return found
        area, seen = area.parent, seen + 1
    return None


@dataclass(frozen=True)
class CriterionView:
    code: str
    name: str
    weight: str
    descriptors: tuple[tuple[int, str, str], ...]  # (score, scale name, words or "")
    mine: int | None
    comment: str
    spread: scoring.Spread | None
    moderated: int | None
    rationale: str
    moderated_by: str


@dataclass(frozen=True)
class AssessorView:
    pk: int
    name: str
    status: str
    conflicted: bool
    interest: str
    scores: dict[str, int] | None  # None: withheld from the viewer
    total: str | None


@dataclass
class LevelsView:
    proposal: Proposal
    # Triage
    tree_name: str = ""
    questions: tuple[levels.Question, ...] = ()
    triage: Triage | None = None
    triages: int = 0
    suggestions: tuple[tuple[levels.Suggestion, str], ...] = ()
    catalogue_name: str = ""
    place: PlaceView | None = None
    # Scoring
    framework_name: str = ""
    minimum: str = ""
    wording: str = ""
    scale: tuple[tuple[int, str], ...] = ()
    criteria: tuple[CriterionView, ...] = ()
    mine: Assessment | None = None
    may_assess: bool = False
    may_see: bool = False
    may_triage: bool = False
    decided: bool = False
    assessors: tuple[AssessorView, ...] = ()
    total: scoring.Total | None = None
    history: list[Moderation] = field(default_factory=list)


def _scale(fw: Framework) -> tuple[tuple[int, str], ...]:
    names = {s["score"]: s["name"] for s in fw.compiled["scoring"].get("scale", [])}
    return tuple((n, names.get(n, "")) for n in range(1, 6))


def may_assess(actor: Actor, proposal: Proposal) -> bool:
    return any(
        actor.holds(Permission.ASSESS_PROPOSALS, o)
        for o in actions.organisations_for(proposal.system)
    )


def levels_view(proposal: Proposal, actor: Actor) -> LevelsView:
    setup = (
        Setup.objects.filter(system=proposal.system)
        .select_related("triage", "scoring", "catalogue")
        .first()
    )
    v = LevelsView(proposal)
    v.may_triage = actor.holds(Permission.MANAGE_PROPOSALS, proposal.lead)
    option = place_option(proposal)
    v.place = place_view(option) if option else None
    if setup is None:
        return v
    if setup.triage is not None:
        t = actions.tree(setup.triage)
        v.tree_name, v.questions = setup.triage.name, t.questions
    triages = Triage.objects.filter(proposal=proposal)
    v.triage, v.triages = triages.first(), triages.count()
    if setup.catalogue is not None:
        compiled = setup.catalogue.compiled
        headings = {h["code"]: h["name"] for h in compiled["headings"]}
        functions = actions.documents.compiled_functions(compiled)
        text = f"{proposal.service} {proposal.title}"
        v.suggestions = tuple((s, headings[s.heading]) for s in levels.suggest(functions, text)[:3])
        v.catalogue_name = setup.catalogue.name
    if setup.scoring is not None:
        _scoring(v, setup.scoring, actor)
    return v


def _scoring(v: LevelsView, fw: Framework, actor: Actor) -> None:
    spec = actions.framework(fw)
    proposal = v.proposal
    v.framework_name, v.minimum, v.wording = fw.name, str(spec.minimum), spec.wording
    v.scale = _scale(fw)
    v.may_assess = may_assess(actor, proposal)
    sheets = list(
        Assessment.objects.filter(proposal=proposal, framework=fw).order_by("declared", "id")
    )
    v.mine = next((a for a in sheets if actor.user and a.assessor_id == actor.user.pk), None)
    moderated = actions.moderated(proposal, fw)
    result = scoring.total(spec, {k: m.score for k, m in moderated.items()})
    v.decided = result.complete
    # Blind: scores, spread and moderation only once your own assessment is in (or the
    # moderated result is complete, and so the proposal's).
    mine_in = (
        v.may_assess
        and v.mine is not None
        and v.mine.submitted is not None
        and not v.mine.conflicted
    )
    v.may_see = mine_in
    show_moderated = mine_in or (v.decided and (v.may_assess or v.may_triage))
    counted = [a for a in sheets if a.submitted and not a.conflicted]
    spreads = {s.criterion: s for s in scoring.spread(spec, [a.scores for a in counted])}
    names = dict(v.scale)
    v.criteria = tuple(
        CriterionView(
            code=c.code,
            name=c.name,
            weight=str(c.weight.normalize()),
            descriptors=tuple((n, names.get(n, ""), c.descriptor(n)) for n in spec.scores),
            mine=v.mine.scores.get(c.code) if v.mine else None,
            comment=v.mine.comments.get(c.code, "") if v.mine else "",
            spread=spreads[c.code] if mine_in else None,
            moderated=moderated[c.code].score if show_moderated and c.code in moderated else None,
            rationale=moderated[c.code].rationale if show_moderated and c.code in moderated else "",
            moderated_by=moderated[c.code].by if show_moderated and c.code in moderated else "",
        )
        for c in spec.criteria
    )
    v.assessors = tuple(
        AssessorView(
            pk=a.pk,
            name=a.name,
            status=(
                "declared an interest: cannot score"
                if a.conflicted
                else "submitted"
                if a.submitted
                else "in progress"
            ),
            conflicted=a.conflicted,
            interest=a.get_interest_display(),
            scores=dict(a.scores) if (mine_in and a.submitted) or a is v.mine else None,
            total=(
                str(scoring.total(spec, a.scores).total)
                if ((mine_in and a.submitted) or a is v.mine) and not a.conflicted
                else None
            ),
        )
        for a in sheets
    )
    v.total = result if show_moderated else None
    if show_moderated:
        v.history = list(
            Moderation.objects.filter(proposal=proposal, framework=fw).order_by("-at", "-id")
        )


def may_see_assessment(actor: Actor, a: Assessment) -> bool:
    """Your own assessment, or another's once yours is submitted (and it is too)."""
    if actor.user is None:
        return False
    proposal = Proposal.objects.select_related("system").get(pk=a.proposal_id)
    if not may_assess(actor, proposal):
        return False
    if a.assessor_id == actor.user.pk:
        return True
    mine = Assessment.objects.filter(
        proposal=a.proposal_id, framework=a.framework_id, assessor=actor.user
    ).first()
    return bool(mine and mine.submitted and not mine.conflicted and a.submitted)


def scores_csv(v: LevelsView) -> str:
    """Every assessor's scores (those who declared an interest scored nothing), the spread and
    the moderated scores with their rationale, one row per criterion and person."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["proposal", "criterion", "who", "role", "score", "note"])
    ref = v.proposal.reference
    for c in v.criteria:
        for a in v.assessors:
            if a.conflicted:
                w.writerow([ref, c.code, spreadsheet_safe(a.name), "assessor", "", a.status])
            elif a.scores is not None:
                w.writerow(
                    [
                        ref,
                        c.code,
                        spreadsheet_safe(a.name),
                        "assessor",
                        a.scores.get(c.code, ""),
                        a.status,
                    ]
                )
        if c.spread is not None and c.spread.scores:
            w.writerow(
                [
                    ref,
                    c.code,
                    "",
                    "spread",
                    c.spread.range,
                    f"lowest {c.spread.lowest}, highest {c.spread.highest}, median {c.spread.middle:g}",
                ]
            )
        if c.moderated is not None:
            w.writerow(
                [
                    ref,
                    c.code,
                    spreadsheet_safe(c.moderated_by),
                    "moderated",
                    c.moderated,
                    spreadsheet_safe(c.rationale),
                ]
            )
    if v.total is not None:
        w.writerow([ref, "total", "", "moderated total", str(v.total.total), v.total.explanation])
    return out.getvalue()


def as_json(v: LevelsView) -> dict[str, Any]:
    t = v.triage
    return {
        "reference": v.proposal.reference,
        "triage": {
            "tree": v.tree_name,
            "questions": [
                {
                    "code": q.code,
                    "text": q.text,
                    "help": q.help,
                    "answers": [a.answer for a in q.answers],
                }
                for q in v.questions
            ],
            "current": (
                {
                    "path": t.path,
                    "result": t.result,
                    "level": t.level,
                    "text": t.text,
                    "advice": t.advice,
                    "note": t.note,
                    "at": t.at.isoformat(),
                    "by": t.by,
                }
                if t
                else None
            ),
            "suggestions": [
                {
                    "heading": name,
                    "level": s.heading,
                    "function": s.function,
                    "matched": list(s.matched),
                }
                for s, name in v.suggestions
            ],
        },
        "place": (
            {
                "place": v.place.place,
                "option": v.place.option,
                "label": v.place.label,
                "board": v.place.board,
                "partners": list(v.place.partners),
                "delegated": list(v.place.delegated),
            }
            if v.place
            else None
        ),
        "scoring": {
            "framework": v.framework_name,
            "minimum": v.minimum,
            "wording": v.wording,
            "scores_visible": v.may_see,
            "criteria": [
                {
                    "code": c.code,
                    "name": c.name,
                    "weight": c.weight,
                    "descriptors": {str(n): text for n, _, text in c.descriptors if text},
                    "mine": c.mine,
                    "spread": (
                        {
                            "scores": list(c.spread.scores),
                            "lowest": c.spread.lowest,
                            "highest": c.spread.highest,
                            "median": c.spread.middle,
                            "disagreement": c.spread.disagreement,
                        }
                        if c.spread is not None
                        else None
                    ),
                    "moderated": c.moderated,
                    "rationale": c.rationale,
                }
                for c in v.criteria
            ],
            "mine": (
                {
                    "id": v.mine.pk,
                    "interest": v.mine.interest,
                    "scores": v.mine.scores,
                    "submitted": v.mine.submitted.isoformat() if v.mine.submitted else None,
                }
                if v.mine
                else None
            ),
            # Who is assessing is for those who assess or lead it, as on the page.
            "assessors": [
                {
                    "id": a.pk,
                    "name": a.name,
                    "status": a.status,
                    "scores": a.scores,
                    "total": a.total,
                }
                for a in v.assessors
            ]
            if v.may_assess or v.may_triage
            else [],
            "total": str(v.total.total) if v.total else None,
            "complete": v.total.complete if v.total else False,
            "eligible": v.total.eligible if v.total else None,
            "explanation": v.total.explanation if v.total else "",
        },
    }
