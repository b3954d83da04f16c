"""The decision pages' forms. Each cleans what a person typed; the actions decide what is
allowed and the engine whether it was validly made."""

from collections.abc import Callable, Collection
from typing import Any

from django import forms

from commonweal.core.forms import DateField, Form, MoneyField, choices
from commonweal.meetings.forms import DECISION_TYPES

from .models import DecisionEvent, Outcome

TEXT = {"rows": 3}
BUDGET_LINE_LABEL = "Budget line (cost centre)"
BUDGET_LINE_HINT = (
    "The cost centre the money comes from, such as C100, so that spending within its budget "
    "is checked; leave it blank if none"
)

# The budget lines (cost centres) an organisation has in the system's ledger, by its code:
# None when the ledger holds none of its lines, and then a line named is not checked.
type KnownLines = Callable[[str], Collection[str] | None]


def budget_line_field(label: str = BUDGET_LINE_LABEL) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=40, help_text=BUDGET_LINE_HINT)


def unknown_line(name: str, code: str, known: Collection[str]) -> str | None:
    """Why a budget line named is not one of the organisation's, or None if it is."""
    if code in known:
        return None
    some = sorted(known)[:3]
    examples = " or ".join(some) if len(known) <= 3 else ", ".join(some) + " and others"
    return f"Enter a cost centre {name} has in the ledger, such as {examples}"


class DecisionForm(Form):
    outcome = forms.ChoiceField(
        label="What the item resolved", choices=Outcome.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label="Title", max_length=200)
    resolution = forms.CharField(
        label="What was decided, recommended or said",
        widget=forms.Textarea(attrs=TEXT),
        max_length=10_000,
    )
    decision_type = forms.ChoiceField(
        label="Decision type", required=False, choices=choices(DECISION_TYPES, "Not a decision")
    )
    reasons = forms.CharField(
        label="Reasons", widget=forms.Textarea(attrs=TEXT), required=False, max_length=10_000
    )
    alternatives = forms.CharField(
        label="Alternative options considered",
        widget=forms.Textarea(attrs=TEXT),
        required=False,
        max_length=10_000,
    )
    risks = forms.CharField(
        label="Risks", widget=forms.Textarea(attrs=TEXT), required=False, max_length=10_000
    )
    project = forms.CharField(
        label="Project reference",
        max_length=100,
        required=False,
        help_text="Decisions on the same project count together against cumulative limits",
    )
    footprint = forms.ChoiceField(label="Footprint", required=False)
    route_step = forms.ChoiceField(
        label="Route step it answers",
        required=False,
        help_text="From the forward plan entry's route",
    )

    def __init__(
        self,
        *args: Any,
        organisations: list[tuple[str, str]],
        deciders: dict[str, list[tuple[str, str]]],
        areas: list[tuple[str, str]],
        steps: list[tuple[str, str]],
        votes: bool,
        consent: bool,
        outcomes: list[tuple[str, str]] | None = None,
        known_lines: KnownLines | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.known_lines = known_lines
        if outcomes is not None:
            self.set_choices("outcome", outcomes)
        self.set_choices("footprint", areas, "None")
        self.set_choices("route_step", steps, "None")
        self.organisations = organisations
        self.votes, self.consent = votes, consent
        for code, name in organisations:
            self.fields[f"include_{code}"] = forms.BooleanField(
                label=f"{name} has a part in it", required=False
            )
            self.fields[f"amount_{code}"] = MoneyField(
                label=f"{name}: amount",
                required=False,
                help_text="Pounds, VAT included; 0 for none",
            )
            self.fields[f"budget_line_{code}"] = budget_line_field(
                f"{name}: budget line (cost centre)"
            )
            if code in deciders:
                field = forms.ChoiceField(label=f"{name}: who decided", required=False)
                field.choices = choices(deciders[code], "Choose a person")
                self.fields[f"decider_{code}"] = field
            if consent:
                self.fields[f"consent_{code}"] = forms.BooleanField(
                    label=f"{name}: the decider gave their consent", required=False, initial=True
                )
            if votes:
                for kind, label in (
                    ("for", "votes for"),
                    ("against", "votes against"),
                    ("abstain", "abstentions"),
                ):
                    self.fields[f"{kind}_{code}"] = forms.IntegerField(
                        label=f"{name}: {label}", required=False, min_value=0, max_value=10_000
                    )

    def check_budget_line(self, field: str, organisation: str, name: str) -> None:
        """A line named must be one of the organisation's, where the ledger holds its lines."""
        line = (self.cleaned_data.get(field) or "").strip()
        if not line or self.known_lines is None or field in self.errors:
            return
        known = self.known_lines(organisation)
        problem = unknown_line(name, line, known) if known else None
        if problem:
            self.add_error(field, problem)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for code, name in self.organisations:
            self.check_budget_line(f"budget_line_{code}", code, name)
        return cleaned

    def part_fields(self, code: str) -> list[str]:
        return [n for n in self.fields if n.endswith(f"_{code}")]

    @property
    def common_fields(self) -> list[str]:
        codes = tuple(f"_{c}" for c, _ in self.organisations)
        return [n for n in self.fields if not n.endswith(codes)]


class UrgentForm(DecisionForm):
    on = DateField(label="Date it was taken", help_text="For example, 3 3 2027")
    urgency = forms.CharField(
        label="Why it could not wait for the next meeting",
        widget=forms.Textarea(attrs=TEXT),
        max_length=5_000,
    )
    takers = forms.MultipleChoiceField(
        label="Taken by",
        widget=forms.CheckboxSelectMultiple,
        help_text="Everyone who took it, jointly",
    )
    consulted = forms.MultipleChoiceField(
        label="Consulted first", widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["takers"].choices = people  # type: ignore[attr-defined]
        self.fields["consulted"].choices = people  # type: ignore[attr-defined]


class OfficerForm(DecisionForm):
    on = DateField(label="Date of the decision", help_text="For example, 3 3 2027")
    organisation = forms.ChoiceField(label="Organisation it commits")
    amount = MoneyField(label="Amount", help_text="Pounds, VAT included; 0 for none")
    budget_line = budget_line_field()
    decider = forms.ChoiceField(label="Officer who decided")
    second = forms.ChoiceField(
        label="Second signatory", required=False, help_text="Where the band needs two"
    )

    def __init__(
        self,
        *args: Any,
        orgs: list[tuple[str, str]],
        officers: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("organisation", orgs, "Choose an organisation")
        self.set_choices("decider", officers, "Choose an officer")
        self.set_choices("second", officers, "None")
        self.orgs = dict(orgs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        code = cleaned.get("organisation") or ""
        if code in self.orgs:
            self.check_budget_line("budget_line", code, self.orgs[code])
        return cleaned


class EventForm(Form):
    kind = forms.ChoiceField(
        label="What happened",
        choices=[
            (DecisionEvent.Kind.IMPLEMENTED, "Implemented"),
            (DecisionEvent.Kind.CALLED_IN, "Called in"),
            (DecisionEvent.Kind.CALL_IN_OUTCOME, "Call-in decided"),
        ],
        widget=forms.RadioSelect,
    )
    on = DateField(label="Date", help_text="For example, 3 3 2027")
    by = forms.CharField(
        label="Called in by", max_length=300, required=False, help_text="For a call-in"
    )
    outcome = forms.ChoiceField(
        label="Outcome of the call-in",
        required=False,
        choices=choices(DecisionEvent.CallInOutcome.choices, "Not a call-in's outcome"),
    )
    note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5_000
    )


class RatifyForm(Form):
    meeting = forms.ChoiceField(label="Meeting that ratified it")
    note = forms.CharField(label="Note", required=False, max_length=2_000)

    def __init__(self, *args: Any, meetings: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("meeting", meetings, "Choose a meeting")


class ActionForm(Form):
    description = forms.CharField(
        label="Action", max_length=2_000, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ChoiceField(label="Owner")
    due = DateField(label="Due", help_text="For example, 3 3 2027")
    item = forms.ChoiceField(label="Item", required=False)

    def __init__(
        self, *args: Any, people: list[tuple[str, str]], items: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("owner", people, "Choose a person")
        self.set_choices("item", items, "None")


class MinutesForm(Form):
    text = forms.CharField(
        label="Minutes", widget=forms.Textarea(attrs={"rows": 24}), max_length=200_000
    )


class ApproveForm(Form):
    meeting = forms.ChoiceField(label="Approved at the meeting")

    def __init__(self, *args: Any, meetings: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("meeting", meetings, "Choose a meeting")
