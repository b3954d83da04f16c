"""Allocation pages: a system's allocations (and the form to draft one), and one allocation
with its lines, place budgets, route, status and decision, and the forms that move it on.

Views read the form, call one action and render; reading needs only signing in. A refusal for
want of permission is the 403 page; any other comes back onto the form (status 400).
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from commonweal.core.actions import Actor
from commonweal.core.errors import NotPermitted, Refused
from commonweal.core.forms import Form
from commonweal.core.models import Person, in_force
from commonweal.core.permissions import Permission
from commonweal.decisions.models import Decision
from commonweal.finance.models import FinancialYear
from commonweal.governance.models import Post, PostHolding
from commonweal.registry.models import System

from . import actions, exports, forms, presenters, rules
from .models import Allocation, Status

GET_POST = require_http_methods(["GET", "HEAD", "POST"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attempt(form: Form, do: Callable[[], Any], fields: dict[str, str] | None = None) -> Any:
    try:
        return do()
    except NotPermitted:
        raise
    except Refused as refused:
        for p in refused.problems:
            if p.field.startswith("lines[") and "." in p.field and fields is not None:
                fields.setdefault(p.field, p.field.split(".", 1)[1])
        form.refuse(refused, fields)
        return None


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *forms_: Form
) -> HttpResponse:
    bad = any(f.is_bound and f.errors for f in forms_)
    return render(request, template, context, status=400 if bad else 200)


def _crumbs(system: System, *more: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"href": reverse("system", args=[system.slug]), "text": system.name},
        {"href": reverse("allocations", args=[system.slug]), "text": "Allocations"},
        *more,
    ]


def _may(actor: Actor, orgs: list[Any], permission: Permission = Permission.MANAGE_FINANCE) -> bool:
    return any(actor.holds(permission, o) for o in orgs)


@GET_POST
def allocations(request: HttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    actor = Actor.from_user(request.user)
    years = list(FinancialYear.objects.filter(system=system).order_by("-start"))
    orgs = actions.commissioners(years[0]) if years else []
    mine = [o for o in orgs if actor.holds(Permission.MANAGE_FINANCE, o)]
    form = forms.DraftForm(
        request.POST if request.method == "POST" else None,
        years=[(str(y.pk), y.label) for y in years],
        organisations=[(o.code, o.name) for o in (mine or orgs)],
        initial={"basis": "registered"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        year = next(y for y in years if str(y.pk) == data["year"])
        org = next(o for o in (mine or orgs) if o.code == data["organisation"])
        done = _attempt(
            form,
            lambda: actions.draft_allocation(
                actor,
                year,
                org,
                actions.AllocationIn(
                    name=data["name"],
                    total=data["total"],
                    place_total=data["place_total"] or 0,
                    population_on=data["population_on"],
                    basis=data["basis"],
                    weighting=data["weighting"],
                    weights=data["weights"],
                    stated_populations=data["stated_populations"],
                    population_source=data["population_source"],
                    illustrative=data["illustrative"],
                    note=data["note"],
                ),
            ),
        )
        if done is not None:
            messages.info(request, f"Allocation {done.reference} is drafted: add its lines.")
            return HttpResponseRedirect(reverse("allocation", args=[system.slug, done.pk]))
    rows = list(Allocation.objects.filter(system=system).select_related("year", "organisation"))
    return _page(
        request,
        "allocations/index.jinja",
        {
            "system": system,
            "rows": [(a, rules.summarise(actions.line_inputs(a))) for a in rows],
            "form": form,
            "may": bool(mine),
            "has_years": bool(years),
            "section": "systems",
            "crumbs": [{"href": reverse("system", args=[system.slug]), "text": system.name}],
        },
        form,
    )


def _allocation(slug: str, pk: int) -> Allocation:
    return get_object_or_404(
        Allocation.objects.select_related(
            "system",
            "year",
            "organisation",
            "plan_item",
            "consultation_item",
            "decision",
            "corrects",
        ),
        system__slug=slug,
        pk=pk,
    )


def _officers(a: Allocation) -> list[tuple[str, str]]:
    holdings = (
        PostHolding.objects.filter(post__system=a.system, post__organisation=a.organisation)
        .filter(in_force(date.today()))
        .select_related("person", "post")
        .order_by("post__title")
    )
    return [(f"{h.person.key}|{h.post.ref}", f"{h.person.name}, {h.post.title}") for h in holdings]


def _decider(a: Allocation, value: str) -> tuple[Person, Post] | None:
    key, _, ref = value.partition("|")
    org, _, code = ref.partition("/")
    person = Person.objects.filter(key=key).first()
    post = Post.objects.filter(system=a.system, organisation__code=org, code=code).first()
    return (person, post) if person and post else None


def decision_day(a: Allocation, today: date) -> date:
    """The decide form's date to start from: the day the decision is due on the forward plan,
    when that has come (a 2020/21 allocation was decided in 2020, not on the day it is
    recorded); otherwise today. A day not yet come is refused (`record_officer_decision`)."""
    due = a.plan_item.due if a.plan_item is not None else None
    return due if due is not None and due <= today else today


LINE_FIELDS: dict[str, str] = {}
DECIDE_FIELDS = {"parts[0].deciders": "decider", "parts": "decider", "decider": "decider"}


@GET_POST
def allocation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    a = _allocation(slug, pk)
    actor = Actor.from_user(request.user)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    places = [(p.code, p.name) for p in actions.populations.places_of(a.system, a.population_on)]
    officers = _officers(a)
    data = request.POST if request.method == "POST" else None
    line_form = forms.LineForm(data if which == "line" else None, places=places, prefix="line")
    submit_form = forms.SubmitForm(data if which == "submit" else None, prefix="submit")
    decide_form = forms.DecideForm(
        data if which == "decide" else None,
        officers=officers,
        prefix="decide",
        initial={"on": decision_day(a, date.today())},
    )
    link_form = forms.LinkForm(data if which == "link" else None, prefix="link")
    refuse_form = forms.RefuseForm(data if which == "refuse" else None, prefix="refuse")
    here = reverse("allocation", args=[a.system.slug, a.pk])
    if which == "line" and line_form.is_valid():
        d = line_form.cleaned_data
        lines = [
            *actions.line_inputs(a),
            rules.LineIn(
                programme=d["programme"],
                kind=d["kind"],
                amount=d["amount"],
                priority=d["priority"],
                place=d["place"] or "",
            ),
        ]
        if (
            _attempt(line_form, lambda: actions.set_lines(actor, a, lines), dict(LINE_FIELDS))
            is not None
        ):
            messages.info(request, "The line is added.")
            return HttpResponseRedirect(here)
    elif which == "remove":
        raw = request.POST.get("position", "")
        current = actions.line_inputs(a)
        if raw.isascii() and raw.isdigit() and int(raw) < len(current):
            keep = [x for i, x in enumerate(current) if i != int(raw)]
            actions.set_lines(actor, a, keep)  # a refusal is a page of its own
            messages.info(request, "The line is removed.")
        return HttpResponseRedirect(here)
    elif which == "submit" and submit_form.is_valid():
        d = submit_form.cleaned_data
        done = _attempt(
            submit_form,
            lambda: actions.submit_allocation(actor, a, due=d["due"], author=d["author"]),
        )
        if done is not None:
            messages.info(
                request,
                f"Allocation {done.reference} is submitted: {done.plan_item.reference} is on the "
                "forward plan.",
            )
            return HttpResponseRedirect(here)
    elif which == "decide" and decide_form.is_valid():
        d = decide_form.cleaned_data
        decider = _decider(a, d["decider"])
        if decider is None:
            decide_form.add_error("decider", "Choose the officer who decided from the list")
        else:
            done = _attempt(
                decide_form,
                lambda: actions.decide_allocation(
                    actor, a, decider=decider, on=d["on"], reasons=d["reasons"]
                ),
                dict(DECIDE_FIELDS),
            )
            if done is not None:
                messages.info(
                    request, f"Allocation {done.reference} is decided ({done.decision.reference})."
                )
                return HttpResponseRedirect(here)
    elif which == "link" and link_form.is_valid():
        decision = Decision.objects.filter(pk=link_form.cleaned_data["decision"]).first()
        if decision is None:
            link_form.add_error("decision", "There is no decision with that reference")
        else:
            done = _attempt(link_form, lambda: actions.link_decision(actor, a, decision))
            if done is not None:
                messages.info(request, f"Allocation {done.reference} is decided.")
                return HttpResponseRedirect(here)
    elif which == "refuse" and refuse_form.is_valid():
        reason = refuse_form.cleaned_data["reason"]
        done = _attempt(refuse_form, lambda: actions.refuse_allocation(actor, a, reason=reason))
        if done is not None:
            messages.info(request, f"Allocation {done.reference} is recorded as not agreed.")
            return HttpResponseRedirect(here)
    elif request.method == "POST" and which not in ("line", "submit", "decide", "link", "refuse"):
        raise Refused.at("form", "Choose what to do from the page's forms")
    a = _allocation(slug, pk)
    org = [a.organisation]
    return _page(
        request,
        "allocations/allocation.jinja",
        {
            "a": a,
            "view": presenters.allocation_view(a),
            "line_form": line_form,
            "submit_form": submit_form,
            "decide_form": decide_form,
            "link_form": link_form,
            "refuse_form": refuse_form,
            "may_manage": _may(actor, org),
            "may_decide": _may(actor, org, Permission.RECORD_OFFICER_DECISIONS)
            or any(v.startswith(f"{actor.person.key}|") for v, _ in officers if actor.person),
            "draft": a.status == Status.DRAFT,
            "awaiting": a.status == Status.AWAITING,
            "money": rules.money_text,
            "k": rules.thousands_text,
            "section": "systems",
            "crumbs": _crumbs(a.system),
        },
        line_form,
        submit_form,
        decide_form,
        link_form,
        refuse_form,
    )


@require_safe
def export(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    a = _allocation(slug, pk)
    body = exports.workbook(presenters.allocation_view(a))
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"allocation-{a.reference}.xlsx"
    )
    return response
