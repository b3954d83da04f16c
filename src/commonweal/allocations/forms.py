"""The allocation pages' forms. Each cleans what a person typed or chose, with a message at the
field; the actions decide what is allowed (and the scheme of delegation who may decide)."""

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from commonweal.core.forms import DateField, Form, MoneyField

from .models import Basis
from .rules import KIND_LABELS

PAIR = re.compile(r"^\s*([A-Za-z0-9_.-]{1,40})\s*[:=,]\s*(\S+)\s*$")


def _choose(what: str) -> dict[str, str]:
    return {"required": f"Choose {what}", "invalid_choice": f"Choose {what} from the list"}


def read_pairs(text: str, what: str, max_lines: int = 200) -> list[tuple[str, str]]:
    """Lines of "code: value", for weights and stated populations."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > max_lines:
        raise ValidationError(f"Give at most {max_lines} {what}, one a line")
    out = []
    seen = set()
    for n, line in enumerate(lines, 1):
        match = PAIR.match(line)
        if match is None:
            raise ValidationError(
                f"Line {n} must be a place's code, a colon and a number, for example north: 1.05"
            )
        code, value = match.groups()
        if code in seen:
            raise ValidationError(f"Line {n} names {code} again: give each place once")
        seen.add(code)
        out.append((code, value))
    return out


class DraftForm(Form):
    year = forms.ChoiceField(label="Financial year", error_messages=_choose("the financial year"))
    organisation = forms.ChoiceField(
        label="Commissioner allocating", error_messages=_choose("the commissioner allocating")
    )
    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="For example, Recurrent allocation 2020/21",
        error_messages={"required": "Enter a name for the allocation"},
    )
    total = MoneyField(
        label="Recurrent allocation received",
        help_text="Pounds, for example 1,250,000,000",
        error_messages={"required": "Enter the recurrent allocation received"},
    )
    place_total = MoneyField(
        label="Amount capitated to places (optional)",
        required=False,
        help_text="Pounds: the part of the allocation shared among places by population",
    )
    population_on = DateField(
        label="Population date", help_text="The populations used are the latest on or before it"
    )
    basis = forms.ChoiceField(
        label="Population the place budgets are shared by",
        choices=Basis.choices,
        initial=Basis.REGISTERED,
        widget=forms.RadioSelect,
        error_messages=_choose("the population the place budgets are shared by"),
    )
    weighting = forms.CharField(
        label="Weighting (optional)",
        required=False,
        max_length=200,
        help_text="Leave blank to share by the raw population; or name the weighting, for "
        "example a need index, and give its factor for each place below",
    )
    weights = forms.CharField(
        label="Weighting factors (optional)",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One place a line: its code, a colon and the factor, for example north: 1.05",
    )
    stated_populations = forms.CharField(
        label="Stated populations (only for populations stated with the allocation)",
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One place a line: its code, a colon and the number of people, for example "
        "north: 165000",
    )
    population_source = forms.CharField(
        label="Source of the stated populations (optional)", required=False, max_length=300
    )
    illustrative = forms.BooleanField(
        label="Illustrative figures (not a real allocation)", required=False
    )
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=5_000, widget=forms.Textarea
    )

    def __init__(
        self,
        *args: Any,
        years: list[tuple[str, str]],
        organisations: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("year", years)
        self.set_choices("organisation", organisations)

    def clean_weights(self) -> dict[str, Decimal]:
        out = {}
        for code, value in read_pairs(self.cleaned_data.get("weights") or "", "factors"):
            try:
                factor = Decimal(value)
            except InvalidOperation:
                raise ValidationError(
                    f"The factor for {code} must be a number, like 1.05"
                ) from None
            if not factor.is_finite() or factor < 0:
                raise ValidationError(f"The factor for {code} must be zero or more")
            out[code] = factor
        return out

    def clean_stated_populations(self) -> dict[str, int]:
        out = {}
        for code, value in read_pairs(
            self.cleaned_data.get("stated_populations") or "", "populations"
        ):
            text = value.replace(",", "")
            if not (text.isascii() and text.isdigit() and len(text) <= 9):
                raise ValidationError(
                    f"The population of {code} must be a whole number of people, like 165000"
                )
            out[code] = int(text)
        return out


class LineForm(Form):
    programme = forms.CharField(
        label="Programme",
        max_length=200,
        help_text="For example, Mental health",
        error_messages={"required": "Enter the programme"},
    )
    priority = forms.CharField(
        label="Priority (optional)",
        required=False,
        max_length=300,
        help_text="The priority it serves, for example Community mental health transformation",
    )
    kind = forms.ChoiceField(
        label="Kind",
        choices=[(k.value, v) for k, v in KIND_LABELS.items()],
        widget=forms.RadioSelect,
        error_messages=_choose("growth, investment or disinvestment"),
    )
    amount = MoneyField(
        label="Amount",
        help_text="Pounds; a disinvestment is the amount taken out, entered without a minus sign",
        error_messages={"required": "Enter the amount"},
    )
    place = forms.ChoiceField(label="Place (optional)", required=False)

    def __init__(self, *args: Any, places: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("place", places, "The whole system")


class SubmitForm(Form):
    due = DateField(
        label="Date the decision is due (optional)",
        required=False,
        help_text="Needed only when no meeting of the body that takes it is arranged",
    )
    author = forms.CharField(label="Report author (optional)", required=False, max_length=200)


class DecideForm(Form):
    decider = forms.ChoiceField(
        label="Officer who decided", error_messages=_choose("the officer who decided")
    )
    on = DateField(label="Date of the decision", help_text="For example, 14 3 2020")
    reasons = forms.CharField(
        label="Reasons (optional)", required=False, max_length=5_000, widget=forms.Textarea
    )

    def __init__(self, *args: Any, officers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("decider", officers, "Choose an officer")


class LinkForm(Form):
    decision = forms.CharField(
        label="Decision reference",
        max_length=20,
        help_text="The register's reference of the decision taken at the meeting, for example "
        "D00042",
        error_messages={"required": "Enter the decision's reference"},
    )

    def clean_decision(self) -> int:
        text = self.cleaned_data["decision"].strip().upper().removeprefix("D")
        if not (text.isascii() and text.isdigit() and len(text) <= 9):
            raise ValidationError("Enter a decision's reference, a D and its number, like D00042")
        return int(text)


class RefuseForm(Form):
    reason = forms.CharField(
        label="Why it was not agreed",
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the allocation was not agreed"},
    )
