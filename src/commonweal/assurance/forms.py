"""The assurance pages' forms. Each cleans what a person typed or chose; the actions decide
what is allowed (an earlier period stays as assessed; a closed exception takes no response)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from commonweal.core.forms import DateField, Form

from . import rules

ACTION_ROWS = 3


class AssessForm(Form):
    period = forms.CharField(
        label="Period",
        help_text="The financial year and quarter, for example 2020-21-q4 (or a month: 2020-21-m10)",
        max_length=20,
        error_messages={"required": "Enter the period to assess, for example 2020-21-q4"},
    )

    def clean_period(self) -> rules.Period:
        try:
            return rules.parse(self.cleaned_data["period"])
        except rules.PeriodError as exc:
            raise ValidationError(str(exc)) from None


class ResponseForm(Form):
    owner = forms.CharField(
        label="Owner",
        help_text="Who answers for the exception, for example the director responsible",
        max_length=200,
        error_messages={"required": "Enter who owns the response"},
    )
    response = forms.CharField(
        label="Response",
        help_text="What is being done about it and what assurance that gives",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        error_messages={"required": "Enter the response"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, ACTION_ROWS + 1):
            self.fields[f"action_{n}"] = forms.CharField(
                label=f"Action {n}", required=False, max_length=2000
            )
            self.fields[f"action_{n}_owner"] = forms.CharField(
                label=f"Action {n}: who", required=False, max_length=200
            )
            self.fields[f"action_{n}_due"] = DateField(
                label=f"Action {n}: due", required=False, help_text="For example, 31 3 2021"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, ACTION_ROWS + 1):
            text = (data.get(f"action_{n}") or "").strip()
            who = (data.get(f"action_{n}_owner") or "").strip()
            due = data.get(f"action_{n}_due")
            if text and not who:
                self.add_error(f"action_{n}_owner", f"Enter who will do action {n}")
            if text and due is None and f"action_{n}_due" not in self.errors:
                self.add_error(f"action_{n}_due", f"Enter the date action {n} is due")
            if not text and (who or due):
                self.add_error(f"action_{n}", f"Enter what action {n} is")
        return data

    def actions(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        return [
            {
                "action": d[f"action_{n}"],
                "owner": d[f"action_{n}_owner"],
                "due": d[f"action_{n}_due"],
            }
            for n in range(1, ACTION_ROWS + 1)
            if (d.get(f"action_{n}") or "").strip()
        ]


class ConcernForm(Form):
    place = forms.ChoiceField(label="Place", error_messages={"required": "Choose the place"})
    provider = forms.CharField(
        label="Provider's ODS code",
        help_text="For example RBZ (Northern Devon Healthcare NHS Trust)",
        max_length=20,
        error_messages={"required": "Enter the provider's ODS code"},
    )
    title = forms.CharField(label="Concern", max_length=200)
    source = forms.CharField(
        label="Source",
        help_text="Where it came from: a CQC inspection, serious incidents, complaints, the "
        "quality surveillance group",
        max_length=200,
    )
    severity = forms.ChoiceField(
        label="Severity",
        choices=[(s, s.capitalize()) for s in rules.SEVERITIES],
        error_messages={"required": "Choose the severity"},
    )
    description = forms.CharField(
        label="What is of concern", widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )
    actions = forms.CharField(
        label="Actions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
    )
    raised_on = DateField(label="Raised on", help_text="For example, 12 1 2021")


class CloseConcernForm(Form):
    closed_on = DateField(label="Closed on", help_text="For example, 31 3 2021")
    note = forms.CharField(
        label="Why it is closed",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        error_messages={"required": "Enter why the concern is closed"},
    )
