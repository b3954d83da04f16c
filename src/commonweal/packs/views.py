"""A meeting's pack: its page (progress while it is built, then the download and the agenda with
the pack's page numbers, and earlier versions), a progress answer for the page to poll, and
the PDF. The public pages (`public.views_meetings`) show the public pack through `show`."""

from dataclasses import dataclass
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from commonweal.core.actions import Actor
from commonweal.meetings import access
from commonweal.meetings.actions import local_day
from commonweal.meetings.models import Declaration, Meeting

from . import actions, presenters
from .models import Edition, Pack


@dataclass(frozen=True)
class Reading:
    """The edition a reader gets, and the items it leaves out for them."""

    edition: str
    withheld: tuple[int, ...]


def reading_for(actor: Actor, meeting: Meeting) -> Reading | None:
    """The members' pack for the body (less exempt items the reader declared a conflict on);
    the public pack for anyone once the agenda is public; nothing before that."""
    body = meeting.body
    if access.may_see_exempt(actor, body, local_day(meeting.starts), meeting):
        conflicts: list[int] = []
        if actor.person is not None and not access.may_manage(actor, body):
            conflicts = list(
                Declaration.items.through.objects.filter(
                    declaration__meeting=meeting,
                    declaration__person=actor.person,
                    declaration__ruling__in=("withdraw", "no_part"),
                ).values_list("agendaitem_id", flat=True)
            )
        return Reading(Edition.FULL, presenters.withheld_for(meeting, Edition.FULL, conflicts))
    if access.agenda_public(meeting, timezone.now()):
        return public_reading(meeting)
    return None


def public_reading(meeting: Meeting) -> Reading:
    return Reading(Edition.PUBLIC, presenters.withheld_for(meeting, Edition.PUBLIC))


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def pack_for(request: HttpRequest, meeting: Meeting, reading: Reading) -> tuple[Pack, Any]:
    """The pack of the meeting as it stands for this reading, asked for if it is not built."""
    site = _site(request)
    content = presenters.content(
        meeting, reading.edition, reading.withheld, site, local_day(timezone.now())
    )
    pack = actions.current(meeting, content)
    if pack is None:
        pack = actions.request_pack(
            actions.builder(Actor.from_user(request.user)), meeting, content, site=site
        )
    return pack, content


def pages_of(request: HttpRequest, meeting: Meeting, reading: Reading) -> dict[int, int]:
    """The page each item starts on in the pack of the meeting as it stands, if it is built
    (item number: page); nothing otherwise. Asks for no build."""
    latest = (
        Pack.objects.filter(meeting=meeting, edition=reading.edition, status=Pack.Status.DONE)
        .only("pk")
        .first()
    )
    if latest is None:  # one query for a meeting with no pack yet
        return {}
    content = presenters.content(
        meeting, reading.edition, reading.withheld, _site(request), local_day(timezone.now())
    )
    pack = actions.current(meeting, content)
    if pack is None or pack.status != Pack.Status.DONE:
        return {}
    return {row["number"]: row["page"] for row in pack.index}


def show(request: HttpRequest, meeting: Meeting, reading: Reading, *, public: bool) -> HttpResponse:
    pack, content = pack_for(request, meeting, reading)
    names = {
        "status": "public-pack-status" if public else "meeting-pack-status",
        "file": "public-pack-file" if public else "pack-file",
    }
    pages = {row["id"]: row["page"] for row in pack.index} if pack.status == "done" else {}
    paper_pages = (
        {p["version"]: p["page"] for row in pack.index for p in row["papers"]}
        if pack.status == "done"
        else {}
    )
    return render(
        request,
        "packs/pack.jinja",
        {
            "base": "public/base.jinja" if public else "base.jinja",
            "public": public,
            "meeting": meeting,
            "pack": pack,
            "content": content,
            "pages": pages,
            "paper_pages": paper_pages,
            "status_url": reverse(names["status"], args=[meeting.pk]),
            "file_name": names["file"],
            "earlier": [
                v
                for v in actions.versions(meeting, reading.edition, content.withheld_key)
                if v.pk != pack.pk
            ],
            "public_pack": not public
            and reading.edition == Edition.FULL
            and access.agenda_public(meeting, timezone.now()),
        },
    )


def status(
    request: HttpRequest, meeting: Meeting, reading: Reading, *, public: bool
) -> JsonResponse:
    pack, _ = pack_for(request, meeting, reading)
    return JsonResponse(
        {
            "status": pack.status,
            "stage": pack.stage,
            "done": pack.done,
            "total": pack.total,
            "version": pack.version,
            "error": pack.error,
        }
    )


def download(pack: Pack) -> FileResponse:
    response = FileResponse(
        pack.file.open("rb"),
        as_attachment=False,
        filename=f"{pack.meeting.body.code}-{local_day(pack.meeting.starts)}-"
        f"{'public-pack' if pack.edition == Edition.PUBLIC else 'members-pack'}-v{pack.version}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    if pack.edition != Edition.PUBLIC:
        response["Cache-Control"] = "private, no-store"
    return response


# Pages for signed-in people ---------------------------------------------------------------------


def _meeting(pk: int) -> Meeting:
    return get_object_or_404(Meeting.objects.select_related("body__system"), pk=pk)


def _reading(request: HttpRequest, meeting: Meeting) -> Reading:
    reading = reading_for(Actor.from_user(request.user), meeting)
    if reading is None:
        # Before publication, the pack is for the body alone.
        raise Http404
    return reading


@require_safe
def meeting_pack(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(pk)
    return show(request, m, _reading(request, m), public=False)


@require_safe
def meeting_pack_status(request: HttpRequest, pk: int) -> JsonResponse:
    m = _meeting(pk)
    return status(request, m, _reading(request, m), public=False)


@require_safe
def pack_file(request: HttpRequest, pk: int) -> FileResponse:
    """A built pack: the public edition to anyone once its agenda is public; a members' pack
    to those who may read it, and only the variant that leaves out what they may not read."""
    pack = get_object_or_404(
        Pack.objects.select_related("meeting__body"), pk=pk, status=Pack.Status.DONE
    )
    reading = reading_for(Actor.from_user(request.user), pack.meeting)
    if reading is None:
        raise Http404
    if pack.edition == Edition.FULL and (
        reading.edition != Edition.FULL
        or not set(reading.withheld) <= {int(x) for x in pack.withheld.split(",") if x}
    ):
        raise Http404
    return download(pack)


urlpatterns = [
    path("meetings/<int:pk>/pack/", meeting_pack, name="meeting-pack"),
    path("meetings/<int:pk>/pack/status/", meeting_pack_status, name="meeting-pack-status"),
    path("packs/<int:pk>/", pack_file, name="pack-file"),
]
