"""Who may change what: one vocabulary of permissions, roles as the sets they grant.

A person holds roles for organisations (`RoleAssignment`), perhaps scoped to one body. A role
grants permissions *in that organisation* (and, when scoped, only in that body); holding a
role in one organisation grants nothing in another. Every action declares the permission it
needs and names the organisation (and body) its change belongs to; `holds` answers the check.

Reading needs no permission beyond signing in; later capabilities restrict what they must
(exempt papers, withheld interests) with permissions of their own.
"""

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from commonweal.core.models import Organisation, Person, Role, RoleAssignment, in_force


class Permission(StrEnum):
    # The registry: a system's description (its areas, and the organisations it describes).
    LOAD_SYSTEM = "load_system"
    ADD_NETWORKS = "add_networks"
    # Governance: posts, holders and bodies; schemes of delegation.
    LOAD_GOVERNANCE = "load_governance"
    LOAD_SCHEME = "load_scheme"
    # People: giving and ending roles in the organisation; revoking its people's API tokens.
    MANAGE_PEOPLE = "manage_people"
    REVOKE_TOKENS = "revoke_tokens"
    # One's own account and tokens: no role grants it; only the person themselves.
    OWN_ACCOUNT = "own_account"
    # Meetings: the forward plan of business; a body's meetings, agendas, papers, attendance
    # and declarations (a clerk's, for their own bodies).
    PLAN_BUSINESS = "plan_business"
    MANAGE_MEETINGS = "manage_meetings"
    # Interests: keeping the organisation's registers for its people (a person keeps their
    # own), seeing withheld entries, granting dispensations; approving hospitality over the limit.
    MANAGE_INTERESTS = "manage_interests"
    APPROVE_HOSPITALITY = "approve_hospitality"
    # Decisions: recording a body's decisions, urgent action and what follows them (a clerk's,
    # for their own bodies); recording officers' decisions; validating the register again.
    RECORD_DECISIONS = "record_decisions"
    RECORD_OFFICER_DECISIONS = "record_officer_decisions"
    REVALIDATE = "revalidate"
    # Finance: budget lines, monthly returns, closing months, plans, savings and virements.
    MANAGE_FINANCE = "manage_finance"
    # Pooled funds: agreements, their plans, in-year management and quarterly returns (the
    # host partner's pooled fund manager and finance leads).
    MANAGE_POOLS = "manage_pools"
    # Outcomes: a system's outcomes framework, the data of indicators an organisation keeps
    # (Fingertips files), and rebase points on SPC charts (a public-health analyst's).
    MANAGE_OUTCOMES = "manage_outcomes"
    # Assurance: a system's assurance framework, assessing a period, responding to exceptions
    # and recording quality concerns about providers (commissioners, executives, analysts).
    MANAGE_ASSURANCE = "manage_assurance"
    # Proposals: commissioning proposals led by the organisation, their documents, their
    # place on bodies' forward plans and their route to approval (commissioners, executives).
    MANAGE_PROPOSALS = "manage_proposals"
    ASSESS_PROPOSALS = "assess_proposals"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    Permission.LOAD_SYSTEM: "load a system document",
    Permission.ADD_NETWORKS: "add primary care networks to a system",
    Permission.LOAD_GOVERNANCE: "load posts, holders and bodies",
    Permission.LOAD_SCHEME: "load a scheme of delegation",
    Permission.MANAGE_PEOPLE: "give and end people's roles",
    Permission.REVOKE_TOKENS: "revoke people's API tokens",
    Permission.OWN_ACCOUNT: "manage your own account and API tokens",
    Permission.PLAN_BUSINESS: "add to the forward plan",
    Permission.MANAGE_MEETINGS: "manage meetings, agendas, papers and attendance",
    Permission.MANAGE_INTERESTS: "keep registers of interests, gifts and hospitality",
    Permission.APPROVE_HOSPITALITY: "approve gifts and hospitality over the limits",
    Permission.RECORD_DECISIONS: "record a body's decisions",
    Permission.RECORD_OFFICER_DECISIONS: "record officers' decisions",
    Permission.REVALIDATE: "validate the register of decisions again",
    Permission.MANAGE_FINANCE: "keep the ledger: budget lines, returns, closed months and virements",
    Permission.MANAGE_POOLS: "manage pooled funds: agreements, plans, action plans and quarterly returns",
    Permission.MANAGE_OUTCOMES: "keep outcomes: frameworks, indicator data and SPC rebase points",
    Permission.MANAGE_ASSURANCE: "run assurance: the framework, assessments, responses to exceptions and quality concerns",
    Permission.MANAGE_PROPOSALS: "manage commissioning proposals: their content, documents, forward plan entries and stages",
    Permission.ASSESS_PROPOSALS: "assess commissioning proposals against the scoring framework and agree moderated scores",
}

# What each role grants in the organisation it is held for. Roles with nothing yet gain
# permissions as their capabilities arrive (proposals, finance, outcomes, meetings).
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(
        {
            Permission.LOAD_SYSTEM,
            Permission.ADD_NETWORKS,
            Permission.LOAD_GOVERNANCE,
            Permission.LOAD_SCHEME,
            Permission.MANAGE_PEOPLE,
            Permission.REVOKE_TOKENS,
            Permission.PLAN_BUSINESS,
            Permission.MANAGE_MEETINGS,
            Permission.MANAGE_INTERESTS,
            Permission.RECORD_DECISIONS,
            Permission.RECORD_OFFICER_DECISIONS,
            Permission.REVALIDATE,
            Permission.MANAGE_FINANCE,
            Permission.MANAGE_POOLS,
            Permission.MANAGE_OUTCOMES,
            Permission.MANAGE_ASSURANCE,
            Permission.MANAGE_PROPOSALS,
            Permission.ASSESS_PROPOSALS,
        }
    ),
    # Commissioners and executives plan the decisions they will bring or take.
    # The integrated commissioning team at place includes the pooled fund manager.
    Role.COMMISSIONER: frozenset(
        {
            Permission.PLAN_BUSINESS,
            Permission.RECORD_OFFICER_DECISIONS,
            Permission.MANAGE_POOLS,
            Permission.MANAGE_ASSURANCE,
            Permission.MANAGE_PROPOSALS,
            Permission.ASSESS_PROPOSALS,
        }
    ),
    # Finance people assess proposals too (the finance and efficiency criterion is theirs).
    Role.FINANCE: frozenset(
        {Permission.MANAGE_FINANCE, Permission.MANAGE_POOLS, Permission.ASSESS_PROPOSALS}
    ),
    Role.ANALYST: frozenset({Permission.MANAGE_OUTCOMES, Permission.MANAGE_ASSURANCE}),
    Role.EXECUTIVE: frozenset(
        {
            Permission.PLAN_BUSINESS,
            Permission.APPROVE_HOSPITALITY,
            Permission.RECORD_OFFICER_DECISIONS,
            Permission.MANAGE_ASSURANCE,
            Permission.MANAGE_PROPOSALS,
            Permission.ASSESS_PROPOSALS,
        }
    ),
    # A clerk's role is held for a body: its meetings, and the forward plan of its business.
    Role.CLERK: frozenset(
        {Permission.PLAN_BUSINESS, Permission.MANAGE_MEETINGS, Permission.RECORD_DECISIONS}
    ),
}

# Permissions that only make sense inside one body (a clerk's): checking one without naming
# the body is a mistake in the code, not a refusal.
BODY_SCOPED: frozenset[Permission] = frozenset(
    {Permission.MANAGE_MEETINGS, Permission.RECORD_DECISIONS}
)


def roles_granting(permission: Permission) -> list[Role]:
    return [role for role, granted in ROLE_PERMISSIONS.items() if permission in granted]


def assignments(person: Person | None, on: date | None = None) -> list[RoleAssignment]:
    """The person's roles in force on a date (today unless given)."""
    if person is None:
        return []
    return list(
        RoleAssignment.objects.filter(person=person)
        .filter(in_force(on or date.today()))
        .select_related("organisation", "scope_type")
    )


def holds(
    held: Iterable[RoleAssignment],
    permission: Permission,
    organisation: Organisation,
    body: Model | None = None,
) -> bool:
    """Do these role assignments grant the permission in the organisation (and body)?

    An unscoped role covers everything the organisation does; a scoped role covers only its
    scope, so it grants a body-scoped permission in that body and nothing else.
    """
    if permission in BODY_SCOPED and body is None:
        raise ValueError(f"'{permission}' is checked in a body: name the body")
    body_type = ContentType.objects.get_for_model(body).pk if body is not None else None
    for assignment in held:
        if assignment.organisation_id != organisation.pk:
            continue
        if permission not in ROLE_PERMISSIONS[Role(assignment.role)]:
            continue
        if assignment.scope_type_id is None:
            return True
        if body is not None and (
            assignment.scope_type_id == body_type and assignment.scope_id == str(body.pk)
        ):
            return True
    return False
