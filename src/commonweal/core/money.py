"""Money: integer pence inside, pounds at the edges, through Decimal and never through float.

Pure Python (no Django). Documents and the API give pounds (VAT included, as a number or text
such as "£1,234.50"); the database and the engine hold integer pence.
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

# A trillion pounds: far above any public body's budget, far below what a 64-bit column holds.
MAX_POUNDS = Decimal(1_000_000_000_000)
PENNY = Decimal("0.01")
# Text as people write amounts: ASCII digits, commas between thousands, pence after a point.
# (More than two decimals are read, to be refused as a fraction of a penny in those words.)
_AMOUNT = re.compile(r"^-?£?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,30})?$")
AMOUNT_PATTERN = r"^£?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?$"


def to_pence(value: Any, *, negative: bool = False) -> int:
    """Pounds (a number, a Decimal or text with £ and commas) as integer pence.

    Raises ValueError with a sentence for anything that is not an exact amount of money within
    bounds: no fractions of a penny, no infinities, nothing above a trillion pounds.
    """
    if isinstance(value, bool):
        raise ValueError("must be an amount of money in pounds, not true or false")
    if isinstance(value, float):
        value = repr(value)  # the shortest text that reads back as the same float
    if isinstance(value, str):
        text = value.strip()
        if not _AMOUNT.match(text):
            raise ValueError(
                "must be an amount of money in pounds, in digits, such as 1250.50 or £1,250.50"
            )
        value = text.replace(",", "").replace("£", "")
    try:
        pounds = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError("must be an amount of money in pounds, for example 1250.50") from None
    if not pounds.is_finite():
        raise ValueError("must be an amount of money in pounds, for example 1250.50")
    if abs(pounds) > MAX_POUNDS:
        raise ValueError("is more than a trillion pounds: check the amount")
    if pounds < 0 and not negative:
        raise ValueError("must be 0 or more")
    # Read the digits rather than multiply: Decimal arithmetic rounds to 28 digits, which would
    # turn 1.0000000000000000000000000001 into an exact hundred pence.
    _, digits, exponent = pounds.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    if exponent < -2 and any(digits[exponent + 2 :]):
        raise ValueError("must be in pounds and pence, with no fraction of a penny")
    return int(pounds.quantize(PENNY) * 100)


def _pence(value: Any) -> int:
    return to_pence(value)


# A pydantic field of money given in pounds and held as pence; the OpenAPI document describes
# what a client sends (pounds, as a number or text), not what it is turned into.
Pounds = Annotated[
    int,
    BeforeValidator(_pence),
    PlainSerializer(lambda pence: Decimal(pence) / 100, return_type=Decimal),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": float(MAX_POUNDS)},
                {"type": "string", "pattern": AMOUNT_PATTERN},
            ],
            "description": "pounds, VAT included",
        }
    ),
    Field(ge=0),
]
