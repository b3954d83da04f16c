"""Registers of interests, declaration returns, dispensations, and gifts and hospitality.

A person's interests are kept on the register of an organisation they act for (NHS England's
"Managing conflicts of interest in the NHS"; for council members, the Localism Act 2011's
disclosable pecuniary interests). Entries are never deleted: an interest that ends gets its end
date, so a meeting's declarations keep what they pointed at.
"""

from django.db import models

from commonweal.core.models import Organisation, Person


class InterestKind(models.TextChoices):
    FINANCIAL = "financial", "Financial"
    PROFESSIONAL = "non_financial_professional", "Non-financial professional"
    PERSONAL = "non_financial_personal", "Non-financial personal"
    INDIRECT = "indirect", "Indirect"


class Interest(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="interests")
    # The register it is on: the organisation the person declares to.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="interests"
    )
    kind = models.CharField(max_length=30, choices=InterestKind.choices)
    # A council member's disclosable pecuniary interest (Localism Act 2011, s30): by law they
    # may not take part in business it touches, unless the council grants a dispensation.
    pecuniary = models.BooleanField(default=False)
    description = models.TextField()
    # Whom or what the interest is in: a company, a charity, a relative's employer.
    counterparty = models.CharField(max_length=200, blank=True, default="")
    starts = models.DateField()
    ends = models.DateField(null=True, blank=True)
    action = models.TextField(blank=True, default="", help_text="how the interest is managed")
    # The guidance allows an entry to be withheld from publication (a risk of harm, say); its
    # details are then seen only by the person and their organisation's governance team.
    withheld = models.BooleanField(default=False)
    withheld_reason = models.TextField(blank=True, default="")
    declared_on = models.DateField()

    class Meta:
        ordering = ["person__name", "-starts", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} interest of {self.person}: {self.counterparty or '…'}"


class Return(models.Model):
    """A person's declaration that their register is complete on a date; a nil return says they
    have no interests to declare. Due on appointment, within 28 days of a change, and yearly."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="returns")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    on = models.DateField()
    nil = models.BooleanField(default=False)
    recorded = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]


class Dispensation(models.Model):
    """A council's dispensation letting a member with a disclosable pecuniary interest take
    part in business it touches (Localism Act 2011, s33), for a period."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="dispensations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    interest = models.ForeignKey(
        Interest, null=True, blank=True, on_delete=models.PROTECT, related_name="dispensations"
    )
    scope = models.TextField(help_text="the business it covers")
    granted_by = models.CharField(max_length=200)
    starts = models.DateField()
    ends = models.DateField()

    class Meta:
        ordering = ["-starts", "id"]

    def __str__(self) -> str:
        return f"Dispensation for {self.person}, {self.starts} to {self.ends}"


class Offer(models.Model):
    """A gift or hospitality offered to a person, and what was decided about it."""

    class Kind(models.TextChoices):
        GIFT = "gift", "Gift"
        HOSPITALITY = "hospitality", "Hospitality"

    class Decision(models.TextChoices):
        DECLINED = "declined", "Declined"
        ACCEPTED = "accepted", "Accepted"
        FOR_ORGANISATION = "for_organisation", "Accepted on behalf of the organisation"
        APPROVED = "approved", "Accepted with senior approval"
        PENDING = "pending", "Awaiting senior approval"

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="offers")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.TextField()
    offered_by = models.CharField(max_length=200)
    # Offered by a supplier or contractor doing business (or likely to) with the organisation.
    from_supplier = models.BooleanField(default=False)
    # Low-cost branded promotional material (a pen, a diary).
    promotional = models.BooleanField(default=False)
    # Cash or vouchers, which are never accepted.
    cash = models.BooleanField(default=False)
    value = models.BigIntegerField(help_text="pence")
    on = models.DateField()
    decision = models.CharField(max_length=20, choices=Decision.choices)
    reason = models.TextField(blank=True, default="")
    approved_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the rules said, in words, when it was recorded (the rules may change later), and
    # whether they said to declare it: one that need not be declared is not on the register.
    advice = models.TextField()
    declared = models.BooleanField(default=True)
    recorded = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
