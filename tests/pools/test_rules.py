"""The pool's rules as plain data: risk shares, an overspend met in the agreement's order, an
underspend only for non-recurrent items, and the action plan threshold. The issue's worked
example is checked figure by figure; properties hold for any pool hypothesis makes."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonweal.pools import rules
from commonweal.pools.rules import Line, RiskShare, Source

M = 100_000_000  # £1m in pence
CONTRIBUTIONS = {"CCG": 6 * M, "Council": 4 * M}


def issue_lines(**d_changes) -> list[Line]:
    d = dict(reference="D", name="Line D", budget=24 * M // 10, forecast=26 * M // 10)
    d.update(d_changes)
    return [
        Line("A", "Line A", 2 * M, 19 * M // 10),
        Line("B", "Line B", 4 * M, 48 * M // 10),
        Line("C", "Line C", 1 * M, 1 * M, recurrent=False),
        Line(**d),
    ]


def test_the_issue_example_is_met_in_order():
    r = rules.resolve(
        issue_lines(), CONTRIBUTIONS, risk_reserve=3 * M // 10, uncommitted=3 * M // 10
    )
    assert r.gross_overspend == 1 * M
    assert [(s.source, s.used) for s in r.steps] == [
        (Source.UNDERSPENDS, M // 10),
        (Source.RISK_RESERVE, 3 * M // 10),
        (Source.UNCOMMITTED, 3 * M // 10),
        (Source.PARTNERS, 3 * M // 10),
    ]
    assert r.borne_by == {"CCG": 18 * M // 100, "Council": 12 * M // 100}
    partners = r.steps[-1]
    assert partners.by_partner == {"CCG": 18_000_000, "Council": 12_000_000}
    assert r.underspend_left == 0
    assert "£1,000,000" in r.summary and "CCG £180,000" in r.summary


def test_a_fixed_share_line_is_borne_by_the_partner_it_names():
    # D's risk is the council's alone: its unmet part falls on the council; B's stays 60/40.
    lines = issue_lines(risk_share=RiskShare.FIXED, figures={"Council": Decimal(100)})
    r = rules.resolve(lines, CONTRIBUTIONS, risk_reserve=3 * M // 10, uncommitted=3 * M // 10)
    partners = r.steps[-1]
    # £0.3m is left, spread over B (£0.8m) and D (£0.2m) in proportion: B £0.24m, D £0.06m.
    assert partners.by_line == {"B": 24 * M // 100, "D": 6 * M // 100}
    assert r.borne_by == {
        "CCG": 24 * M // 100 * 6 // 10,
        "Council": 24 * M // 100 * 4 // 10 + 6 * M // 100,
    }


def test_a_variable_share_follows_the_named_measure():
    line = Line(
        "V",
        "Placements",
        M,
        M,
        risk_share=RiskShare.VARIABLE,
        figures={"CCG": Decimal(30), "Council": Decimal(90)},
        formula="placements funded",
    )
    assert rules.shares(line, CONTRIBUTIONS) == {"CCG": Fraction(1, 4), "Council": Fraction(3, 4)}
    with pytest.raises(rules.PoolRuleError, match="names its formula"):
        rules.shares(
            Line("V", "x", 1, 1, risk_share=RiskShare.VARIABLE, figures={"CCG": Decimal(1)}),
            CONTRIBUTIONS,
        )


def test_fixed_shares_must_add_up_to_a_hundred_and_name_partners():
    with pytest.raises(rules.PoolRuleError, match="add up to 90%"):
        rules.shares(
            Line("F", "x", 1, 1, risk_share=RiskShare.FIXED, figures={"CCG": Decimal(90)}),
            CONTRIBUTIONS,
        )
    with pytest.raises(rules.PoolRuleError, match="does not contribute"):
        rules.shares(
            Line("F", "x", 1, 1, risk_share=RiskShare.FIXED, figures={"Other": Decimal(100)}),
            CONTRIBUTIONS,
        )


def test_the_order_is_the_agreements():
    # An agreement that reaches for the risk reserve before underspends.
    order = ["risk_reserve", "underspends", "uncommitted", "partners"]
    r = rules.resolve(
        issue_lines(), CONTRIBUTIONS, risk_reserve=3 * M // 10, uncommitted=3 * M // 10, order=order
    )
    assert [s.source for s in r.steps][:2] == [Source.RISK_RESERVE, Source.UNDERSPENDS]
    assert r.borne_by == {"CCG": 18 * M // 100, "Council": 12 * M // 100}
    with pytest.raises(rules.PoolRuleError, match="come last"):
        rules.check_order(["partners", "underspends"])
    with pytest.raises(rules.PoolRuleError, match="unknown"):
        rules.check_order(["reserves", "partners"])


def test_an_underspend_funds_only_non_recurrent_items():
    lines = issue_lines(forecast=2 * M)  # D underspends by £0.4m; B overspends by £0.8m
    r = rules.resolve(
        [Line("A", "A", 2 * M, 1 * M), Line("C", "C", M, M, recurrent=False)], CONTRIBUTIONS
    )
    assert r.underspend_left == M
    recurrent = rules.underspend_use(lines[0], 10_000, r.underspend_left)
    assert not recurrent.allowed and "recurrent" in recurrent.reason
    allowed = rules.underspend_use(lines[2], 10_000, r.underspend_left)
    assert allowed.allowed
    too_much = rules.underspend_use(lines[2], M + 1, r.underspend_left)
    assert not too_much.allowed and "left" in too_much.reason


def test_the_action_plan_threshold_is_exact():
    assert not rules.needs_action_plan(M // 100, 100 * M // 100 * 1, Decimal(1))  # exactly 1%
    assert rules.needs_action_plan(M // 100 + 1, M, Decimal(1))
    assert rules.needs_action_plan(-(M // 100 + 1), M, Decimal(1))  # an underspend too


MONEY = st.integers(0, 10**10)


@st.composite
def pools(draw):
    partners = draw(
        st.lists(st.sampled_from(["P1", "P2", "P3", "P4"]), min_size=1, max_size=4, unique=True)
    )
    contributions = {p: draw(st.integers(1, 10**10)) for p in partners}
    lines = []
    for i in range(draw(st.integers(0, 6))):
        budget = draw(MONEY)
        forecast = draw(MONEY)
        kind = draw(st.sampled_from(list(RiskShare)))
        figures: dict[str, Decimal] = {}
        if kind == RiskShare.FIXED:
            cut = draw(st.integers(0, 100))
            figures = {partners[0]: Decimal(cut)}
            if len(partners) > 1:
                figures[partners[1]] = Decimal(100 - cut)
            else:
                figures[partners[0]] = Decimal(100)
        elif kind == RiskShare.VARIABLE:
            figures = {p: Decimal(draw(st.integers(1, 1000))) for p in partners}
        lines.append(
            Line(
                f"L{i}",
                f"Line {i}",
                budget,
                forecast,
                draw(st.booleans()),
                kind,
                figures,
                "measure",
            )
        )
    return lines, contributions, draw(MONEY), draw(MONEY)


@given(pools())
def test_an_overspend_is_always_met_in_full_and_never_twice(pool):
    lines, contributions, reserve, uncommitted = pool
    r = rules.resolve(lines, contributions, risk_reserve=reserve, uncommitted=uncommitted)
    # Every penny of gross overspend is met exactly once.
    assert sum(s.used for s in r.steps) == r.gross_overspend
    # No source gives more than it has; partners meet only what the pool could not.
    for s in r.steps:
        if s.source != Source.PARTNERS:
            assert 0 <= s.used <= s.available
            assert sum(s.by_line.values()) == s.used
    pool_met = sum(s.used for s in r.steps if s.source != Source.PARTNERS)
    assert sum(r.borne_by.values()) == r.gross_overspend - pool_met
    # Partners are reached only when every earlier source is spent.
    partners_used = r.steps[-1].used
    if partners_used:
        assert pool_met == min(r.gross_overspend, r.gross_underspend) + min(
            max(0, r.gross_overspend - r.gross_underspend), reserve
        ) + min(max(0, r.gross_overspend - r.gross_underspend - reserve), uncommitted)
    assert 0 <= r.underspend_left <= r.gross_underspend
    assert r.net_variance == sum(ln.variance for ln in lines)


@given(
    st.integers(0, 10**12),
    st.dictionaries(st.sampled_from("abcdef"), st.integers(1, 10**6), min_size=1),
)
def test_a_split_adds_up_to_the_pence(amount, weights):
    parts = rules.split(amount, {k: Fraction(v) for k, v in weights.items()})
    assert sum(parts.values()) == amount
    total = sum(weights.values())
    for k, v in parts.items():
        assert abs(Fraction(v) - Fraction(amount * weights[k], total)) < 1
