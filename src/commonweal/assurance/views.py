"""Assurance pages: a system's framework and assessed periods (and assessing one); a report for
the system or a place, as a page and as a tagged PDF; responding to an exception; quality
concerns.

Views load what the address names (404 for an unknown system, period, place or exception), call
one presenter or action and render. Reading needs only signing in; every change is an action's,
which checks the permission (a refusal without it is the 403 page; any other refusal comes back
onto the form, status 400).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from commonweal.core.actions import Actor
from commonweal.core.errors import NotPermitted, Refused
from commonweal.core.forms import Form
from commonweal.core.permissions import Permission
from commonweal.meetings.models import ForwardPlanItem
from commonweal.registry.actions import stewards
from commonweal.registry.models import Area, System
from commonweal.registry.rules import Level

from . import actions, forms, presenters, rules
from .models import AssuranceException, Framework, QualityConcern

GET_POST = require_http_methods(["GET", "HEAD", "POST"])
PDF = "application/pdf"


def _system(slug: str) -> System:
    return get_object_or_404(System, slug=slug)


def _framework(system: System) -> Framework:
    f = presenters.framework_of(system)
    if f is None:
        raise Http404(f"{system.name} has no assurance framework loaded")
    return f


def _period(slug: str) -> rules.Period:
    try:
        return rules.parse(slug)
    except rules.PeriodError as exc:
        raise Http404(str(exc)) from None


def _crumbs(system: System, *more: tuple[str, str]) -> list[dict[str, str]]:
    out = [
        {"href": reverse("system", args=[system.slug]), "text": system.name},
        {"href": reverse("assurance", args=[system.slug]), "text": "Assurance"},
    ]
    out.extend({"href": href, "text": text} for href, text in more)
    return out


def _attempt(form: Form, do: Callable[[], Any]) -> Any:
    try:
        return do()
    except NotPermitted:
        raise
    except Refused as refused:
        form.refuse(refused)
        return None


def _may(request: HttpRequest, framework: Framework) -> bool:
    return Actor.from_user(request.user).holds(Permission.MANAGE_ASSURANCE, framework.owner)


def _may_respond(request: HttpRequest, framework: Framework) -> bool:
    """As assurance.respond allows: in the framework's owner or one that looks after the
    system."""
    actor = Actor.from_user(request.user)
    return any(
        actor.holds(Permission.MANAGE_ASSURANCE, o)
        for o in [framework.owner, *stewards(framework.system)]
    )


@GET_POST
def index(request: HttpRequest, slug: str) -> HttpResponse:
    system = _system(slug)
    framework = presenters.framework_of(system)
    form = forms.AssessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if framework is None:
            raise Http404("No assurance framework is loaded")
        if form.is_valid():
            period = form.cleaned_data["period"]
            done = _attempt(
                form, lambda: actions.assess(Actor.from_user(request.user), framework, period)
            )
            if done is not None:
                messages.info(request, "Assessed " + done.describe() + ".")
                return HttpResponseRedirect(reverse("assurance-report", args=[slug, period.slug]))
        elif not _may(request, framework):
            raise NotPermitted(f"Only {framework.owner.name} assesses {framework.name}.")
    context = {
        "system": system,
        "framework": framework,
        "periods": presenters.periods(framework) if framework else [],
        "scopes": actions.scopes(system),
        "form": form
        if framework and (request.method == "POST" or _may(request, framework))
        else None,
        "crumbs": _crumbs(system)[:1],
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "assurance/index.jinja", context, status=status)


def _scope(system: System, code: str | None) -> Area:
    if code is None:
        found = actions.scopes(system)
        if not found or found[0].level != Level.SYSTEM.value:
            raise Http404(f"{system.name} has no system-level area")
        return found[0]
    return get_object_or_404(Area, system=system, code=code, level=Level.PLACE.value)


def _report(slug: str, period: str, place: str | None) -> presenters.Report:
    system = _system(slug)
    return presenters.report(_framework(system), _scope(system, place), _period(period))


def _report_context(r: presenters.Report) -> dict[str, Any]:
    return {
        "r": r,
        "system": r.system,
        "labels": presenters.DOMAIN_LABELS,
        "period_label": lambda slug: rules.parse(slug).label,
    }


@require_safe
def report(request: HttpRequest, slug: str, period: str, place: str | None = None) -> HttpResponse:
    r = _report(slug, period, place)
    context = {
        **_report_context(r),
        "pdf": False,
        "may_respond": _may_respond(request, r.framework),
        "may_plan": Actor.from_user(request.user).holds(
            Permission.PLAN_BUSINESS, r.framework.owner
        ),
        "plan_item": ForwardPlanItem.objects.filter(
            organisation=r.framework.owner,
            project=f"assurance:{r.framework.code}:{r.period.slug}"[:100],
        ).first(),
        "crumbs": _crumbs(r.system),
    }
    return render(request, "assurance/report.jinja", context)


@require_safe
def report_pdf(
    request: HttpRequest, slug: str, period: str, place: str | None = None
) -> HttpResponse:
    from commonweal.core.pdf import render_pdf

    r = _report(slug, period, place)
    if r.assessment is None:
        raise Http404(f"{r.period.label} has not been assessed")
    content = render_pdf(
        "assurance/pdf/report.jinja", {**_report_context(r), "pdf": True, "may_respond": False}
    )
    response = HttpResponse(content, content_type=PDF)
    name = f"assurance-{r.system.slug}-{r.scope.code}-{r.period.slug}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@GET_POST
def plan(request: HttpRequest, slug: str, period: str) -> HttpResponse:
    """Put the system report on the forward plan of the body the framework reports to."""
    system = _system(slug)
    framework = _framework(system)
    p = _period(period)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("assurance-report", args=[slug, p.slug]))
    actor = Actor.from_user(request.user)
    if not actor.holds(Permission.PLAN_BUSINESS, framework.owner):
        raise NotPermitted(f"Only those who plan {framework.owner.name}'s business may do this.")
    try:
        item = actions.plan_report(actor, framework, p)
    except NotPermitted:
        raise
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, f"On the forward plan as {item.reference}.")
    return HttpResponseRedirect(reverse("assurance-report", args=[slug, p.slug]))


@GET_POST
def respond(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    system = _system(slug)
    e = get_object_or_404(
        AssuranceException.objects.select_related("framework__owner", "scope"),
        pk=pk,
        framework__system=system,
    )
    form = forms.ResponseForm(request.POST if request.method == "POST" else None)
    actor = Actor.from_user(request.user)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            done = _attempt(
                form,
                lambda: actions.respond(
                    actor, e, owner=d["owner"], response=d["response"], actions=form.actions()
                ),
            )
            if done is not None:
                messages.info(request, f"The response to {e.subject_label} is recorded.")
                args = [slug, e.last] + (
                    [e.scope.code] if e.scope.level == Level.PLACE.value else []
                )
                name = "assurance-place-report" if len(args) == 3 else "assurance-report"
                return HttpResponseRedirect(reverse(name, args=args) + f"#exception-{e.pk}")
        elif not _may_respond(request, e.framework):
            raise NotPermitted(f"Only {e.framework.owner.name} responds to these exceptions.")
    elif not _may_respond(request, e.framework):
        raise NotPermitted(f"Only {e.framework.owner.name} responds to these exceptions.")
    context = {
        "system": system,
        "e": e,
        "responses": list(e.responses.all()),
        "form": form,
        "crumbs": _crumbs(system),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "assurance/respond.jinja", context, status=status)


def _places(system: System) -> list[Area]:
    return list(
        Area.objects.filter(system=system, level=Level.PLACE.value, ends__isnull=True).order_by(
            "name"
        )
    )


@GET_POST
def concerns(request: HttpRequest, slug: str) -> HttpResponse:
    system = _system(slug)
    places = _places(system)
    form = forms.ConcernForm(request.POST if request.method == "POST" else None)
    form.set_choices("place", [(p.code, p.name) for p in places], "Choose the place")
    actor = Actor.from_user(request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        place = next(p for p in places if p.code == d["place"])
        done = _attempt(
            form,
            lambda: actions.record_concern(
                actor,
                place,
                actions.ConcernIn(
                    provider=d["provider"],
                    title=d["title"],
                    source=d["source"],
                    severity=d["severity"],
                    description=d["description"],
                    raised_on=d["raised_on"],
                    actions=d["actions"],
                ),
            ),
        )
        if done is not None:
            messages.info(request, f"{done.reference} is recorded.")
            return HttpResponseRedirect(
                reverse("assurance-concerns", args=[slug]) + f"#{done.reference}"
            )
    may = any(
        actor.holds(Permission.MANAGE_ASSURANCE, o)
        for p in places
        for o in actions.place_keepers(p)
    )
    if request.method == "POST" and form.errors and not may:
        raise NotPermitted("Only the organisations responsible for a place record its concerns.")
    context = _concerns_context(system, form if may else None, may)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "assurance/concerns.jinja", context, status=status)


def _concerns_context(system: System, form: Form | None, may: bool) -> dict[str, Any]:
    found = list(QualityConcern.objects.filter(system=system).select_related("provider", "place"))
    return {
        "system": system,
        "concerns": found,
        "form": form,
        # One form a concern, each with its own prefix so that no two inputs share an id.
        "close_forms": {
            c.reference: forms.CloseConcernForm(prefix=c.reference)
            for c in found
            if may and c.closed_on is None
        },
        "closing": None,
        "crumbs": _crumbs(system),
    }


@GET_POST
def close_concern(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    system = _system(slug)
    concern = get_object_or_404(
        QualityConcern.objects.select_related("place"), system=system, reference=ref
    )
    if request.method != "POST":
        return HttpResponseRedirect(reverse("assurance-concerns", args=[slug]) + f"#{ref}")
    form = forms.CloseConcernForm(request.POST, prefix=ref)
    actor = Actor.from_user(request.user)
    if form.is_valid():
        d = form.cleaned_data
        done = _attempt(
            form, lambda: actions.close_concern(actor, concern, d["closed_on"], d["note"])
        )
        if done is not None:
            messages.info(request, f"{concern.reference} is closed.")
            return HttpResponseRedirect(reverse("assurance-concerns", args=[slug]) + f"#{ref}")
    elif not any(
        actor.holds(Permission.MANAGE_ASSURANCE, o) for o in actions.place_keepers(concern.place)
    ):
        raise NotPermitted("Only the organisations responsible for the place close its concerns.")
    context = _concerns_context(system, None, True)
    context["close_forms"][concern.reference] = form
    context["closing"] = concern.reference
    return render(request, "assurance/concerns.jinja", context, status=400)
