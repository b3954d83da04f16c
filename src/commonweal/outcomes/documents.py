"""Indicator definitions and outcomes frameworks as YAML documents, checked with every problem
named by file, line and field before anything is written.

Definitions (a catalogue, national or an organisation's own):

    indicators:
      name: QOF 2020/21 disease register prevalence
      provenance: {written_by: ..., checked_by: ..., review_date: 2027-03-31, source: ...}
      owner: null                      # or the ODS/ONS code of the organisation keeping them
      definitions:
        - code: qof-hyp-prevalence
          name: "Hypertension: recorded prevalence (all ages)"
          definition: ...
          polarity: neither            # high_is_good, low_is_good, neither
          unit: "%"
          method: proportion           # proportion, crude_rate, dsr, ratio, mean
          multiplier: 100
          source: NHS Digital, Quality and Outcomes Framework 2020/21
          frequency: annual
          significance: 95             # or 99.8
          benchmark: E92000001         # the benchmark area (England)
          target: null
          qof: {register: HYP, list_type: TOTAL}   # computed from QOF registers
          fingertips_id: "219"         # matched in Fingertips files

A framework (a system's):

    framework:
      system: devon-2019
      code: devon-outcomes
      name: ...
      provenance: {...}
      owner: 15N                       # keeps the framework's own indicators
      definitions: [...]               # indicators of its own, as above (optional)
      outcomes:
        - code: ltc-found-early
          name: ...
          indicators:
            - {indicator: qof-hyp-prevalence, target: null}
"""

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator

from commonweal.core.documents import DocumentError, Located, Strict, validate
from commonweal.core.errors import Problem

CODE = r"^[a-z0-9][a-z0-9-]{0,79}$"


class Provenance(Strict):
    written_by: str = Field(min_length=1, max_length=200)
    checked_by: str = Field(min_length=1, max_length=200)
    review_date: date
    source: str = Field(default="", max_length=2000)


class Qof(Strict):
    group: str = Field(alias="register", pattern=r"^[A-Z]{1,6}$")
    list_type: str = Field(default="TOTAL", pattern=r"^(TOTAL|\d\dOV)$")


class Definition(Strict):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=300)
    definition: str = Field(min_length=1, max_length=10000)
    polarity: Literal["high_is_good", "low_is_good", "neither"]
    unit: str = Field(min_length=1, max_length=40)
    method: Literal["proportion", "crude_rate", "dsr", "ratio", "mean"]
    multiplier: float = Field(default=100, gt=0, le=1e9)
    source: str = Field(min_length=1, max_length=300)
    frequency: str = Field(min_length=1, max_length=40)
    significance: Literal["95", "99.8"]

    @field_validator("significance", mode="before")
    @classmethod
    def _level_as_text(cls, value: Any) -> Any:
        # YAML reads 95 and 99.8 as numbers; the levels are named as text.
        return (
            str(value)
            if isinstance(value, int | Decimal) and not isinstance(value, bool)
            else value
        )

    @field_validator("fingertips_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    benchmark: str = Field(default="E92000001", pattern=r"^[A-Z0-9]{1,12}$")
    target: float | None = Field(default=None, ge=-1e12, le=1e12)
    qof: Qof | None = None
    fingertips_id: str = Field(default="", pattern=r"^\d{0,12}$")


class IndicatorsDoc(Strict):
    name: str = Field(min_length=1, max_length=300)
    provenance: Provenance
    owner: str | None = Field(default=None, max_length=20)
    illustrative: bool = False
    definitions: list[Definition] = Field(min_length=1, max_length=2000)


class UseIndicator(Strict):
    indicator: str = Field(pattern=CODE)
    target: float | None = Field(default=None, ge=-1e12, le=1e12)


class OutcomeDoc(Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    name: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10000)
    indicators: list[UseIndicator] = Field(default_factory=list, max_length=500)


class FrameworkDoc(Strict):
    system: str = Field(min_length=1, max_length=60)
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10000)
    provenance: Provenance
    owner: str = Field(min_length=1, max_length=20)
    illustrative: bool = False
    definitions: list[Definition] = Field(default_factory=list, max_length=2000)
    outcomes: list[OutcomeDoc] = Field(min_length=1, max_length=200)


class IndicatorsDocument(Strict):
    indicators: IndicatorsDoc


class FrameworkDocument(Strict):
    framework: FrameworkDoc


def _check_definitions(
    located: Located, root: str, definitions: list[Definition], problems: list[Problem]
) -> None:
    seen: dict[str, int] = {}
    for i, d in enumerate(definitions):
        where = (root, "definitions", i)
        if d.code in seen:
            problems.append(
                located.problem((*where, "code"), f"'{d.code}' is defined twice in this document")
            )
        seen[d.code] = i
        if d.qof is not None and d.method != "proportion":
            problems.append(
                located.problem(
                    (*where, "method"),
                    "a QOF register's prevalence is a proportion (register / list size)",
                )
            )
        if d.method == "proportion" and d.multiplier not in (1, 100, 1000):
            problems.append(
                located.problem(
                    (*where, "multiplier"), "a proportion is shown per 1, per 100 (%) or per 1,000"
                )
            )
        if d.target is not None and d.polarity == "neither":
            problems.append(
                located.problem(
                    (*where, "target"),
                    "an indicator where neither high nor low is good cannot have a target",
                )
            )
    if problems:
        raise DocumentError(problems)


def check_indicators(located: Located) -> IndicatorsDoc:
    doc = validate(located, IndicatorsDocument).indicators
    _check_definitions(located, "indicators", doc.definitions, [])
    return doc


def check_framework(located: Located) -> FrameworkDoc:
    doc = validate(located, FrameworkDocument).framework
    problems: list[Problem] = []
    codes: dict[str, int] = {}
    for i, o in enumerate(doc.outcomes):
        if o.code in codes:
            problems.append(
                located.problem(("framework", "outcomes", i, "code"), f"'{o.code}' is used twice")
            )
        codes[o.code] = i
        used: set[str] = set()
        for j, u in enumerate(o.indicators):
            if u.indicator in used:
                problems.append(
                    located.problem(
                        ("framework", "outcomes", i, "indicators", j, "indicator"),
                        f"'{u.indicator}' is listed twice under this outcome",
                    )
                )
            used.add(u.indicator)
    _check_definitions(located, "framework", doc.definitions, problems)
    return doc
