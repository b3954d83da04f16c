"""The pooled fund pages' forms. Each cleans what a person typed or chose; the actions decide
what is allowed (a recurrent line may not take underspend; an incomplete return may not be
signed off)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from commonweal.core.forms import DateField, Form, MoneyField
from commonweal.finance.workbook import MAX_BYTES

from . import config
from .actions import metric_problem

XLSX = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choose(what: str) -> dict[str, str]:
    return {"required": f"Choose {what}", "invalid_choice": f"Choose {what} from the list"}


class PlanForm(Form):
    file = forms.FileField(
        label="Plan workbook",
        help_text="An Excel workbook (.xlsx) of up to 50 MB, laid out as the template is",
        error_messages={
            "required": "Select the plan workbook to upload",
            "empty": "The selected file is empty",
            "invalid": "Select the plan workbook to upload",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = XLSX

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > MAX_BYTES:
            raise ValidationError(
                f"The selected file must be smaller than {MAX_BYTES // 1_000_000} MB"
            )
        if upload is not None and not upload.name.lower().endswith(".xlsx"):
            raise ValidationError("The selected file must be an Excel workbook (.xlsx)")
        return upload


class ActionPlanForm(Form):
    owner = forms.CharField(
        label="Owner",
        help_text="Who is responsible for the actions, for example the pooled fund manager",
        max_length=200,
        error_messages={"required": "Enter who owns the action plan"},
    )
    due = DateField(label="The date the actions are due", help_text="For example, 30 11 2020")
    actions = forms.CharField(
        label="Actions",
        help_text="What will be done to bring the pool back within its budget",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        error_messages={"required": "Enter the actions that will be taken"},
    )


class UnderspendForm(Form):
    line = forms.ChoiceField(label="Spend line", error_messages=_choose("the spend line to fund"))
    amount = MoneyField(
        label="Amount",
        help_text="Pounds, for example 25,000",
        error_messages={"required": "Enter the amount of underspend to use"},
    )
    reason = forms.CharField(
        label="What it will buy",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        error_messages={"required": "Enter what the underspend will buy"},
    )

    def __init__(self, *args: Any, lines: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("line", lines, "Choose a spend line")


YES_NO = [("yes", "Yes"), ("no", "No")]


class ReturnForm(Form):
    """A quarter's return: each metric's actual (`actual-<code>`), each national condition
    confirmed yes or no (`condition-<code>`) with a comment (`comment-<code>`), and the
    narrative. The inputs' ids are their names, so that the checklist's links reach them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        cfg = config.config()
        for m in cfg.metrics:
            unit = f" ({m.unit})" if m.unit else ""
            self.fields[f"actual-{m.code}"] = forms.CharField(
                label=f"{m.name}: actual{unit}",
                required=False,
                max_length=30,
                help_text=m.definition,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
            )
        for c in cfg.conditions:
            self.fields[f"condition-{c.code}"] = forms.ChoiceField(
                label=c.text,
                required=False,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": f"Choose yes or no: {c.text}"},
            )
            self.fields[f"comment-{c.code}"] = forms.CharField(
                label="Comment (needed if the condition is not met)",
                required=False,
                max_length=5_000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["narrative"] = forms.CharField(
            label="Narrative (optional)",
            help_text="Progress, risks and anything the Health and Wellbeing Board should know",
            required=False,
            max_length=20_000,
            widget=forms.Textarea(attrs={"rows": 5}),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for m in config.config().metrics:
            name = f"actual-{m.code}"
            raw = str(data.get(name) or "").strip().replace(",", "")
            if not raw:
                data[name] = None
                continue
            try:
                value = Decimal(raw)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():
                self.add_error(name, f"{m.name}: the actual must be a number, such as 181.2")
                data.pop(name, None)
            elif (problem := metric_problem(value)) is not None:
                self.add_error(name, f"{m.name}: {problem}")
                data.pop(name, None)
            else:
                data[name] = value
        return data

    def actuals(self) -> dict[str, Decimal | None]:
        return {m.code: self.cleaned_data.get(f"actual-{m.code}") for m in config.config().metrics}

    def confirmations(self) -> dict[str, tuple[bool | None, str]]:
        out = {}
        for c in config.config().conditions:
            chosen = self.cleaned_data.get(f"condition-{c.code}") or ""
            met = {"yes": True, "no": False}.get(chosen)
            out[c.code] = (met, self.cleaned_data.get(f"comment-{c.code}") or "")
        return out


class SignOffForm(Form):
    item = forms.ChoiceField(
        label="Agenda item",
        help_text="The item of the Health and Wellbeing Board's meeting at which it signed off "
        "the return",
        error_messages=_choose("the agenda item at which the board signed off the return"),
    )
    resolution = forms.CharField(
        label="Resolution",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        error_messages={"required": "Enter the board's resolution"},
    )

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "sign-off")
        super().__init__(*args, **kwargs)
        self.set_choices("item", items, "Choose an agenda item")
