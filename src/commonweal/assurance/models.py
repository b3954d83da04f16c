"""Assurance: a system's framework (versions of a YAML document), the assessments of each
period (what the data showed, kept as it was), the exceptions they raise with their responses,
and the quality concerns places record about providers.

An assessment never changes: assessing a period again (new data, a correction) is a new
assessment, and the report shows the latest. An exception is the run of periods in which the
data triggers one line for one subject; its responses are records that never change, the
latest being the one in force, and they carry with it from period to period.
"""

from typing import Any

from django.db import models

from commonweal.core.models import Immutable, Organisation
from commonweal.registry.models import Area, System


class Framework(models.Model):
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(
        "FrameworkVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["system", "code"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="one_assurance_framework")
        ]

    def __str__(self) -> str:
        return self.name


class FrameworkVersion(Immutable):
    """A loaded version of the framework's document, with its provenance and what it says
    (`content`: the checked document as data)."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    path = models.CharField(max_length=300)
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    content = models.JSONField()
    written_by = models.CharField(max_length=200)
    checked_by = models.CharField(max_length=200)
    review_date = models.DateField()
    source = models.TextField(blank=True, default="")
    illustrative = models.BooleanField(default=False)
    loaded = models.DateTimeField(auto_now_add=True)
    loaded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["framework", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "number"], name="one_assurance_framework_version"
            )
        ]


class Assessment(Immutable):
    """What the framework's data showed for one scope (the system, or a place) in one period,
    as it was when assessed: `content` holds each domain's lines and the exceptions."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="assessments")
    scope = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=20)  # its slug: 2020-21-q4
    period_start = models.DateField()
    period_end = models.DateField()
    content = models.JSONField()
    exceptions = models.PositiveIntegerField()
    assessed = models.DateTimeField(auto_now_add=True)
    assessed_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["framework", "-period_end", "scope", "-id"]
        indexes = [models.Index(fields=["framework", "scope", "period"])]


class AssuranceException(models.Model):
    """One line's exception for one subject (a provider, an area, a budget line, a pool, a
    concern), from the period the data first triggered it until the period it no longer did."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="exceptions")
    scope = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    line = models.CharField(max_length=60)
    subject = models.CharField(max_length=120)  # what the line is about: "RBZ", "org:15N"
    subject_label = models.CharField(max_length=300)
    domain = models.CharField(max_length=20)
    opened = models.CharField(max_length=20)  # period slugs
    opened_end = models.DateField()
    last = models.CharField(max_length=20)
    last_end = models.DateField()
    closed = models.CharField(max_length=20, blank=True, default="")
    closed_end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["framework", "scope", "domain", "line", "subject", "-opened_end"]
        indexes = [models.Index(fields=["framework", "scope", "line", "subject"])]

    def __str__(self) -> str:
        return f"{self.line}: {self.subject_label}"

    @property
    def key(self) -> tuple[str, str]:
        return (self.line, self.subject)


class Occurrence(Immutable):
    """An exception as one assessment found it: why the data triggers it."""

    exception = models.ForeignKey(
        AssuranceException, on_delete=models.PROTECT, related_name="occurrences"
    )
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="occurrences")
    reasons = models.JSONField()  # sentences, one a rule that triggered it

    class Meta:
        ordering = ["exception", "assessment"]


class Response(Immutable):
    """The owner's response to an exception and the actions with their due dates; a new
    response replaces the one before (both kept)."""

    exception = models.ForeignKey(
        AssuranceException, on_delete=models.PROTECT, related_name="responses"
    )
    period = models.CharField(max_length=20)  # the period it was given in
    owner = models.CharField(max_length=200)
    response = models.TextField()
    # [{"action": str, "owner": str, "due": "YYYY-MM-DD"}]
    actions = models.JSONField(default=list, blank=True)
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["exception", "-recorded", "-id"]


class QualityConcern(models.Model):
    """A concern a place records about a provider's quality or safety. Once closed it stays
    closed; a concern that returns is a new one."""

    class Severity(models.TextChoices):
        LOW = "low", "Low"
        MODERATE = "moderate", "Moderate"
        HIGH = "high", "High"
        SEVERE = "severe", "Severe"

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=200)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    description = models.TextField()
    actions = models.TextField(blank=True, default="")
    raised_on = models.DateField()
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)
    closed_on = models.DateField(null=True, blank=True)
    closing_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["system", "-raised_on", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["system", "reference"], name="one_concern_reference")
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        from commonweal.core.models import ImmutableRecord

        raise ImmutableRecord("A quality concern is kept: close it instead")
