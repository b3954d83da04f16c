"""Commissioning proposals: workflows (loaded versions never change), each system's set-up and
clinical programmes, the proposals themselves, their money by year, documents, the plan items
that take them to bodies' meetings, the governance route asked for stage 4, and the history of
the stages they passed (a record of what happened: never changed)."""

from django.conf import settings
from django.db import models

from commonweal.core.models import Immutable, Organisation
from commonweal.governance.models import Body
from commonweal.meetings.models import ForwardPlanItem
from commonweal.outcomes.models import Indicator
from commonweal.registry.models import Area, System


class Workflow(Immutable):
    """One loaded version of a workflow document. A changed document is a new version; proposals
    keep the version they started on."""

    code = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    source = models.TextField(blank=True)
    document = models.TextField()
    sha256 = models.CharField(max_length=64)
    compiled = models.JSONField()
    loaded = models.DateTimeField(auto_now_add=True)
    loaded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="one_workflow_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"


class Framework(Immutable):
    """One loaded version of a level-triage tree, a scoring framework or a catalogue of functions.
    A changed document is a new version; triages and assessments keep the version they used."""

    TRIAGE, SCORING, CATALOGUE = "triage", "scoring", "catalogue"
    KINDS = [
        (TRIAGE, "Level-triage tree"),
        (SCORING, "Scoring framework"),
        (CATALOGUE, "Catalogue"),
    ]

    kind = models.CharField(max_length=12, choices=KINDS)
    code = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    source = models.TextField(blank=True)
    document = models.TextField()
    sha256 = models.CharField(max_length=64)
    compiled = models.JSONField()
    loaded = models.DateTimeField(auto_now_add=True)
    loaded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["kind", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code", "version"], name="one_level_framework_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"


class Setup(models.Model):
    """How a system runs its proposals: the workflow (latest version of that code at loading),
    and its own bodies for the bodies the workflows name."""

    system = models.OneToOneField(System, on_delete=models.PROTECT, related_name="+")
    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="+")
    bodies = models.JSONField(default=dict)  # workflow body code -> [body codes]
    triage = models.ForeignKey(
        Framework, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scoring = models.ForeignKey(
        Framework, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    catalogue = models.ForeignKey(
        Framework, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document = models.TextField()
    loaded = models.DateTimeField(auto_now=True)


class PlaceOption(models.Model):
    """How far council and NHS decide together at a place (South East London's options, seed
    004), checked against the partners' schemes when the set-up is loaded."""

    GREATER, ALIGNED, JOINT = "greater_involvement", "aligned_commissioning", "joint_commissioning"
    OPTIONS = [
        (GREATER, "Greater involvement"),
        (ALIGNED, "Aligned commissioning"),
        (JOINT, "Joint commissioning"),
    ]

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    option = models.CharField(max_length=30, choices=OPTIONS)
    board = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    checked_on = models.DateField()
    loaded = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["system", "area__name"]
        constraints = [models.UniqueConstraint(fields=["system", "area"], name="one_place_option")]


class Programme(models.Model):
    """A clinical programme (West Yorkshire's joint committee remit is a work programme of them)."""

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    remit = models.JSONField(default=list)
    workflow = models.ForeignKey(
        Workflow, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["system", "position"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="one_programme_code")
        ]

    def __str__(self) -> str:
        return self.name


class Proposal(models.Model):
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    service = models.CharField(max_length=200)
    care_group = models.CharField(max_length=200, blank=True)
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    footprint = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    population = models.CharField(max_length=500, blank=True)
    lead = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    sponsors = models.ManyToManyField(Organisation, blank=True, related_name="+")
    risks = models.TextField(blank=True)
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="+")
    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="+")
    state = models.SlugField(max_length=60)
    stage = models.PositiveSmallIntegerField(null=True, blank=True)
    public = models.BooleanField(default=False)  # reached a state the workflow shows publicly
    decision_type = models.CharField(max_length=40, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    changed = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["system", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["system", "number"], name="one_proposal_number")
        ]
        indexes = [
            models.Index(fields=["system", "state", "-number"], name="proposal_board"),
            models.Index(fields=["programme", "state", "-number"], name="proposal_programme"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"P{self.number:05d}"


class Money(models.Model):
    """A proposal's cost and saving in one financial year (2020 is 2020/21), for one
    organisation, in pence."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="money")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    cost = models.BigIntegerField(default=0)
    saving = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["proposal", "year", "organisation__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "organisation", "year"], name="one_money_line"
            )
        ]


def document_path(document: "Document", filename: str) -> str:
    # Stored under a name of our own: an uploaded name is never a path on the server.
    return f"proposals/{document.sha256[:2]}/{document.sha256}.{document.format}"


class Document(Immutable):
    """A document held for a proposal (a business case, an impact assessment): never changed;
    a replacement is a newer document of the same kind."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="documents")
    kind = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=document_path, max_length=200)
    filename = models.CharField(max_length=200)
    format = models.CharField(max_length=4)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    extent = models.PositiveIntegerField(default=0)
    uploaded = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["proposal", "kind", "-uploaded", "-id"]


class Approval(Immutable):
    """The governance route asked for a proposal's approval: what it was asked with and the
    steps the engine gave. Asking again (the route changed) is a new record."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="approvals")
    transition = models.SlugField(max_length=60)
    decision_type = models.CharField(max_length=40)
    on = models.DateField()
    commitments = models.JSONField()  # [{"organisation", "amount"}] in pence
    route = models.JSONField()  # governance.presenters.describe_route
    steps = models.JSONField()  # [[step id, kind, organisation, taker body, taker name]]
    asked = models.DateTimeField(auto_now_add=True)
    asked_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["proposal", "-asked", "-id"]


class Item(models.Model):
    """A forward plan entry made for a proposal: for a transition's body, or a route step."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="items")
    plan_item = models.OneToOneField(ForwardPlanItem, on_delete=models.PROTECT, related_name="+")
    transition = models.SlugField(max_length=60)
    workflow_body = models.SlugField(max_length=60, blank=True)
    body = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approval = models.ForeignKey(
        Approval, null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    steps = models.JSONField(default=list)  # the route steps it answers
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal", "id"]


class Passage(Immutable):
    """A proposal moved from one state to another: by whom, on what evidence (the recorded
    outcomes or decisions that made it), with a note."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="passages")
    transition = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    source = models.SlugField(max_length=60)
    target = models.SlugField(max_length=60)
    evidence = models.JSONField(default=list)  # ["D00012 sign-off at ..."]
    figures = models.JSONField(default=dict)  # {"cost", "saving"} in pence, when it passed
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)
    by = models.CharField(max_length=150)

    class Meta:
        ordering = ["proposal", "at", "id"]


class Triage(Immutable):
    """A proposal taken through a level-triage tree: the answers on the path, where it ended.
    Asking again is a new record; the latest is the proposal's current level."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="triages")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    path = models.JSONField()  # [{"question", "text", "answer"}]
    result = models.SlugField(max_length=60)
    level = models.CharField(max_length=12)
    text = models.TextField()
    advice = models.TextField(blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)
    by = models.CharField(max_length=150)

    class Meta:
        ordering = ["proposal", "-at", "-id"]


class Assessment(models.Model):
    """One assessor's scores for a proposal against a scoring framework. Interests come first;
    a conflicted assessor scores nothing. Scores may be saved incomplete; once submitted the
    assessment no longer changes."""

    INTERESTS = [
        ("none", "No interest"),
        ("financial", "Financial interest"),
        ("non_financial_professional", "Non-financial professional interest"),
        ("non_financial_personal", "Non-financial personal interest"),
        ("indirect", "Indirect interest"),
    ]

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="assessments")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    interest = models.CharField(max_length=30, choices=INTERESTS)
    interest_detail = models.TextField(blank=True)
    declared = models.DateTimeField(auto_now_add=True)
    scores = models.JSONField(default=dict)  # {criterion code: score}
    comments = models.JSONField(default=dict)  # {criterion code: text}
    submitted = models.DateTimeField(null=True, blank=True)
    changed = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["proposal", "declared", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "framework", "assessor"], name="one_assessment_each"
            )
        ]

    @property
    def conflicted(self) -> bool:
        return self.interest != "none"


class Moderation(Immutable):
    """The score the moderators agreed for one criterion, with their rationale. A later
    moderation of the same criterion replaces it; both stay on record."""

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="moderations")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    criterion = models.SlugField(max_length=60)
    score = models.PositiveSmallIntegerField()
    rationale = models.TextField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.CharField(max_length=150)

    class Meta:
        ordering = ["proposal", "criterion", "-at", "-id"]
