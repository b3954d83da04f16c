"""The proposal pages' forms: they clean what a person typed or chose; the actions decide what
is allowed (the next step of the workflow, who may take it, what it needs first)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from commonweal.core.forms import DateField, Form, MoneyField
from commonweal.governance.documents import DecisionType

MONEY_ROWS = 5


class ProposalForm(Form):
    title = forms.CharField(label="Title", max_length=200)
    service = forms.CharField(
        label="Service", max_length=200, help_text="The service it commissions or changes"
    )
    care_group = forms.CharField(
        label="Care group", max_length=200, required=False, help_text="For example, adults"
    )
    programme = forms.ChoiceField(label="Clinical programme", required=False)
    footprint = forms.ChoiceField(label="Footprint", help_text="The area it serves")
    population = forms.CharField(label="Population served", max_length=500, required=False)
    lead = forms.ChoiceField(label="Lead organisation")
    sponsors = forms.MultipleChoiceField(
        label="Sponsoring organisations", required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(
        label="Summary",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
        required=False,
    )
    risks = forms.CharField(
        label="Risks",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        required=False,
    )
    indicators = forms.MultipleChoiceField(
        label="Outcomes indicators it should move",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, rows: int = MONEY_ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for n in range(1, rows + 1):
            self.fields[f"money_{n}_organisation"] = forms.ChoiceField(
                label=f"Money line {n}: organisation", required=False
            )
            self.fields[f"money_{n}_year"] = forms.IntegerField(
                label=f"Money line {n}: financial year starting",
                required=False,
                min_value=2000,
                max_value=2100,
                help_text="For example, 2020 for 2020/21",
            )
            self.fields[f"money_{n}_cost"] = MoneyField(
                label=f"Money line {n}: cost (£)", required=False
            )
            self.fields[f"money_{n}_saving"] = MoneyField(
                label=f"Money line {n}: saving (£)", required=False
            )

    def money_rows(self) -> list[tuple[str, int, int, int]]:
        out = []
        for n in range(1, self.rows + 1):
            org = self.cleaned_data.get(f"money_{n}_organisation") or ""
            year = self.cleaned_data.get(f"money_{n}_year")
            cost = self.cleaned_data.get(f"money_{n}_cost") or 0
            saving = self.cleaned_data.get(f"money_{n}_saving") or 0
            if org and year:
                out.append((org, year, cost, saving))
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, self.rows + 1):
            given = [
                data.get(f"money_{n}_{k}") not in (None, "", 0)
                for k in ("organisation", "year", "cost", "saving")
            ]
            if any(given) and not data.get(f"money_{n}_organisation"):
                self.add_error(f"money_{n}_organisation", "Choose whose money it is")
            if any(given) and not data.get(f"money_{n}_year"):
                self.add_error(f"money_{n}_year", "Enter the financial year it falls in")
        return data


class DocumentForm(Form):
    kind = forms.ChoiceField(label="Kind of document")
    title = forms.CharField(label="Title", max_length=200, required=False)
    file = forms.FileField(
        label="File", help_text="A PDF, Word document or Excel workbook, up to 30 MB"
    )


class ForwardForm(Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "forward-%s")  # two forms on a page: their own ids
        super().__init__(*args, **kwargs)

    transition = forms.CharField(widget=forms.HiddenInput)
    due = DateField(
        label="Due date",
        required=False,
        help_text="Only where no meeting of the body is arranged yet, for example 31 3 2021",
    )


class ApprovalForm(Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "approval-%s")
        super().__init__(*args, **kwargs)

    transition = forms.CharField(widget=forms.HiddenInput)
    decision_type = forms.ChoiceField(
        label="Kind of decision",
        choices=[("", "Choose")]
        + [(d.value, d.value.replace("_", " ").capitalize()) for d in DecisionType],
        help_text="What the schemes of delegation route: a business case, a policy, new investment",
    )
    due = DateField(
        label="Due date",
        required=False,
        help_text="Only where a deciding body has no meeting arranged yet",
    )


class AdvanceForm(Form):
    transition = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="Note", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_transition(self) -> str:
        value = self.cleaned_data["transition"]
        if not value or len(value) > 60:
            raise ValidationError("Choose the step to take")
        return str(value)


class TriageForm(Form):
    """One radio question per question of the tree; only the answers on the path are used."""

    note = forms.CharField(
        label="Note (optional)",
        help_text="For example, which body supported the system-level solution",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args: Any, questions: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        notes = self.fields.pop("note")
        for q in questions:
            self.fields[f"q_{q.code}"] = forms.ChoiceField(
                label=q.text,
                help_text=q.help,
                required=False,
                choices=[(a.answer, a.answer) for a in q.answers],
                widget=forms.RadioSelect,
            )
        self.fields["note"] = notes

    def answers(self) -> dict[str, str]:
        return {
            name[2:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("q_") and value
        }


INTEREST_CHOICES = [
    ("none", "I have no interest in this proposal"),
    ("financial", "Financial interest"),
    ("non_financial_professional", "Non-financial professional interest"),
    ("non_financial_personal", "Non-financial personal interest"),
    ("indirect", "Indirect interest (a close family member or business partner has one)"),
]


class InterestForm(Form):
    interest = forms.ChoiceField(
        label="Your interests in this proposal",
        choices=INTEREST_CHOICES,
        widget=forms.RadioSelect,
        help_text="NHS England's categories. With any interest you cannot score the proposal.",
    )
    detail = forms.CharField(
        label="What is the interest?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class ScoresForm(Form):
    """A score (optional until submitting) and a comment per criterion."""

    def __init__(self, *args: Any, criteria: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for c in criteria:
            self.fields[f"s_{c.code}"] = forms.TypedChoiceField(
                label=c.name,
                required=False,
                coerce=int,
                empty_value=None,
                choices=[
                    (
                        str(n),
                        f"{n}{f' ({name})' if name else ''}: {text or 'no descriptor in the framework'}",
                    )
                    for n, name, text in c.descriptors
                ],
                widget=forms.RadioSelect,
            )
            self.fields[f"c_{c.code}"] = forms.CharField(
                label=f"Comment on '{c.name}' (optional)",
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
                required=False,
            )

    def scores(self) -> dict[str, int | None]:
        return {
            name[2:]: value for name, value in self.cleaned_data.items() if name.startswith("s_")
        }

    def comments(self) -> dict[str, str]:
        return {
            name[2:]: value or ""
            for name, value in self.cleaned_data.items()
            if name.startswith("c_")
        }


class ModerationForm(Form):
    criterion = forms.ChoiceField(label="Criterion")
    score = forms.TypedChoiceField(
        label="Moderated score",
        coerce=int,
        choices=[(str(n), str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    rationale = forms.CharField(
        label="Rationale",
        help_text="Why the moderators agreed this score",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
