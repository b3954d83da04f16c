"""The meeting pages' forms. Each cleans what a person typed; the actions decide what is
allowed, and their refusals come back onto the fields they name (`Form.refuse`)."""

import re
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from commonweal.core.forms import DateField, Form, MoneyField, choices
from commonweal.governance.documents import DecisionType
from commonweal.meetings.actions import SCHEDULE_12A, at
from commonweal.meetings.models import Attendance, Declaration, ItemKind, KeyException, Meeting
from commonweal.meetings.papers import MAX_BYTES

# 14:00, 14.00, 9:30, 2pm, 2.30pm, 12 noon.
TIME = re.compile(r"^(?:(\d{1,2})[:.](\d{2})|(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)|12\s*noon)$")
COMMITMENT_ROWS = 3

DECISION_TYPES = [(t.value, t.value.replace("_", " ").capitalize()) for t in DecisionType]


class TimeField(forms.CharField):
    """A time of day as people write it: 14:00, 9.30."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", "For example, 2pm or 14:00")
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "spellcheck": "false"})

    def clean(self, value: Any) -> tuple[int, int] | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        match = TIME.match(text.strip().lower())
        if not match:
            raise ValidationError("Enter the time as 2pm or 14:00")
        if text.strip().lower().replace(" ", "") == "12noon":
            return 12, 0
        if match.group(1) is not None:
            hour, minute = int(match.group(1)), int(match.group(2))
        else:
            hour, minute = int(match.group(3)), int(match.group(4) or 0)
            if not 1 <= hour <= 12:
                raise ValidationError("Enter the time as 2pm or 14:00")
            hour = hour % 12 + (12 if match.group(5) == "pm" else 0)
        if hour > 23 or minute > 59:
            raise ValidationError("Enter a real time, such as 2pm or 14:00")
        return hour, minute


class MeetingForm(Form):
    day = DateField(label="Date of the meeting", help_text="For example, 14 1 2027")
    time = TimeField(label="Start time")
    venue = forms.CharField(label="Venue", max_length=200, required=False)
    status = forms.ChoiceField(
        label="Status",
        choices=[(Meeting.Status.TENTATIVE, "Tentative"), (Meeting.Status.CONFIRMED, "Confirmed")],
        widget=forms.RadioSelect,
    )

    def starts(self) -> datetime:
        hour, minute = self.cleaned_data["time"]
        return at(self.cleaned_data["day"], hour, minute)


class PlanForm(Form):
    title = forms.CharField(label="Title", max_length=200)
    kind = forms.ChoiceField(label="What the item is for", choices=ItemKind.choices)
    body = forms.ChoiceField(
        label="Body that takes it", required=False, help_text="For an item at a meeting"
    )
    meeting = forms.ChoiceField(
        label="Meeting", required=False, help_text="Leave this out until a meeting is chosen"
    )
    decider = forms.ChoiceField(
        label="Officer who decides it", required=False, help_text="For an officer's decision"
    )
    due = DateField(
        label="Date it is due",
        required=False,
        help_text="For an officer's decision, or a meeting not yet chosen. For example, 1 4 2027",
    )
    author = forms.CharField(label="Report author", max_length=200)
    summary = forms.CharField(label="Summary", widget=forms.Textarea, required=False)
    decision_sought = forms.CharField(
        label="Decision sought", widget=forms.Textarea, required=False, max_length=5000
    )
    decision_type = forms.ChoiceField(
        label="Decision type", required=False, choices=choices(DECISION_TYPES, "Not a decision")
    )
    footprint = forms.ChoiceField(label="Footprint", required=False)
    project = forms.CharField(label="Project reference", max_length=100, required=False)
    key_decision = forms.ChoiceField(
        label="Key decision",
        required=False,
        choices=[
            ("", "As the council's threshold proposes"),
            ("yes", "Yes: a key decision"),
            ("no", "No: not a key decision"),
        ],
        help_text="For a council's executive decision only",
    )
    # Only for a key decision on the plan for less than 28 clear days (the 2012 Regulations,
    # regulations 10 and 11).
    key_exception_kind = forms.ChoiceField(
        label="Taken under the general exception or special urgency",
        required=False,
        choices=[("", "Neither: it has 28 clear days' notice"), *KeyException.choices],
        help_text="Only for a key decision on the plan for less than 28 clear days",
    )
    key_exception = forms.CharField(
        label="Why it could not wait, or why it is urgent",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    scrutiny_chair = forms.CharField(
        label="Chair of the overview and scrutiny committee",
        required=False,
        max_length=200,
        help_text="Who was told of it in writing (general exception) or agreed it is urgent "
        "(special urgency)",
    )
    scrutiny_chair_on = DateField(
        label="Date the chair was told or agreed", required=False, help_text="For example, 1 4 2027"
    )
    # Business to be taken in private: the public notice says so and why (regulation 5).
    private_reason = forms.CharField(
        label="Why it is to be taken in private (leave empty if in public)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    private_paragraph = forms.TypedChoiceField(
        label="Paragraph of Schedule 12A (councils)",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "None")] + [(str(n), f"Paragraph {n}") for n in range(1, 8)],
    )

    def __init__(
        self,
        *args: Any,
        bodies: list[tuple[str, str]],
        meetings: list[tuple[str, str]],
        posts: list[tuple[str, str]],
        organisations: list[tuple[str, str]],
        areas: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("body", bodies, "Choose a body")
        self.set_choices("meeting", meetings, "No meeting chosen yet")
        self.set_choices("decider", posts, "Choose a post")
        self.set_choices("footprint", areas, "None")
        for i in range(COMMITMENT_ROWS):
            n = i + 1
            self.fields[f"organisation_{i}"] = forms.ChoiceField(
                label=f"Organisation {n}", required=False, choices=choices(organisations, "None")
            )
            self.fields[f"amount_{i}"] = MoneyField(
                label=f"Amount {n}", required=False, help_text="Pounds, VAT included"
            )
            self.fields[f"prior_{i}"] = MoneyField(
                label=f"Already committed on the project {n}",
                required=False,
                help_text="Pounds, for a cumulative limit",
            )

    def commitments(self) -> list[tuple[str, int, int | None]]:
        out: list[tuple[str, int, int | None]] = []
        for i in range(COMMITMENT_ROWS):
            org: str = self.cleaned_data.get(f"organisation_{i}") or ""
            amount: int | None = self.cleaned_data.get(f"amount_{i}")
            if org and amount is None:
                self.add_error(f"amount_{i}", f"Enter amount {i + 1}")
            elif amount is not None and not org:
                self.add_error(f"organisation_{i}", f"Choose organisation {i + 1}")
            elif org and amount is not None:
                out.append((org, amount, self.cleaned_data.get(f"prior_{i}")))
        return out


class RescheduleForm(Form):
    meeting = forms.ChoiceField(label="Move to the meeting", required=False)
    due = DateField(label="Or to the date", required=False, help_text="For example, 1 6 2027")

    def __init__(self, *args: Any, meetings: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("meeting", meetings, "No meeting")


EXEMPTION_PARAGRAPHS = [(str(n), f"Paragraph {n}: {text}") for n, text in SCHEDULE_12A.items()]


class ExemptionFields(Form):
    """Whether an item is taken in private, and why: a council's business under a paragraph of
    Schedule 12A with the public interest test; an NHS body's with its reason in words."""

    exempt = forms.BooleanField(label="Exempt: taken in private", required=False)
    exemption_paragraph = forms.ChoiceField(
        label="Schedule 12A paragraph",
        required=False,
        choices=choices(EXEMPTION_PARAGRAPHS, "Not a council's business"),
        help_text="For a council's business: the paragraph that makes it exempt",
    )
    exemption_reason = forms.CharField(
        label="Reason it is taken in private",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="For an NHS body's business",
    )
    public_interest = forms.CharField(
        label="The public interest test",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Why the public interest in keeping it private outweighs the public interest "
        "in disclosing it (Schedule 12A, paragraph 10)",
    )

    def __init__(self, *args: Any, council: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the fields that apply to this body.
        drop = ("exemption_reason",) if council else ("exemption_paragraph", "public_interest")
        for name in drop:
            del self.fields[name]
        if council:
            self.set_choices("exemption_paragraph", EXEMPTION_PARAGRAPHS, "Choose a paragraph")

    def paragraph(self) -> int | None:
        value = self.cleaned_data.get("exemption_paragraph")
        return int(value) if value else None

    def reason(self) -> str:
        return str(self.cleaned_data.get("exemption_reason") or "")

    def interest_test(self) -> str:
        return str(self.cleaned_data.get("public_interest") or "")


class AddItemForm(ExemptionFields):
    title = forms.CharField(label="Title", max_length=200)
    kind = forms.ChoiceField(label="What the item is for", choices=ItemKind.choices)
    presenter = forms.CharField(label="Presented by", max_length=200, required=False)
    summary = forms.CharField(label="Summary", widget=forms.Textarea, required=False)
    urgency_reason = forms.CharField(
        label="Why it is urgent",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Only for an item added after the agenda's deadline",
    )
    chair_agreed = forms.BooleanField(label="The chair agreed to take it as urgent", required=False)
    field_order = [
        "title",
        "kind",
        "presenter",
        "summary",
        "exempt",
        "exemption_paragraph",
        "exemption_reason",
        "public_interest",
        "urgency_reason",
        "chair_agreed",
    ]


class FromPlanForm(Form):
    plan_item = forms.ChoiceField(label="Item from the forward plan")
    urgency_reason = forms.CharField(
        label="Why it is urgent",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Only for an item added after the agenda's deadline",
    )
    chair_agreed = forms.BooleanField(label="The chair agreed to take it as urgent", required=False)

    def __init__(self, *args: Any, planned: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("plan_item", planned, "Choose an item")


class ExemptForm(ExemptionFields):
    pass


class PublishForm(Form):
    late_reason = forms.CharField(
        label="Why the agenda is late",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Only after the deadline",
    )


class UploadForm(Form):
    file = forms.FileField(
        label="File",
        help_text=f"A PDF, Word (.docx) or Excel (.xlsx) file, at most {MAX_BYTES // 1_000_000} MB",
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.xlsx"}),
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        required=False,
        help_text="Leave this out to use the file's name",
    )


class AttendanceForm(Form):
    person = forms.ChoiceField(label="Person")
    capacity = forms.ChoiceField(label="Attends as", choices=Attendance.Capacity.choices)
    post = forms.ChoiceField(
        label="Post",
        required=False,
        help_text="The post they attend in; for a substitute, the member they stand in for",
    )
    status = forms.ChoiceField(
        label="Attendance", choices=Attendance.Status.choices, widget=forms.RadioSelect
    )
    arrived = forms.ChoiceField(label="Arrived at", required=False)
    left = forms.ChoiceField(label="Left after", required=False)
    note = forms.CharField(label="Note", max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        people: list[tuple[str, str]],
        posts: list[tuple[str, str]],
        items: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("person", people, "Choose a person")
        self.set_choices("post", posts, "No post")
        self.set_choices("arrived", items, "The start")
        self.set_choices("left", items, "The end")


class DeclarationForm(Form):
    person = forms.ChoiceField(label="Who declares")
    items = forms.MultipleChoiceField(
        label="Items the interest touches", widget=forms.CheckboxSelectMultiple
    )
    interest = forms.ChoiceField(
        label="From their register of interests",
        required=False,
        help_text="Or describe the interest below",
    )
    kind = forms.ChoiceField(label="Kind of interest", required=False)
    description = forms.CharField(
        label="Description",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )
    pecuniary = forms.BooleanField(
        label="A disclosable pecuniary interest (a council member's)", required=False
    )
    ruling = forms.ChoiceField(
        label="The chair's ruling", choices=Declaration.Ruling.choices, widget=forms.RadioSelect
    )

    def __init__(
        self,
        *args: Any,
        people: list[tuple[str, str]],
        items: list[tuple[str, str]],
        interests: list[tuple[str, str]],
        kinds: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("person", people, "Choose a person")
        self.set_choices("items", items)
        self.set_choices("interest", interests, "Not on the register")
        self.set_choices("kind", kinds, "As on the register")
