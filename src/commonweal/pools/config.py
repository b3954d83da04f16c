"""The pooled funds configuration (`pools.yaml`, or the file COMMONWEAL_POOLS_CONFIG names):
Better Care Fund scheme types, metrics and national conditions, and the default variance
threshold for an action plan, validated with errors that name the file, line and field."""

import os
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from commonweal.core.documents import Strict, read_yaml, validate

DEFAULT = Path(__file__).with_name("pools.yaml")


class Metric(Strict):
    code: str = Field(pattern=r"^[a-z0-9_]{1,60}$")
    name: str = Field(min_length=1, max_length=200)
    definition: str = ""
    unit: str = ""
    polarity: Literal["low_is_good", "high_is_good", "neither"]


class Condition(Strict):
    code: str = Field(pattern=r"^[a-z0-9_]{1,60}$")
    text: str = Field(min_length=1)


class Stream(Strict):
    code: str = Field(pattern=r"^[a-z0-9_]{1,60}$")
    name: str = Field(min_length=1, max_length=100)
    # Which partners may give it: an NHS body, a council, or either.
    from_: Literal["nhs", "council", "any"] = Field(alias="from")


class Config(Strict):
    action_plan_threshold: Decimal = Field(ge=0, le=100)
    funding_streams: list[Stream] = Field(min_length=1)
    scheme_types: list[str] = Field(min_length=1)
    metrics: list[Metric] = Field(min_length=1)
    conditions: list[Condition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> "Config":
        for what, codes in (
            ("metric", [m.code for m in self.metrics]),
            ("condition", [c.code for c in self.conditions]),
            ("scheme type", self.scheme_types),
            ("funding stream", [f.code for f in self.funding_streams]),
        ):
            if len(set(codes)) != len(codes):
                raise ValueError(f"a {what} is listed twice")
        return self

    def stream(self, code_or_name: str) -> Stream | None:
        """A funding stream by its code or its name (any case)."""
        key = code_or_name.strip().casefold()
        return next((f for f in self.funding_streams if key in (f.code, f.name.casefold())), None)

    def metric(self, code: str) -> Metric | None:
        return next((m for m in self.metrics if m.code == code), None)


def read(path: Path) -> Config:
    return validate(read_yaml(path), Config)


@cache
def config() -> Config:
    return read(Path(os.environ.get("COMMONWEAL_POOLS_CONFIG") or DEFAULT))
