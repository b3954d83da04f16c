"""Proposal pages: the pipeline board (by state, filtered by programme, place or
organisation), a new proposal, a proposal (its stages, what the next step needs, its forward
plan entries, route, decisions, documents, money, indicators and history) with the forms that
move it on, a programme's work plan and the executive's forward work plan.

The same views serve the public register (`public=True`): only proposals that have reached a
state the workflow makes public (stage 4 in the shipped default), without money, documents,
risks or history, and no forms.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from markupsafe import Markup

from commonweal.core.actions import Actor
from commonweal.core.errors import NotPermitted, Problem, Refused
from commonweal.core.forms import Form
from commonweal.core.models import Organisation
from commonweal.core.permissions import Permission
from commonweal.core.views import error_page
from commonweal.governance.models import Body
from commonweal.meetings.views import CONTENT_TYPES
from commonweal.outcomes.presenters import framework_indicators, framework_of
from commonweal.registry.models import Area, System

from . import actions, assessing, forms, presenters
from .models import Document, Programme, Proposal, Setup

GET_POST = require_http_methods(["GET", "HEAD", "POST"])
# How long a drawn board is kept at most (a renamed programme or area shows within this).
BOARD_SECONDS = 300


def _system(slug: str) -> System:
    return get_object_or_404(System, slug=slug)


def _proposal(system: System, number: int, public: bool = False) -> Proposal:
    found = Proposal.objects.select_related(
        "programme", "footprint", "lead", "workflow", "system"
    ).filter(system=system, number=number)
    if public:
        found = found.filter(public=True)
    return get_object_or_404(found)


def _names(public: bool) -> dict[str, str]:
    p = "public-" if public else ""
    return {
        "board": f"{p}proposals",
        "proposal": f"{p}proposal",
        "programme": f"{p}proposals-programme",
        "system": "public-system" if public else "system",
    }


def may_read_documents(request: HttpRequest, p: Proposal) -> bool:
    """A proposal's documents (business cases, impact assessments) are its partners': people
    with a role in its lead or a sponsoring organisation."""
    actor = Actor.from_user(request.user)
    if actor.internal:
        return True
    partners = {p.lead_id, *p.sponsors.values_list("pk", flat=True)}
    return any(a.organisation_id in partners for a in actor.roles())


def _may(request: HttpRequest, organisation: Organisation) -> bool:
    return Actor.from_user(request.user).holds(Permission.MANAGE_PROPOSALS, organisation)


def _attempt(form: Form, do: Callable[[], Any], fields: dict[str, str] | None = None) -> Any:
    try:
        return do()
    except NotPermitted:
        raise
    except Refused as refused:
        # What the step needs is about the whole form, not its hidden field.
        problems = [
            Problem("", p.message) if p.field == "transition" else p for p in refused.problems
        ]
        form.refuse(Refused(refused.message, problems), fields)
        if not form.errors:
            form.add_error(None, str(refused))
        return None


# The board ----------------------------------------------------------------------------------


def board_page(request: HttpRequest, slug: str, public: bool) -> HttpResponse:
    system = _system(slug)
    f = presenters.Filters(
        programme=request.GET.get("programme", "")[:60],
        place=request.GET.get("place", "")[:40],
        organisation=request.GET.get("organisation", "")[:20],
    )
    checks = (
        ("programme", f.programme, Programme.objects.filter(system=system, code=f.programme)),
        ("place", f.place, Area.objects.filter(system=system, code=f.place, level="place")),
        ("organisation", f.organisation, Organisation.objects.filter(code=f.organisation)),
    )
    for name, value, found in checks:
        if value and not found.exists():
            return error_page(
                request,
                400,
                "There is a problem with the request",
                f"{name}: {system.name} has no {name} '{value}'.",
            )
    setup = Setup.objects.filter(system=system).select_related("workflow").first()
    actor = Actor.from_user(request.user)
    may_create = not public and any(
        actor.holds(Permission.MANAGE_PROPOSALS, o) for o in actions.organisations_for(system)
    )
    context: dict[str, Any] = {
        "system": system,
        "public": public,
        "names": _names(public),
        "may_create": may_create,
        "setup": setup,
    }
    if setup is not None:
        # The filters and columns are the same for every reader of the same register (the
        # public's or the signed-in) until a proposal changes: kept per data stamp.
        key = "proposals-board:" + ":".join(
            [str(system.pk), str(public), f.programme, f.place, f.organisation]
        )
        stamp = presenters.board_stamp(system, setup)
        kept = cache.get(key)
        if kept is None or kept[0] != stamp:
            view = presenters.board(system, f, public=public, setup=setup)
            kept = (stamp, render_to_string("proposals/_board.jinja", {**context, "b": view}))
            cache.set(key, kept, timeout=BOARD_SECONDS)
        context["body"] = Markup(kept[1])
    return render(request, "proposals/board.jinja", context)


@require_safe
def board(request: HttpRequest, slug: str) -> HttpResponse:
    return board_page(request, slug, public=False)


# A new proposal, and revising one -----------------------------------------------------------


def _proposal_form(
    request: HttpRequest,
    system: System,
    initial: dict[str, Any] | None = None,
    rows: int = forms.MONEY_ROWS,
) -> forms.ProposalForm:
    form = forms.ProposalForm(
        request.POST if request.method == "POST" else None, initial=initial, rows=rows
    )
    actor = Actor.from_user(request.user)
    leads = actions.organisations_for(system)
    mine = [o for o in leads if actor.holds(Permission.MANAGE_PROPOSALS, o)]
    form.set_choices("lead", [(o.code, o.name) for o in mine or leads], "Choose")
    form.set_choices(
        "programme",
        [(p.code, p.name) for p in Programme.objects.filter(system=system).order_by("position")],
        "None",
    )
    form.set_choices(
        "footprint",
        [
            (a.code, f"{a.name} ({a.get_level_display().lower()})")
            for a in Area.objects.filter(
                system=system, level__in=("system", "place", "local_authority")
            ).order_by("level", "name")
        ],
        "Choose",
    )
    form.set_choices("sponsors", [(o.code, o.name) for o in leads])
    form.set_choices(
        "indicators", [(i.code, i.name) for _, i, _ in framework_indicators(framework_of(system))]
    )
    for n in range(1, rows + 1):
        form.set_choices(f"money_{n}_organisation", [(o.code, o.name) for o in leads], "None")
    return form


def _proposal_in(form: forms.ProposalForm) -> actions.ProposalIn:
    d = form.cleaned_data
    return actions.ProposalIn(
        title=d["title"],
        service=d["service"],
        care_group=d.get("care_group", ""),
        programme=d.get("programme", ""),
        footprint=d["footprint"],
        population=d.get("population", ""),
        lead=d["lead"],
        summary=d.get("summary", ""),
        risks=d.get("risks", ""),
        sponsors=list(d.get("sponsors") or []),
        indicators=list(d.get("indicators") or []),
        money=[actions.MoneyIn(o, y, c, s) for o, y, c, s in form.money_rows()],
    )


def _money_fields(rows: int = forms.MONEY_ROWS) -> dict[str, str]:
    out = {}
    for n in range(rows):
        for k in ("organisation", "year", "cost", "saving"):
            out[f"money[{n}].{k}"] = f"money_{n + 1}_{k}"
    return out


@GET_POST
def new(request: HttpRequest, slug: str) -> HttpResponse:
    system = _system(slug)
    form = _proposal_form(request, system)
    if request.method != "POST" and not any(
        _may(request, o) for o in actions.organisations_for(system)
    ):
        raise NotPermitted(f"You may not create proposals in {system.name}.")
    if request.method == "POST":
        if form.is_valid():
            done = _attempt(
                form,
                lambda: actions.create(Actor.from_user(request.user), system, _proposal_in(form)),
                _money_fields(),
            )
            if done is not None:
                messages.info(request, f"Created {done.reference}.")
                return HttpResponseRedirect(reverse("proposal", args=[slug, done.number]))
        elif not any(_may(request, o) for o in actions.organisations_for(system)):
            raise NotPermitted("You may not create proposals in this system.")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "proposals/edit.jinja",
        {"system": system, "form": form, "proposal": None, "money_rows": forms.MONEY_ROWS},
        status=status,
    )


@GET_POST
def edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    system = _system(slug)
    p = _proposal(system, number)
    snapshot = actions._snapshot(p)
    initial: dict[str, Any] = {k: v for k, v in snapshot.items() if k != "money"}
    # Every money line it has, and a spare one: none is lost by saving the page.
    rows = max(forms.MONEY_ROWS, len(snapshot["money"]) + 1)
    for n, (org, year, cost, saving) in enumerate(snapshot["money"], start=1):
        initial.update(
            {
                f"money_{n}_organisation": org,
                f"money_{n}_year": year,
                f"money_{n}_cost": f"{cost / 100:.2f}",
                f"money_{n}_saving": f"{saving / 100:.2f}",
            }
        )
    form = _proposal_form(request, system, initial, rows)
    if request.method == "POST":
        if form.is_valid():
            done = _attempt(
                form,
                lambda: actions.revise(Actor.from_user(request.user), p, _proposal_in(form)),
                _money_fields(rows),
            )
            if done is not None:
                messages.info(request, f"Saved {p.reference}.")
                return HttpResponseRedirect(reverse("proposal", args=[slug, number]))
        elif not _may(request, p.lead):
            raise NotPermitted(f"Only {p.lead.name} changes {p.reference}.")
    elif not _may(request, p.lead):
        raise NotPermitted(f"Only {p.lead.name} changes {p.reference}.")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "proposals/edit.jinja",
        {"system": system, "form": form, "proposal": p, "money_rows": rows},
        status=status,
    )


# A proposal ---------------------------------------------------------------------------------


def proposal_page(
    request: HttpRequest,
    slug: str,
    number: int,
    public: bool,
    bound: dict[str, Form] | None = None,
) -> HttpResponse:
    system = _system(slug)
    p = _proposal(system, number, public)
    view = presenters.view(p, public=public)
    may = not public and _may(request, p.lead)
    bound = bound or {}
    document_form = bound.get("document") or forms.DocumentForm()
    document_form.set_choices("kind", list(view.document_kinds), "Choose")
    context = {
        "system": system,
        "v": view,
        "p": p,
        "public": public,
        "names": _names(public),
        "may": may,
        "documents": not public and may_read_documents(request, p),
        "document_form": document_form,
        "forward_form": bound.get("forward") or forms.ForwardForm(),
        "approval_form": bound.get("approval") or forms.ApprovalForm(),
        "advance_form": bound.get("advance") or forms.AdvanceForm(),
        "failed": next(iter(bound), ""),
        "level": None if public else p.triages.first(),
        "place_option": None if public else assessing.place_option(p),
    }
    status = 400 if bound else 200
    return render(request, "proposals/proposal.jinja", context, status=status)


@require_safe
def proposal(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return proposal_page(request, slug, number, public=False)


def _post(
    request: HttpRequest,
    slug: str,
    number: int,
    name: str,
    form: Form,
    do: Callable[[Proposal, Actor], str],
) -> HttpResponse:
    system = _system(slug)
    p = _proposal(system, number)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("proposal", args=[slug, number]))
    if form.is_valid():
        said = _attempt(form, lambda: do(p, Actor.from_user(request.user)))
        if said is not None:
            messages.info(request, said)
            return HttpResponseRedirect(reverse("proposal", args=[slug, number]))
    elif not _may(request, p.lead):
        raise NotPermitted(f"Only {p.lead.name} moves {p.reference} on.")
    return proposal_page(request, slug, number, False, {name: form})


@GET_POST
def advance(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    form = forms.AdvanceForm(request.POST if request.method == "POST" else None)

    def do(p: Proposal, actor: Actor) -> str:
        passage = actions.advance(
            actor, p, form.cleaned_data["transition"], note=form.cleaned_data.get("note", "")
        )
        return f"{p.reference}: {passage.name}."

    return _post(request, slug, number, "advance", form, do)


@GET_POST
def forward(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    form = forms.ForwardForm(request.POST if request.method == "POST" else None)

    def do(p: Proposal, actor: Actor) -> str:
        made = actions.put_forward(
            actor, p, form.cleaned_data["transition"], due=form.cleaned_data.get("due")
        )
        return (
            f"{p.reference} is on the forward plan of "
            + ", ".join(i.body.name for i in made if i.body)
            + "."
        )

    return _post(request, slug, number, "forward", form, do)


@GET_POST
def approval(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    form = forms.ApprovalForm(request.POST if request.method == "POST" else None)

    def do(p: Proposal, actor: Actor) -> str:
        a = actions.seek_approval(
            actor,
            p,
            form.cleaned_data["transition"],
            decision_type=form.cleaned_data["decision_type"],
            due=form.cleaned_data.get("due"),
        )
        officers = [s[0] for s in a.steps if not s[3] and s[1] in ("consult", "recommend")]
        said = f"The route to approve {p.reference} has {len(a.steps)} steps"
        if officers:
            return (
                f"{said}; an officer's {', '.join(officers)} cannot be recorded yet (ADR 18), "
                "the others are on their forward plans."
            )
        return f"{said}, each on its forward plan."

    return _post(request, slug, number, "approval", form, do)


@GET_POST
def document(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    system = _system(slug)
    p = _proposal(system, number)
    form = forms.DocumentForm(
        request.POST if request.method == "POST" else None, request.FILES or None
    )
    form.set_choices("kind", list(p.workflow.compiled["names"]["documents"].items()), "Choose")

    def do(p: Proposal, actor: Actor) -> str:
        upload = form.cleaned_data["file"]
        kept = actions.keep_document(
            actor,
            p,
            form.cleaned_data["kind"],
            upload.name or "document",
            upload.read(),
            title=form.cleaned_data.get("title", ""),
        )
        return f"Added '{kept.title}' to {p.reference}."

    return _post(request, slug, number, "document", form, do)


@require_safe
def document_file(request: HttpRequest, slug: str, number: int, pk: int) -> FileResponse:
    system = _system(slug)
    p = _proposal(system, number)
    if not may_read_documents(request, p):
        raise NotPermitted(
            f"{p.reference}'s documents are for the people of {p.lead.name} and its sponsors."
        )
    found = get_object_or_404(Document, proposal=p, pk=pk)
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.filename,
        content_type=CONTENT_TYPES.get(found.format, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# Work plans ---------------------------------------------------------------------------------


def programme_page(request: HttpRequest, slug: str, code: str, public: bool) -> HttpResponse:
    system = _system(slug)
    programme = get_object_or_404(Programme, system=system, code=code)
    lines = presenters.programme_plan(programme)
    if public:
        lines = tuple(line for line in lines if line.proposal.public)
    return render(
        request,
        "proposals/programme.jinja",
        {
            "system": system,
            "programme": programme,
            "lines": lines,
            "public": public,
            "names": _names(public),
        },
    )


@require_safe
def programme(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return programme_page(request, slug, code, public=False)


@require_safe
def work_plan(request: HttpRequest, slug: str) -> HttpResponse:
    system = _system(slug)
    setup = Setup.objects.filter(system=system).first()
    # The executive the workflow names (its sign-off body), or else the first body it maps.
    mapped: list[str] = []
    if setup is not None:
        mapped = setup.bodies.get("strategy-group") or [
            c for cs in setup.bodies.values() for c in cs
        ]
    default = mapped[0] if mapped else ""
    code = request.GET.get("body", default)[:60]
    body = Body.objects.filter(system=system, code=code).first()
    if body is None:
        if code:
            return error_page(
                request,
                400,
                "There is a problem with the request",
                f"body: {system.name} has no body '{code}'.",
            )
        raise Http404(f"{system.name} names no executive for its proposals")
    return render(
        request,
        "proposals/work_plan.jinja",
        {
            "system": system,
            "body": body,
            "bodies": Body.objects.filter(system=system).order_by("name"),
            "sittings": presenters.work_plan(system, body),
        },
    )


# The right level, and scoring ------------------------------------------------------------------


def levels_page(
    request: HttpRequest, slug: str, number: int, bound: dict[str, Form] | None = None
) -> HttpResponse:
    system = _system(slug)
    p = _proposal(system, number)
    actor = Actor.from_user(request.user)
    v = assessing.levels_view(p, actor)
    bound = bound or {}
    moderation_form = bound.get("moderation") or forms.ModerationForm()
    moderation_form.set_choices("criterion", [(c.code, c.name) for c in v.criteria], "Choose")
    initial_scores: dict[str, Any] = {
        f"s_{c.code}": c.mine for c in v.criteria if c.mine is not None
    }
    initial_scores |= {f"c_{c.code}": c.comment for c in v.criteria if c.comment}
    context = {
        "system": system,
        "p": p,
        "v": v,
        "names": _names(False),
        "triage_form": bound.get("triage") or forms.TriageForm(questions=v.questions),
        "interest_form": bound.get("interest")
        or forms.InterestForm(
            initial={"interest": v.mine.interest, "detail": v.mine.interest_detail}
            if v.mine
            else None
        ),
        "scores_form": bound.get("scores")
        or forms.ScoresForm(criteria=v.criteria, initial=initial_scores),
        "moderation_form": moderation_form,
        "failed": next(iter(bound), ""),
    }
    return render(request, "proposals/levels.jinja", context, status=400 if bound else 200)


@require_safe
def levels(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return levels_page(request, slug, number)


def _levels_post(
    request: HttpRequest,
    slug: str,
    number: int,
    name: str,
    make: Callable[[Proposal, Any], Form],
    do: Callable[[Proposal, Actor, Form], str],
) -> HttpResponse:
    system = _system(slug)
    p = _proposal(system, number)
    here = reverse("proposal-levels", args=[slug, number])
    if request.method != "POST":
        return HttpResponseRedirect(here)
    actor = Actor.from_user(request.user)
    form = make(p, request.POST)
    if form.is_valid():
        said = _attempt(form, lambda: do(p, actor, form))
        if said is not None:
            messages.info(request, said)
            return HttpResponseRedirect(here + f"#{name}")
    return levels_page(request, slug, number, {name: form})


@GET_POST
def triage(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def make(p: Proposal, data: Any) -> Form:
        return forms.TriageForm(
            data, questions=assessing.levels_view(p, Actor.from_user(request.user)).questions
        )

    def do(p: Proposal, actor: Actor, form: Form) -> str:
        assert isinstance(form, forms.TriageForm)
        t = actions.triage(actor, p, form.answers(), note=form.cleaned_data.get("note", ""))
        return f"{p.reference}: {t.level} level. {t.text}"

    return _levels_post(request, slug, number, "triage", make, do)


@GET_POST
def interest(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def do(p: Proposal, actor: Actor, form: Form) -> str:
        a = actions.declare_interest(
            actor, p, interest=form.cleaned_data["interest"], detail=form.cleaned_data["detail"]
        )
        if a.conflicted:
            return f"You declared a {a.get_interest_display().lower()}: you cannot score {p.reference}."
        return "You declared no interest: you may score the proposal."

    return _levels_post(request, slug, number, "interest", lambda p, d: forms.InterestForm(d), do)


@GET_POST
def scores(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def make(p: Proposal, data: Any) -> Form:
        v = assessing.levels_view(p, Actor.from_user(request.user))
        return forms.ScoresForm(data, criteria=v.criteria)

    def do(p: Proposal, actor: Actor, form: Form) -> str:
        assert isinstance(form, forms.ScoresForm)
        submit = "submit" in request.POST
        a = actions.score(actor, p, form.scores(), comments=form.comments(), submit=submit)
        return (
            "Your assessment is submitted: you can now see the other assessors' scores."
            if submit
            else f"Your scores are saved ({len(a.scores)} criteria scored); submit when complete."
        )

    return _levels_post(request, slug, number, "scores", make, do)


@GET_POST
def moderation(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def make(p: Proposal, data: Any) -> Form:
        form = forms.ModerationForm(data)
        v = assessing.levels_view(p, Actor.from_user(request.user))
        form.set_choices("criterion", [(c.code, c.name) for c in v.criteria], "Choose")
        return form

    def do(p: Proposal, actor: Actor, form: Form) -> str:
        m = actions.moderate(
            actor,
            p,
            criterion=form.cleaned_data["criterion"],
            score=form.cleaned_data["score"],
            rationale=form.cleaned_data["rationale"],
        )
        return f"Moderated score {m.score} agreed for '{m.criterion}'."

    return _levels_post(request, slug, number, "moderation", make, do)


@require_safe
def scores_csv(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    system = _system(slug)
    p = _proposal(system, number)
    v = assessing.levels_view(p, Actor.from_user(request.user))
    if not v.may_see:
        raise NotPermitted(
            "The scores are shown to assessors who have submitted their own assessment"
        )
    response = HttpResponse(assessing.scores_csv(v), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{p.reference}-scores.csv"'
    return response
