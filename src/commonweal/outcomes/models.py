"""Outcomes: indicators and their definitions, a system's outcomes framework, indicator values
by area and period with their statistics, population estimates, deprivation, and time series
for statistical process control.

Definitions come from YAML documents. Each load is kept as an immutable version with its
provenance (who wrote it, who checked it, when it is due for review), and an indicator points at
its definition in force. A framework is a system's: its outcomes, and the indicators that
measure each, with local targets.

Values are data, not decisions: a new release of an indicator's data replaces the values it
covers, and the import is recorded in the audit log. Each value keeps the figures a Fingertips
file carries, so that a file read in is written out again unchanged. Comparisons are stored
without polarity (higher, similar, lower than the benchmark); the indicator's polarity reads
them as better or worse when they are shown.
"""

from typing import Any

from django.db import models

from commonweal.core.models import Immutable, Organisation, Person
from commonweal.registry.models import System

from .rules import METHODS, POLARITIES, SIGNIFICANCE_LEVELS


class DefinitionDocument(Immutable):
    """A definitions or framework document as loaded: its text and its provenance."""

    class Kind(models.TextChoices):
        INDICATORS = "indicators", "Indicator definitions"
        FRAMEWORK = "framework", "Outcomes framework"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=300)
    path = models.CharField(max_length=300, blank=True, default="")
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    written_by = models.CharField(max_length=200)
    checked_by = models.CharField(max_length=200)
    review_date = models.DateField()
    source = models.TextField(blank=True, default="")
    illustrative = models.BooleanField(default=False)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-loaded_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """An indicator: its identity (the code) and the definition in force."""

    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=300)
    definition = models.TextField()
    polarity = models.CharField(max_length=20, choices=[(p, p) for p in POLARITIES])
    unit = models.CharField(max_length=40)
    method = models.CharField(max_length=20, choices=[(m, m) for m in METHODS])
    multiplier = models.FloatField(default=100)
    source = models.CharField(max_length=300)
    frequency = models.CharField(max_length=40)
    significance = models.CharField(max_length=5, choices=[(s, s) for s in SIGNIFICANCE_LEVELS])
    benchmark = models.CharField(max_length=20, default="E92000001")
    target = models.FloatField(null=True, blank=True)
    fingertips_id = models.CharField(max_length=20, blank=True, default="", db_index=True)
    qof_register = models.CharField(max_length=10, blank=True, default="")
    qof_list_type = models.CharField(max_length=10, blank=True, default="")
    # The organisation whose analysts keep the indicator's data; national indicators (None)
    # are kept from the command line only.
    owner = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        "IndicatorVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IndicatorVersion(Immutable):
    """An indicator's definition as one document gave it."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.ForeignKey(DefinitionDocument, on_delete=models.PROTECT, related_name="+")
    definition: Any = models.JSONField()

    class Meta:
        ordering = ["indicator", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "number"], name="one_indicator_version")
        ]


class Framework(models.Model):
    """A system's strategic outcomes framework: the version in force is the latest."""

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="frameworks")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    version = models.ForeignKey(
        "FrameworkVersion", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["system", "name"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="one_framework_code")
        ]

    def __str__(self) -> str:
        return self.name


class FrameworkVersion(Immutable):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.ForeignKey(DefinitionDocument, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["framework", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="one_framework_version")
        ]


class Outcome(Immutable):
    version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="outcomes")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["version", "position"]


class OutcomeIndicator(Immutable):
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="measures")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")
    target = models.FloatField(null=True, blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["outcome", "position"]


class Value(models.Model):
    """An indicator's value for an area, period and breakdown, with its statistics.

    The area is named by its ODS or ONS code (a practice, PCN, CCG, STP, region, England) or,
    for a system's own areas (its places, its system), by "<system slug>.<area code>".
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    area_code = models.CharField(max_length=80)
    area_name = models.CharField(max_length=300)
    area_type = models.CharField(max_length=80)
    # The area type as a Fingertips file named it ("GPs", "PCNs (v. 12/10/22)"), kept for
    # writing the file out again; `area_type` is ours (GP practice, PCN, CCG, ...).
    area_type_label = models.CharField(max_length=80, blank=True, default="")
    # Likewise the indicator's name as the file gave it.
    indicator_name = models.CharField(max_length=300, blank=True, default="")
    parent_code = models.CharField(max_length=80, blank=True, default="")
    parent_name = models.CharField(max_length=300, blank=True, default="")
    sex = models.CharField(max_length=20, default="Persons")
    age = models.CharField(max_length=40, default="All ages")
    category_type = models.CharField(max_length=100, blank=True, default="")
    category = models.CharField(max_length=200, blank=True, default="")
    period = models.CharField(max_length=40)
    period_sortable = models.CharField(max_length=20, blank=True, default="")
    period_range = models.CharField(max_length=20, blank=True, default="")
    value = models.FloatField(null=True, blank=True)
    lower95 = models.FloatField(null=True, blank=True)
    upper95 = models.FloatField(null=True, blank=True)
    lower998 = models.FloatField(null=True, blank=True)
    upper998 = models.FloatField(null=True, blank=True)
    count = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    value_note = models.CharField(max_length=300, blank=True, default="")
    # The trend a Fingertips file gave (written out again as given), and ours: the chi-squared
    # test for trend on the last five points, where the file gave none.
    recent_trend = models.CharField(max_length=100, blank=True, default="")
    computed_trend = models.CharField(max_length=100, blank=True, default="")
    # Against the indicator's benchmark (England), without polarity: Higher, Similar, Lower,
    # Not compared; and the words a Fingertips file gave, kept for writing it out again.
    compared95 = models.CharField(max_length=20, blank=True, default="")
    compared998 = models.CharField(max_length=20, blank=True, default="")
    compared_england = models.CharField(max_length=100, blank=True, default="")
    compared_parent = models.CharField(max_length=100, blank=True, default="")
    parent_label = models.CharField(max_length=100, blank=True, default="")
    new_data = models.CharField(max_length=40, blank=True, default="")
    compared_to_goal = models.CharField(max_length=100, blank=True, default="")
    # For an area aggregated from its member practices: the practices used.
    practices: Any = models.JSONField(default=list, blank=True)
    # Withheld on public pages though its own count is not small: shown, it would let a
    # suppressed count be worked out from a total (see suppression.py).
    withheld_as_complement = models.BooleanField(default=False)
    source = models.CharField(max_length=100)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "area_type", "area_code", "period_sortable"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "indicator",
                    "area_code",
                    "sex",
                    "age",
                    "category_type",
                    "category",
                    "period",
                ],
                name="one_value",
            )
        ]
        indexes = [
            models.Index(fields=["area_code", "indicator"]),
            models.Index(fields=["indicator", "area_type", "period_sortable"]),
            models.Index(fields=["parent_code", "area_type"]),
        ]


class PopulationEstimate(models.Model):
    """A population by sex and age band (ONS mid-year estimates and projections)."""

    area_code = models.CharField(max_length=20)
    area_name = models.CharField(max_length=200)
    area_type = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=10)
    age_band = models.CharField(max_length=20)
    age_from = models.PositiveSmallIntegerField()
    population = models.PositiveIntegerField()
    projected = models.BooleanField(default=False)
    source = models.CharField(max_length=200)

    class Meta:
        ordering = ["area_code", "year", "sex", "age_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "year", "sex", "age_band"], name="one_population_band"
            )
        ]


class Deprivation(models.Model):
    """An area's Index of Multiple Deprivation score and decile (IMD 2019, practice-weighted)."""

    area_code = models.CharField(max_length=20, unique=True)
    score = models.FloatField()
    decile = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=200)


class Series(models.Model):
    """A time series for statistical process control (for example a trust's A&E attendances)."""

    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=300)
    organisation_code = models.CharField(max_length=20, db_index=True)
    organisation_name = models.CharField(max_length=200, blank=True, default="")
    measure = models.CharField(max_length=40)
    unit = models.CharField(max_length=40)
    improvement = models.CharField(
        max_length=10, choices=[(i, i) for i in ("increase", "decrease", "neutral")]
    )
    target = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=300)

    class Meta:
        ordering = ["organisation_code", "measure"]

    def __str__(self) -> str:
        return self.name


class SeriesPoint(models.Model):
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="points")
    period = models.DateField()
    value = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["series", "period"]
        constraints = [
            models.UniqueConstraint(fields=["series", "period"], name="one_series_point")
        ]


class Rebase(Immutable):
    """A recorded change in a process: the SPC chart's limits start again from this period.

    Never drawn automatically: a person records it, with the reason and the date.
    """

    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="rebases")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="+")
    period = models.DateField()
    reason = models.TextField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=200)

    class Meta:
        ordering = ["series", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "system", "period"], name="one_rebase_per_period"
            )
        ]
