"""The outcomes pages' forms: a rebase point on an SPC chart, and a Fingertips file."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from commonweal.core.forms import Form

from .presenters import SeriesView

# The page's bounds on a Fingertips file (the command line, import-fingertips, takes larger
# ones). The request guard lets an upload to the page through up to UPLOAD_MAX_BYTES (51 MB),
# so the form sees every file up to this size and can name it.
MAX_BYTES = 50_000_000
MAX_ROWS = 200_000


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
        help_text=(
            f"A CSV file in the Fingertips download layout, up to {MAX_BYTES // 1_000_000} MB "
            f"and {MAX_ROWS:,} rows"
        ),
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
                f"{upload.name} is larger than {MAX_BYTES // 1_000_000} MB: the page takes "
                f"files up to {MAX_BYTES // 1_000_000} MB (the command line, "
                "import-fingertips, takes larger ones)"
            )
        if upload is not None and not upload.name.lower().endswith(".csv"):
            raise ValidationError(f"{upload.name} must be a CSV file (.csv)")
        return upload
