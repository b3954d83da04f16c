"""People, the roles they hold for organisations, and their API tokens."""

from datetime import date
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q

from commonweal.core.actions import Actor, action
from commonweal.core.models import ApiToken, Role, RoleAssignment

if TYPE_CHECKING:
    from commonweal.registry.models import Organisation


@action("core.add_person")
def add_person(
    actor: Actor,
    username: str,
    password: str,
    *,
    full_name: str = "",
    email: str = "",
) -> User:
    person, created = get_user_model().objects.get_or_create(username=username)
    first, _, last = full_name.partition(" ")
    person.first_name, person.last_name, person.email = first, last, email  # type: ignore[attr-defined]
    person.set_password(password)
    person.save()
    actor.record(
        "person",
        username,
        f"{'Created' if created else 'Updated'} {username}",
        after={"name": full_name, "email": email},
    )
    return person


@action("core.assign_role")
def assign_role(
    actor: Actor,
    person: User,
    organisation: "Organisation",
    role: Role,
    scope: Model | None = None,
    starts: date | None = None,
) -> RoleAssignment:
    if role == Role.CLERK and scope is None:
        raise ValueError("A clerk acts for particular bodies: give the body as the scope.")
    assignment, _ = RoleAssignment.objects.update_or_create(
        person=person,
        organisation=organisation,
        role=role,
        scope_type=ContentType.objects.get_for_model(scope) if scope is not None else None,
        scope_id=str(scope.pk) if scope is not None else "",
        defaults={"starts": starts},
    )
    actor.record(
        "role",
        str(assignment.pk),
        f"{person} acts as {role.label} for {organisation}" + (f" ({scope})" if scope else ""),
        after={
            "person": person.get_username(),
            "organisation": str(organisation),
            "role": role.value,
        },
    )
    return assignment


@action("core.make_token")
def make_token(actor: Actor, person: User, name: str) -> str:
    """Make an API token; the key is returned once and only its hash is kept."""
    key = ApiToken.new_key()
    ApiToken.objects.create(person=person, name=name, key_hash=ApiToken.hash(key))
    actor.record("api_token", name, f"Made API token '{name}' for {person}")
    return key


def roles_of(person: User, on: date | None = None) -> list[RoleAssignment]:
    on = on or date.today()
    return list(
        RoleAssignment.objects.filter(person=person)
        .filter(Q(starts__isnull=True) | Q(starts__lte=on))
        .filter(Q(ends__isnull=True) | Q(ends__gte=on))
        .select_related("organisation", "scope_type")
    )


def may_act(
    person: User,
    role: Role,
    organisation: "Organisation | None" = None,
    scope: Model | None = None,
    on: date | None = None,
) -> bool:
    """Does the person hold the role (for the organisation, covering the scope) on the date?

    An unscoped role covers everything the organisation does; a scoped one covers only its scope.
    Administrators may do anything.
    """
    if getattr(person, "is_superuser", False):
        return True
    for held in roles_of(person, on):
        if held.role not in (role, Role.ADMINISTRATOR):
            continue
        if organisation is not None and held.organisation_id != organisation.pk:
            continue
        if held.scope_type_id is None:
            return True
        if scope is not None and (
            held.scope_type_id == ContentType.objects.get_for_model(scope).pk
            and held.scope_id == str(scope.pk)
        ):
            return True
    return False
