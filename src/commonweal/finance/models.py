"""The ledger: financial years and their months, budget lines, and entries by month (budget,
actual, commitment, forecast, additional allocations); virements; savings schemes; the plans an
organisation is monitored against; and monthly returns imported from spreadsheets.

Money is integer pence (signed: a reduction is negative). Entries are records of what
happened: never changed or deleted. A month, once closed, takes no new entries; a late
correction is a new entry in an open month that points at the entry it corrects and carries
the difference.
"""

from typing import Any

from django.db import models
from django.db.models import Q

from commonweal.core.models import Immutable, ImmutableRecord, Organisation
from commonweal.decisions.models import Decision, DecisionPart
from commonweal.registry.models import Area, System

MONTHS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")


def month_label(start: int, month: int) -> str:
    """M10 (Jan 2021): a month of the financial year starting in `start`, April to December in
    its first calendar year."""
    calendar = start if month <= 9 else start + 1
    return f"M{month} ({MONTHS[month - 1]} {calendar})"


def year_label(start: int) -> str:
    """2020 -> "2020/21": the financial year April to March."""
    return f"{start}/{(start + 1) % 100:02d}"


class FinancialYear(models.Model):
    """A system's financial year, April to March, and how far its months are closed."""

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="financial_years")
    start = models.PositiveSmallIntegerField(
        help_text="the calendar year it starts: 2020 is 2020/21"
    )
    # Months M1..closed_through are closed; 0: none. Months close in order and never reopen.
    closed_through = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["system", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["system", "start"], name="one_financial_year"),
            models.CheckConstraint(condition=Q(closed_through__lte=12), name="closed_month_1_12"),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = FinancialYear.objects.filter(pk=self.pk).values_list(
                "closed_through", flat=True
            )
            if stored and stored[0] > self.closed_through:
                raise ImmutableRecord("A closed month is never reopened: post a correction instead")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return year_label(self.start)


class Nature(models.TextChoices):
    EXPENDITURE = "expenditure", "Expenditure"
    INCOME = "income", "Income"


class BudgetLine(models.Model):
    """A cost centre of an organisation, with the programme and place it reports under."""

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="budget_lines")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    cost_centre = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    programme = models.CharField(max_length=100, blank=True, default="")
    place = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    nature = models.CharField(max_length=12, choices=Nature.choices, default=Nature.EXPENDITURE)

    class Meta:
        ordering = ["organisation", "cost_centre"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "organisation", "cost_centre"], name="one_cost_centre"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cost_centre} {self.name}"


class Kind(models.TextChoices):
    BUDGET = "budget", "Budget"
    ACTUAL = "actual", "Actual"
    # Orders raised and not yet paid: an order adds, its payment or cancellation takes away, so
    # the sum of a line's commitments is what is still on order.
    COMMITMENT = "commitment", "Commitment"
    FORECAST = "forecast", "Forecast"
    # An additional allocation (such as the Hospital Discharge Programme's) that revises a
    # variance: received to date, and forecast for the months to come.
    ALLOCATION = "allocation", "Additional allocation"
    ALLOCATION_FORECAST = "allocation_forecast", "Additional allocation forecast"


FORECAST_KINDS = (Kind.FORECAST, Kind.ALLOCATION_FORECAST)


class Return(models.Model):
    """A monthly return imported from a workbook: what it held, and how the import went."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        READING = "reading", "Reading"
        DONE = "done", "Done"
        FAILED = "failed", "Refused"

    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="returns")
    month = models.PositiveSmallIntegerField()
    file_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="returns/", blank=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    entries = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)  # [{"where": "Sheet!B7", "problem": ..}]
    requested = models.DateTimeField(auto_now_add=True)
    requested_by = models.CharField(max_length=150)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested"]


class Virement(Immutable):
    """Budget moved from one line to another by a valid decision."""

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="virement")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="virements")
    month = models.PositiveSmallIntegerField()
    source = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()  # pence
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)


class Entry(Immutable):
    """An amount on a budget line for a month of a financial year."""

    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="entries")
    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="entries")
    month = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.BigIntegerField()  # pence, signed
    # A forecast (of spend or of an allocation) is made in a month for the months after it.
    as_at = models.PositiveSmallIntegerField(null=True, blank=True)
    label = models.CharField(max_length=100, blank=True, default="")  # an allocation's name
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    # An order raised (or paid) under a decision's part: how the ledger knows what a decision
    # has already turned into commitments.
    decision_part = models.ForeignKey(
        DecisionPart, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    virement = models.ForeignKey(
        Virement, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    source = models.ForeignKey(
        Return, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True, default="")
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["year", "month", "id"]
        # Covering the monitoring sums: the database reads the index alone, line by line.
        indexes = [
            models.Index(
                fields=["year", "line", "kind", "month", "as_at", "amount"], name="entry_sums"
            ),
            # ... and the chart's sums by month, in month order.
            models.Index(
                fields=["year", "kind", "month", "as_at", "line", "amount"], name="entry_months"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="entry_month"),
        ]


class Plan(Immutable):
    """A financial plan an organisation is monitored against for a year: its planned surplus
    (positive) or deficit (negative), and the savings needed to deliver it (None: the plan
    holds no savings target). A revised plan is a new record; the newest is the one in force."""

    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="plans")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    agreed_on = models.DateField()
    position = models.BigIntegerField(default=0)  # pence: surplus +, deficit -
    savings_requirement = models.BigIntegerField(null=True, blank=True)  # pence
    note = models.TextField(blank=True, default="")
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["year", "organisation", "agreed_on", "id"]


class PositionReport(Immutable):
    """An organisation's forecast position for the year (surplus +, deficit -), reported as at
    a month: how a trust whose ledger the system does not hold tells the system where it
    expects to end the year. A later report is a new record; the latest as at a month counts."""

    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="reports")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField()
    position = models.BigIntegerField()  # pence
    note = models.TextField(blank=True, default="")
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["year", "organisation", "month", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="report_month"),
        ]


class SavingsScheme(models.Model):
    """A QIPP or CIP scheme: what it should save, whether the saving recurs."""

    year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="savings")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    programme = models.CharField(max_length=100, blank=True, default="")
    recurrent = models.BooleanField(default=True)

    class Meta:
        ordering = ["year", "organisation", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "organisation", "reference"], name="one_savings_scheme"
            )
        ]


class SavingsEntry(Immutable):
    """A scheme's plan, delivery or forecast saving for a month."""

    class Kind(models.TextChoices):
        PLAN = "plan", "Plan"
        DELIVERED = "delivered", "Delivered"
        FORECAST = "forecast", "Forecast"

    scheme = models.ForeignKey(SavingsScheme, on_delete=models.PROTECT, related_name="entries")
    month = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.BigIntegerField()  # pence
    as_at = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["scheme", "month", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="savings_month"),
        ]
