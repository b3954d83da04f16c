"""The finance configuration (`finance.yaml`, or the file COMMONWEAL_FINANCE_CONFIG names):
RAG thresholds and the break-even rule of each financial year, validated with errors that
name the file, line and field."""

import os
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from commonweal.core.documents import Strict, read_yaml, validate

from . import rules

DEFAULT = Path(__file__).with_name("finance.yaml")


class _Rag(Strict):
    amber: Decimal = Field(ge=0, le=100)
    red: Decimal = Field(ge=0, le=100)
    favourable_too: bool = False

    @model_validator(mode="after")
    def _order(self) -> "_Rag":
        if self.amber > self.red:
            raise ValueError("amber must not be above red")
        return self


class _Rule(Strict):
    from_year: int = Field(ge=2000, le=2100)
    rule: Literal["system", "each_organisation"]
    text: str = Field(min_length=1)
    source: str = ""


class _Config(Strict):
    rag: _Rag
    # Savings schemes are rated on their forecast shortfall against plan: a delivery risk, so
    # with wider thresholds than a budget's variance.
    savings_rag: _Rag | None = None
    breakeven: list[_Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_rule_a_year(self) -> "_Config":
        years = [r.from_year for r in self.breakeven]
        if len(set(years)) != len(years):
            raise ValueError("two break-even rules start in the same year")
        return self


class Config(BaseModel):
    thresholds: rules.Thresholds
    savings_thresholds: rules.Thresholds
    breakeven: list[rules.YearRule]

    model_config = ConfigDict(arbitrary_types_allowed=True)


def read(path: Path) -> Config:
    raw = validate(read_yaml(path), _Config)
    savings = raw.savings_rag or raw.rag
    return Config(
        thresholds=rules.Thresholds(raw.rag.amber, raw.rag.red, raw.rag.favourable_too),
        savings_thresholds=rules.Thresholds(savings.amber, savings.red, savings.favourable_too),
        breakeven=rules.rules_by_year(r.model_dump() for r in raw.breakeven),
    )


@cache
def config() -> Config:
    return read(Path(os.environ.get("COMMONWEAL_FINANCE_CONFIG") or DEFAULT))
