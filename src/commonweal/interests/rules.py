"""The rules on interests and on gifts and hospitality: plain data in, an explained answer out.

No Django here. The thresholds are configuration (`GiftRules`, read from YAML by
`commonweal.interests.config`); the shipped defaults are NHS England's, from "Managing conflicts
of interest in the NHS" (2017): gifts from suppliers or contractors are declined whatever their
value, except low-cost promotional items under £6; other gifts up to £50 may be accepted, above
that only on behalf of the organisation; hospitality up to £25 need not be declared, £25 to £75
is declared, over £75 is refused unless a senior approves; cash and vouchers never.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from commonweal.core.formatting import long_date, pounds

# A change to a person's interests is declared within 28 days; the register is confirmed at
# least yearly; a new appointee declares within 28 days of appointment.
CHANGE_DAYS = 28


class Decision(StrEnum):
    DECLINED = "declined"
    ACCEPTED = "accepted"
    FOR_ORGANISATION = "for_organisation"
    APPROVED = "approved"  # accepted with a senior's approval


@dataclass(frozen=True)
class GiftRules:
    """Thresholds in pence, and what happens above them. The defaults are NHS England's; a
    council's members' code registers what is over its threshold rather than refusing it."""

    # Gifts from suppliers and contractors are declined (but for promotional items under
    # `promotional_under`); False: judged like any other gift.
    suppliers_declined: bool = True
    promotional_under: int = 600
    gift_accept_up_to: int = 5_000
    # Above the gift threshold: "for_organisation" (accepted only on its behalf) or "declare"
    # (may be kept, and is registered).
    gift_over: str = "for_organisation"
    hospitality_undeclared_up_to: int = 2_500
    # Up to this, hospitality is accepted and declared; above it, `hospitality_over` applies:
    # "approval" (declined unless a senior approves) or "declare". None: no upper tier.
    hospitality_declared_up_to: int | None = 7_500
    hospitality_over: str = "approval"
    # Gifts from one source within this many days count together against the gift threshold.
    cumulative_days: int = 365
    source: str = ""


@dataclass(frozen=True)
class Offered:
    kind: str  # "gift" or "hospitality"
    value: int  # pence
    from_supplier: bool = False
    promotional: bool = False
    cash: bool = False
    # Other gifts from the same source within the cumulative period, in pence.
    earlier_from_source: int = 0


@dataclass(frozen=True)
class Advice:
    allowed: frozenset[Decision]
    # Decisions allowed only when a senior has approved.
    with_approval: frozenset[Decision]
    declare: bool
    because: str

    def permits(self, decision: Decision, approved: bool) -> bool:
        return decision in self.allowed or (approved and decision in self.with_approval)


DECLINE_ONLY = frozenset({Decision.DECLINED})


def advise(offer: Offered, rules: GiftRules) -> Advice:
    """What may be done with a gift or hospitality, and whether it must be declared."""
    value = pounds(offer.value)
    if offer.cash:
        return Advice(DECLINE_ONLY, frozenset(), True, "Cash and vouchers are always declined.")
    if offer.kind == "gift":
        if offer.from_supplier and rules.suppliers_declined:
            if offer.promotional and offer.value < rules.promotional_under:
                return Advice(
                    frozenset({Decision.ACCEPTED, Decision.DECLINED}),
                    frozenset(),
                    False,
                    f"A low-cost promotional item under {pounds(rules.promotional_under)} from "
                    "a supplier may be accepted and need not be declared.",
                )
            return Advice(
                DECLINE_ONLY,
                frozenset(),
                True,
                "Gifts from suppliers or contractors are declined whatever their value "
                f"(only promotional items under {pounds(rules.promotional_under)} may be kept).",
            )
        total = offer.value + offer.earlier_from_source
        if total <= rules.gift_accept_up_to:
            return Advice(
                frozenset({Decision.ACCEPTED, Decision.FOR_ORGANISATION, Decision.DECLINED}),
                frozenset(),
                False,
                f"A gift of {value} (up to {pounds(rules.gift_accept_up_to)}) may be accepted "
                "and need not be declared.",
            )
        with_earlier = (
            f" ({pounds(total)} with the other gifts from the same source this year)"
            if offer.earlier_from_source
            else ""
        )
        if rules.gift_over == "declare":
            return Advice(
                frozenset({Decision.ACCEPTED, Decision.FOR_ORGANISATION, Decision.DECLINED}),
                frozenset(),
                True,
                f"A gift of {value}{with_earlier} is over {pounds(rules.gift_accept_up_to)}: it "
                "may be accepted, and is registered.",
            )
        return Advice(
            frozenset({Decision.FOR_ORGANISATION, Decision.DECLINED}),
            frozenset(),
            True,
            f"A gift of {value}{with_earlier} is over {pounds(rules.gift_accept_up_to)}: it may "
            "be accepted only on behalf of the organisation, and is declared.",
        )
    if offer.value <= rules.hospitality_undeclared_up_to:
        return Advice(
            frozenset({Decision.ACCEPTED, Decision.DECLINED}),
            frozenset(),
            False,
            f"Hospitality of {value} (up to {pounds(rules.hospitality_undeclared_up_to)}) may be "
            "accepted and need not be declared.",
        )
    declared_up_to = rules.hospitality_declared_up_to
    if declared_up_to is None or rules.hospitality_over == "declare":
        return Advice(
            frozenset({Decision.ACCEPTED, Decision.DECLINED}),
            frozenset(),
            True,
            f"Hospitality of {value} is over {pounds(rules.hospitality_undeclared_up_to)}: it "
            "may be accepted, and is registered.",
        )
    if offer.value <= declared_up_to:
        return Advice(
            frozenset({Decision.ACCEPTED, Decision.DECLINED}),
            frozenset(),
            True,
            f"Hospitality of {value} may be accepted and is declared (over "
            f"{pounds(rules.hospitality_undeclared_up_to)}, up to {pounds(declared_up_to)}).",
        )
    return Advice(
        DECLINE_ONLY,
        frozenset({Decision.APPROVED}),
        True,
        f"Hospitality of {value} is over {pounds(declared_up_to)}: it is declined unless a "
        "senior approves it, and is declared.",
    )


@dataclass(frozen=True)
class Due:
    on: date
    overdue: bool
    because: str


def add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def return_due(
    appointed: date | None, returns: Iterable[date], changes: Iterable[date], today: date
) -> Due:
    """When a person's next declaration of interests is due, and whether it is overdue.

    `returns` are the dates of their returns (nil returns count); `changes` the dates their
    interests began or ended. Due within 28 days of appointment, within 28 days of a change
    since the last return, and a year after the last return, whichever comes first.
    """
    made = sorted(returns)
    last = made[-1] if made else None
    if last is None:
        if appointed is None:
            return Due(today, False, "No return yet: one is due now.")
        on = appointed + timedelta(days=CHANGE_DAYS)
        why = f"On appointment ({long_date(appointed)}), within {CHANGE_DAYS} days: no return yet."
    else:
        on = add_year(last)
        why = f"Yearly: the last return was on {long_date(last)}."
        later = [c for c in changes if c > last]
        if later:
            first = min(later)
            by_change = first + timedelta(days=CHANGE_DAYS)
            if by_change < on:
                on = by_change
                why = (
                    f"Within {CHANGE_DAYS} days of a change on {long_date(first)}, after the "
                    f"last return on {long_date(last)}."
                )
    return Due(on, on < today, why)
