"""A base for our management commands: refusals become clean messages, never tracebacks.

The command line acts as an internal actor (`Actor.command_line()`): whoever can run commands
on the server already holds the database.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, ProgrammingError

from commonweal.core.documents import DocumentError
from commonweal.core.errors import Refused


class Command(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except DocumentError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"refused: {len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}; "
                "nothing was written"
            ) from None
        except Refused as exc:
            raise CommandError(str(exc)) from None
        except (OperationalError, ProgrammingError):
            if _unmigrated():
                raise CommandError(
                    "the database has no tables yet: run `commonweal migrate` first"
                ) from None
            raise


def _unmigrated() -> bool:
    """Whether the database lacks our tables (a new database, or one never migrated)."""
    from django.db import connection

    return "core_organisation" not in connection.introspection.table_names()


def document_path(name: str, example: Callable[[str], Path | None]) -> Path:
    """A document's path: a file that exists, or else the name of a built-in example."""
    path = Path(name)
    if path.exists():
        return path
    found = example(name)
    if found is None:
        raise Refused(f"{name}: no such file, and no example of that name")
    return found
