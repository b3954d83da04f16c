"""Asking for a pack. A pack is a rendering of records its reader may already read: asking for
one changes no record of the meeting. So the view decides whether the reader may have the
edition (the access rules of `meetings.access`), and the pack builder, an internal actor acting
for that reader, records the request and queues the build (ADR 13)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from commonweal.core.actions import Actor, action
from commonweal.meetings.models import Meeting

from .models import Pack
from .presenters import PackContent

# A build still waiting or running after this long is taken to have died with its worker.
STALE = timedelta(minutes=15)


def builder(reader: Actor) -> Actor:
    """The internal actor that builds packs, named for the reader who asked."""
    return Actor(label=f"pack builder, for {reader.label}", user=reader.user, internal=True)


def current(meeting: Meeting, content: PackContent) -> Pack | None:
    """The pack of exactly this content: built, being built, or failed; None if there is
    none (or one that has been waiting so long its worker must have died)."""
    found = (
        Pack.objects.filter(
            meeting=meeting,
            edition=content.edition,
            withheld=content.withheld_key,
            fingerprint=content.fingerprint,
        )
        .order_by("-version")
        .first()
    )
    # A build that has waited or run this long died with its worker; one that failed that
    # long ago is tried again (a failure may have been the machine's, not the papers').
    if (
        found is not None
        and found.status != Pack.Status.DONE
        and found.requested < timezone.now() - STALE
    ):
        return None
    return found


def versions(meeting: Meeting, edition: str, withheld: str) -> list[Pack]:
    """Every built version of an edition, newest first; of the public pack, only those that
    withhold every item exempt now."""
    found = Pack.objects.filter(meeting=meeting, edition=edition, status=Pack.Status.DONE)
    if edition == "public":
        return [p for p in found.order_by("-version") if still_public(p)]
    return list(found.filter(withheld=withheld).order_by("-version"))


def still_public(pack: Pack) -> bool:
    """Whether a public pack withholds every item of its meeting that is exempt now: an item
    marked exempt after a version was built takes that version out of the public's reach."""
    exempt = set(pack.meeting.items.filter(exempt=True).values_list("pk", flat=True))
    return exempt <= {int(x) for x in pack.withheld.split(",") if x}


@action("packs.request", internal_only=True)
def request_pack(actor: Actor, meeting: Meeting, content: PackContent, *, site: str) -> Pack:
    """The pack of this content, queued to be built unless it already is (a new version)."""
    # One request at a time for a meeting, so two readers never make two versions of the same.
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    existing = current(meeting, content)
    if existing is not None:
        return existing
    # Numbered through the edition, whatever each version withholds.
    latest = Pack.objects.filter(meeting=meeting, edition=content.edition).aggregate(
        n=Max("version")
    )["n"]
    pack = Pack.objects.create(
        meeting=meeting,
        edition=content.edition,
        withheld=content.withheld_key,
        version=(latest or 0) + 1,
        fingerprint=content.fingerprint,
        site=site,
        requested_by=actor.label,
    )
    actor.record(
        "pack",
        str(pack.pk),
        f"{pack} asked for",
        after={"edition": pack.edition, "withheld": pack.withheld, "version": pack.version},
    )
    from .tasks import build_pack

    transaction.on_commit(lambda: build_pack.enqueue(pack.pk))
    return pack
