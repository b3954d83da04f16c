"""The one way data changes: an action runs in a transaction, checks a permission and records
an audit event.

An app writes its actions with `@action("app.verb", permission=Permission.X, ...)`; the
decorated function receives an `Actor` first. The permission is checked inside the transaction,
against the organisation (and body) the change belongs to, named in one of two ways:

- `organisation=`: a function of the action's arguments, checked before the action runs;
- inside the action, `actor.require(org)` / `actor.require_any(orgs)` / `actor.require_self(p)`,
  for changes whose organisations are only known once a document has been read and compared.

An action that finishes without any check is refused and rolled back: permission is refused by
default. The command line and the task worker act as named *internal* actors, which pass every
check (they are operated by whoever runs the server). Action names are registered once; a
second registration of a name is an error at start-up.
"""

import functools
import getpass
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Model

from commonweal.core.errors import NotPermitted
from commonweal.core.models import AuditEvent, Organisation, Person, RoleAssignment
from commonweal.core.permissions import Permission, assignments, holds, roles_granting

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
    from django.http import HttpRequest


@dataclass
class _Running:
    """An action in progress for an actor, and whether its permission has been checked."""

    spec: "ActionSpec"
    checked: bool = False


@dataclass
class Actor:
    """Who is acting: a signed-in person, or a named internal process such as the command line."""

    label: str
    user: "User | None" = None
    person: Person | None = None
    internal: bool = False
    events: list[AuditEvent] = field(default_factory=list)
    _running: list[_Running] = field(default_factory=list, repr=False)
    _roles: list[RoleAssignment] | None = field(default=None, repr=False)

    @classmethod
    def from_user(cls, user: "AbstractBaseUser | AnonymousUser") -> "Actor":
        """The actor for a request's user; an anonymous visitor may act on nothing."""
        if not user.is_authenticated:
            return cls(label="anonymous visitor")
        person = Person.objects.filter(account_id=user.pk).first()
        return cls(label=user.get_username(), user=user, person=person)  # type: ignore[arg-type]

    @classmethod
    def command_line(cls) -> "Actor":
        return cls(label=f"command line ({getpass.getuser()})", internal=True)

    @classmethod
    def task_worker(cls, on_behalf_of: "User | None" = None) -> "Actor":
        """The background worker: with a person's authority when a person asked for the work."""
        if on_behalf_of is None:
            return cls(label="task worker", internal=True)
        actor = cls.from_user(on_behalf_of)
        actor.label = f"task worker, for {actor.label}"
        return actor

    # Permission checks, made inside a running action ------------------------------------

    @property
    def action(self) -> str:
        return self._running[-1].spec.name if self._running else ""

    def _current(self) -> _Running:
        if not self._running:
            raise RuntimeError("permission checks are made inside an action")
        return self._running[-1]

    def roles(self) -> list[RoleAssignment]:
        if self._roles is None:
            self._roles = assignments(self.person)
        return self._roles

    def holds(
        self, permission: Permission, organisation: Organisation, body: Model | None = None
    ) -> bool:
        return self.internal or holds(self.roles(), permission, organisation, body)

    def require(
        self, organisation: Organisation, body: Model | None = None, *, because: str = ""
    ) -> None:
        """Refuse unless the actor holds the running action's permission in the organisation."""
        self.require_any([organisation], body, because=because)

    def require_all(self, organisations: Iterable[Organisation], *, because: str = "") -> None:
        """Refuse unless the actor holds the permission in every one of them: for ending or
        restructuring what several organisations share, which none may do alone."""
        orgs = list(organisations)
        if not orgs:
            self.require_any(orgs, because=because)
        for org in orgs:
            self.require(org, because=because)

    def require_any(
        self,
        organisations: Iterable[Organisation],
        body: Model | None = None,
        *,
        because: str = "",
    ) -> None:
        """Refuse unless the actor holds the running action's permission in one of them.

        For things several organisations share (a joint body, a system's areas): any one of
        them may change it. An empty list refuses, since nobody is named who could allow it.
        """
        running = self._current()
        permission = running.spec.permission
        if permission is None:
            raise RuntimeError(f"{running.spec.name} declares no permission to check")
        orgs = list(organisations)
        if not self.internal and not any(self.holds(permission, org, body) for org in orgs):
            refusal = self._refusal(permission, orgs)
            raise NotPermitted(f"{refusal} ({because})" if because else refusal)
        running.checked = True

    def require_self(self, person: "Person | User", *, refusal: str = "") -> None:
        """Refuse unless the actor is that person (their own tokens, their own password);
        `refusal` says why in the words of the change, where the general sentence would not."""
        running = self._current()
        mine = self.user is not None and (
            person == self.user
            or (isinstance(person, Person) and person.account_id == self.user.pk)
        )
        if not (self.internal or mine):
            raise NotPermitted(refusal or f"Only {person} may do this for themselves.")
        running.checked = True

    def _refusal(self, permission: Permission, orgs: list[Organisation]) -> str:
        roles = " or ".join(r.label.lower() for r in roles_granting(permission)) or "nobody"
        where = " or ".join(str(o) for o in orgs) or "an organisation that is named"
        if self.person is None and self.user is None:
            return f"Sign in to {permission.label}."
        return (
            f"You may not {permission.label} for {where}: that needs the role of {roles} "
            "in the organisation."
        )

    # The audit trail ----------------------------------------------------------------------

    def record(
        self,
        object_type: str,
        object_id: str,
        summary: str,
        before: Any = None,
        after: Any = None,
    ) -> AuditEvent:
        event = AuditEvent.objects.create(
            actor=self.user,
            actor_label=self.label,
            action=self.action,
            object_type=object_type,
            object_id=str(object_id),
            summary=summary,
            before=before,
            after=after,
        )
        self.events.append(event)
        return event


type ActionFn[**P, R] = Callable[Concatenate[Actor, P], R]


@dataclass
class ActionSpec:
    """A registered action: its name, the permission it needs and how it names its organisation."""

    name: str
    permission: Permission | None
    fn: Callable[..., Any]
    organisation: Callable[..., Organisation | Iterable[Organisation]] | None = None
    internal_only: bool = False

    def authorise(self, actor: Actor, *args: Any, **kwargs: Any) -> None:
        """The check made before the action runs, where the action declares it up front."""
        if self.internal_only:
            if not actor.internal:
                raise NotPermitted(
                    f"Only the command line or the task worker may {self.name.split('.')[-1].replace('_', ' ')}."
                )
            actor._current().checked = True
        elif self.organisation is not None:
            named = self.organisation(*args, **kwargs)
            actor.require_any([named] if isinstance(named, Organisation) else named)


ACTIONS: dict[str, ActionSpec] = {}

# Called at the end of each outermost action, inside its transaction, with the audit events it
# recorded: how a higher layer (the public register publishing what changed) follows every
# change without the capability that made it knowing. Registered in an app's `ready()`.
AFTER_ACTION: list[Callable[[list[AuditEvent]], None]] = []


def action[**P, R](
    name: str,
    *,
    permission: Permission | None = None,
    organisation: Callable[..., Organisation | Iterable[Organisation]] | None = None,
    internal_only: bool = False,
) -> Callable[[ActionFn[P, R]], ActionFn[P, R]]:
    if name in ACTIONS:
        raise ImproperlyConfigured(f"the action '{name}' is registered twice")
    if (permission is None) != internal_only:
        raise ImproperlyConfigured(
            f"the action '{name}' must declare the permission it needs, or be internal only"
        )

    def decorate(fn: ActionFn[P, R]) -> ActionFn[P, R]:
        spec = ActionSpec(name, permission, fn, organisation, internal_only)
        ACTIONS[name] = spec

        @functools.wraps(fn)
        def run(actor: Actor, *args: P.args, **kwargs: P.kwargs) -> R:
            with transaction.atomic():
                running = _Running(spec)
                outermost = not actor._running
                recorded = len(actor.events)
                actor._running.append(running)
                try:
                    spec.authorise(actor, *args, **kwargs)
                    result = fn(actor, *args, **kwargs)
                    if not running.checked:
                        raise NotPermitted(
                            f"{name} made no permission check, so it is refused: every change "
                            "must name the organisation it belongs to."
                        )
                    if outermost and len(actor.events) > recorded:
                        for follow in AFTER_ACTION:
                            follow(actor.events[recorded:])
                    return result
                finally:
                    actor._running.pop()

        run.spec = spec  # type: ignore[attr-defined]
        return run

    return decorate


def account_of(request: "HttpRequest") -> "User":
    """The signed-in account of a request that authentication has already let through."""
    user = request.user
    if not user.is_authenticated:
        raise NotPermitted("Sign in first.")
    return user  # type: ignore[return-value]
