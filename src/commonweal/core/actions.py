"""The one way data changes: an action runs in a transaction and records an audit event.

Apps write their actions with `@action("app.verb")`; the decorated function receives an
`Actor` first and returns whatever it likes, calling `actor.record(...)` for each change.
If the function raises, the transaction rolls back and no audit event survives.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction

from commonweal.core.models import AuditEvent


@dataclass
class Actor:
    """Who is acting: a signed-in person, or a named process such as the command line."""

    label: str
    user: User | None = None
    action: str = ""
    events: list[AuditEvent] = field(default_factory=list)

    @classmethod
    def from_user(cls, user: AbstractBaseUser | AnonymousUser) -> "Actor":
        if not user.is_authenticated:
            raise PermissionError("An anonymous visitor cannot change data.")
        return cls(label=user.get_username(), user=user)  # type: ignore[arg-type]

    @classmethod
    def command_line(cls) -> "Actor":
        import getpass

        return cls(label=f"command line ({getpass.getuser()})")

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


def action[**P, R](name: str) -> Callable[[ActionFn[P, R]], ActionFn[P, R]]:
    def decorate(fn: ActionFn[P, R]) -> ActionFn[P, R]:
        @functools.wraps(fn)
        def run(actor: Actor, *args: P.args, **kwargs: P.kwargs) -> R:
            with transaction.atomic():
                previous, actor.action = actor.action, name
                try:
                    result = fn(actor, *args, **kwargs)
                finally:
                    actor.action = previous
                return result

        return run

    return decorate
