"""A year's allocation: the recurrent allocation an NHS commissioner receives, its growth,
investment and disinvestment by programme, and the place budgets capitated from the registry's
populations; the allocation itself a decision, routed by the scheme of delegation.

An allocation is drafted (its lines may change), then submitted: its place budgets are worked
out and stored, it is put on the forward plan, and from then on nothing about it changes. A
decided allocation points at its decision. A correction is a new allocation that points at
the one it corrects (`corrects`).
"""

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q

from commonweal.core.models import Immutable, ImmutableRecord, Organisation
from commonweal.decisions.models import Decision
from commonweal.finance.models import FinancialYear
from commonweal.meetings.models import ForwardPlanItem
from commonweal.registry.models import Area, System

from .rules import KIND_LABELS, LineKind


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING = "awaiting", "Awaiting decision"
    DECIDED = "decided", "Decided"
    REFUSED = "refused", "Refused"


class Basis(models.TextChoices):
    """The population the place budgets are capitated from."""

    REGISTERED = "registered", "Registered population (GP practice list sizes)"
    RESIDENT = "resident", "Resident population (the registry's estimates for each place)"
    STATED = "stated", "Populations stated with the allocation"


class Allocation(models.Model):
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="allocations")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="allocations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    # The recurrent allocation received, and how much of it is capitated to places (pence).
    total = models.BigIntegerField()
    place_total = models.BigIntegerField(default=0)
    basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.REGISTERED)
    # A named weighting (blank: the raw population) and its factor for each place,
    # {area code: "1.05"} (kept as text, so the factor is exactly what was given).
    weighting = models.CharField(max_length=200, blank=True, default="")
    weights = models.JSONField(default=dict, blank=True)
    # For the stated basis: {area code: people} and where the figures come from.
    stated_populations = models.JSONField(default=dict, blank=True)
    population_source = models.CharField(max_length=300, blank=True, default="")
    population_on = models.DateField(help_text="the date whose populations are used")
    illustrative = models.BooleanField(default=False)
    note = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Set on submission: the forward plan entry for its decision (at the deciding body, or by
    # the deciding officer), the entry for the Integrated Commissioning Executive where the
    # route consults it or it recommends (the consultation, not the decision), and the
    # route's words.
    plan_item = models.ForeignKey(
        ForwardPlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consultation_item = models.ForeignKey(
        ForwardPlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    explanation = models.TextField(blank=True, default="")
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refused_reason = models.TextField(blank=True, default="")
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-year__start", "reference"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="allocation_total_positive"),
            models.CheckConstraint(
                condition=Q(place_total__gte=0) & Q(place_total__lte=models.F("total")),
                name="allocation_place_total_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A decided or refused allocation is a record of what happened: it never changes.
        if self.pk is not None:
            stored = Allocation.objects.filter(pk=self.pk).values_list("status", flat=True)
            if stored and stored[0] in (Status.DECIDED, Status.REFUSED):
                raise ImmutableRecord(
                    f"Allocation {self.reference} is {stored[0]} and cannot be changed; "
                    "record a correcting allocation instead"
                )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRecord(f"Allocation {self.reference} is never deleted")

    @property
    def editable(self) -> bool:
        return self.status == Status.DRAFT


class LineQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableRecord("An allocation's lines change only through set_lines")

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.exclude(allocation__status=Status.DRAFT).exists():
            raise ImmutableRecord("A submitted allocation's lines never change")
        return super().delete()


class AllocationLine(models.Model):
    """Growth, investment or disinvestment for a programme (and its priority), perhaps at one
    place. The amount is positive; a disinvestment takes it out."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    programme = models.CharField(max_length=200)
    priority = models.CharField(max_length=300, blank=True, default="")
    kind = models.CharField(max_length=14, choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    amount = models.BigIntegerField()
    place = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar[Any] = LineQuerySet.as_manager()

    class Meta:
        ordering = ["allocation", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_line_positive")
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.allocation.status != Status.DRAFT:
            raise ImmutableRecord("A submitted allocation's lines never change")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRecord("An allocation's lines change only through set_lines")

    @property
    def signed(self) -> int:
        return -self.amount if self.kind == LineKind.DISINVESTMENT else self.amount


class PlaceBudget(Immutable):
    """A place's capitated budget, worked out and stored when the allocation was submitted:
    the population counted, its weight, and the amount (pence)."""

    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="place_budgets"
    )
    place = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    population = models.PositiveIntegerField()
    weight = models.DecimalField(max_digits=12, decimal_places=6)
    amount = models.BigIntegerField()
    # How the population was counted: "4 practices, list sizes on 31 March 2021", say.
    counted = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["allocation", "place__name"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "place"], name="one_place_budget")
        ]
