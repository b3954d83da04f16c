"""Refusals: the one exception type for "this cannot be done", with every problem named.

Pages bind the problems to their form fields and the error summary; the API answers with its
error envelope (`{"error": {"status", "code", "message", "problems": [{field, message}]}}`); the
command line prints them one a line. A document's problems also carry its file and line.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


def field_path(loc: Iterable[str | int]) -> str:
    """('areas', 3, 'parent') -> 'areas[3].parent'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.field}: {self.message}" if self.field else f"{where}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "message": self.message}
        if self.file is not None:
            out["file"], out["line"] = self.file, self.line
        return out


MAX_PROBLEMS = 100


class Refused(Exception):
    """A request that cannot be carried out. Nothing was written.

    `status` is the HTTP status the API answers with; `code` its stable error code.
    """

    status = 422
    code = "invalid_request"

    def __init__(self, message: str, problems: Sequence[Problem] = ()):
        self.message = message
        self.problems = list(problems[:MAX_PROBLEMS])
        if len(problems) > MAX_PROBLEMS:
            # A few hundred bytes of bad YAML can hold a hundred thousand mistakes; the first
            # hundred are enough to act on, and the answer stays small.
            rest = len(problems) - MAX_PROBLEMS
            self.problems.append(
                Problem("", f"... and {rest:,} more problems, not listed; mend these first")
            )
        super().__init__(
            message + "".join(f"\n{p}" for p in self.problems) if self.problems else message
        )

    @classmethod
    def at(cls, field: str | Sequence[str | int], message: str) -> "Refused":
        """A refusal with one problem, at one field."""
        name = field if isinstance(field, str) else field_path(field)
        return cls(f"{name}: {message}" if name else message, [Problem(name, message)])


class BadRequest(Refused):
    """A request that cannot even be read: not JSON, not UTF-8, nested too deeply."""

    status = 400
    code = "bad_request"


class NotPermitted(Refused):
    """The person acting does not hold the permission the change needs."""

    status = 403
    code = "forbidden"


class NotFound(Refused):
    status = 404
    code = "not_found"


class Conflict(Refused):
    """The request contradicts a record that may not change (a loaded scheme version, say)."""

    status = 409
    code = "conflict"
