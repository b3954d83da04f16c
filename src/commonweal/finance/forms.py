"""The finance pages' forms. Each cleans what a person typed or chose; the actions decide what
is allowed (and the scheme of delegation whether a virement was validly made)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from commonweal.core.forms import DateField, Form, MoneyField
from commonweal.core.money import to_pence

from .workbook import MAX_BYTES

# A monthly return is a workbook of at most this many bytes (50 MB), as the import reads it.
MAX_RETURN_BYTES = MAX_BYTES

# A select's options: (value, text) pairs, or (group, [(value, text), ...]) for an optgroup.
Grouped = list[tuple[str, Any]]


def _choose(what: str) -> dict[str, str]:
    return {"required": f"Choose {what}", "invalid_choice": f"Choose {what} from the list"}


class OpenYearForm(Form):
    start = forms.IntegerField(
        label="Financial year starting in",
        help_text="The calendar year it starts: 2020 for 2020/21",
        error_messages={
            "required": "Enter the year the financial year starts in",
            "invalid": "Financial year starting in must be a year, for example 2020",
        },
    )


class CloseMonthForm(Form):
    month = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"invalid": "Choose the month to close"},
    )
    # Closing is final: nothing is ever posted to the month again, so it is asked for twice.
    confirm = forms.BooleanField(
        label="I understand that a closed month never reopens: later changes to it go in as "
        "corrections in an open month",
        error_messages={"required": "Confirm that the month is to be closed for good"},
    )


class ReturnForm(Form):
    file = forms.FileField(
        label="Monthly return",
        help_text="An Excel workbook (.xlsx) of up to 50 MB",
        error_messages={
            "required": "Select the monthly return to import",
            "empty": "The selected file is empty",
            "invalid": "Select the monthly return to import",
        },
    )
    month = forms.ChoiceField(
        label="Month it reports", error_messages=_choose("the month it reports")
    )

    def __init__(self, *args: Any, months: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("month", months, "Choose a month")
        self.fields["file"].widget.attrs["accept"] = (
            ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > MAX_RETURN_BYTES:
            raise ValidationError(
                f"The selected file must be smaller than {MAX_RETURN_BYTES // 1_000_000} MB"
            )
        return upload


class VirementForm(Form):
    source = forms.ChoiceField(
        label="Move budget from",
        error_messages=_choose("the budget line to move budget from"),
    )
    target = forms.ChoiceField(
        label="Move budget to", error_messages=_choose("the budget line to move budget to")
    )
    amount = MoneyField(
        label="Amount",
        help_text="Pounds, for example 25,000",
        error_messages={"required": "Enter the amount to move"},
    )
    month = forms.ChoiceField(
        label="From the month",
        help_text="An open month of the year",
        error_messages=_choose("the month the virement applies from"),
    )
    decider = forms.ChoiceField(
        label="Officer who decided", error_messages=_choose("the officer who decided")
    )
    on = DateField(label="Date of the decision", help_text="For example, 14 1 2021")
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        error_messages={"required": "Enter the reason for the virement"},
    )

    def __init__(
        self,
        *args: Any,
        lines: Grouped,
        months: list[tuple[str, str]],
        officers: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("source", "target"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "Choose a budget line"), *lines]
        self.set_choices("month", months)
        self.set_choices("decider", officers, "Choose an officer")


class PositionField(MoneyField):
    """A surplus or a deficit in pounds: a deficit is negative ("-1,500,000")."""

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        text = forms.CharField.clean(self, value)
        if text in (None, ""):
            return None
        try:
            return to_pence(str(text).replace("−", "-"), negative=True)
        except ValueError as exc:
            raise ValidationError(f"The forecast position {exc}") from None


class PositionReportForm(Form):
    organisation = forms.ChoiceField(
        label="Organisation", error_messages=_choose("the organisation whose forecast it is")
    )
    month = forms.ChoiceField(label="As at", error_messages=_choose("the month it is as at"))
    position = PositionField(
        label="Forecast position for the year",
        help_text="Pounds: a surplus as a positive amount, a deficit with a minus sign, for "
        "example -1,500,000",
        error_messages={"required": "Enter the forecast position"},
    )
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=2000, widget=forms.Textarea
    )

    def __init__(
        self,
        *args: Any,
        organisations: list[tuple[str, str]],
        months: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = organisations  # type: ignore[attr-defined]
        self.fields["month"].choices = months  # type: ignore[attr-defined]
