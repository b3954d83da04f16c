"""Pooled funds: Section 75 agreements and the Better Care Fund.

An agreement names its partners, its host partner and pooled fund manager (the 2000 Section 75
regulations require both), its term, the NHS and council functions it covers, its aims and
outcomes, its review dates, and the order in which an overspend is met. Each year's plan (the
partners' contributions and instalments, the schemes and their spend lines with each line's risk
share, the risk reserve and uncommitted allocations, the BCF metrics' plans) is a version: a new
plan is a new record and the newest is in force, so a signed-off return keeps pointing at the
plan it reported against. In-year figures come from the finance ledger through each spend
line's cost centre. Action plans, uses of an underspend and signed-off quarterly returns are
records of what happened and never change.
"""

from typing import Any

from django.db import models
from django.db.models import Q

from commonweal.core.models import Immutable, ImmutableRecord, Organisation, Person
from commonweal.decisions.models import Decision
from commonweal.finance.models import BudgetLine, FinancialYear
from commonweal.registry.models import Area, System

from .rules import DEFAULT_ORDER, RiskShare


class Agreement(models.Model):
    class Kind(models.TextChoices):
        SECTION_75 = "section_75", "Section 75 pooled fund"
        BETTER_CARE_FUND = "better_care_fund", "Better Care Fund (Section 75)"

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="pools")
    reference = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SECTION_75)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    host = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    manager = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    manager_title = models.CharField(max_length=200, blank=True, default="")
    starts = models.DateField()
    ends = models.DateField()
    nhs_functions = models.JSONField(default=list, blank=True)
    council_functions = models.JSONField(default=list, blank=True)
    aims = models.TextField(blank=True, default="")
    outcomes = models.JSONField(default=list, blank=True)
    review_dates = models.JSONField(default=list, blank=True)  # ISO dates
    overspend_order = models.JSONField(default=list)
    # A projected net variance beyond this percentage of the pool asks for an action plan.
    action_plan_threshold = models.DecimalField(max_digits=5, decimal_places=2, default=1)
    # The Health and Wellbeing Board that signs off the pool's quarterly returns.
    board = models.ForeignKey(
        "governance.Body", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    illustrative = models.BooleanField(default=False)
    note = models.TextField(blank=True, default="")
    document = models.CharField(max_length=300, blank=True, default="")
    loaded = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["system", "name"]
        constraints = [
            models.UniqueConstraint(fields=["system", "reference"], name="one_pool_reference"),
            models.CheckConstraint(condition=Q(ends__gt=models.F("starts")), name="pool_term"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def order(self) -> list[str]:
        return list(self.overspend_order or [s.value for s in DEFAULT_ORDER])


class Partner(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agreement", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organisation"], name="one_partner")
        ]


class PoolPlan(Immutable):
    """A year's plan for the pool, as loaded: the newest version for the year is in force."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="plans")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    risk_reserve = models.BigIntegerField(default=0)  # pence
    uncommitted = models.BigIntegerField(default=0)  # pence
    file_name = models.CharField(max_length=255, blank=True, default="")
    sha256 = models.CharField(max_length=64, blank=True, default="")
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["agreement", "year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "year", "version"], name="one_pool_plan_version"
            )
        ]


class Contribution(Immutable):
    """A partner's contribution to the year's pool, from one funding stream (`pools.yaml`)."""

    plan = models.ForeignKey(PoolPlan, on_delete=models.PROTECT, related_name="contributions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    stream = models.CharField(max_length=60, default="contribution")
    amount = models.BigIntegerField()  # pence

    class Meta:
        ordering = ["plan", "id"]


class Instalment(Immutable):
    contribution = models.ForeignKey(
        Contribution, on_delete=models.PROTECT, related_name="instalments"
    )
    due = models.DateField()
    amount = models.BigIntegerField()

    class Meta:
        ordering = ["contribution", "due", "id"]


class Scheme(Immutable):
    plan = models.ForeignKey(PoolPlan, on_delete=models.PROTECT, related_name="schemes")
    reference = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    scheme_type = models.CharField(max_length=100)

    class Meta:
        ordering = ["plan", "id"]


class SpendLine(Immutable):
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="lines")
    reference = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    budget = models.BigIntegerField()  # pence
    recurrent = models.BooleanField()
    # The ledger line whose forecast outturn is this line's (None: no ledger line yet).
    ledger_line = models.ForeignKey(
        BudgetLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    risk_share = models.CharField(
        max_length=12,
        choices=[(r.value, r.value.capitalize()) for r in RiskShare],
        default=RiskShare.PROPORTIONAL,
    )
    # FIXED: {organisation code: percent}; VARIABLE: {organisation code: measure}
    shares = models.JSONField(default=dict, blank=True)
    formula = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["scheme", "id"]


class MetricPlan(Immutable):
    """A Better Care Fund metric's planned value for a quarter of the plan's year."""

    plan = models.ForeignKey(PoolPlan, on_delete=models.PROTECT, related_name="metrics")
    metric = models.CharField(max_length=60)
    quarter = models.PositiveSmallIntegerField()
    value = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["plan", "metric", "quarter"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="metric_plan_quarter"
            )
        ]


class ActionPlan(Immutable):
    """What the pool will do about a projected variance beyond the agreement's threshold."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="action_plans")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField()  # the month whose forecast asked for it
    variance = models.BigIntegerField()  # the net projected variance then, pence
    owner = models.CharField(max_length=200)
    due = models.DateField()
    actions = models.TextField()
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["agreement", "year", "-month", "-id"]


class UnderspendUse(Immutable):
    """Projected underspend put to a non-recurrent line."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="uses")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField()
    line = models.ForeignKey(SpendLine, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    reason = models.TextField()
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["agreement", "year", "month", "id"]


class QuarterlyReturn(models.Model):
    """A pool's quarterly return: the metrics' actuals and the confirmations the template
    asks for, kept while it is a draft; on sign-off by the Health and Wellbeing Board (a
    decision in the register) its figures are frozen in `figures` and it never changes."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="returns")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    quarter = models.PositiveSmallIntegerField()
    plan = models.ForeignKey(PoolPlan, null=True, on_delete=models.PROTECT, related_name="+")
    # {metric code: actual}, as entered
    actuals = models.JSONField(default=dict, blank=True)
    # {condition code: {"met": bool, "comment": str}}
    confirmations = models.JSONField(default=dict, blank=True)
    narrative = models.TextField(blank=True, default="")
    sign_off = models.OneToOneField(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="pool_return"
    )
    figures = models.JSONField(default=dict, blank=True)  # frozen on sign-off
    updated = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["agreement", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "year", "quarter"], name="one_pool_return"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="pool_return_quarter"
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            self.pk is not None
            and QuarterlyReturn.objects.filter(pk=self.pk, sign_off__isnull=False).exists()
        ):
            raise ImmutableRecord("A signed-off return never changes: the next quarter's can say")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.sign_off_id is not None:
            raise ImmutableRecord("A signed-off return is never deleted")
        return super().delete(*args, **kwargs)

    @property
    def month(self) -> int:
        """The last month of the quarter: Q1 is M3 (June)."""
        return self.quarter * 3
