"""A base for our management commands: document and registry errors become clean messages."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from commonweal.core.documents import DocumentError


class RefusedError(Exception):
    """A request that cannot be carried out; its message says why."""


class Command(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> Any:
        from commonweal.registry.actions import RegistryError

        try:
            return super().execute(*args, **options)
        except DocumentError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"refused: {len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}; "
                "nothing was written"
            ) from None
        except (RegistryError, RefusedError) as exc:
            raise CommandError(str(exc)) from None


def document_path(name: str, example: Callable[[str], Path | None]) -> Path:
    """A document's path: a file that exists, or else the name of a built-in example."""
    path = Path(name)
    if path.exists():
        return path
    found = example(name)
    if found is None:
        raise RefusedError(f"{name}: no such file, and no example of that name")
    return found
