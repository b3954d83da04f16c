"""Bodies, posts and their holders, and schemes of reservation and delegation.

Nothing here is deleted. A governance document that stops describing a post, a body, a holding
or a membership ends it (`ends`), so that decisions, attendance and roles that point at it keep
what they point at; a loaded scheme version never changes (a change is a new version).
"""

from django.db import models
from django.db.models import Q

from commonweal.core.models import Immutable, Organisation, Person
from commonweal.governance.documents import BodyKind
from commonweal.governance.engine import Voting
from commonweal.registry.models import Area, System


class Post(models.Model):
    """A post in an organisation, mapped to the statutory roles it carries."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="posts")
    code = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    statutory_roles = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    system_role = models.CharField(max_length=200, blank=True, default="")
    # A joint appointment acts for other organisations too and answers to posts in each.
    acts_for = models.ManyToManyField(Organisation, blank=True, related_name="joint_posts")
    accountable_to = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="reports"
    )
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="posts")
    # The last day the post existed: set when the governance document stops describing it.
    ends = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name", "title"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="one_post_code")
        ]

    def __str__(self) -> str:
        return f"{self.title}, {self.organisation.name}"

    @property
    def ref(self) -> str:
        return f"{self.organisation.code}/{self.code}"


class PostHolding(models.Model):
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="holdings")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="holdings")
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)
    acting = models.BooleanField(default=False)

    class Meta:
        ordering = ["-starts"]

    def __str__(self) -> str:
        return f"{self.person}, {'acting ' if self.acting else ''}{self.post.title}"


class Body(models.Model):
    """A board, committee, executive or partnership, with its terms of reference."""

    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="bodies")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=40, choices=[(k.value, k.value.replace("_", " ").capitalize()) for k in BodyKind]
    )
    owners = models.ManyToManyField(Organisation, related_name="bodies")
    footprint = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="bodies"
    )
    purpose = models.TextField(blank=True, default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="sub_bodies"
    )
    delegates = models.TextField(
        blank=True, default="", help_text="what its parent delegates to it"
    )
    voting = models.CharField(max_length=20, choices=[(v.value, v.value) for v in Voting])
    chair = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deputy = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quorum_number = models.PositiveSmallIntegerField(default=0)
    quorum_required = models.JSONField(default=list, blank=True)
    # A joint committee voting in blocks: each organisation's members present for its block.
    quorum_block = models.PositiveSmallIntegerField(default=0)
    # The chair's casting vote on a tie, where the terms of reference grant one.
    casting_vote = models.BooleanField(default=False)
    # Whose substitutes count as them: ["members"] for any member, or member post references.
    substitutes = models.JSONField(default=list, blank=True)
    # Clear working days' notice of the agenda and papers before a meeting.
    notice_days = models.PositiveSmallIntegerField(default=5)
    # Who may take an urgent decision for it between meetings, and whom they consult first:
    # {"by": [post refs, acting jointly], "consult": [post refs or categories]}; {} for none.
    urgent_action = models.JSONField(default=dict, blank=True)
    attendance_note = models.CharField(max_length=300, blank=True, default="")
    review = models.DateField(null=True, blank=True)
    illustrative = models.BooleanField(default=False)
    # The last day the body existed: set when the governance document stops describing it.
    ends = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="one_body_code")]

    def __str__(self) -> str:
        return self.name


class BodyMembership(models.Model):
    class Kind(models.TextChoices):
        MEMBER = "member", "Member"  # counts for quorum, may decide
        ATTENDEE = "attendee", "Attendee"  # informs, never decides
        INVITED = "invited", "Invited"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="memberships")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="body_memberships")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Terms of reference change: a post joins a body on `starts` and leaves after `ends`.
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["body", "post"],
                condition=Q(ends__isnull=True),
                name="one_open_body_membership",
            )
        ]


class Scheme(Immutable):
    """One version of an organisation's scheme of reservation and delegation.

    A loaded version never changes: decisions are judged by the version in force that day.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="schemes")
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="schemes")
    version = models.CharField(max_length=40)
    title = models.CharField(max_length=200, blank=True, default="")
    in_force_from = models.DateField()
    in_force_to = models.DateField(null=True, blank=True)
    illustrative = models.BooleanField(default=False)
    note = models.TextField(blank=True, default="")
    # A council's key-decision threshold, in pence: executive decisions committing more are key.
    key_decision_over = models.BigIntegerField(null=True, blank=True)
    document = models.TextField(help_text="the YAML as loaded")
    source = models.CharField(max_length=300, blank=True, default="")
    compiled = models.JSONField()

    class Meta:
        ordering = ["organisation__name", "-in_force_from"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "version"], name="one_scheme_version")
        ]

    def __str__(self) -> str:
        return f"{self.title or 'Scheme of delegation'} ({self.version})"
