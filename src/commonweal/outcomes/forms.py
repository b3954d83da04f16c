"""The outcomes pages' forms: a rebase point on an SPC chart, and a Fingertips file."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from commonweal.core.forms import Form

from .presenters import SeriesView

MAX_BYTES = 50_000_000


class RebaseForm(Form):
    period = forms.TypedChoiceField(
        label="The month the process changed",
        help_text="The chart's limits start again from this month",
        error_messages={
            "required": "Choose the month the process changed",
            "invalid_choice": "Choose a month of the series from the list",
        },
    )
    reason = forms.CharField(
        label="Why the process changed",
        help_text="For example, a new service model started, or the measure's definition changed",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why the process changed",
            "max_length": "Why the process changed must be 2,000 characters or fewer",
        },
    )

    def __init__(self, view: SeriesView, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        months = [p for p in view.points[1:] if p.value is not None]
        field = self.fields["period"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "Choose a month")] + [(p.period.isoformat(), p.label) for p in months]
        field.coerce = _month
        self.months = {p.period.isoformat(): p.period for p in months}


def _month(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


class FingertipsForm(Form):
    file = forms.FileField(
        label="Fingertips file",
        help_text="A CSV file in the Fingertips download layout, up to 50 MB",
        error_messages={
            "required": "Select the Fingertips file to upload",
            "empty": "The selected file is empty",
            "invalid": "Select the Fingertips file to upload",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > MAX_BYTES:
            raise ValidationError(
                f"The selected file must be smaller than {MAX_BYTES // 1_000_000} MB"
            )
        if upload is not None and not upload.name.lower().endswith(".csv"):
            raise ValidationError("The selected file must be a CSV file (.csv)")
        return upload
