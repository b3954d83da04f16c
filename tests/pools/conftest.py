"""A Devon pool with the issue's figures: the CCG contributes £6.0m and Devon County Council
£4.0m (60% / 40%); lines A £2.0m, B £4.0m, D £2.4m (recurrent) and C £1.0m (non-recurrent); a
risk reserve of £0.3m and uncommitted allocations of £0.3m. As at M6 the ledger forecasts
A −£0.1m, B +£0.8m, C on budget and D +£0.2m."""

from decimal import Decimal

import pytest

from commonweal.core.actions import Actor
from commonweal.core.documents import read_yaml
from commonweal.core.models import Organisation
from commonweal.finance import actions as finance
from commonweal.finance.models import Kind
from commonweal.pools import actions

from ..factories import EXAMPLES

CL = Actor.command_line
M = 100_000_000  # £1m in pence

# reference, scheme, organisation, cost centre, budget, recurrent, forecast variance
LINES = [
    ("A", "S1", "15N", "BCF-A", 2 * M, True, -M // 10),
    ("B", "S1", "15N", "BCF-B", 4 * M, True, 8 * M // 10),
    ("C", "S2", "E10000008", "BCF-C", 1 * M, False, 0),
    ("D", "S2", "E10000008", "BCF-D", 24 * M // 10, True, 2 * M // 10),
]
MONTH = 6


def plan_in(**changes) -> actions.PlanIn:
    plan = actions.PlanIn(
        contributions=[
            actions.ContributionIn("15N", 6 * M),
            actions.ContributionIn("E10000008", 4 * M),
        ],
        schemes=[
            actions.SchemeIn("S1", "Community services", "Community based schemes"),
            actions.SchemeIn("S2", "Care at home", "Home care or domiciliary care"),
        ],
        lines=[
            actions.LineIn(s, ref, f"Line {ref}", budget, recurrent, cost_centre=cc)
            for ref, s, _o, cc, budget, recurrent, _v in LINES
        ],
        risk_reserve=3 * M // 10,
        uncommitted=3 * M // 10,
        metrics=[
            actions.MetricIn(code, q, Decimal(value))
            for code, value in (
                ("avoidable_admissions", "180.5"),
                ("discharge_usual_residence", "92.1"),
                ("falls_admissions_65", "520"),
                ("residential_admissions_65", "140"),
            )
            for q in (1, 2, 3, 4)
        ],
    )
    for k, v in changes.items():
        setattr(plan, k, v)
    return plan


@pytest.fixture
def year(devon):
    return finance.open_year(CL(), devon, 2020)


@pytest.fixture
def ledger_lines(devon, year):
    """The spend lines' cost centres in the partners' ledgers: a budget spread over the year,
    actuals to M6 at budget, and forecasts as at M6 for the rest of the year carrying each
    line's forecast variance."""
    made = finance.add_lines(
        CL(),
        devon,
        [
            finance.LineIn(Organisation.objects.get(code=o), cc, f"BCF line {ref}", programme="BCF")
            for ref, _s, o, cc, _b, _r, _v in LINES
        ],
    )
    by_cc = {b.cost_centre: b for b in made}
    entries = []
    for _ref, _s, _o, cc, budget, _r, variance in LINES:
        line = by_cc[cc]
        monthly = budget // 12
        for m in range(1, 13):
            entries.append(finance.EntryIn(line, m, Kind.BUDGET, monthly))
        for m in range(1, MONTH + 1):
            entries.append(finance.EntryIn(line, m, Kind.ACTUAL, monthly))
        rest = 12 - MONTH
        for i, m in enumerate(range(MONTH + 1, 13)):
            extra = variance // rest + (variance % rest if i == 0 else 0)
            entries.append(finance.EntryIn(line, m, Kind.FORECAST, monthly + extra, as_at=MONTH))
    finance.post_entries(CL(), year, entries)
    return by_cc


@pytest.fixture
def agreement(devon):
    return actions.load_agreement(CL(), read_yaml(EXAMPLES / "devon-2019-pool-devon.yaml"))


@pytest.fixture
def pool(agreement, year, ledger_lines):
    """The agreement with the issue's plan loaded for 2020/21."""
    actions.load_plan(CL(), agreement, year, plan_in())
    return agreement
