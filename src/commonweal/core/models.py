"""Platform models: who acts for whom (roles), API tokens, and the audit trail."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


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
    pooled funds) be scopes without changing this model.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="role_assignments"
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
                name="one_assignment_per_person_role_scope",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="clerk") | models.Q(scope_type__isnull=False),
                name="clerk_role_is_scoped",
            ),
        ]

    def __str__(self) -> str:
        where = f" for {self.scope}" if self.scope_type_id else ""
        return f"{self.person} as {self.get_role_display()} of {self.organisation}{where}"


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash is kept; the token is shown once when made."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.person})"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return "cw_" + secrets.token_urlsafe(32)


class AuditEvent(models.Model):
    """One change of data: who made it, when, what, and the state before and after."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who acted when there is no signed-in person: "command line", "task worker".
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
