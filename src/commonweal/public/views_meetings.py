"""Public pages of meetings: bodies, the calendar, agendas with their public papers, approved
minutes, iCalendar feeds and the meetings' downloads. Everything shown comes from
`commonweal.public.meetings`; a bad parameter is a 4xx that names it."""

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

import icalendar
from django.contrib.auth.decorators import login_not_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
)
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from commonweal.core.pdf import render_pdf
from commonweal.core.views import error_page
from commonweal.governance.models import Body
from commonweal.meetings.models import Meeting
from commonweal.meetings.views import CONTENT_TYPES
from commonweal.packs import views as packs
from commonweal.packs.actions import still_public
from commonweal.packs.models import Edition, Pack
from commonweal.public import meetings as presenters
from commonweal.public.downloads import csv_download, json_list_download
from commonweal.registry.models import System


def public_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Open to all, read only; a parameter that cannot be read answers its status, naming it."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except presenters.BadParameter as bad:
            return error_page(
                request,
                bad.status,
                "There is a problem with the request" if bad.status == 400 else "Page not found",
                f"The parameter '{bad.name}': {bad.message}.",
            )

    return login_not_required(require_safe(wrapped))


def _body(slug: str, code: str) -> Body:
    found = presenters.find_body(slug, code)
    if found is None:
        raise Http404
    return found


def _meeting(pk: int) -> Meeting:
    found = presenters.find_meeting(pk)
    if found is None:
        raise Http404
    return found


@public_page
def meetings(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/meetings/index.jinja",
        {"systems": presenters.bodies_by_system(date.today())},
    )


@public_page
def calendar(request: HttpRequest) -> HttpResponse:
    # An empty choice is every system, as the form's first option offers.
    slug = request.GET.get("system") or None
    system = None
    if slug is not None:
        system = System.objects.filter(slug=slug).first()
        if system is None:
            raise presenters.BadParameter("system", f"there is no system '{slug[:60]}'")
    shown = presenters.strict_page(
        request,
        presenters.calendar_meetings(timezone.now(), system),
        presenters.PublicMeetingRow.of,
    )
    return render(
        request,
        "public/meetings/calendar.jinja",
        {
            "months": presenters.by_month(shown.rows),
            "shown": shown,
            "system": system.name if system else None,
            "systems": list(System.objects.order_by("name").values_list("slug", "name")),
        },
    )


@public_page
def body(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    b = _body(slug, code)
    coming, past = presenters.coming_and_past(b, timezone.now())
    return render(
        request,
        "public/meetings/body.jinja",
        {
            "body": presenters.body(b),
            "coming": presenters.strict_page(
                request, coming, presenters.PublicMeetingRow.of, param="coming"
            ),
            "past": presenters.strict_page(request, past, presenters.PublicMeetingRow.of),
        },
    )


@public_page
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(pk)
    shown = presenters.meeting(m, timezone.now())
    return render(
        request,
        "public/meetings/meeting.jinja",
        {
            "meeting": shown,
            # The pages items start on in the public pack, once it is built as the agenda is.
            "pack_pages": packs.pages_of(request, m, packs.public_reading(m))
            if shown.agenda_public and shown.items
            else {},
        },
    )


@public_page
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(pk)
    approved = presenters.approved_minutes(m)
    if not approved:
        raise Http404
    return render(
        request,
        "public/meetings/minutes.jinja",
        {"meeting": presenters.PublicMeetingRow.of(m), "minutes": approved},
    )


@public_page
def paper(request: HttpRequest, pk: int) -> FileResponse:
    """A public paper, as a download. Any other (exempt, withdrawn, not yet published) does
    not exist to the public: 404, as for a version that does not exist."""
    found = presenters.public_version(pk, timezone.now())
    if found is None:
        raise Http404
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=presenters.download_name(found),
        content_type=CONTENT_TYPES.get(found.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Packs and minutes as PDF ------------------------------------------------------------------


def _public_reading(m: Meeting) -> packs.Reading:
    if not presenters.agenda_public(m, timezone.now()):
        raise Http404
    return packs.public_reading(m)


@public_page
def pack(request: HttpRequest, pk: int) -> HttpResponse:
    """The public pack: built when first asked for after the agenda or a paper changed."""
    m = _meeting(pk)
    return packs.show(request, m, _public_reading(m), public=True)


@public_page
def pack_status(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(pk)
    return packs.status(request, m, _public_reading(m), public=True)


@public_page
def pack_file(request: HttpRequest, pk: int) -> FileResponse:
    """A built version of a public pack; a members' pack does not exist here (404)."""
    found = Pack.objects.filter(pk=pk, edition=Edition.PUBLIC, status=Pack.Status.DONE).first()
    if (
        found is None
        or not presenters.agenda_public(found.meeting, timezone.now())
        or not still_public(found)
    ):
        raise Http404
    return packs.download(found)


@public_page
def minutes_pdf(request: HttpRequest, pk: int, minutes_id: int) -> HttpResponse:
    """Approved minutes as a tagged PDF (PDF/UA), with the meeting's decisions, declarations
    and actions."""
    m = _meeting(pk)
    record = presenters.minutes_record(m, minutes_id, timezone.now())
    if record is None:
        raise Http404
    response = HttpResponse(
        render_pdf("public/meetings/minutes_pdf.jinja", {"record": record}),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = (
        f'inline; filename="{m.body.code}-{record.meeting.starts:%Y-%m-%d}-minutes.pdf"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# iCalendar ----------------------------------------------------------------------------------

ICAL_STATUS: dict[str, str] = {
    Meeting.Status.TENTATIVE: "TENTATIVE",
    Meeting.Status.CONFIRMED: "CONFIRMED",
    Meeting.Status.HELD: "CONFIRMED",
    Meeting.Status.CANCELLED: "CANCELLED",
}


def _calendar(request: HttpRequest, name: str, rows: Iterable[Meeting]) -> HttpResponse:
    now = timezone.now()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Commonweal//Public register//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    days = []
    for m in rows:
        row = presenters.PublicMeetingRow.of(m)
        starts = timezone.localtime(m.starts)
        days.append(starts.date())
        event = icalendar.Event()
        # The meeting's id and the site's host: the same meeting keeps its UID in every feed.
        event.add("uid", f"meeting-{m.pk}@{request.get_host()}")
        event.add("dtstamp", now)
        event.add("dtstart", starts)
        event.add("dtend", starts + presenters.MEETING_LENGTH)
        event.add("summary", row.body.name)
        if m.venue:
            event.add("location", m.venue)
        event.add("url", request.build_absolute_uri(reverse("public-meeting", args=[m.pk])))
        event.add("status", ICAL_STATUS.get(m.status, "TENTATIVE"))
        event.add("description", f"{row.body.name}: {row.status_label.lower()}.")
        cal.add_component(event)
    if days:
        # Europe/London's rules for the span the feed covers, not every year since 1970.
        cal.add_missing_timezones(
            first_date=min(days).replace(month=1, day=1),
            last_date=max(days).replace(month=12, day=31),
        )
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="meetings.ics"'
    return response


@public_page
def meetings_ics(request: HttpRequest) -> HttpResponse:
    return _calendar(request, "Meetings – Commonweal", presenters.feed_meetings(timezone.now()))


@public_page
def body_ics(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    b = _body(slug, code)
    return _calendar(request, f"{b.name} – meetings", presenters.feed_meetings(timezone.now(), b))


# Downloads ----------------------------------------------------------------------------------


def _csv(name: str, fields: tuple[str, ...], rows: Iterator[dict[str, Any]]) -> HttpResponseBase:
    return csv_download(name, fields, ([r.get(f) for f in fields] for r in rows))


def _json(name: str, rows: Iterator[dict[str, Any]]) -> HttpResponseBase:
    return json_list_download(name, (json.dumps(r, ensure_ascii=False) for r in rows))


@public_page
def meetings_csv(request: HttpRequest) -> HttpResponseBase:
    return _csv(
        "meetings.csv",
        presenters.MEETING_FIELDS,
        presenters.meeting_records(request.build_absolute_uri),
    )


@public_page
def meetings_json(request: HttpRequest) -> HttpResponseBase:
    return _json("meetings.json", presenters.meeting_records(request.build_absolute_uri))


@public_page
def agenda_csv(request: HttpRequest) -> HttpResponseBase:
    return _csv(
        "agenda-items.csv", presenters.AGENDA_FIELDS, presenters.agenda_records(timezone.now())
    )


@public_page
def agenda_json(request: HttpRequest) -> HttpResponseBase:
    return _json("agenda-items.json", presenters.agenda_records(timezone.now()))


urlpatterns = [
    path("meetings/", meetings, name="public-meetings"),
    path("meetings/calendar/", calendar, name="public-calendar"),
    path("meetings/<int:pk>/", meeting, name="public-meeting"),
    path("meetings/<int:pk>/minutes/", minutes, name="public-minutes"),
    path("papers/<int:pk>/", paper, name="public-paper"),
    path("meetings/<int:pk>/pack/", pack, name="public-pack"),
    path("meetings/<int:pk>/pack/status/", pack_status, name="public-pack-status"),
    path("packs/<int:pk>/", pack_file, name="public-pack-file"),
    path("meetings/<int:pk>/minutes/<int:minutes_id>/pdf/", minutes_pdf, name="public-minutes-pdf"),
    path("systems/<slug:slug>/bodies/<str:code>/", body, name="public-body"),
    path("systems/<slug:slug>/bodies/<str:code>/meetings.ics", body_ics, name="public-body-ics"),
    path("meetings.ics", meetings_ics, name="public-meetings-ics"),
    path("meetings.csv", meetings_csv, name="public-meetings-csv"),
    path("meetings.json", meetings_json, name="public-meetings-json"),
    path("agenda-items.csv", agenda_csv, name="public-agenda-csv"),
    path("agenda-items.json", agenda_json, name="public-agenda-json"),
]
