from typing import Any

from django import forms

from commonweal.core.forms import DateField, Form, MoneyField
from commonweal.interests.models import InterestKind, Offer


class InterestForm(Form):
    organisation = forms.ChoiceField(label="Register")
    kind = forms.ChoiceField(label="Kind of interest", choices=InterestKind.choices)
    counterparty = forms.CharField(
        label="Whom or what it is in",
        max_length=200,
        required=False,
        help_text="A company, a charity, a relative's employer",
    )
    description = forms.CharField(label="Description", widget=forms.Textarea, max_length=5000)
    pecuniary = forms.BooleanField(
        label="A disclosable pecuniary interest (council members only)", required=False
    )
    starts = DateField(label="From", help_text="For example, 1 4 2019")
    ends = DateField(
        label="To (optional)", required=False, help_text="Leave this out if it goes on"
    )
    action = forms.CharField(
        label="How it is managed",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )
    withheld = forms.BooleanField(label="Withhold the details from publication", required=False)
    withheld_reason = forms.CharField(
        label="Why they are withheld",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text="The register shows this reason in place of the details: do not repeat them",
    )

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("organisation", organisations, "Choose a register")


class EntryForPersonForm(InterestForm):
    """A governance team recording an entry for one of its people."""

    person = forms.ChoiceField(label="Person")
    field_order = ["person"]

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("person", people, "Choose a person")


class ReturnForm(Form):
    organisation = forms.ChoiceField(label="Register")
    nil = forms.BooleanField(label="I have no interests to declare (a nil return)", required=False)

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("organisation", organisations, "Choose a register")


class OfferForm(Form):
    organisation = forms.ChoiceField(label="Register")
    kind = forms.ChoiceField(
        label="Gift or hospitality", choices=Offer.Kind.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label="What it was", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    offered_by = forms.CharField(label="Offered by", max_length=200)
    value = MoneyField(label="Value", help_text="In pounds; an estimate will do")
    on = DateField(label="Date offered", help_text="For example, 3 11 2026")
    from_supplier = forms.BooleanField(
        label="From a supplier or contractor (doing business, or likely to, with the organisation)",
        required=False,
    )
    promotional = forms.BooleanField(label="Low-cost promotional material", required=False)
    cash = forms.BooleanField(label="Cash or vouchers", required=False)
    decision = forms.ChoiceField(
        label="What was decided",
        choices=[
            (Offer.Decision.DECLINED, "Declined"),
            (Offer.Decision.ACCEPTED, "Accepted"),
            (Offer.Decision.FOR_ORGANISATION, "Accepted on behalf of the organisation"),
            (Offer.Decision.PENDING, "Ask a senior to approve it"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("organisation", organisations, "Choose a register")


class DecideOfferForm(Form):
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class DispensationForm(Form):
    person = forms.ChoiceField(label="Member")
    scope = forms.CharField(
        label="Business it covers", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    granted_by = forms.CharField(
        label="Granted by", max_length=200, help_text="The committee or officer"
    )
    starts = DateField(label="From")
    ends = DateField(label="To", help_text="At most four years")

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("person", people, "Choose a member")
