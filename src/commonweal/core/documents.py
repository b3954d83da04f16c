"""Declarative documents (YAML) read with their line numbers, and errors a person can act on.

Every problem is reported as `file:line: field: message`, all of them at once, so a person can
mend a document in one pass. Validation is by pydantic models; an error's location inside the
document is mapped back to the line where that value (or its nearest enclosing value) starts.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class DocumentProblem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class DocumentError(Exception):
    """A document was refused. `problems` lists every reason; nothing was written."""

    def __init__(self, problems: Iterable[DocumentProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def field_path(loc: Iterable[str | int]) -> str:
    """('areas', 3, 'parent') -> 'areas[3].parent'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class Located:
    """Parsed YAML data plus the line on which each value starts, keyed by its path."""

    def __init__(self, file: str, data: Any, lines: dict[tuple[str | int, ...], int]):
        self.file = file
        self.data = data
        self.lines = lines

    def line_of(self, loc: Iterable[str | int]) -> int | None:
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def problem(self, loc: Iterable[str | int], message: str) -> DocumentProblem:
        loc = tuple(loc)
        return DocumentProblem(self.file, self.line_of(loc), field_path(loc), message)


def first_places(
    located: Located,
    section: str,
    keys: Iterable[str],
    *,
    field: str = "code",
    verb: str = "is used twice",
    problems: list[DocumentProblem],
) -> dict[str, int]:
    """Where each key of a list first appears; a repeat is reported against its line."""
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key in first:
            problems.append(
                located.problem(
                    (section, i, field), f"'{key}' {verb} (also {section}[{first[key]}])"
                )
            )
        else:
            first[key] = i
    return first


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true and false. YAML 1.1 also reads on, off, yes, no, y and n
    as booleans, which turns a field called `on` (or the country code NO) into True."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _to_python(
    loader: _Loader,
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: dict,
    problems: list,
    file: str,
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in out:
                problems.append(
                    DocumentProblem(
                        file,
                        key_node.start_mark.line + 1,
                        field_path((*path, str(key))),
                        "appears twice in the same mapping; keep one",
                    )
                )
            out[key] = _to_python(loader, value_node, (*path, str(key)), lines, problems, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_python(loader, item, (*path, i), lines, problems, file)
            for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def read_yaml(source: str | Path, text: str | None = None) -> Located:
    """Parse YAML, keeping the line of every value. Refuses syntax errors and duplicate keys."""
    file = str(source)
    if text is None:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DocumentError([DocumentProblem(file, None, "", "no such file")]) from None
        except UnicodeDecodeError as exc:
            raise DocumentError(
                [DocumentProblem(file, None, "", f"is not UTF-8 text ({exc.reason})")]
            ) from None
    loader = _Loader(text)
    problems: list[DocumentProblem] = []
    lines: dict[tuple[str | int, ...], int] = {}
    try:
        node = loader.get_single_node()
        if node is None:
            raise DocumentError([DocumentProblem(file, 1, "", "the document is empty")])
        data = _to_python(loader, node, (), lines, problems, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        context = exc.context or ""
        if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            context += f" (which starts on line {exc.context_mark.line + 1})"
        message = "; ".join(m for m in (context.strip(), exc.problem or "") if m)
        raise DocumentError(
            [DocumentProblem(file, line, "", f"is not valid YAML: {message}")]
        ) from None
    finally:
        loader.dispose()
    if problems:
        raise DocumentError(problems)
    return Located(file, data, lines)


def validate[M: BaseModel](located: Located, model: type[M]) -> M:
    """Validate parsed YAML against a pydantic model, reporting every error with its line."""
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            # pydantic reports tagged-union and wrapper steps that are not in the document.
            loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
            message = err["msg"]
            if err["type"] == "missing":
                message = "is required"
            elif err["type"] == "extra_forbidden":
                message = "is not a field this document knows; check its spelling"
            problems.append(located.problem(loc, message))
        raise DocumentError(problems) from None
