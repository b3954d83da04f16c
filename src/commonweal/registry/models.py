"""The system registry: the areas (footprints) of a system at each level, and the facts about
organisations that the registry keeps (successions, PCN memberships, list sizes).

Organisations themselves are national facts in `core`. Areas belong to one system description
(`System`), because footprints are drawn by each system for itself: the same practice may sit
in Devon's "North" local area and in a PCN that a later re-drawing moves.

Nothing here is deleted: a system document that drops an area ends it (`ends`), so that the
decisions, bodies and roles that point at it keep what they point at.
"""

from django.db import models
from django.db.models import Q

from commonweal.core.models import Organisation
from commonweal.registry.rules import Level


class Succession(models.Model):
    """One organisation succeeded another on a date: a merger, a rename, a transfer."""

    class Kind(models.TextChoices):
        MERGER = "merger", "Merger"
        RENAME = "rename", "Rename"
        TRANSFER = "transfer", "Transfer of functions"

    predecessor = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="successions_out"
    )
    successor = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="successions_in"
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
        Organisation, on_delete=models.PROTECT, related_name="network_memberships"
    )
    network = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="network_members"
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

    practice = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="list_sizes")
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

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="areas")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=20, choices=[(lv.value, lv.label) for lv in Level])
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    ons_code = models.CharField(max_length=12, blank=True, default="")
    description = models.TextField(blank=True, default="")
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.DOCUMENT)
    # The last day the area was part of the system: set when a document stops describing it
    # (or an ODS network closes); an ended area is kept for what points at it.
    ends = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="one_area_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def level_enum(self) -> Level:
        return Level(self.level)


class AreaPopulation(models.Model):
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="populations")
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

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="responsibilities")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="responsibilities"
    )
    role = models.CharField(max_length=20, choices=Responsibility.choices)
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "organisation", "role"],
                condition=Q(ends__isnull=True),
                name="one_open_responsibility",
            )
        ]


class AreaPractice(models.Model):
    """A GP practice's membership of an area over a period."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="memberships")
    practice = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="area_memberships"
    )
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "practice", "starts"], name="one_area_practice")
        ]
