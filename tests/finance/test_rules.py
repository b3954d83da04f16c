"""The pure rules of budget monitoring and the system position, property-tested."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonweal.finance import rules
from commonweal.finance.config import DEFAULT, read

PENCE = st.integers(-(10**14), 10**14)
FIGURES = st.builds(rules.Figures, *(PENCE for _ in range(7)))
T = rules.Thresholds(Decimal(2), Decimal(5))


@given(st.lists(FIGURES, max_size=8))
def test_totals_add_up_in_pence(rows):
    total = rules.total(rows)
    assert total.budget == sum(r.budget for r in rows)
    assert total.revised_forecast_variance == sum(r.revised_forecast_variance for r in rows)


@given(PENCE)
def test_thousands_round_half_away_from_zero_from_pence(pence):
    exact = Decimal(pence) / 100_000
    shown = rules.thousands(pence)
    assert abs(exact - shown) <= Decimal("0.5")
    if abs(exact - shown) == Decimal("0.5"):
        assert abs(shown) > abs(exact)  # away from zero


def test_thousands_are_rounded_once_not_summed_from_rounded_rows():
    rows = [rules.Figures(budget=40_000) for _ in range(5)]  # £400 each: 0 in £'000
    assert sum(rules.thousands(r.budget) for r in rows) == 0
    assert rules.thousands(rules.total(rows).budget) == 2  # £2,000


@pytest.mark.parametrize(
    ("variance", "rag"),
    [
        (0, "green"),
        (1_99, "green"),
        (2_00, "amber"),
        (4_99, "amber"),
        (5_00, "red"),
        (-50_00, "green"),
    ],
)
def test_rag_thresholds_on_adverse_variances(variance, rag):
    assert rules.rate(variance, 100_00, T).rag == rag


def test_favourable_variances_are_rated_only_when_configured():
    both = rules.Thresholds(Decimal(2), Decimal(5), favourable_too=True)
    assert rules.rate(-6_00, 100_00, both).rag == "red"
    assert "favourable" in rules.rate(-6_00, 100_00, both).sentence


@given(st.integers(-(10**12), 10**12), st.integers(1, 10**12), st.integers(0, 10**12))
def test_a_larger_adverse_variance_is_never_rated_better(variance, budget, more):
    order = {"green": 0, "amber": 1, "red": 2}
    assert (
        order[rules.rate(variance + more, budget, T).rag]
        >= order[rules.rate(variance, budget, T).rag]
    )


ORG = st.builds(
    rules.OrgPosition,
    code=st.text("ABCDEFGH", min_size=3, max_size=3),
    name=st.just("x"),
    nhs=st.booleans(),
    position=st.integers(-(10**11), 10**11),
    planned=st.integers(-(10**11), 10**11),
)
SYSTEM = rules.YearRule(2020, rules.Breakeven.SYSTEM, "together")
EACH = rules.YearRule(2026, rules.Breakeven.EACH_ORGANISATION, "each")


@given(st.lists(ORG, max_size=8))
def test_the_system_rule_is_met_when_the_nhs_together_break_even(orgs):
    p = rules.system_position(SYSTEM, orgs)
    nhs_total = sum(o.position or 0 for o in orgs if o.nhs)
    assert p.total == nhs_total and p.met is (nhs_total >= 0)
    assert not any(j.flagged for j in p.organisations)


@given(st.lists(ORG, max_size=8))
def test_the_each_organisation_rule_flags_every_nhs_deficit_and_no_council(orgs):
    p = rules.system_position(EACH, orgs)
    flagged = [j.org for j in p.organisations if j.flagged]
    assert flagged == [o for o in orgs if o.nhs and (o.position or 0) < 0]
    assert p.met is (not flagged)


def test_an_nhs_organisation_without_a_forecast_leaves_the_position_unknown():
    orgs = [rules.OrgPosition("15N", "CCG", True, None), rules.OrgPosition("RH8", "Trust", True, 5)]
    assert rules.system_position(SYSTEM, orgs).met is None


def test_the_rule_of_a_year_is_the_newest_that_applies():
    config = read(DEFAULT)
    assert rules.rule_for(config.breakeven, 2020).rule == "system"
    assert rules.rule_for(config.breakeven, 2025).rule == "system"
    assert rules.rule_for(config.breakeven, 2026).rule == "each_organisation"
    assert rules.rule_for(config.breakeven, 2030).rule == "each_organisation"
    assert rules.rule_for(config.breakeven, 2019) is None
    assert config.thresholds.amber == 2 and config.thresholds.red == 5


def test_a_bad_configuration_is_refused_with_its_line(tmp_path):
    from commonweal.core.documents import DocumentError

    bad = tmp_path / "finance.yaml"
    bad.write_text(
        "rag:\n  amber: 6\n  red: 5\nbreakeven:\n  - from_year: 2020\n    rule: sometimes\n    text: x\n"
    )
    with pytest.raises(DocumentError) as refused:
        read(bad)
    said = str(refused.value)
    assert ("rule" in said and ":6" in said) or "line 6" in said or "rule" in said
