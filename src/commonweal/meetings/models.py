"""The meeting record: forward plans, meetings, agendas, papers, attendance and declarations.

Nothing here is deleted: an item withdrawn from the plan or the agenda is marked so, a replaced
paper keeps its earlier versions (each version is a record that never changes), and attendance
and declarations stay as the meeting's record for its decisions and minutes.
"""

from django.db import models

from commonweal.core.models import Immutable, Organisation, Person
from commonweal.governance.models import Body, Post
from commonweal.interests.models import Dispensation, Interest, InterestKind
from commonweal.registry.models import Area, System


class ItemKind(models.TextChoices):
    DECISION = "decision", "For decision"
    # A step of a decision's route that is not the decision: a body consulted, or recommending.
    CONSULTATION = "consultation", "For consultation"
    RECOMMENDATION = "recommendation", "For recommendation"
    DISCUSSION = "discussion", "For discussion"
    INFORMATION = "information", "For information"


class Meeting(models.Model):
    class Status(models.TextChoices):
        TENTATIVE = "tentative", "Tentative"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"
        HELD = "held", "Held"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    starts = models.DateTimeField()
    venue = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TENTATIVE)
    # When the agenda and papers were published, and the notice the body's terms of
    # reference asked for then (clear working days).
    published = models.DateTimeField(null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(default=5)
    # Why the agenda went out late, when it did.
    late_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-starts"]

    def __str__(self) -> str:
        return f"{self.body.name}, {self.starts:%-d %B %Y}"


class KeyException(models.TextChoices):
    GENERAL_EXCEPTION = "general_exception", "General exception"
    SPECIAL_URGENCY = "special_urgency", "Special urgency"


class ForwardPlanItem(models.Model):
    """Business an organisation expects: an item at a body's meeting, or an officer's decision.

    For a decision, the route inputs (decision type, commitments, footprint, project) let the
    engine say which route the decision needs. `first_due` is when it was first planned, so an
    item that has slipped shows it.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ON_AGENDA = "on_agenda", "On an agenda"
        TAKEN = "taken", "Taken"
        WITHDRAWN = "withdrawn", "Withdrawn"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="forward_plan"
    )
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="forward_plan")
    reference = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, default="")
    kind = models.CharField(max_length=14, choices=ItemKind.choices, default=ItemKind.DECISION)
    # Where it is taken: at a body's meeting (`body`, and `meeting` once one is chosen) or by
    # an officer (`decider`, on `due`).
    body = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.PROTECT, related_name="forward_plan"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="planned"
    )
    decider = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.PROTECT, related_name="planned"
    )
    due = models.DateField()
    first_due = models.DateField()
    author = models.CharField(max_length=200, help_text="the report's author")
    decision_sought = models.TextField(blank=True, default="")
    decision_type = models.CharField(max_length=40, blank=True, default="")
    # [{"organisation": code, "amount": pence, "prior": pence or null}]
    commitments = models.JSONField(default=list, blank=True)
    footprint = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    project = models.CharField(max_length=100, blank=True, default="")
    # A council executive decision's key-decision flag (None: not a council executive
    # decision). The council's threshold proposes it; a person may set it either way.
    key_decision = models.BooleanField(null=True, blank=True)
    # A key decision on the plan for less than 28 clear days is taken under the general
    # exception or special urgency (the 2012 Regulations, regulations 10 and 11): which, why,
    # and the scrutiny chair who was told of it in writing (10) or agreed it is urgent (11).
    key_exception_kind = models.CharField(
        max_length=20, choices=KeyException.choices, blank=True, default=""
    )
    key_exception = models.TextField(blank=True, default="")
    scrutiny_chair = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="the chair of the relevant overview and scrutiny committee (under special "
        "urgency, where there is none, the chair or else the vice-chair of the council)",
    )
    scrutiny_chair_on = models.DateField(null=True, blank=True)
    # Business intended to be taken in private: the notice says so, and why, before the agenda
    # (the 2012 Regulations, regulation 5); for a council, the paragraph of Schedule 12A.
    private_paragraph = models.PositiveSmallIntegerField(null=True, blank=True)
    private_reason = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "reference"], name="one_forward_plan_reference"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class AgendaItem(models.Model):
    """An item of a meeting's agenda, numbered in order."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=14, choices=ItemKind.choices)
    plan_item = models.ForeignKey(
        ForwardPlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="agenda"
    )
    summary = models.TextField(blank=True, default="")
    presenter = models.CharField(max_length=200, blank=True, default="")
    # Exempt business: listed with its title and the reason; its report and papers are
    # withheld from anyone outside the body. A council's reason is a paragraph of Schedule
    # 12A to the Local Government Act 1972.
    exempt = models.BooleanField(default=False)
    exemption_paragraph = models.PositiveSmallIntegerField(null=True, blank=True)
    exemption_reason = models.TextField(blank=True, default="")
    # Schedule 12A, paragraph 10: why the public interest in keeping it private outweighs
    # the public interest in disclosing it.
    public_interest = models.TextField(blank=True, default="")
    # Added after the agenda's deadline: the reason it is urgent, and that the chair agreed
    # to take it (Local Government Act 1972, s100B(4)(b)).
    late = models.BooleanField(default=False)
    urgency_reason = models.TextField(blank=True, default="")
    chair_agreed = models.BooleanField(default=False)
    withdrawn = models.BooleanField(default=False)
    added = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


def paper_path(version: "PaperVersion", filename: str) -> str:
    # Stored under a name of our own: an uploaded name is never a path on the server.
    return f"papers/{version.sha256[:2]}/{version.sha256}.{version.kind}"


class Paper(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="papers")
    title = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "created", "id"]

    def __str__(self) -> str:
        return self.title


class PaperVersion(Immutable):
    """One uploaded version of a paper: never changed; a replacement is a new version."""

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=paper_path, max_length=200)
    filename = models.CharField(max_length=200, help_text="the name it was uploaded with")
    kind = models.CharField(max_length=4)  # pdf, docx, xlsx
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # Pages of a PDF, paragraphs of a document, sheets of a workbook.
    extent = models.PositiveIntegerField(default=0)
    uploaded = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.CharField(max_length=150)
    # Uploaded after the notice deadline.
    late = models.BooleanField(default=False)

    class Meta:
        ordering = ["paper", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="one_paper_version_number")
        ]


class Attendance(models.Model):
    """Who was at a meeting, in what capacity, and for which items.

    A person present from the start to the end has no `arrived`/`left`; one who arrived late
    was present from `arrived` (an item); one who left early, up to and including `left`.
    """

    class Capacity(models.TextChoices):
        MEMBER = "member", "Member"
        SUBSTITUTE = "substitute", "Substitute"
        ATTENDEE = "attendee", "Attendee"
        INVITED = "invited", "Invited"
        OTHER = "other", "In attendance"

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Apologies"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendance")
    capacity = models.CharField(max_length=10, choices=Capacity.choices)
    # The post they attend in; for a substitute, the member post they stand in for.
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PRESENT)
    arrived = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    left = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["meeting", "capacity", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_attendance_a_person")
        ]


class Declaration(models.Model):
    """An interest declared at a meeting on some of its items, and the chair's ruling."""

    class Ruling(models.TextChoices):
        WITHDRAW = "withdraw", "Withdraws from the item"
        NO_PART = "no_part", "Stays, without taking part in the decision"
        TAKE_PART = "take_part", "Takes part: no conflict"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="declarations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="declarations")
    items = models.ManyToManyField(AgendaItem, related_name="declarations")
    interest = models.ForeignKey(
        Interest, null=True, blank=True, on_delete=models.PROTECT, related_name="declarations"
    )
    kind = models.CharField(max_length=30, choices=InterestKind.choices)
    description = models.TextField()
    pecuniary = models.BooleanField(default=False)
    dispensation = models.ForeignKey(
        Dispensation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ruling = models.CharField(max_length=10, choices=Ruling.choices)
    # Who ruled: the chair, or the deputy where the chair is conflicted on the item.
    ruled_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "person__name", "id"]


class MeetingAction(models.Model):
    """An action agreed at a meeting: who does what by when. Carried on each agenda of the
    body, from the meeting after it was agreed, until it is done."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="actions")
    raised_at = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    description = models.TextField()
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="meeting_actions")
    due = models.DateField()
    # Done: the day, and the meeting that heard it was done (if any), with what was said.
    done = models.DateField(null=True, blank=True)
    done_at = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="closed_actions"
    )
    note = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.description[:80]
