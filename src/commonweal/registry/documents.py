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
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator

from commonweal.core.dates import Day
from commonweal.core.documents import Located, Strict, first_places
from commonweal.core.errors import Problem
from commonweal.core.models import OrganisationKind
from commonweal.registry.models import Responsibility
from commonweal.registry.rules import Level

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


def _code(value: Any) -> Any:
    # YAML reads an ODS code such as 15N as a string, but 00123 or 1E3 would become numbers.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("write codes in quotes so YAML keeps them as text, for example '00L'")
    if isinstance(value, str) and not CODE.match(value):
        raise ValueError(f"'{value}' is not a code: use letters, digits, '-' or '_'")
    return value


# Organisation codes (ODS and ONS) fit in 20 characters; area codes, which a system chooses, in 40.
Code = Annotated[str, BeforeValidator(_code), Field(min_length=1, max_length=20)]
AreaCode = Annotated[str, BeforeValidator(_code), Field(min_length=1, max_length=40)]


# More people than live in England, fewer than a database column holds: a typo, not a place.
MAX_POPULATION = 100_000_000


class OrganisationDoc(Strict):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    type: OrganisationKind
    opened: Day | None = None
    closed: Day | None = None
    part_of: Code | None = None
    commissioner: Code | None = None
    postcode: str = Field("", max_length=10)
    predecessors: list[Code] = []

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
    description: str = ""
    populations: list[PopulationDoc] = []
    responsible: list[ResponsibleDoc] = []
    practices: list[Annotated[PracticeDoc, BeforeValidator(_practice)]] = []


class RangeDoc(Strict):
    minimum: int | None = Field(default=None, ge=0, le=MAX_POPULATION)
    maximum: int | None = Field(default=None, ge=0, le=MAX_POPULATION)
    source: str = ""

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
    description: str = ""
    as_at: Day | None = None
    sources: list[str] = []
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


def cross_check(located: Located, doc: SystemDocument, known: dict[str, str]) -> list[Problem]:
    """What pydantic cannot see: references between entries, duplicates, and cycles.

    `known` maps organisation codes already in the database to their kind.
    """
    problems: list[Problem] = []
    kinds = dict(known)
    first_places(
        located,
        "organisations",
        (o.code for o in doc.organisations),
        verb="is described twice",
        problems=problems,
    )
    kinds.update((o.code, o.type.value) for o in doc.organisations)

    def need_org(loc: tuple[str | int, ...], code: str | None, want: Iterable[str] = ()) -> None:
        if code is None:
            return
        if code not in kinds:
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
        dates = [p.on for p in area.populations]
        for j, when in enumerate(dates):
            if when in dates[:j]:
                problems.append(
                    located.problem(
                        ("areas", i, "populations", j, "on"), f"a second population for {when}"
                    )
                )
    return problems
