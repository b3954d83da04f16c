"""People, the roles they hold for organisations, and their API tokens."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.text import slugify

from commonweal.core.actions import Actor, action
from commonweal.core.errors import Conflict, NotFound, Problem, Refused
from commonweal.core.models import (
    TOKEN_LIFETIME,
    ApiToken,
    Organisation,
    Person,
    Role,
    RoleAssignment,
    in_force,
)
from commonweal.core.permissions import Permission

MAX_TOKEN_LIFETIME = timedelta(days=366)


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Refused(
            "The password is not allowed.", [Problem("password", m) for m in exc.messages]
        ) from None


@action("core.add_person", permission=Permission.MANAGE_PEOPLE)
def add_person(
    actor: Actor,
    username: str,
    password: str,
    *,
    full_name: str = "",
    email: str = "",
    organisation: Organisation | None = None,
    person_key: str = "",
) -> User:
    """Create a sign-in account and its person (or link an existing person by key).

    Creating someone needs the permission in the organisation they are created to act for;
    an existing account is never changed here (a person sets their own password).
    """
    if organisation is None:
        if not actor.internal:
            raise Refused.at("organisation", "name the organisation the person acts for")
        actor._current().checked = True
    else:
        actor.require(organisation)
    accounts = get_user_model()
    if accounts.objects.filter(username=username).exists():
        raise Conflict.at("username", f"'{username}' is already taken")
    key = person_key or slugify(username)
    person = Person.objects.filter(key=key).first()
    if person is not None and not person_key:
        # A username that happens to match a post holder's key must not sign in as them: that
        # is a choice made by naming them (--person).
        raise Conflict.at(
            "username",
            f"a person with the key {key} already exists: pass --person {key} to give them "
            "this account, or choose another username",
        )
    if person is not None and person.account_id is not None:
        raise Conflict.at("person", f"the person '{key}' already has a sign-in account")
    first, _, last = full_name.partition(" ")
    account = accounts(username=username, first_name=first, last_name=last, email=email)
    _check_password(password, account)
    account.set_password(password)
    account.save()
    if person is None:
        person = Person.objects.create(key=key, name=full_name or username, account=account)
    else:
        person.account = account
        person.save(update_fields=["account"])
    actor.record(
        "person",
        person.key,
        f"Created the account {username} for {person.name}",
        after={"username": username, "name": full_name, "email": email},
    )
    return account


@action("core.set_password", permission=Permission.OWN_ACCOUNT)
def set_password(actor: Actor, account: User, password: str) -> None:
    """A person sets their own password (the command line may set anyone's)."""
    actor.require_self(account)
    _check_password(password, account)
    account.set_password(password)
    account.save(update_fields=["password"])
    actor.record("account", account.get_username(), f"Changed the password of {account}")


def _role_organisation(person: Person, organisation: Organisation, *args: object, **kw: object):  # type: ignore[no-untyped-def]
    return organisation


@action("core.assign_role", permission=Permission.MANAGE_PEOPLE, organisation=_role_organisation)
def assign_role(
    actor: Actor,
    person: Person,
    organisation: Organisation,
    role: Role,
    scope: Model | None = None,
    starts: date | None = None,
) -> RoleAssignment:
    if role == Role.CLERK and scope is None:
        raise Refused.at("scope", "a clerk acts for particular bodies: give the body as the scope")
    scope_type = ContentType.objects.get_for_model(scope) if scope is not None else None
    assignment, created = RoleAssignment.objects.get_or_create(
        person=person,
        organisation=organisation,
        role=role,
        scope_type=scope_type,
        scope_id=str(scope.pk) if scope is not None else "",
        ends__isnull=True,
        defaults={"starts": starts},
    )
    if created:
        actor.record(
            "role",
            str(assignment.pk),
            f"{person} acts as {role.label} for {organisation}" + (f" ({scope})" if scope else ""),
            after={"person": person.key, "organisation": organisation.code, "role": role.value},
        )
    return assignment


def _assignment_organisation(assignment: RoleAssignment, *args: object, **kw: object):  # type: ignore[no-untyped-def]
    return assignment.organisation


@action("core.end_role", permission=Permission.MANAGE_PEOPLE, organisation=_assignment_organisation)
def end_role(actor: Actor, assignment: RoleAssignment, ends: date | None = None) -> None:
    """A role ends (it is kept, with its end date, as a record of who could do what)."""
    ends = ends or date.today()
    assignment.ends = ends
    assignment.save(update_fields=["ends"])
    actor.record(
        "role",
        str(assignment.pk),
        f"{assignment.person} no longer acts as {assignment.get_role_display()} for "
        f"{assignment.organisation} after {ends.isoformat()}",
        after={"ends": ends.isoformat()},
    )


@action("core.make_token", permission=Permission.OWN_ACCOUNT)
def make_token(
    actor: Actor, owner: User, name: str, *, lifetime: timedelta = TOKEN_LIFETIME
) -> tuple[str, ApiToken]:
    """Make an API token for oneself; the key is returned once and only its hash is kept."""
    actor.require_self(owner)
    if not timedelta(0) < lifetime <= MAX_TOKEN_LIFETIME:
        raise Refused.at("days", "a token lasts between 1 and 366 days")
    name = name.strip()
    if not name or len(name) > 100:
        raise Refused.at("name", "say what the token is for, in at most 100 characters")
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        owner=owner, name=name, key_hash=ApiToken.hash(key), expires=timezone.now() + lifetime
    )
    actor.record(
        "api_token",
        str(token.pk),
        f"Made API token '{name}' for {owner}, expiring {token.expires:%Y-%m-%d}",
    )
    return key, token


def organisations_of(account: User, on: date | None = None) -> list[Organisation]:
    """The organisations a sign-in account's person acts for, in any role, on a date."""
    # One filter call: two would let another person's role in force stand in for this one's.
    return list(
        Organisation.objects.filter(
            Q(role_assignments__person__account=account)
            & in_force(on or date.today(), "role_assignments__starts", "role_assignments__ends")
        ).distinct()
    )


@action("core.revoke_token", permission=Permission.REVOKE_TOKENS)
def revoke_token(actor: Actor, token: ApiToken) -> None:
    """Revoke a token: its owner may, and so may an administrator of an organisation the owner
    acts for."""
    if actor.internal or (actor.user is not None and token.owner_id == actor.user.pk):
        actor.require_self(token.owner)
    else:
        actor.require_any(organisations_of(token.owner))
    if token.revoked_at is not None:
        return
    token.revoked_at, token.revoked_by = timezone.now(), actor.user
    token.save(update_fields=["revoked_at", "revoked_by"])
    actor.record("api_token", str(token.pk), f"Revoked API token '{token.name}' of {token.owner}")


def token_by_id(token_id: int) -> ApiToken:
    """A token by id, or NotFound; whether the caller may revoke it is the action's check."""
    token = ApiToken.objects.select_related("owner").filter(pk=token_id).first()
    if token is None:
        raise NotFound.at("id", f"there is no token {token_id}")
    return token
