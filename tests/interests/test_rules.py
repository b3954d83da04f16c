"""Gifts and hospitality against NHS England's thresholds, and when declarations are due."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonweal.interests.config import COUNCIL, DEFAULT, read_rules
from commonweal.interests.rules import Decision, Offered, advise, return_due

RULES = read_rules(DEFAULT)
D = Decision


@pytest.mark.parametrize(
    "offer, allowed, approval, declare",
    [
        # Suppliers: declined whatever the value, but a pen under £6 may be kept, undeclared.
        (
            Offered("gift", 599, from_supplier=True, promotional=True),
            {D.ACCEPTED, D.DECLINED},
            set(),
            False,
        ),
        (Offered("gift", 600, from_supplier=True, promotional=True), {D.DECLINED}, set(), True),
        (Offered("gift", 100, from_supplier=True), {D.DECLINED}, set(), True),
        # Others: up to £50 may be kept, undeclared; above, only for the organisation, declared.
        (Offered("gift", 5_000), {D.ACCEPTED, D.FOR_ORGANISATION, D.DECLINED}, set(), False),
        (Offered("gift", 5_001), {D.FOR_ORGANISATION, D.DECLINED}, set(), True),
        # Gifts from one source over the year add up.
        (
            Offered("gift", 3_000, earlier_from_source=2_500),
            {D.FOR_ORGANISATION, D.DECLINED},
            set(),
            True,
        ),
        # Hospitality: up to £25 undeclared; to £75 declared; above, a senior must approve.
        (Offered("hospitality", 2_500), {D.ACCEPTED, D.DECLINED}, set(), False),
        (Offered("hospitality", 2_501), {D.ACCEPTED, D.DECLINED}, set(), True),
        (Offered("hospitality", 7_500), {D.ACCEPTED, D.DECLINED}, set(), True),
        (Offered("hospitality", 7_501), {D.DECLINED}, {D.APPROVED}, True),
        # Cash and vouchers: never, whatever the amount.
        (Offered("gift", 1, cash=True), {D.DECLINED}, set(), True),
    ],
)
def test_the_shipped_rules_are_nhs_englands(offer, allowed, approval, declare):
    advice = advise(offer, RULES)
    assert advice.allowed == allowed and advice.with_approval == approval
    assert advice.declare is declare and advice.because


def test_a_councils_members_code_registers_rather_than_refuses():
    council = read_rules(COUNCIL)
    over = advise(Offered("gift", 5_000, from_supplier=True), council)
    assert over.declare and D.ACCEPTED in over.allowed
    assert not advise(Offered("hospitality", 4_999), council).declare
    assert advise(Offered("hospitality", 20_000), council).allowed == {D.ACCEPTED, D.DECLINED}
    assert advise(Offered("gift", 1, cash=True), council).allowed == {D.DECLINED}


def test_rules_are_configuration(tmp_path):
    own = tmp_path / "gifts.yaml"
    own.write_text(DEFAULT.read_text().replace("accept_up_to: 50", "accept_up_to: 20"))
    stricter = read_rules(own)
    assert D.ACCEPTED not in advise(Offered("gift", 3_000), stricter).allowed
    assert D.ACCEPTED in advise(Offered("gift", 3_000), RULES).allowed
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEFAULT.read_text().replace("declared_up_to: 75", "declared_up_to: 10"))
    from commonweal.core.documents import DocumentError

    with pytest.raises(DocumentError, match="declared_up_to is below undeclared_up_to"):
        read_rules(bad)


@given(
    st.sampled_from(["gift", "hospitality"]),
    st.integers(0, 10**9),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.integers(0, 10**7),
)
def test_declining_is_always_allowed_and_accepting_more_never_gets_easier(
    kind, value, supplier, promotional, cash, earlier
):
    offer = Offered(kind, value, supplier, promotional, cash, earlier)
    advice = advise(offer, RULES)
    assert D.DECLINED in advice.allowed
    more = advise(Offered(kind, value + 1, supplier, promotional, cash, earlier), RULES)
    assert more.allowed <= advice.allowed
    if cash:
        assert advice.allowed == {D.DECLINED} and not advice.with_approval


TODAY = date(2026, 11, 23)


def test_a_new_appointee_declares_within_28_days():
    due = return_due(date(2026, 11, 1), [], [], TODAY)
    assert due.on == date(2026, 11, 29) and not due.overdue
    late = return_due(date(2026, 10, 1), [], [], TODAY)
    assert late.overdue and "On appointment" in late.because


def test_a_return_is_due_yearly_and_sooner_after_a_change():
    assert return_due(date(2019, 4, 1), [date(2026, 1, 10)], [], TODAY).on == date(2027, 1, 10)
    overdue = return_due(date(2019, 4, 1), [date(2025, 1, 10)], [], TODAY)
    assert overdue.overdue and "Yearly" in overdue.because
    changed = return_due(date(2019, 4, 1), [date(2026, 1, 10)], [date(2026, 10, 1)], TODAY)
    assert changed.on == date(2026, 10, 29) and changed.overdue
    assert "change on 1 October 2026" in changed.because
    # A nil return counts like any other.
    assert not return_due(None, [date(2026, 6, 1)], [], TODAY).overdue
