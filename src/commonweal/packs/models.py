"""A meeting's pack: one PDF of its cover, agenda, each item's cover sheet and papers.

A pack is built from the meeting's record as it stands; its `fingerprint` is the digest of
everything it shows, so a pack is rebuilt only when a paper or the agenda changes. Each build
of a different content is a new version of that edition; earlier versions are kept, and a
built pack never changes.
"""

from typing import Any

from django.db import models

from commonweal.core.models import ImmutableRecord
from commonweal.meetings.models import Meeting


class Edition(models.TextChoices):
    PUBLIC = "public", "Public pack"
    FULL = "full", "Members' pack"


def pack_path(pack: "Pack", filename: str) -> str:
    return f"packs/{pack.meeting_id}/{pack.edition}-{pack.fingerprint[:16]}-v{pack.version}.pdf"


class Pack(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting to be built"
        BUILDING = "building", "Being built"
        DONE = "done", "Built"
        FAILED = "failed", "Failed"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="packs")
    edition = models.CharField(max_length=8, choices=Edition.choices)
    # The agenda items whose report and papers this pack leaves out: every exempt item in the
    # public pack; in a members' pack, exempt items a member declared a conflict on.
    # As agenda item ids, in order, separated by commas ("" when nothing is withheld).
    withheld = models.CharField(max_length=500, blank=True, default="")
    version = models.PositiveIntegerField()
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    stage = models.CharField(max_length=100, blank=True, default="")
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=pack_path, max_length=200, blank=True)
    pages = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    # Where each item and paper starts: [{"number", "page", "papers": [{"id", "page"}]}].
    index = models.JSONField(default=list, blank=True)
    # The site's address when it was asked for: links to papers in the pack use it.
    site = models.CharField(max_length=200)
    requested = models.DateTimeField(auto_now_add=True)
    requested_by = models.CharField(max_length=150)
    built = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    peak_kb = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["meeting", "edition", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "edition", "withheld", "version"], name="one_pack_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_edition_display()} for {self.meeting}, version {self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = Pack.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == Pack.Status.DONE:
                raise ImmutableRecord("A built pack never changes: a change builds a new version")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRecord("Packs are kept: a change builds a new version")
