"""The system registry: organisations, and the areas (footprints) of a system at each level.

Organisations are national facts keyed by their ODS or ONS code. Areas belong to one system
description (`System`), because footprints are drawn by each system for itself: the same
practice may sit in Devon's "North" local area and in a PCN that a later re-drawing moves.
"""

from datetime import date

from django.db import models
from django.db.models import Q

from commonweal.registry.rules import Level


class OrganisationKind(models.TextChoices):
    NHS_COMMISSIONER = "nhs_commissioner", "NHS commissioner"
    NHS_ENGLAND_REGION = "nhs_england_region", "NHS England region"
    SYSTEM_PARTNERSHIP = "system_partnership", "Sustainability and transformation partnership"
    COUNTY_COUNCIL = "county_council", "County council"
    UNITARY_COUNCIL = "unitary_council", "Unitary council"
    LONDON_BOROUGH_COUNCIL = "london_borough_council", "London borough council"
    DISTRICT_COUNCIL = "district_council", "District council"
    NHS_TRUST = "nhs_trust", "NHS trust"
    GP_PRACTICE = "gp_practice", "GP practice"
    PRIMARY_CARE_NETWORK = "primary_care_network", "Primary care network"
    GP_FEDERATION = "gp_federation", "GP federation"
    VOLUNTARY_COMMUNITY = "voluntary_community", "Voluntary or community organisation"


COUNCIL_KINDS = (
    OrganisationKind.COUNTY_COUNCIL,
    OrganisationKind.UNITARY_COUNCIL,
    OrganisationKind.LONDON_BOROUGH_COUNCIL,
    OrganisationKind.DISTRICT_COUNCIL,
)


def in_force(on: date, starts: str = "starts", ends: str = "ends") -> Q:
    """Rows in force on a date: started by then (or undated) and not yet ended."""
    return (Q(**{f"{starts}__isnull": True}) | Q(**{f"{starts}__lte": on})) & (
        Q(**{f"{ends}__isnull": True}) | Q(**{f"{ends}__gte": on})
    )


class Organisation(models.Model):
    code = models.CharField(max_length=20, unique=True, help_text="ODS code, or ONS GSS code")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=OrganisationKind.choices, db_index=True)
    opened = models.DateField(null=True, blank=True)
    closed = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True, default="")
    # The organisation one level up in the NHS hierarchy: CCG -> STP -> NHS England region.
    part_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="parts"
    )
    # For practices and PCNs: the NHS commissioner responsible for them.
    commissioner = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="commissioned"
    )
    source = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def code_system(self) -> str:
        return "ONS" if self.kind in COUNCIL_KINDS else "ODS"


class Succession(models.Model):
    """One organisation succeeded another on a date: a merger, a rename, a transfer."""

    class Kind(models.TextChoices):
        MERGER = "merger", "Merger"
        RENAME = "rename", "Rename"
        TRANSFER = "transfer", "Transfer of functions"

    predecessor = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="successions_out"
    )
    successor = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="successions_in"
    )
    on = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MERGER)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="one_succession"),
            models.CheckConstraint(
                condition=~Q(predecessor=models.F("successor")), name="succession_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} -> {self.successor} on {self.on}"


class NetworkMembership(models.Model):
    """A GP practice's membership of a primary care network, as ODS publishes it."""

    practice = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="network_memberships"
    )
    network = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="network_members"
    )
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "network", "starts"], name="one_network_membership"
            )
        ]


class ListSize(models.Model):
    """Patients registered with a practice on a date (the practice's list size)."""

    practice = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="list_sizes")
    on = models.DateField()
    patients = models.PositiveIntegerField()
    source = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "on"], name="one_list_size")]


class System(models.Model):
    """A health and care system as described by one system document."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # The date structure checks use unless told otherwise; empty means today.
    as_at = models.DateField(null=True, blank=True)
    # Overrides of the population guidance: {"place": {"minimum": .., "maximum": .., "source": ..}}
    guidance = models.JSONField(default=dict, blank=True)
    sources = models.JSONField(default=list, blank=True)
    document = models.CharField(max_length=300, blank=True, default="")
    loaded = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A footprint at one level of a system: region, system, place, PCN, local community."""

    class Origin(models.TextChoices):
        DOCUMENT = "document", "System document"
        ODS = "ods", "ODS primary care network data"

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=20, choices=[(lv.value, lv.label) for lv in Level])
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    ons_code = models.CharField(max_length=12, blank=True, default="")
    description = models.TextField(blank=True, default="")
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.DOCUMENT)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="one_area_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def level_enum(self) -> Level:
        return Level(self.level)


class AreaPopulation(models.Model):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="populations")
    on = models.DateField()
    population = models.PositiveIntegerField()
    source = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-on"]
        constraints = [models.UniqueConstraint(fields=["area", "on"], name="one_population")]


class Responsibility(models.TextChoices):
    NHS_COMMISSIONER = "nhs_commissioner", "NHS commissioner"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    REGULATOR = "regulator", "Regional regulator"
    NETWORK = "network", "Primary care network"
    PROVIDER = "provider", "Provider"
    PARTNER = "partner", "Partner"


class AreaResponsibility(models.Model):
    """An organisation responsible for an area in some capacity, over a period."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="responsibilities")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="responsibilities"
    )
    role = models.CharField(max_length=20, choices=Responsibility.choices)
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "organisation", "role"], name="one_responsibility"
            )
        ]


class AreaPractice(models.Model):
    """A GP practice's membership of an area over a period."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="memberships")
    practice = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="area_memberships"
    )
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "practice", "starts"], name="one_area_practice")
        ]
