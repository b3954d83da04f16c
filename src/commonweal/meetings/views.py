"""Meeting pages: the forward plan, a body's meetings, a meeting and its agenda, papers,
attendance and declarations. Views read the form, call one action, and redirect; refusals come
back onto the form's fields (status 400)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from commonweal.core.actions import Actor
from commonweal.core.errors import NotPermitted, Refused
from commonweal.core.forms import Form
from commonweal.core.models import COUNCIL_KINDS, Organisation, Person, in_force
from commonweal.core.permissions import Permission
from commonweal.governance.models import Body, BodyMembership, Post, PostHolding
from commonweal.interests.models import Interest, InterestKind
from commonweal.meetings import access, actions, forms, presenters
from commonweal.meetings.models import (
    AgendaItem,
    Attendance,
    Declaration,
    ForwardPlanItem,
    Meeting,
    Paper,
    PaperVersion,
)
from commonweal.registry.models import Area, System
from commonweal.registry.rules import Level

GET_POST = require_http_methods(["GET", "HEAD", "POST"])


def _meeting_crumbs(meeting: Meeting) -> list[dict[str, str]]:
    body = meeting.body
    return [
        {"href": reverse("system", args=[body.system.slug]), "text": body.system.name},
        {"href": reverse("body", args=[body.system.slug, body.code]), "text": body.name},
        {"href": reverse("meetings", args=[body.system.slug, body.code]), "text": "Meetings"},
    ]


def _attempt(form: Form, do: Callable[[], Any], fields: dict[str, str] | None = None) -> Any:
    """Run an action for a valid form; a refusal goes onto the form, and None comes back."""
    try:
        return do()
    except NotPermitted:
        raise  # not the form's mistake: a page of its own (403)
    except Refused as refused:
        form.refuse(refused, fields)
        return None


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *forms_: Form
) -> HttpResponse:
    bound = [f for f in forms_ if f.is_bound]
    return render(request, template, context, status=400 if any(f.errors for f in bound) else 200)


# The forward plan --------------------------------------------------------------------------


# A council executive's key-decision fields, which an NHS body's plan does not have.
KEY_FIELDS = (
    "key_decision",
    "key_exception_kind",
    "key_exception",
    "scrutiny_chair",
    "scrutiny_chair_on",
)


def _organisation_systems(org: Organisation) -> list[System]:
    return list(
        System.objects.filter(Q(bodies__owners=org) | Q(posts__organisation=org)).distinct()
    )


def _may_plan(actor: Actor, org: Organisation, bodies: list[Body]) -> bool:
    return actor.holds(Permission.PLAN_BUSINESS, org) or any(
        actor.holds(Permission.PLAN_BUSINESS, org, b) for b in bodies
    )


def _org_bodies(org: Organisation) -> list[Body]:
    return list(Body.objects.filter(owners=org, ends__isnull=True).select_related("system"))


@require_safe
def forward_plan(request: HttpRequest, code: str) -> HttpResponse:
    org = get_object_or_404(Organisation, code=code)
    show = request.GET.get("show", "current")
    rows = ForwardPlanItem.objects.filter(organisation=org).select_related(
        "body", "decider", "organisation"
    )
    if show != "all":
        rows = rows.filter(
            status__in=(ForwardPlanItem.Status.PLANNED, ForwardPlanItem.Status.ON_AGENDA)
        )
    plan = presenters.forward_plan(list(rows), date.today())
    return render(
        request,
        "meetings/forward_plan.jinja",
        {
            "org": org,
            "plan": plan,
            "show": show,
            "slipped": sum(1 for r in plan if r.slipped),
            "overdue": sum(1 for r in plan if r.overdue),
            "may_plan": _may_plan(Actor.from_user(request.user), org, _org_bodies(org)),
            "crumbs": [{"href": reverse("organisation", args=[org.code]), "text": org.name}],
        },
    )


def _plan_form(org: Organisation, actor: Actor, data: Any = None) -> forms.PlanForm:
    """The form offers only what this person may plan: a clerk their own bodies' items, others
    their organisation's bodies and its officers' decisions."""
    bodies = [b for b in _org_bodies(org) if actor.holds(Permission.PLAN_BUSINESS, org, b)]
    officers = actor.holds(Permission.PLAN_BUSINESS, org)
    if not bodies and not officers:
        raise NotPermitted(f"You may not add to {org.name}'s forward plan.")
    systems = _organisation_systems(org)
    meetings = Meeting.objects.filter(
        body__in=bodies, status__in=(Meeting.Status.TENTATIVE, Meeting.Status.CONFIRMED)
    ).select_related("body")
    posts = (
        Post.objects.filter(organisation=org, ends__isnull=True).order_by("title")
        if officers
        else Post.objects.none()
    )
    organisations = Organisation.objects.filter(
        Q(bodies__system__in=systems) | Q(schemes__system__in=systems)
    ).distinct()
    areas = (
        Area.objects.filter(system__in=systems, ends__isnull=True)
        .exclude(origin="ods")
        .exclude(level=Level.REGION.value)
        .order_by("name")
    )
    form = forms.PlanForm(
        data,
        bodies=[(str(b.pk), b.name) for b in bodies],
        meetings=[(str(m.pk), str(m)) for m in meetings.order_by("starts")],
        posts=[(str(p.pk), p.title) for p in posts],
        organisations=[(o.code, o.name) for o in organisations.order_by("name")],
        areas=[(str(a.pk), a.name) for a in areas],
    )
    if org.kind not in COUNCIL_KINDS:
        # Key decisions are a council's executive's: an NHS body's plan has no such flag.
        for name in KEY_FIELDS:
            del form.fields[name]
    return form


@GET_POST
def plan_new(request: HttpRequest, code: str) -> HttpResponse:
    org = get_object_or_404(Organisation, code=code)
    actor = Actor.from_user(request.user)
    form = _plan_form(org, actor, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        commitments = form.commitments()
        data = form.cleaned_data
        body = Body.objects.filter(pk=_int(data["body"])).first() if data["body"] else None
        decider = Post.objects.filter(pk=_int(data["decider"])).first() if data["decider"] else None
        meeting = (
            Meeting.objects.filter(pk=_int(data["meeting"])).first() if data["meeting"] else None
        )
        system = body.system if body else decider.system if decider else None
        if not form.errors:
            if system is None:
                form.add_error(
                    "body", "Choose the body that takes it, or the officer who decides it"
                )
            else:
                item = actions.PlanIn(
                    title=data["title"],
                    author=data["author"],
                    kind=data["kind"],
                    summary=data["summary"],
                    body=body,
                    meeting=meeting,
                    decider=decider,
                    due=data["due"],
                    decision_sought=data["decision_sought"],
                    decision_type=data["decision_type"],
                    commitments=commitments,
                    footprint=Area.objects.filter(pk=_int(data["footprint"])).first()
                    if data["footprint"]
                    else None,
                    project=data["project"],
                    key_decision={"yes": True, "no": False}.get(data.get("key_decision", "")),
                    key_exception_kind=data.get("key_exception_kind", ""),
                    key_exception=data.get("key_exception", ""),
                    scrutiny_chair=data.get("scrutiny_chair", ""),
                    scrutiny_chair_on=data.get("scrutiny_chair_on"),
                    private_paragraph=data.get("private_paragraph"),
                    private_reason=data.get("private_reason", ""),
                )
                plan = _attempt(
                    form,
                    lambda: actions.add_plan_item(actor, org, system, item),
                    {
                        "where": "body",
                        **{f"organisation_{i}": f"organisation_{i}" for i in range(3)},
                    },
                )
                if plan is not None:
                    messages.info(request, f"{plan.reference} is on the forward plan.")
                    return HttpResponseRedirect(
                        reverse("plan-item", args=[org.code, plan.reference])
                    )
    return _page(
        request,
        "meetings/plan_new.jinja",
        {
            "org": org,
            "form": form,
            "crumbs": [
                {"href": reverse("organisation", args=[org.code]), "text": org.name},
                {"href": reverse("forward-plan", args=[org.code]), "text": "Forward plan"},
            ],
        },
        form,
    )


@GET_POST
def plan_item(request: HttpRequest, code: str, reference: str) -> HttpResponse:
    org = get_object_or_404(Organisation, code=code)
    plan = get_object_or_404(
        ForwardPlanItem.objects.select_related("body", "decider", "system", "footprint"),
        organisation=org,
        reference=reference,
    )
    meetings = []
    if plan.body is not None:
        meetings = [
            (str(m.pk), str(m))
            for m in plan.body.meetings.filter(
                status__in=(Meeting.Status.TENTATIVE, Meeting.Status.CONFIRMED)
            ).order_by("starts")
        ]
    form = forms.RescheduleForm(
        request.POST if request.method == "POST" else None, meetings=meetings
    )
    actor = Actor.from_user(request.user)
    if request.method == "POST" and form.is_valid():
        withdraw = "withdraw" in request.POST
        meeting = Meeting.objects.filter(pk=_int(form.cleaned_data["meeting"] or "")).first()
        done = _attempt(
            form,
            lambda: actions.reschedule_plan_item(
                actor, plan, meeting=meeting, due=form.cleaned_data["due"], withdraw=withdraw
            ),
        )
        if done is not None:
            messages.info(request, f"{plan.reference} is {'withdrawn' if withdraw else 'moved'}.")
            return HttpResponseRedirect(reverse("plan-item", args=[org.code, plan.reference]))
    return _page(
        request,
        "meetings/plan_item.jinja",
        {
            "org": org,
            "view": presenters.plan_view(plan, date.today(), actor),
            "form": form,
            "may_plan": actor.holds(Permission.PLAN_BUSINESS, org, plan.body),
            "crumbs": [
                {"href": reverse("organisation", args=[org.code]), "text": org.name},
                {"href": reverse("forward-plan", args=[org.code]), "text": "Forward plan"},
            ],
        },
        form,
    )


# Meetings ----------------------------------------------------------------------------------


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """Meetings to come, every body's, with those this person manages first."""
    actor = Actor.from_user(request.user)
    today = date.today()
    coming = list(
        Meeting.objects.filter(
            starts__date__gte=today,
            status__in=(Meeting.Status.TENTATIVE, Meeting.Status.CONFIRMED),
        )
        .select_related("body__system")
        .order_by("starts")[:200]
    )
    bodies = {m.body for m in coming}
    managed = {b.pk for b in bodies if access.may_manage(actor, b)}
    return render(
        request,
        "meetings/overview.jinja",
        {
            "yours": [m for m in coming if m.body_id in managed],
            "others": [m for m in coming if m.body_id not in managed],
            "section": "meetings",
        },
    )


@GET_POST
def meetings(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    body = get_object_or_404(Body.objects.select_related("system"), system__slug=slug, code=code)
    actor = Actor.from_user(request.user)
    form = forms.MeetingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        meeting = _attempt(
            form,
            lambda: actions.schedule_meeting(
                actor,
                body,
                form.starts(),
                venue=form.cleaned_data["venue"],
                status=form.cleaned_data["status"],
            ),
            {"starts": "day"},
        )
        if meeting is not None:
            messages.info(request, f"The meeting on {meeting.starts:%-d %B %Y} is scheduled.")
            return HttpResponseRedirect(reverse("meeting", args=[meeting.pk]))
    listed = list(body.meetings.order_by("-starts"))
    today = date.today()
    return _page(
        request,
        "meetings/meetings.jinja",
        {
            "body": body,
            "system": body.system,
            "upcoming": [m for m in reversed(listed) if actions.local_day(m.starts) >= today],
            "past": [m for m in listed if actions.local_day(m.starts) < today],
            "form": form,
            "may_manage": access.may_manage(actor, body),
            "crumbs": [
                {"href": reverse("system", args=[slug]), "text": body.system.name},
                {"href": reverse("body", args=[slug, code]), "text": body.name},
            ],
        },
        form,
    )


def _meeting(pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related(
            "body__system", "body__chair__organisation", "body__deputy__organisation"
        ),
        pk=pk,
    )


@GET_POST
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(pk)
    actor = Actor.from_user(request.user)
    if request.method == "POST":
        # The status buttons: confirm, cancel, or record that it was held. A refusal (a
        # meeting not yet started cannot have been held) is a page of its own.
        done = actions.change_meeting(actor, m, status=request.POST.get("status", ""))
        messages.info(request, f"The meeting is {done.get_status_display().lower()}.")
        return HttpResponseRedirect(reverse("meeting", args=[m.pk]))
    return render(
        request,
        "meetings/meeting.jinja",
        {"meeting": presenters.meeting_view(m, actor), "crumbs": _meeting_crumbs(m)},
    )


def _planned_for(m: Meeting) -> list[tuple[str, str]]:
    rows = ForwardPlanItem.objects.filter(
        body=m.body, status=ForwardPlanItem.Status.PLANNED
    ).order_by("due", "reference")
    return [(str(p.pk), f"{p.reference}: {p.title} (due {p.due:%-d %B %Y})") for p in rows]


@GET_POST
def agenda(request: HttpRequest, pk: int) -> HttpResponse:
    """The clerk's agenda: add items from the forward plan or by hand, order them, mark them
    exempt, withdraw them, and publish the agenda."""
    m = _meeting(pk)
    actor = Actor.from_user(request.user)
    if not access.may_manage(actor, m.body):
        raise NotPermitted(f"Only those who manage {m.body.name}'s meetings build its agenda.")
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form", "") if posted else ""
    council = actions.council_owned(m.body)
    from_plan = forms.FromPlanForm(
        posted if which == "plan" else None, planned=_planned_for(m), prefix="plan"
    )
    by_hand = forms.AddItemForm(posted if which == "item" else None, prefix="item", council=council)
    publish = forms.PublishForm(posted if which == "publish" else None, prefix="publish")
    if posted is not None:
        done: Any = None
        if which == "plan" and from_plan.is_valid():
            plan = ForwardPlanItem.objects.filter(
                pk=_int(from_plan.cleaned_data["plan_item"])
            ).first()
            done = _attempt(
                from_plan,
                lambda: actions.add_agenda_item(
                    actor,
                    m,
                    actions.ItemIn(
                        plan_item=plan,
                        urgency_reason=from_plan.cleaned_data["urgency_reason"],
                        chair_agreed=from_plan.cleaned_data["chair_agreed"],
                    ),
                ),
            )
        elif which == "item" and by_hand.is_valid():
            data = by_hand.cleaned_data
            done = _attempt(
                by_hand,
                lambda: actions.add_agenda_item(
                    actor,
                    m,
                    actions.ItemIn(
                        title=data["title"],
                        kind=data["kind"],
                        summary=data["summary"],
                        presenter=data["presenter"],
                        exempt=data["exempt"],
                        exemption_paragraph=by_hand.paragraph(),
                        exemption_reason=by_hand.reason(),
                        public_interest=by_hand.interest_test(),
                        urgency_reason=data["urgency_reason"],
                        chair_agreed=data["chair_agreed"],
                    ),
                ),
            )
        elif which == "publish" and publish.is_valid():
            done = _attempt(
                publish,
                lambda: actions.publish_agenda(
                    actor, m, late_reason=publish.cleaned_data["late_reason"]
                ),
            )
        elif which in ("up", "down", "withdraw"):
            item = get_object_or_404(AgendaItem, meeting=m, pk=_int(request.POST.get("item", "")))
            if which == "withdraw":
                done = actions.withdraw_agenda_item(actor, item)
                messages.info(request, f"Item {item.number}, {item.title}, is withdrawn.")
            else:
                done = actions.move_agenda_item(actor, item, up=which == "up")
                messages.info(request, f"{item.title} is now item {done.number}.")
            # Back to the item moved, not the top of the page.
            return HttpResponseRedirect(reverse("agenda", args=[m.pk]) + f"#agenda-{item.pk}")
        if done is not None:
            said = {
                "plan": "The item from the forward plan is on the agenda.",
                "item": "The item is on the agenda.",
                "publish": "The agenda and its papers are published.",
            }
            messages.info(request, said.get(which, "The agenda is updated."))
            return HttpResponseRedirect(reverse("agenda", args=[m.pk]))
    return _page(
        request,
        "meetings/agenda.jinja",
        {
            "meeting": presenters.meeting_view(m, actor),
            "from_plan": from_plan,
            "by_hand": by_hand,
            "publish": publish,
            "crumbs": [
                *_meeting_crumbs(m),
                {"href": reverse("meeting", args=[m.pk]), "text": str(m)},
            ],
        },
        from_plan,
        by_hand,
        publish,
    )


@GET_POST
def item(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """An agenda item: its papers (withheld from those outside the body when it is exempt),
    uploading a paper or a new version, and marking it exempt."""
    m = _meeting(pk)
    agenda_item = get_object_or_404(AgendaItem, meeting=m, number=number)
    actor = Actor.from_user(request.user)
    manage = access.may_manage(actor, m.body)
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form", "") if posted else ""
    upload = forms.UploadForm(
        posted if which == "upload" else None,
        request.FILES if which == "upload" else None,
        prefix="upload",
    )
    exempt = forms.ExemptForm(
        posted if which == "exempt" else None,
        prefix="exempt",
        council=actions.council_owned(m.body),
        initial={
            "exempt": agenda_item.exempt,
            "exemption_paragraph": agenda_item.exemption_paragraph or "",
            "exemption_reason": agenda_item.exemption_reason,
            "public_interest": agenda_item.public_interest,
        },
    )
    if posted is not None:
        done: Any = None
        if which == "upload" and upload.is_valid():
            paper = None
            if request.POST.get("paper"):
                paper = get_object_or_404(Paper, item=agenda_item, pk=_int(request.POST["paper"]))
            received = upload.cleaned_data["file"]
            done = _attempt(
                upload,
                lambda: actions.upload_paper(
                    actor,
                    agenda_item,
                    received.name or "paper",
                    received.read(),
                    title=upload.cleaned_data["title"],
                    paper=paper,
                ),
            )
        elif which == "exempt" and exempt.is_valid():
            done = _attempt(
                exempt,
                lambda: actions.mark_exempt(
                    actor,
                    agenda_item,
                    exempt=exempt.cleaned_data["exempt"],
                    paragraph=exempt.paragraph(),
                    reason=exempt.reason(),
                    public_interest=exempt.interest_test(),
                ),
                {"paragraph": "exemption_paragraph", "reason": "exemption_reason"},
            )
        if done is not None:
            messages.info(
                request,
                "The paper is uploaded."
                if which == "upload"
                else ("The item is taken in private." if done.exempt else "The item is in public."),
            )
            return HttpResponseRedirect(reverse("agenda-item", args=[m.pk, number]))
    view = presenters.meeting_view(m, actor)
    shown = next(i for i in view.items if i.id == agenda_item.pk)
    return _page(
        request,
        "meetings/item.jinja",
        {
            "meeting": view,
            "item": shown,
            "upload": upload,
            "exempt": exempt,
            "may_manage": manage,
            "crumbs": [
                *_meeting_crumbs(m),
                {"href": reverse("meeting", args=[m.pk]), "text": str(m)},
            ],
        },
        upload,
        exempt,
    )


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_safe
def paper(request: HttpRequest, version: int) -> FileResponse:
    """A version of a paper, as a download. An exempt item's papers are for the body alone:
    to anyone else the paper does not exist (404), as for a version that does not."""
    found = get_object_or_404(
        PaperVersion.objects.select_related("paper__item__meeting__body"), pk=version
    )
    if not presenters.version_for(found, Actor.from_user(request.user)):
        raise Http404
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.filename,
        content_type=CONTENT_TYPES.get(found.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _people_for(m: Meeting) -> list[tuple[str, str]]:
    """Everyone who may be recorded as attending: holders of the system's posts on the day,
    and anyone already recorded."""
    day = actions.local_day(m.starts)
    holders = Person.objects.filter(
        Q(holdings__post__system=m.body.system)
        & in_force(day, "holdings__starts", "holdings__ends")
    )
    recorded = Person.objects.filter(attendance__meeting=m)
    people = (holders | recorded).distinct().order_by("name")
    return [(p.key, p.name) for p in people]


def _posts_for(m: Meeting) -> list[tuple[str, str]]:
    day = actions.local_day(m.starts)
    memberships = (
        BodyMembership.objects.filter(body=m.body)
        .filter(in_force(day))
        .select_related("post__organisation")
        .order_by("kind", "post__title")
    )
    return [
        (
            str(ms.post_id),
            f"{ms.post.title}, {ms.post.organisation.name} ({ms.get_kind_display().lower()})",
        )
        for ms in memberships
    ]


def _items_for(m: Meeting) -> list[tuple[str, str]]:
    return [(str(i.pk), f"{i.number}. {i.title}") for i in m.items.filter(withdrawn=False)]


@dataclass(frozen=True)
class Expected:
    """A row of the attendance grid: a holder of one of the body's posts on the day."""

    index: int
    person: Person
    post: Post
    kind: str
    recorded: Attendance | None


def _expected(m: Meeting) -> list[Expected]:
    day = actions.local_day(m.starts)
    recorded = {a.person_id: a for a in m.attendance.select_related("arrived", "left")}
    rows: list[Expected] = []
    for ms in (
        BodyMembership.objects.filter(body=m.body)
        .filter(in_force(day))
        .select_related("post__organisation")
        .order_by("kind", "post__organisation__name", "post__title")
    ):
        for h in (
            PostHolding.objects.filter(post=ms.post).filter(in_force(day)).select_related("person")
        ):
            rows.append(Expected(len(rows), h.person, ms.post, ms.kind, recorded.get(h.person_id)))
    return rows


def _grid_rows(m: Meeting, expected: list[Expected], data: Any) -> list[actions.AttendanceIn]:
    """The grid's rows that say something: a status chosen, with arrival and departure."""
    items = {str(i.pk): i for i in m.items.all()}
    out = []
    for e in expected:
        status = data.get(f"status-{e.index}", "")
        if status not in Attendance.Status.values:
            continue
        out.append(
            actions.AttendanceIn(
                person=e.person,
                capacity=e.kind,
                status=status,
                post=e.post,
                arrived=items.get(data.get(f"arrived-{e.index}", "")),
                left=items.get(data.get(f"left-{e.index}", "")),
            )
        )
    return out


@GET_POST
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Record attendance: a row for each holder of the body's posts (present, apologies or
    absent, and the items they arrived at or left after), saved together; anyone else (a
    substitute, an officer) is added with the form below it. A row recorded by mistake is
    removed."""
    m = _meeting(pk)
    actor = Actor.from_user(request.user)
    if not access.may_manage(actor, m.body):
        raise NotPermitted(f"Only those who manage {m.body.name}'s meetings record attendance.")
    expected = _expected(m)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    form = forms.AttendanceForm(
        request.POST if which == "other" else None,
        people=_people_for(m),
        posts=_posts_for(m),
        items=_items_for(m),
    )
    grid_problems: list[str] = []
    if which == "remove":
        mistaken = get_object_or_404(
            Attendance, meeting=m, pk=_int(request.POST.get("attendance", ""))
        )
        actions.remove_attendance(actor, mistaken)
        messages.info(request, f"{mistaken.person}'s attendance is removed.")
        return HttpResponseRedirect(reverse("attendance", args=[m.pk]))
    if which == "grid":
        rows = _grid_rows(m, expected, request.POST)
        try:
            with transaction.atomic():
                for row in rows:
                    try:
                        actions.record_attendance(actor, m, row)
                    except NotPermitted:
                        raise
                    except Refused as refused:
                        grid_problems += [f"{row.person}: {p.message}" for p in refused.problems]
                if grid_problems:
                    raise Refused("; ".join(grid_problems))
        except NotPermitted:
            raise
        except Refused:
            pass  # the grid's problems are shown; nothing was saved
        else:
            messages.info(request, f"Attendance is recorded for {len(rows)} people.")
            return HttpResponseRedirect(reverse("attendance", args=[m.pk]))
    if which == "other" and form.is_valid():
        data = form.cleaned_data
        other = actions.AttendanceIn(
            person=get_object_or_404(Person, key=data["person"]),
            capacity=data["capacity"],
            status=data["status"],
            post=Post.objects.filter(pk=_int(data["post"])).first() if data["post"] else None,
            arrived=AgendaItem.objects.filter(meeting=m, pk=_int(data["arrived"])).first()
            if data["arrived"]
            else None,
            left=AgendaItem.objects.filter(meeting=m, pk=_int(data["left"])).first()
            if data["left"]
            else None,
            note=data["note"],
        )
        done = _attempt(form, lambda: actions.record_attendance(actor, m, other))
        if done is not None:
            messages.info(request, f"{other.person}'s attendance is recorded.")
            return HttpResponseRedirect(reverse("attendance", args=[m.pk]))
    status = 400 if grid_problems or (form.is_bound and form.errors) else 200
    return render(
        request,
        "meetings/attendance.jinja",
        {
            "meeting": presenters.meeting_view(m, actor),
            "expected": expected,
            "items": list(m.items.filter(withdrawn=False)),
            "grid_problems": grid_problems,
            "posted": request.POST if which == "grid" else {},
            "form": form,
            "crumbs": [
                *_meeting_crumbs(m),
                {"href": reverse("meeting", args=[m.pk]), "text": str(m)},
            ],
        },
        status=status,
    )


@GET_POST
def declarations(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(pk)
    actor = Actor.from_user(request.user)
    if not access.may_manage(actor, m.body):
        raise NotPermitted(f"Only those who manage {m.body.name}'s meetings record declarations.")
    if request.method == "POST" and request.POST.get("form") == "withdraw":
        found = get_object_or_404(
            Declaration, meeting=m, pk=_int(request.POST.get("declaration", ""))
        )
        actions.withdraw_declaration(actor, found)
        messages.info(request, f"{found.person}'s declaration is removed.")
        return HttpResponseRedirect(reverse("declarations", args=[m.pk]))
    present = Person.objects.filter(
        attendance__meeting=m, attendance__status=Attendance.Status.PRESENT
    ).order_by("name")
    interests = Interest.objects.filter(
        person__in=present, organisation__in=m.body.owners.all()
    ).filter(in_force(actions.local_day(m.starts)))
    form = forms.DeclarationForm(
        request.POST if request.method == "POST" else None,
        people=[(p.key, p.name) for p in present],
        items=_items_for(m),
        # A withheld entry is named by its kind only: its details stay on the register.
        interests=[
            (
                str(i.pk),
                f"{i.person.name}: {i.get_kind_display().lower()} interest"
                + (
                    " (withheld from publication)"
                    if i.withheld
                    else f", {i.counterparty or i.description[:60]}"
                ),
            )
            for i in interests.select_related("person")
        ],
        kinds=list(InterestKind.choices),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = get_object_or_404(Person, key=data["person"])
        d = actions.DeclarationIn(
            person=person,
            items=list(
                AgendaItem.objects.filter(meeting=m, pk__in=[_int(x) for x in data["items"]])
            ),
            ruling=data["ruling"],
            description=data["description"],
            kind=data["kind"],
            interest=interests.filter(pk=_int(data["interest"])).first()
            if data["interest"]
            else None,
            pecuniary=data["pecuniary"],
        )
        done = _attempt(form, lambda: actions.record_declaration(actor, m, d))
        if done is not None:
            messages.info(request, f"{person}'s declaration is recorded.")
            return HttpResponseRedirect(reverse("declarations", args=[m.pk]))
    return _page(
        request,
        "meetings/declarations.jinja",
        {
            "meeting": presenters.meeting_view(m, actor),
            "form": form,
            "crumbs": [
                *_meeting_crumbs(m),
                {"href": reverse("meeting", args=[m.pk]), "text": str(m)},
            ],
        },
        form,
    )


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 19 else 0
