"""Platform models: organisations, people and the roles they hold, API tokens, the audit trail.

Organisations live here, not in the registry, because permissions are scoped to them: `core`
imports no capability app.
"""

import hashlib
import secrets
from datetime import date, timedelta
from typing import Any, ClassVar, Self

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone


def in_force(on: date, starts: str | None = "starts", ends: str = "ends") -> Q:
    """Rows in force on a date: started by then (or undated) and not yet ended.

    The one query for "in force on a date", for schemes, holdings, roles, areas, bodies and
    memberships (`starts=None` for rows that only end, such as areas and bodies);
    `commonweal.core.dates.in_force` is the same rule for one row in Python.
    """
    ended = Q(**{f"{ends}__isnull": True}) | Q(**{f"{ends}__gte": on})
    if starts is None:
        return ended
    return (Q(**{f"{starts}__isnull": True}) | Q(**{f"{starts}__lte": on})) & ended


class ImmutableRecord(Exception):
    """Something tried to change or delete a record of what happened."""


class ImmutableQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableRecord(f"{self.model.__name__} records never change; record a correction")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRecord(f"{self.model.__name__} records are never deleted")


class Immutable(models.Model):
    """A record of what happened: written once, never changed or deleted.

    A correction is a new record that points at the one it corrects.
    """

    objects: ClassVar[Any] = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRecord(
                f"{type(self).__name__} {self.pk} is a record of what happened and cannot be "
                "changed; record a correction instead"
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRecord(f"{type(self).__name__} {self.pk} is never deleted")


class OrganisationKind(models.TextChoices):
    NHS_COMMISSIONER = "nhs_commissioner", "NHS commissioner"
    NHS_ENGLAND_REGION = "nhs_england_region", "NHS England region"
    SYSTEM_PARTNERSHIP = "system_partnership", "Sustainability and transformation partnership"
    COUNTY_COUNCIL = "county_council", "County council"
    UNITARY_COUNCIL = "unitary_council", "Unitary council"
    LONDON_BOROUGH_COUNCIL = "london_borough_council", "London borough council"
    DISTRICT_COUNCIL = "district_council", "District council"
    NHS_TRUST = "nhs_trust", "NHS trust"
    GP_PRACTICE = "gp_practice", "GP practice"
    PRIMARY_CARE_NETWORK = "primary_care_network", "Primary care network"
    GP_FEDERATION = "gp_federation", "GP federation"
    VOLUNTARY_COMMUNITY = "voluntary_community", "Voluntary or community organisation"


COUNCIL_KINDS = (
    OrganisationKind.COUNTY_COUNCIL,
    OrganisationKind.UNITARY_COUNCIL,
    OrganisationKind.LONDON_BOROUGH_COUNCIL,
    OrganisationKind.DISTRICT_COUNCIL,
)


class Organisation(models.Model):
    """An NHS body, council or provider, keyed by its ODS code (ONS GSS code for councils).

    Organisations are national facts shared by every system; they are never deleted.
    """

    code = models.CharField(max_length=20, unique=True, help_text="ODS code, or ONS GSS code")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=OrganisationKind.choices, db_index=True)
    opened = models.DateField(null=True, blank=True)
    closed = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True, default="")
    # The organisation one level up in the NHS hierarchy: CCG -> STP -> NHS England region.
    part_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="parts"
    )
    # For practices and PCNs: the NHS commissioner responsible for them.
    commissioner = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="commissioned"
    )
    source = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def code_system(self) -> str:
        return "ONS" if self.kind in COUNCIL_KINDS else "ODS"


class Person(models.Model):
    """A person's stable identity, whether or not they can sign in.

    Post holdings (and, later, attendance, interests and decisions) point here. Documents name
    a person by `key`, so renaming someone keeps their history. `account` is their sign-in
    account, when they have one.
    """

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=150)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="person",
    )

    class Meta:
        ordering = ["name", "key"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COMMISSIONER = "commissioner", "Commissioner"
    FINANCE = "finance", "Finance"
    ANALYST = "analyst", "Analyst"
    EXECUTIVE = "executive", "Executive"
    ADMINISTRATOR = "administrator", "Administrator"
    # A clerk acts for particular bodies (boards, committees), so is always scoped.
    CLERK = "clerk", "Clerk"


class RoleAssignment(models.Model):
    """A person acts for an organisation in a named role, from a date, perhaps until a date.

    `scope` narrows the role to one thing inside the organisation's remit: a body for a clerk,
    a place for a place commissioning team, and so on. A role with no scope covers everything the
    organisation does. Scoping by generic relation lets later capabilities (governance bodies,
    pooled funds) be scopes without `core` importing them.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="role_assignments")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="role_assignments"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    scope_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_id = models.CharField(max_length=64, blank=True, default="")
    scope = GenericForeignKey("scope_type", "scope_id")
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation", "role", "scope_type", "scope_id"],
                condition=Q(ends__isnull=True),
                name="one_open_assignment_per_person_role_scope",
            ),
            models.CheckConstraint(
                condition=~Q(role="clerk") | Q(scope_type__isnull=False),
                name="clerk_role_is_scoped",
            ),
        ]

    def __str__(self) -> str:
        where = f" for {self.scope}" if self.scope_type_id else ""
        return f"{self.person} as {self.get_role_display()} of {self.organisation}{where}"


TOKEN_LIFETIME = timedelta(days=90)


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash is kept; the token is shown once when made.

    A token expires (90 days unless asked otherwise) and may be revoked by its owner or by an
    administrator of an organisation the owner acts for.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    last_used = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return "cw_" + secrets.token_urlsafe(32)

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires > timezone.now()

    @classmethod
    def usable(cls) -> "models.QuerySet[Self]":
        return cls.objects.filter(revoked_at__isnull=True, expires__gt=timezone.now())


class AuditEvent(Immutable):
    """One change of data: who made it, when, what, and the state before and after.

    For a reload, `before` and `after` hold only the fields that changed, by path; when nothing
    changed both are empty and the summary says so.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who acted: a person's username, or a named process: "command line (root)", "task worker".
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100)
    summary = models.TextField()
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.summary}"

    @property
    def changed(self) -> bool:
        return bool(self.before or self.after)
