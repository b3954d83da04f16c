"""The gifts and hospitality rules an organisation works to: YAML, checked like a document.

The shipped defaults (`gifts.yaml`) are NHS England's; `COMMONWEAL_GIFT_RULES` names a file of
an organisation's own. A file with mistakes stops the app at start-up with each one named.
"""

import functools
from pathlib import Path

from django.conf import settings
from pydantic import Field, model_validator

from commonweal.core.documents import Strict, read_yaml, validate
from commonweal.core.money import Pounds
from commonweal.interests.rules import GiftRules

DEFAULT = Path(__file__).with_name("gifts.yaml")


class GiftsDoc(Strict):
    promotional_under: Pounds
    accept_up_to: Pounds
    cumulative_days: int = Field(365, ge=0, le=3660)


class HospitalityDoc(Strict):
    undeclared_up_to: Pounds
    declared_up_to: Pounds

    @model_validator(mode="after")
    def _ordered(self) -> "HospitalityDoc":
        if self.declared_up_to < self.undeclared_up_to:
            raise ValueError("declared_up_to is below undeclared_up_to")
        return self


class GiftRulesDoc(Strict):
    source: str = Field("", max_length=300)
    gifts: GiftsDoc
    hospitality: HospitalityDoc


def read_rules(path: Path) -> GiftRules:
    doc = validate(read_yaml(path), GiftRulesDoc)
    return GiftRules(
        promotional_under=doc.gifts.promotional_under,
        gift_accept_up_to=doc.gifts.accept_up_to,
        hospitality_undeclared_up_to=doc.hospitality.undeclared_up_to,
        hospitality_declared_up_to=doc.hospitality.declared_up_to,
        cumulative_days=doc.gifts.cumulative_days,
        source=doc.source,
    )


@functools.cache
def gift_rules() -> GiftRules:
    configured = getattr(settings, "COMMONWEAL_GIFT_RULES", "")
    return read_rules(Path(configured) if configured else DEFAULT)
