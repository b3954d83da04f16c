"""The gifts and hospitality rules organisations work to: YAML, checked like a document.

Two files: the NHS's (`gifts.yaml`, NHS England's guidance) and councils' (`gifts-council.yaml`,
the Local Government Association's model members' code), each replaceable by a file of one's
own (`COMMONWEAL_GIFT_RULES`, `COMMONWEAL_COUNCIL_GIFT_RULES`). A file with mistakes stops the
app at start-up with each one named.
"""

import functools
from pathlib import Path
from typing import Literal

from django.conf import settings
from pydantic import Field, model_validator

from commonweal.core.documents import Strict, read_yaml, validate
from commonweal.core.money import Pounds
from commonweal.interests.rules import GiftRules

DEFAULT = Path(__file__).with_name("gifts.yaml")
COUNCIL = Path(__file__).with_name("gifts-council.yaml")


class GiftsDoc(Strict):
    suppliers_declined: bool = True
    promotional_under: Pounds = 0
    accept_up_to: Pounds
    above: Literal["for_organisation", "declare"] = "for_organisation"
    cumulative_days: int = Field(365, ge=0, le=3660)


class HospitalityDoc(Strict):
    undeclared_up_to: Pounds
    declared_up_to: Pounds | None = None
    above: Literal["approval", "declare"] = "approval"

    @model_validator(mode="after")
    def _ordered(self) -> "HospitalityDoc":
        if self.declared_up_to is not None and self.declared_up_to < self.undeclared_up_to:
            raise ValueError("declared_up_to is below undeclared_up_to")
        if self.above == "approval" and self.declared_up_to is None:
            raise ValueError("approval above a limit needs declared_up_to, the limit")
        return self


class GiftRulesDoc(Strict):
    source: str = Field("", max_length=300)
    gifts: GiftsDoc
    hospitality: HospitalityDoc


def read_rules(path: Path) -> GiftRules:
    doc = validate(read_yaml(path), GiftRulesDoc)
    return GiftRules(
        suppliers_declined=doc.gifts.suppliers_declined,
        promotional_under=doc.gifts.promotional_under,
        gift_accept_up_to=doc.gifts.accept_up_to,
        gift_over=doc.gifts.above,
        hospitality_undeclared_up_to=doc.hospitality.undeclared_up_to,
        hospitality_declared_up_to=doc.hospitality.declared_up_to,
        hospitality_over=doc.hospitality.above,
        cumulative_days=doc.gifts.cumulative_days,
        source=doc.source,
    )


@functools.cache
def gift_rules(*, council: bool = False) -> GiftRules:
    """The rules for an NHS organisation, or (`council`) for a council's members."""
    setting = "COMMONWEAL_COUNCIL_GIFT_RULES" if council else "COMMONWEAL_GIFT_RULES"
    configured = getattr(settings, setting, "")
    return read_rules(Path(configured) if configured else COUNCIL if council else DEFAULT)
