"""The register of decisions: meeting decisions, officer decisions and urgent action, the
outcomes that are not decisions (recommendations, sign-offs, consultation responses), what
happened to them afterwards, minutes, and re-validation runs.

A decision, its parts and its events are records of what happened: never changed or deleted. A
correction or rescission is a new decision pointing at the one it changes; ratification,
call-in and implementation are events added to it. Minutes are drafted and edited until they
are approved; approved minutes are locked, and a correction is a new record pointing at them.
"""

from typing import Any

from django.db import models

from commonweal.core.models import Immutable, ImmutableRecord, Organisation, Person
from commonweal.governance.models import Body, Post
from commonweal.meetings.models import AgendaItem, ForwardPlanItem, Meeting
from commonweal.registry.models import Area, System


class Outcome(models.TextChoices):
    DECISION = "decision", "Decision"
    RECOMMENDATION = "recommendation", "Recommendation"
    SIGN_OFF = "sign_off", "Sign-off"
    CONSULTATION = "consultation", "Consultation response"


class Basis(models.TextChoices):
    MEETING = "meeting", "At a meeting"
    OFFICER = "officer", "Officer decision"
    URGENT = "urgent", "Urgent action"


class Change(models.TextChoices):
    CORRECTION = "correction", "Corrects"
    RESCISSION = "rescission", "Rescinds"


class Decision(Immutable):
    """One decision (or other outcome) as recorded, with the engine's validation of it then.

    `checks` is the validation as recorded: [{organisation, code, status, clause, sentence}].
    `presence` is who was in the room for the item, for the record: [{person, name, post}].
    """

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=14, choices=Outcome.choices, default=Outcome.DECISION)
    basis = models.CharField(max_length=8, choices=Basis.choices)
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    # The body whose decision it is (at its meeting, or by urgent action on its behalf).
    body = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    plan_item = models.ForeignKey(
        ForwardPlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    title = models.CharField(max_length=200)
    decision_type = models.CharField(max_length=40, blank=True, default="")
    on = models.DateField()
    resolution = models.TextField(help_text="what was decided, recommended or said")
    reasons = models.TextField(blank=True, default="")
    alternatives = models.TextField(blank=True, default="")
    risks = models.TextField(blank=True, default="")
    route_step = models.CharField(max_length=200, blank=True, default="")
    project = models.CharField(max_length=100, blank=True, default="")
    footprint = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A council's executive decision: whether it is key (carried from the forward plan), and
    # the last day of its call-in period (None: not subject to call-in; NHS bodies have none).
    key_decision = models.BooleanField(null=True, blank=True)
    call_in_until = models.DateField(null=True, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="changed_by"
    )
    change = models.CharField(max_length=10, choices=Change.choices, blank=True, default="")
    # Urgent action: why it could not wait, and who was consulted ([{person, name, post}]).
    urgency = models.TextField(blank=True, default="")
    consulted = models.JSONField(default=list, blank=True)
    valid = models.BooleanField()
    binds = models.JSONField(default=list, blank=True)  # organisation codes bound
    checks = models.JSONField(default=list, blank=True)
    presence = models.JSONField(default=list, blank=True)
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["system", "project"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @property
    def reference(self) -> str:
        return f"D{self.pk:05d}" if self.pk else "D-new"


class DecisionPart(Immutable):
    """One organisation's part: its money, the body that decided it (or none: its deciders
    decided in their own right), its consent, and the votes cast."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="parts")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(default=0)  # pence, VAT included
    # The cost centre of the organisation's budget the money comes from (finance keeps the
    # ledger of it); blank where none was named.
    budget_line = models.CharField(max_length=40, blank=True, default="")
    body = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent = models.BooleanField(default=True)
    votes_for = models.PositiveIntegerField(null=True, blank=True)
    votes_against = models.PositiveIntegerField(null=True, blank=True)
    abstentions = models.PositiveIntegerField(null=True, blank=True)
    casting_vote = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        ordering = ["decision", "id"]


class PartDecider(Immutable):
    part = models.ForeignKey(DecisionPart, on_delete=models.PROTECT, related_name="deciders")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="+")


class DecisionEvent(Immutable):
    """What happened to a decision afterwards."""

    class Kind(models.TextChoices):
        RATIFIED = "ratified", "Ratified"
        CALLED_IN = "called_in", "Called in"
        CALL_IN_OUTCOME = "call_in_outcome", "Call-in decided"
        IMPLEMENTED = "implemented", "Implemented"

    class CallInOutcome(models.TextChoices):
        NO_ACTION = "no_action", "No further action: the decision may be implemented"
        REFERRED_BACK = "referred_back", "Referred back to the decision maker to reconsider"
        REFERRED_TO_COUNCIL = "referred_to_council", "Referred to full council"

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    on = models.DateField()
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by = models.CharField(max_length=300, blank=True, default="")  # who called it in
    outcome = models.CharField(max_length=20, choices=CallInOutcome.choices, blank=True, default="")
    note = models.TextField(blank=True, default="")
    recorded = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["decision", "on", "id"]


class Minutes(models.Model):
    """A meeting's minutes: drafted from its record, edited by the clerk while a draft,
    approved at a later meeting of the body and then locked. A correction of approved minutes
    is a new record that points at them, approved in its turn."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="minutes")
    text = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    approved_at = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="approved_minutes"
    )
    approved_on = models.DateField(null=True, blank=True)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    drafted = models.DateTimeField(auto_now_add=True)
    edited = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting", "id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = Minutes.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == Minutes.Status.APPROVED:
                raise ImmutableRecord(
                    "These minutes were approved and are locked: record a correction instead"
                )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRecord("Minutes are never deleted")


class Revalidation(models.Model):
    """A run that validates every recorded decision again, against the schemes and post
    holders as the database has them now; its findings are the decisions that no longer hold."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="revalidations")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    queries = models.PositiveIntegerField(default=0)
    requested = models.DateTimeField(auto_now_add=True)
    requested_by = models.CharField(max_length=150)
    finished = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-requested"]


class Finding(models.Model):
    """A decision that no longer validates, with the reasons."""

    run = models.ForeignKey(Revalidation, on_delete=models.PROTECT, related_name="findings")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["decision"]
