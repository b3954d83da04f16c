"""Declarative documents (YAML) read with their line numbers, and errors a person can act on.

Every problem is reported as `file:line: field: message`, all of them at once, so a person can
mend a document in one pass. Validation is by pydantic models; an error's location inside the
document is mapped back to the line where that value (or its nearest enclosing value) starts.

Documents come from people and from the API, so reading is bounded before anything is built:
the text's size, its nesting depth and its number of values are capped, and anchors, aliases
and tags are refused (our documents need none, and an alias "bomb" of a few hundred bytes can
otherwise expand to gigabytes). Values are built straight from libyaml's event stream, with
YAML 1.2's plain scalars: only true/false are booleans, dates stay text until a field reads
them (so 2019-02-30 is a problem in a field, not a crash), and decimals are read exactly.
"""

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from commonweal.core.errors import Problem, Refused, field_path

MAX_BYTES = 5_000_000
MAX_DEPTH = 40
MAX_VALUES = 200_000
# Numbers: no more than 10^15 (a quadrillion) and no more than 30 significant digits.
MAX_MAGNITUDE = 15
MAX_DIGITS = 30
# Organisation codes one document may name in all (described or referred to): a system's own
# few hundred and its practices, with room to spare, and few enough to look up quickly.
MAX_ORGANISATIONS_NAMED = 20_000

__all__ = [
    "MAX_ORGANISATIONS_NAMED",
    "DocumentError",
    "Located",
    "Strict",
    "field_path",
    "first_places",
    "read_number",
    "read_yaml",
    "validate",
]


class DocumentError(Refused):
    """A document was refused. `problems` lists every reason, with file and line."""

    code = "document_refused"

    def __init__(self, problems: Iterable[Problem]):
        problems = list(problems)
        super().__init__(
            f"The document was refused ({len(problems)} problem"
            f"{'s' if len(problems) != 1 else ''}); nothing was written.",
            problems,
        )

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def _no_nul(value: Any) -> Any:
    """Refuse NUL characters anywhere in a value (PostgreSQL cannot store them)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("contains a NUL character, which text may not contain")
    elif isinstance(value, list | tuple):
        for item in value:
            _no_nul(item)
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_nul(k)
            _no_nul(v)
    return value


class Strict(BaseModel):
    """The base of every document and request model: unknown fields and NULs are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _text_has_no_nul(cls, value: Any) -> Any:
        return _no_nul(value)


class Located:
    """Parsed YAML data plus the line on which each value starts, keyed by its path."""

    def __init__(
        self,
        file: str,
        data: Any,
        lines: dict[tuple[str | int, ...], int],
        refused: dict[tuple[str | int, ...], str] | None = None,
    ):
        self.file = file
        self.data = data
        self.lines = lines
        # Values refused as they were read (numbers out of every range), held as None: their
        # problems are reported with validation's.
        self.refused = refused or {}

    def line_of(self, loc: Iterable[str | int]) -> int | None:
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def problem(self, loc: Iterable[str | int], message: str) -> Problem:
        loc = tuple(loc)
        return Problem(field_path(loc), message, self.file, self.line_of(loc))


def first_places(
    located: Located,
    section: str,
    keys: Iterable[str],
    *,
    field: str = "code",
    verb: str = "is used twice",
    problems: list[Problem],
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


# Plain scalars, as YAML 1.2's core schema reads them.
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$")
# The nesting of flow collections ([ and {), counted before libyaml sees the text.
_BRACKETS = re.compile(r"[\[\]{}]")


def _line(event: yaml.Event) -> int | None:
    return event.start_mark.line + 1 if event.start_mark else None


class _NumberRefusal(Exception):
    """A number out of every field's range: reported against its field with the document's
    other problems, rather than stopping the reading."""

    def __init__(self, message: str):
        self.message = message


class _Refusal(Exception):
    def __init__(self, line: int | None, message: str):
        self.line, self.message = line, message


def _scalar(event: yaml.ScalarEvent) -> Any:
    line = _line(event)
    value = event.value
    if "\x00" in value:
        raise _Refusal(line, "contains a NUL character, which text may not contain")
    if event.tag not in (None, "!"):
        raise _Refusal(line, f"tags such as '{event.tag[:40]}' are not allowed; write plain values")
    if event.style:  # quoted or block text: always a string
        return value
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value) or _FLOAT.match(value):
        return _number(value, line)
    if _SPECIAL_FLOAT.match(value):
        raise _Refusal(line, f"'{value}' is not a number this document can hold")
    return value


def read_number(text: str) -> int | Decimal:
    """A number written as text (a YAML plain scalar, a JSON number), bounded before anything
    converts it: an int, or an exact Decimal. ValueError, with a sentence, for text that is not
    a number or a number larger or longer than any field of ours holds.

    No field holds more than a trillion or needs more than a few decimal places, and turning
    1e60000000 into an integer takes a minute of CPU: such numbers are refused where they are
    read, rather than by a field's limit after the conversion.
    """
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"'{text[:40]}' is not a number") from None
    if not number.is_finite():
        raise ValueError(f"'{text[:40]}' is not a number a field holds")
    digits = number.as_tuple()
    if number and (number.adjusted() > MAX_MAGNITUDE or len(digits.digits) > MAX_DIGITS):
        raise ValueError(f"'{text[:40]}' is larger or longer than any number a field holds")
    if isinstance(digits.exponent, int) and digits.exponent < -MAX_DIGITS:
        raise ValueError(f"'{text[:40]}' has more decimal places than any field holds")
    return int(number) if _INT.match(text) else number


def _number(text: str, line: int | None) -> int | Decimal:
    """A plain scalar that looks like a number; out of bounds, refused at its field."""
    try:
        return read_number(text)
    except ValueError as exc:
        raise _NumberRefusal(str(exc)) from None


def _build(
    events: Iterator[yaml.Event],
    lines: dict[tuple[str | int, ...], int],
    refused: dict[tuple[str | int, ...], str],
    file: str,
) -> tuple[Any, list[Problem]]:
    problems: list[Problem] = []
    count = 0

    def node(event: yaml.Event, path: tuple[str | int, ...]) -> Any:
        nonlocal count
        count += 1
        line = _line(event)
        if count > MAX_VALUES:
            raise _Refusal(line, f"the document has more than {MAX_VALUES:,} values")
        if len(path) > MAX_DEPTH:
            raise _Refusal(line, f"values are nested more than {MAX_DEPTH} deep")
        if getattr(event, "anchor", None) is not None or isinstance(event, yaml.AliasEvent):
            raise _Refusal(line, "anchors and aliases (& and *) are not allowed; write values out")
        lines[path] = line or 0
        if isinstance(event, yaml.ScalarEvent):
            try:
                return _scalar(event)
            except _NumberRefusal as exc:
                refused[path] = exc.message
                return None
        if getattr(event, "tag", None) not in (None, "!"):
            raise _Refusal(line, f"tags such as '{event.tag[:40]}' are not allowed")  # type: ignore[attr-defined]
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            for item in events:
                if isinstance(item, yaml.SequenceEndEvent):
                    return items
                items.append(node(item, (*path, len(items))))
        if isinstance(event, yaml.MappingStartEvent):
            out: dict[str, Any] = {}
            for key_event in events:
                if isinstance(key_event, yaml.MappingEndEvent):
                    return out
                key_line = _line(key_event)
                if not isinstance(key_event, yaml.ScalarEvent):
                    raise _Refusal(key_line, "a key must be a plain name, not a list or mapping")
                try:
                    key = _scalar(key_event)
                except _NumberRefusal as exc:
                    raise _Refusal(key_line, exc.message) from None
                key = str(key).lower() if isinstance(key, bool) else str(key)
                if key in out:
                    problems.append(
                        Problem(
                            field_path((*path, key)),
                            "appears twice in the same mapping; keep one",
                            file,
                            key_line,
                        )
                    )
                out[key] = node(next(events), (*path, key))
        raise _Refusal(line, "is not a value a document may hold")

    first = next(events)  # StreamStart
    start = next(events)
    if isinstance(start, yaml.StreamEndEvent):
        raise _Refusal(1, "the document is empty")
    data = node(next(events), ())
    next(events)  # DocumentEnd
    if not isinstance(next(events), yaml.StreamEndEvent):
        raise _Refusal(None, "has more than one document (---); send one at a time")
    del first
    return data, problems


def nested_too_deep(text: str, limit: int = MAX_DEPTH) -> int | None:
    """The line where brackets ([ and {) first nest deeper than the limit, or None.

    Counted before a parser sees the text, so that deep nesting costs neither stack nor memory.
    Brackets inside quoted text are counted too, which errs only on the side of refusing.
    """
    depth = 0
    for bracket in _BRACKETS.finditer(text):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return text.count("\n", 0, bracket.start()) + 1
    return None


def read_yaml(source: str | Path, text: str | bytes | None = None) -> Located:
    """Parse YAML, keeping the line of every value. Refuses what it cannot read safely."""
    file = str(source)

    def refuse(line: int | None, message: str) -> DocumentError:
        return DocumentError([Problem("", message, file, line)])

    if text is None:
        try:
            path = Path(source)
            if path.stat().st_size > MAX_BYTES:
                raise refuse(None, f"is larger than {MAX_BYTES // 1_000_000} MB")
            raw = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise refuse(None, "no such file") from None
    else:
        raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BYTES:
        raise refuse(None, f"is larger than {MAX_BYTES // 1_000_000} MB")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise refuse(line, f"is not UTF-8 text ({exc.reason})") from None
    too_deep = nested_too_deep(decoded)
    if too_deep is not None:
        raise refuse(too_deep, f"values are nested more than {MAX_DEPTH} deep")
    lines: dict[tuple[str | int, ...], int] = {}
    refused: dict[tuple[str | int, ...], str] = {}
    try:
        data, problems = _build(yaml.parse(decoded, Loader=yaml.CSafeLoader), lines, refused, file)
    except _Refusal as exc:
        raise refuse(exc.line, exc.message) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        context = exc.context or ""
        if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            context += f" (which starts on line {exc.context_mark.line + 1})"
        message = "; ".join(m for m in (context.strip(), exc.problem or "") if m)
        raise refuse(mark.line + 1 if mark else None, f"is not valid YAML: {message}") from None
    except yaml.YAMLError as exc:  # a reader error: a character YAML does not allow
        raise refuse(None, f"is not valid YAML: {exc}") from None
    if problems:
        raise DocumentError(problems)
    return Located(file, data, lines, refused)


def validate[M: BaseModel](located: Located, model: type[M]) -> M:
    """Validate parsed YAML against a pydantic model, reporting every error with its line."""
    try:
        result = model.model_validate(located.data)
        found: list[tuple[tuple[str | int, ...], str]] = []
    except ValidationError as exc:
        found = [(loc, m) for loc, m in pydantic_problems(exc) if loc not in located.refused]
    found += located.refused.items()
    if found:
        problems = [located.problem(loc, message) for loc, message in found]
        raise DocumentError(sorted(problems, key=lambda p: p.line or 0))
    return result


def pydantic_problems(exc: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    """Each pydantic error as (where, a sentence), in the words our documents use."""
    out = []
    for err in exc.errors(include_url=False):
        # pydantic reports tagged-union and wrapper steps that are not in the document.
        loc = tuple(
            p
            for p in err["loc"]
            if not (
                isinstance(p, str) and (p.startswith("function-") or p.startswith("constrained"))
            )
        )
        message = err["msg"]
        if err["type"] == "missing":
            message = "is required"
        elif err["type"] == "extra_forbidden":
            message = "is not a field this document knows; check its spelling"
        elif err["type"] in ("value_error", "assertion_error"):
            message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        elif err["type"] == "too_long":
            ctx = err.get("ctx", {})
            message = (
                f"has {ctx.get('actual_length', 'too many')} entries; at most "
                f"{ctx.get('max_length')} are allowed"
            )
        elif err["type"] == "string_too_long":
            message = f"is longer than {err.get('ctx', {}).get('max_length')} characters"
        elif err["type"].startswith("date_"):
            message = "must be a real date written as YYYY-MM-DD, for example 2019-04-01"
        out.append((loc, message))
    return out
