"""Decision pages: the register, a decision, recording one at an item, urgent action, an
officer's decision, a meeting's record (decisions, actions, minutes) and re-validation. Views
read the form, call one action and redirect; refusals come back onto the form (status 400)."""

from collections.abc import Callable, Collection
from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from commonweal.core.actions import Actor
from commonweal.core.errors import NotPermitted, Refused
from commonweal.core.forms import Form
from commonweal.core.models import Organisation, Person, in_force
from commonweal.core.pages import page_of
from commonweal.core.permissions import Permission
from commonweal.governance import engine
from commonweal.governance.models import Body, Post, PostHolding
from commonweal.meetings import actions as meeting_actions
from commonweal.meetings.models import AgendaItem, Attendance, Meeting, MeetingAction
from commonweal.registry.models import Area, System
from commonweal.registry.rules import Level

from . import actions, context, forms, presenters
from .models import Decision, DecisionEvent, Finding, Minutes, Outcome, Revalidation

GET_POST = require_http_methods(["GET", "HEAD", "POST"])
BUDGET_CODE = engine.Code.OVER_BUDGET.value  # the "within budget" check's code


def _attempt(form: Form, do: Callable[[], Any]) -> Any:
    try:
        return do()
    except NotPermitted:
        raise
    except Refused as refused:
        form.refuse(refused)
        return None


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *forms_: Form
) -> HttpResponse:
    bad = any(f.is_bound and f.errors for f in forms_)
    return render(request, template, context, status=400 if bad else 200)


def _int(value: Any) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 19 else 0


def _known_lines(system: System) -> forms.KnownLines:
    """The budget lines each organisation has in the system's ledger, from the sources a higher
    layer (finance) registers in `context.BUDGET_LINES`; with none registered, none is known
    and a line named is left to the engine, which reports its budget as not checked."""
    sources = context.BUDGET_LINES
    seen: dict[str, Collection[str] | None] = {}

    def known(organisation: str) -> Collection[str] | None:
        if organisation not in seen:
            found: set[str] = set()
            for source in sources:
                found |= set(source(system, organisation) or ())
            seen[organisation] = found or None
        return seen[organisation]

    return known


def _crumbs(meeting: Meeting) -> list[dict[str, str]]:
    body = meeting.body
    return [
        {"href": reverse("system", args=[body.system.slug]), "text": body.system.name},
        {"href": reverse("meetings", args=[body.system.slug, body.code]), "text": body.name},
        {"href": reverse("meeting", args=[meeting.pk]), "text": str(meeting)},
    ]


# The register --------------------------------------------------------------------------------


@require_safe
def register(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_user(request.user)
    rows = Decision.objects.all()
    system = request.GET.get("system", "")[:60]
    org = request.GET.get("organisation", "")[:20]
    if system:
        rows = rows.filter(system__slug=system)
    if org:
        rows = rows.filter(parts__organisation__code=org).distinct()
    shown: Any = page_of(request, presenters.register(rows), 50)  # type: ignore[arg-type]
    return render(
        request,
        "decisions/register.jinja",
        {
            "shown": shown,
            "rows": presenters.register_rows(list(shown.rows), actor),
            "systems": System.objects.filter(decisions__isnull=False).distinct(),
            "system": system,
            "section": "decisions",
        },
    )


@GET_POST
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    d = get_object_or_404(
        Decision.objects.select_related(
            "system", "body", "meeting", "item", "plan_item", "corrects"
        ),
        pk=pk,
    )
    actor = Actor.from_user(request.user)
    event_form = forms.EventForm(request.POST if request.POST.get("form") == "event" else None)
    later = []
    if d.body is not None:
        later = [
            (str(m.pk), str(m))
            for m in Meeting.objects.filter(body=d.body, starts__date__gte=d.on).exclude(
                status=Meeting.Status.CANCELLED
            )
        ]
    ratify_form = forms.RatifyForm(
        request.POST if request.POST.get("form") == "ratify" else None, meetings=later
    )
    if request.method == "POST":
        if request.POST.get("form") == "ratify" and ratify_form.is_valid():
            meeting = get_object_or_404(Meeting, pk=_int(ratify_form.cleaned_data["meeting"]))
            done = _attempt(
                ratify_form,
                lambda: actions.ratify(actor, d, meeting, ratify_form.cleaned_data["note"]),
            )
            if done is not None:
                messages.info(request, f"{d.reference} is ratified.")
                return HttpResponseRedirect(reverse("decision", args=[d.pk]))
        elif request.POST.get("form") == "event" and event_form.is_valid():
            data = event_form.cleaned_data
            done = _attempt(
                event_form,
                lambda: actions.add_event(
                    actor,
                    d,
                    data["kind"],
                    data["on"],
                    by=data["by"],
                    outcome=data["outcome"],
                    note=data["note"],
                ),
            )
            if done is not None:
                messages.info(
                    request, f"{d.reference}: {DecisionEvent.Kind(data['kind']).label.lower()}."
                )
                return HttpResponseRedirect(reverse("decision", args=[d.pk]))
    view = presenters.decision_view(d, actor)
    return _page(
        request,
        "decisions/decision.jinja",
        {
            "d": view,
            "budget_lines": dict(
                d.parts.exclude(budget_line="").values_list("organisation__code", "budget_line")
            ),
            "within_budget": " ".join(
                (f"{c['organisation']}: " if c.get("organisation") else "") + c["sentence"]
                for c in view.checks
                if c.get("code") == BUDGET_CODE
            ),
            "event_form": event_form,
            "ratify_form": ratify_form,
            "section": "decisions",
            "crumbs": [{"href": reverse("decisions"), "text": "Decisions"}],
        },
        event_form,
        ratify_form,
    )


# Recording at an item ------------------------------------------------------------------------


def _item(pk: int, number: int) -> AgendaItem:
    return get_object_or_404(
        AgendaItem.objects.select_related("meeting__body__system", "plan_item"),
        meeting_id=pk,
        number=number,
    )


def _people_present(meeting: Meeting) -> list[Attendance]:
    return list(
        meeting.attendance.filter(status=Attendance.Status.PRESENT).select_related(
            "person", "post__organisation"
        )
    )


def _steps(item: AgendaItem) -> list[tuple[str, str]]:
    plan = item.plan_item
    if plan is None or not plan.decision_type or not plan.commitments:
        return []
    try:
        route, _ = meeting_actions.route_for(plan)
    except Refused:
        return []
    return [(s.id, s.sentence) for s in route.steps]


def _areas(system: System) -> list[tuple[str, str]]:
    rows = Area.objects.filter(system=system, level__in=(Level.SYSTEM.value, Level.PLACE.value))
    return [(a.code, a.name) for a in rows.filter(in_force(date.today(), starts=None))]


def _decision_form(
    item: AgendaItem, data: Any, cls: type[forms.DecisionForm] = forms.DecisionForm, **more: Any
) -> forms.DecisionForm:
    body = item.meeting.body
    owners = list(body.owners.all())
    individual = body.voting == engine.Voting.INDIVIDUAL.value
    deciders: dict[str, list[tuple[str, str]]] = {}
    if individual:
        for a in _people_present(item.meeting):
            if a.post is not None:
                deciders.setdefault(a.post.organisation.code, []).append(
                    (f"{a.person.key}|{a.post.ref}", f"{a.person.name}, {a.post.title}")
                )
    initial = {
        "title": item.title,
        "outcome": Outcome.DECISION,
        "decision_type": item.plan_item.decision_type if item.plan_item else "",
        "project": item.plan_item.project if item.plan_item else "",
    }
    return cls(
        data,
        initial=initial,
        organisations=[(o.code, o.name) for o in owners],
        deciders=deciders,
        areas=_areas(body.system),
        steps=_steps(item),
        votes=body.voting in (engine.Voting.MAJORITY.value, engine.Voting.BLOCK.value)
        and cls is forms.DecisionForm,
        consent=individual,
        known_lines=_known_lines(body.system),
        **more,
    )


def _parts(form: forms.DecisionForm, ok_without_decider: bool = False) -> list[actions.PartIn]:
    data = form.cleaned_data
    parts = []
    for code, _name in form.organisations:
        amount = data.get(f"amount_{code}")
        if not data.get(f"include_{code}") and amount is None:
            continue
        org = Organisation.objects.get(code=code)
        deciders = []
        chosen = data.get(f"decider_{code}") or ""
        if chosen:
            key, _, ref = chosen.partition("|")
            person = Person.objects.filter(key=key).first()
            post = Post.objects.filter(
                organisation__code=ref.partition("/")[0], code=ref.partition("/")[2]
            ).first()
            if person and post:
                deciders.append((person, post))
        votes = None
        if form.votes and data.get(f"for_{code}") is not None:
            votes = engine.Votes(
                data.get(f"for_{code}") or 0,
                data.get(f"against_{code}") or 0,
                data.get(f"abstain_{code}") or 0,
            )
        parts.append(
            actions.PartIn(
                organisation=org,
                amount=amount or 0,
                deciders=deciders,
                consent=bool(data.get(f"consent_{code}", True)),
                votes=votes,
                budget_line=data.get(f"budget_line_{code}") or "",
            )
        )
    return parts


def _decision_in(form: forms.DecisionForm, system: System) -> actions.DecisionIn:
    data = form.cleaned_data
    outcome = data["outcome"]
    return actions.DecisionIn(
        title=data["title"],
        resolution=data["resolution"],
        outcome=outcome,
        decision_type=data.get("decision_type") or "",
        reasons=data.get("reasons") or "",
        alternatives=data.get("alternatives") or "",
        risks=data.get("risks") or "",
        project=data.get("project") or "",
        footprint=Area.objects.filter(system=system, code=data.get("footprint") or "").first(),
        route_step=data.get("route_step") or "",
        parts=_parts(form) if outcome == Outcome.DECISION else [],
    )


@GET_POST
def record(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    item = _item(pk, number)
    meeting = item.meeting
    actor = Actor.from_user(request.user)
    form = _decision_form(item, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = _decision_in(form, meeting.body.system)
        done = _attempt(form, lambda: actions.record_at_item(actor, item, d))
        if done is not None:
            for org, reasons in done.refused:
                messages.warning(
                    request, f"{org.name}'s part was not recorded: " + " ".join(reasons)
                )
            messages.info(request, f"{done.decision.reference} is recorded.")
            return HttpResponseRedirect(reverse("decision", args=[done.decision.pk]))
    return _page(
        request,
        "decisions/record.jinja",
        {
            "form": form,
            "item": item,
            "meeting": meeting,
            "urgent": bool(meeting.body.urgent_action),
            "crumbs": _crumbs(meeting),
        },
        form,
    )


def _holders(body: Body, on: date) -> list[tuple[str, str]]:
    """Everyone holding a post of the body's organisations that day: who may take or be
    consulted on urgent action."""
    rows = (
        PostHolding.objects.filter(
            post__organisation__in=body.owners.all(), post__system=body.system
        )
        .filter(in_force(on))
        .select_related("person", "post__organisation")
        .order_by("post__organisation__name", "post__title")
    )
    return [(f"{h.person.key}|{h.post.ref}", f"{h.person.name}, {h.post.title}") for h in rows]


def _chosen(values: list[str]) -> list[tuple[Person, Post]]:
    out = []
    for value in values:
        key, _, ref = value.partition("|")
        org, _, code = ref.partition("/")
        person = Person.objects.filter(key=key).first()
        post = Post.objects.filter(organisation__code=org, code=code).first()
        if person and post:
            out.append((person, post))
    return out


@GET_POST
def urgent(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    item = _item(pk, number)
    meeting = item.meeting
    body = meeting.body
    actor = Actor.from_user(request.user)
    form = _decision_form(
        item,
        request.POST if request.method == "POST" else None,
        forms.UrgentForm,
        people=_holders(body, date.today()),
        outcomes=[(Outcome.DECISION.value, Outcome.DECISION.label)],
    )
    if request.method == "POST" and form.is_valid():
        d = _decision_in(form, body.system)
        data = form.cleaned_data
        done = _attempt(
            form,
            lambda: actions.take_urgent_action(
                actor,
                item,
                d,
                on=data["on"],
                takers=_chosen(data["takers"]),
                consulted=_chosen(data["consulted"]),
                urgency=data["urgency"],
            ),
        )
        if done is not None:
            messages.info(request, f"{done.reference} is recorded, awaiting ratification.")
            return HttpResponseRedirect(reverse("decision", args=[done.pk]))
    return _page(
        request,
        "decisions/urgent.jinja",
        {
            "form": form,
            "item": item,
            "meeting": meeting,
            "rule": body.urgent_action,
            "crumbs": _crumbs(meeting),
        },
        form,
    )


# Officer decisions -----------------------------------------------------------------------------


@GET_POST
def officer(request: HttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    actor = Actor.from_user(request.user)
    orgs = list(Organisation.objects.filter(Q(schemes__system=system)).distinct().order_by("name"))
    officers = [
        (
            f"{h.person.key}|{h.post.ref}",
            f"{h.person.name}, {h.post.title} ({h.post.organisation.name})",
        )
        for h in PostHolding.objects.filter(post__system=system)
        .filter(in_force(date.today()))
        .select_related("person", "post__organisation")
        .order_by("post__organisation__name", "post__title")
    ]
    form = forms.OfficerForm(
        request.POST if request.method == "POST" else None,
        initial={"outcome": Outcome.DECISION},
        organisations=[],
        deciders={},
        areas=_areas(system),
        steps=[],
        votes=False,
        consent=False,
        outcomes=[(Outcome.DECISION.value, Outcome.DECISION.label)],
        orgs=[(o.code, o.name) for o in orgs],
        officers=officers,
        known_lines=_known_lines(system),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        org = Organisation.objects.get(code=data["organisation"])
        deciders = _chosen([data["decider"]] + ([data["second"]] if data.get("second") else []))
        d = _decision_in(form, system)
        d.parts = [
            actions.PartIn(
                organisation=org,
                amount=data["amount"] or 0,
                deciders=deciders,
                budget_line=data.get("budget_line") or "",
            )
        ]
        done = _attempt(form, lambda: actions.record_officer_decision(actor, system, d, data["on"]))
        if done is not None:
            messages.info(request, f"{done.reference} is recorded.")
            return HttpResponseRedirect(reverse("decision", args=[done.pk]))
    return _page(
        request,
        "decisions/officer.jinja",
        {
            "form": form,
            "system": system,
            "section": "decisions",
            "crumbs": [{"href": reverse("decisions"), "text": "Decisions"}],
        },
        form,
    )


# A meeting's record: decisions, actions, minutes ---------------------------------------------


@GET_POST
def meeting_record(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("body__system"), pk=pk)
    actor = Actor.from_user(request.user)
    body = meeting.body
    people = [
        (p.key, p.name) for p in Person.objects.filter(attendance__meeting=meeting).order_by("name")
    ]
    items = [(str(i.pk), f"{i.number}. {i.title}") for i in meeting.items.filter(withdrawn=False)]
    posted = request.POST.get("form", "") if request.method == "POST" else ""
    action_form = forms.ActionForm(
        request.POST if posted == "action" else None, people=people, items=items
    )
    later = [
        (str(m.pk), str(m))
        for m in Meeting.objects.filter(body=body, starts__gt=meeting.starts).exclude(
            status=Meeting.Status.CANCELLED
        )
    ]
    approve_form = forms.ApproveForm(request.POST if posted == "approve" else None, meetings=later)
    if posted == "action" and action_form.is_valid():
        data = action_form.cleaned_data
        owner = get_object_or_404(Person, key=data["owner"])
        item = meeting.items.filter(pk=_int(data["item"])).first() if data["item"] else None
        done = _attempt(
            action_form,
            lambda: meeting_actions.add_action(
                actor,
                meeting,
                description=data["description"],
                owner=owner,
                due=data["due"],
                item=item,
            ),
        )
        if done is not None:
            messages.info(request, "The action is recorded.")
            return HttpResponseRedirect(reverse("meeting-record", args=[meeting.pk]))
    elif posted == "done":
        found = get_object_or_404(MeetingAction, pk=_int(request.POST.get("action")), body=body)
        meeting_actions.complete_action(
            actor,
            found,
            on=date.today(),
            at=meeting if meeting.starts.date() <= date.today() else None,
        )
        messages.info(request, "The action is recorded done.")
        return HttpResponseRedirect(reverse("meeting-record", args=[meeting.pk]))
    elif posted == "draft":
        minutes = actions.draft_minutes(actor, meeting)
        messages.info(request, "The minutes are drafted from the meeting's record.")
        return HttpResponseRedirect(reverse("minutes", args=[minutes.pk]))
    view = presenters.meeting_record(meeting, actor)
    return _page(
        request,
        "decisions/meeting_record.jinja",
        {
            "r": view,
            "meeting": meeting,
            "action_form": action_form,
            "approve_form": approve_form,
            "crumbs": _crumbs(meeting),
        },
        action_form,
    )


@GET_POST
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        Minutes.objects.select_related("meeting__body__system", "approved_at"), pk=pk
    )
    meeting = found.meeting
    actor = Actor.from_user(request.user)
    posted = request.POST.get("form", "") if request.method == "POST" else ""
    later = [
        (str(m.pk), str(m))
        for m in Meeting.objects.filter(body=meeting.body, starts__gt=meeting.starts).exclude(
            status=Meeting.Status.CANCELLED
        )
    ]
    text_form = forms.MinutesForm(
        request.POST if posted in ("edit", "correct") else None, initial={"text": found.text}
    )
    approve_form = forms.ApproveForm(request.POST if posted == "approve" else None, meetings=later)
    if posted == "edit" and text_form.is_valid():
        if _attempt(
            text_form, lambda: actions.edit_minutes(actor, found, text_form.cleaned_data["text"])
        ):
            messages.info(request, "The minutes are saved.")
            return HttpResponseRedirect(reverse("minutes", args=[found.pk]))
    elif posted == "correct" and text_form.is_valid():
        done = _attempt(
            text_form, lambda: actions.correct_minutes(actor, found, text_form.cleaned_data["text"])
        )
        if done is not None:
            messages.info(
                request, "The correction is drafted: it is approved at a meeting in its turn."
            )
            return HttpResponseRedirect(reverse("minutes", args=[done.pk]))
    elif posted == "approve" and approve_form.is_valid():
        at = get_object_or_404(Meeting, pk=_int(approve_form.cleaned_data["meeting"]))
        if _attempt(approve_form, lambda: actions.approve_minutes(actor, found, at)):
            messages.info(request, "The minutes are approved and locked.")
            return HttpResponseRedirect(reverse("minutes", args=[found.pk]))
    return _page(
        request,
        "decisions/minutes.jinja",
        {
            "minutes": found,
            "meeting": meeting,
            "text_form": text_form,
            "approve_form": approve_form,
            "may_manage": presenters.access.may_manage(actor, meeting.body),
            "crumbs": [
                *_crumbs(meeting),
                {"href": reverse("meeting-record", args=[meeting.pk]), "text": "Record"},
            ],
        },
        text_form,
        approve_form,
    )


# Re-validation ---------------------------------------------------------------------------------


@GET_POST
def revalidation(request: HttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    actor = Actor.from_user(request.user)
    if request.method == "POST":
        asked = actions.request_revalidation(actor, system)
        from .tasks import revalidate_task

        revalidate_task.enqueue(asked.pk)
        messages.info(request, "Re-validation has started: this page shows its progress.")
        return HttpResponseRedirect(reverse("revalidation", args=[system.slug]))
    run = Revalidation.objects.filter(system=system).first()
    findings = list(Finding.objects.filter(run=run).select_related("decision")[:500]) if run else []
    may = any(actor.holds(Permission.REVALIDATE, o) for o in actions.system_keepers(system))
    return render(
        request,
        "decisions/revalidation.jinja",
        {
            "system": system,
            "run": run,
            "findings": findings,
            "may": may,
            "section": "decisions",
            "running": run is not None and run.status in ("waiting", "running"),
            "crumbs": [{"href": reverse("decisions"), "text": "Decisions"}],
        },
    )
