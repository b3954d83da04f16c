"""The system document: a declarative YAML description of a health and care system.

    system:        slug, name, description, as_at, sources, guidance (population ranges by level)
    organisations: code, name, type, opened, closed, part_of, commissioner, postcode,
                   predecessors (merged into this organisation on the date it opened)
    areas:         code, name, level, parent, ons_code, description,
                   populations [{on, population, source}],
                   responsible [{organisation, role, starts, ends}],
                   practices   [code or {practice, starts, ends}]

An organisation may be named in an area without being described in the document when the
database already holds it (practices and PCNs imported from ODS).
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator

from commonweal.core.dates import Day, overlaps
from commonweal.core.documents import Located, Strict, first_places
from commonweal.core.errors import Problem
from commonweal.core.models import OrganisationKind
from commonweal.registry.models import Responsibility
from commonweal.registry.rules import Level

# Area codes are a system's own choice; organisation codes are ODS and ONS codes, which are
# upper-case letters and digits (so no code differs from another only in case).
AREA_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
ORGANISATION_CODE = re.compile(r"^[A-Z0-9]+$")


def _shown(value: str) -> str:
    """A value as a message quotes it: cut, so a refusal never echoes a megabyte back."""
    return f"'{value[:40]}...'" if len(value) > 40 else f"'{value}'"


def _number_as_code(value: Any) -> None:
    # YAML reads an ODS code such as 15N as a string, but 00123 or 1E3 would become numbers.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("write codes in quotes so YAML keeps them as text, for example '00L'")


def _area_code(value: Any) -> Any:
    _number_as_code(value)
    if isinstance(value, str) and not AREA_CODE.match(value):
        raise ValueError(f"{_shown(value)} is not a code: use letters, digits, '-' or '_'")
    return value


def _organisation_code(value: Any) -> Any:
    _number_as_code(value)
    if isinstance(value, str) and not ORGANISATION_CODE.match(value):
        raise ValueError(
            f"{_shown(value)} is not an organisation code: ODS and ONS codes are upper-case "
            "letters and digits, such as 15N or E10000008"
        )
    return value


# Organisation codes (ODS and ONS) fit in 20 characters; area codes, which a system chooses, in 40.
Code = Annotated[str, BeforeValidator(_organisation_code), Field(min_length=1, max_length=20)]
AreaCode = Annotated[str, BeforeValidator(_area_code), Field(min_length=1, max_length=40)]


# More people than live in England, fewer than a database column holds: a typo, not a place.
MAX_POPULATION = 100_000_000
# A description is a paragraph or two; a page of text is enough for anyone.
MAX_DESCRIPTION = 5_000


class OrganisationDoc(Strict):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    type: OrganisationKind
    opened: Day | None = None
    closed: Day | None = None
    part_of: Code | None = None
    commissioner: Code | None = None
    postcode: str = Field("", max_length=10)
    predecessors: list[Code] = Field([], max_length=50)

    @model_validator(mode="after")
    def _dates(self) -> "OrganisationDoc":
        if self.opened and self.closed and self.closed < self.opened:
            raise ValueError(f"closed ({self.closed}) is before opened ({self.opened})")
        if self.predecessors and not self.opened:
            raise ValueError("predecessors need the date the organisation opened")
        return self


class PopulationDoc(Strict):
    on: Day
    population: int = Field(ge=0, le=MAX_POPULATION)
    source: str = Field("", max_length=300)


class ResponsibleDoc(Strict):
    organisation: Code
    role: Responsibility
    starts: Day | None = None
    ends: Day | None = None


class PracticeDoc(Strict):
    practice: Code
    starts: Day | None = None
    ends: Day | None = None


def _practice(value: Any) -> Any:
    return {"practice": value} if isinstance(value, str) else value


class AreaDoc(Strict):
    code: AreaCode
    name: str = Field(min_length=1, max_length=200)
    level: Level
    parent: AreaCode | None = None
    ons_code: str = Field("", max_length=12)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    # Bounds far above any real area's (a figure a year, a few responsible organisations, a
    # place's practices), so that every list a document holds is bounded.
    populations: list[PopulationDoc] = Field([], max_length=200)
    responsible: list[ResponsibleDoc] = Field([], max_length=50)
    practices: list[Annotated[PracticeDoc, BeforeValidator(_practice)]] = Field(
        [], max_length=2_000
    )


class RangeDoc(Strict):
    minimum: int | None = Field(default=None, ge=0, le=MAX_POPULATION)
    maximum: int | None = Field(default=None, ge=0, le=MAX_POPULATION)
    source: str = Field("", max_length=300)

    @model_validator(mode="after")
    def _ordered(self) -> "RangeDoc":
        if self.minimum is None and self.maximum is None:
            raise ValueError("give a minimum, a maximum or both")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"minimum {self.minimum:,} is above maximum {self.maximum:,}")
        return self


class SystemDoc(Strict):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    as_at: Day | None = None
    sources: list[Annotated[str, Field(max_length=500)]] = Field([], max_length=50)
    guidance: dict[Level, RangeDoc] = {}

    @field_validator("slug", mode="before")
    @classmethod
    def _slug_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


# Far more than any system has (a system document describes dozens or hundreds of areas, and
# practices and networks come from ODS), few enough that a load holds the database for
# seconds, not minutes.
MAX_ENTRIES = 5_000


class SystemDocument(Strict):
    system: SystemDoc
    organisations: list[OrganisationDoc] = Field([], max_length=MAX_ENTRIES)
    areas: list[AreaDoc] = Field([], max_length=MAX_ENTRIES)


def cross_check(
    located: Located,
    doc: SystemDocument,
    known: dict[str, str],
    alike: Mapping[str, str] | None = None,
) -> list[Problem]:
    """What pydantic cannot see: references between entries, duplicates, and cycles.

    `known` maps organisation codes already in the database to their kind; `alike` maps a code
    the database does not hold to one it does that differs only in case (stored before codes
    had to be upper-case).
    """
    problems: list[Problem] = []
    alike = alike or {}
    kinds = dict(known)
    first_places(
        located,
        "organisations",
        (o.code for o in doc.organisations),
        verb="is described twice",
        problems=problems,
    )
    for i, org in enumerate(doc.organisations):
        if org.code in alike:
            problems.append(
                located.problem(
                    ("organisations", i, "code"),
                    f"'{org.code}' differs only in case from the organisation "
                    f"'{alike[org.code]}' Commonweal holds: use that code",
                )
            )
    kinds.update((o.code, o.type.value) for o in doc.organisations)

    def need_org(loc: tuple[str | int, ...], code: str | None, want: Iterable[str] = ()) -> None:
        if code is None:
            return
        if code in alike and code not in kinds:
            problems.append(
                located.problem(loc, f"no organisation '{code}'; did you mean '{alike[code]}'?")
            )
        elif code not in kinds:
            problems.append(
                located.problem(
                    loc,
                    f"no organisation '{code}': describe it under organisations, or import it "
                    "from ODS first",
                )
            )
        elif want and kinds[code] not in want:
            wanted = " or ".join(OrganisationKind(w).label for w in want)
            problems.append(
                located.problem(
                    loc, f"'{code}' is a {OrganisationKind(kinds[code]).label}, not a {wanted}"
                )
            )

    for i, org in enumerate(doc.organisations):
        need_org(("organisations", i, "part_of"), org.part_of)
        need_org(
            ("organisations", i, "commissioner"),
            org.commissioner,
            [OrganisationKind.NHS_COMMISSIONER],
        )
        for j, code in enumerate(org.predecessors):
            need_org(("organisations", i, "predecessors", j), code)
            if code == org.code:
                problems.append(
                    located.problem(
                        ("organisations", i, "predecessors", j), "cannot succeed itself"
                    )
                )

    areas = first_places(located, "areas", (a.code for a in doc.areas), problems=problems)
    for i, area in enumerate(doc.areas):
        if area.parent is not None:
            if area.parent not in areas:
                problems.append(
                    located.problem(
                        ("areas", i, "parent"), f"no area '{area.parent}' in this document"
                    )
                )
            else:
                parent = doc.areas[areas[area.parent]]
                if parent.level.rank >= area.level.rank:
                    problems.append(
                        located.problem(
                            ("areas", i, "parent"),
                            f"'{area.parent}' is a {parent.level.label}, which is not wider than "
                            f"this area's level ({area.level.label})",
                        )
                    )
        for j, resp in enumerate(area.responsible):
            need_org(("areas", i, "responsible", j, "organisation"), resp.organisation)
        for j, member in enumerate(area.practices):
            need_org(("areas", i, "practices", j), member.practice, [OrganisationKind.GP_PRACTICE])
        dates: set[date] = set()
        for j, population in enumerate(area.populations):
            if population.on in dates:
                problems.append(
                    located.problem(
                        ("areas", i, "populations", j, "on"),
                        f"a second population for {population.on}",
                    )
                )
            dates.add(population.on)
        _overlapping_lines(located, i, area, problems)
    return problems


def _overlapping_lines(located: Located, i: int, area: AreaDoc, problems: list[Problem]) -> None:
    """One organisation's lines in one role on an area, and one practice's memberships of it,
    must not be in force on the same day: the area's page would say it twice, and the database
    holds one open responsibility for each organisation and role."""
    roles: dict[tuple[str, str], list[tuple[int, ResponsibleDoc]]] = defaultdict(list)
    for j, line in enumerate(area.responsible):
        roles[(line.organisation, line.role.value)].append((j, line))
    for (code, role), lines in roles.items():
        for later, earlier in overlaps(lines):
            problems.append(
                located.problem(
                    ("areas", i, "responsible", later),
                    f"responsible[{earlier}] names {code} as {Responsibility(role).label} "
                    "on some of the same days: give each line its own dates, one ending "
                    "before the next starts",
                )
            )
    practices: dict[str, list[tuple[int, PracticeDoc]]] = defaultdict(list)
    for j, member in enumerate(area.practices):
        practices[member.practice].append((j, member))
    for code, members in practices.items():
        for later, earlier in overlaps(members):
            problems.append(
                located.problem(
                    ("areas", i, "practices", later),
                    f"practices[{earlier}] names {code} as a member on some of the same "
                    "days: give each membership its own dates, one ending before the next "
                    "starts",
                )
            )
