"""The example finances: NHS Devon CCG's 2020/21 monthly return as at M10 (the example workbook,
whose sums are seed 002's table), the CCG's draft and revised plans (seed 002 §5.3 and §5.9), and
plans for the system's trusts and a council so that the system position has something to judge.

The trusts' split of the STP's £7.8m planned deficit (seed 002 §5.10) is ILLUSTRATIVE: the seed
gives the system's figure, not each trust's.
"""

import tempfile
from datetime import date
from pathlib import Path

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation
from commonweal.finance import actions
from commonweal.finance.example import write_example
from commonweal.finance.models import Plan, PositionReport, Return
from commonweal.finance.returns import import_file
from commonweal.registry.models import System

MILLION = 100_000_000  # pence
# (organisation, plan name, agreed on, position £m, savings requirement £m or None, note)
PLANS = (
    (
        "15N",
        "Draft plan (submitted 5 March 2020)",
        date(2020, 4, 30),
        -47.8,
        22.6,
        "The plan the Governing Body approved as a working budget on 30 April 2020: a deficit of "
        "£47.8m with a savings requirement of £22.6m to deliver it (seed 002, paragraph 5.3).",
    ),
    (
        "15N",
        "Revised financial framework budget",
        date(2020, 10, 1),
        0.0,
        None,
        "Based on 2019/20 forecast expenditure, so by inference no implicit savings target "
        "(seed 002, paragraph 5.9); the CCG is forecast to balance, subject to the HDP "
        "reimbursement.",
    ),
    ("RH8", "October to March system plan (illustrative split)", date(2020, 10, 1), -2.4, None, ""),
    ("RK9", "October to March system plan (illustrative split)", date(2020, 10, 1), -2.9, None, ""),
    ("RA9", "October to March system plan (illustrative split)", date(2020, 10, 1), -1.3, None, ""),
    ("RBZ", "October to March system plan (illustrative split)", date(2020, 10, 1), -0.8, None, ""),
    ("RWV", "October to March system plan (illustrative split)", date(2020, 10, 1), -0.4, None, ""),
    (
        "E10000008",
        "Revenue budget 2020/21",
        date(2020, 2, 20),
        0.0,
        None,
        "A council's balanced budget.",
    ),
)


# The trusts' forecast positions as at M9: seed 002 §5.11 says the system's forecast moved to a
# £22.4m deficit at M9 (untaken staff holidays within trusts); this split is ILLUSTRATIVE.
REPORTED_AT_M9 = (("RH8", -7.1), ("RK9", -8.3), ("RA9", -3.9), ("RBZ", -2.1), ("RWV", -1.0))


def add_finance(actor: Actor) -> str:
    """Load the example finances once (a second run changes nothing)."""
    devon = System.objects.get(slug="devon-2019")
    year = actions.open_year(actor, devon, 2020)
    said = []
    if not Return.objects.filter(year=year, status=Return.Status.DONE).exists():
        with tempfile.TemporaryDirectory() as tmp:
            path = write_example(Path(tmp) / "nhs-devon-ccg-2020-21-m10.xlsx")
            ret = import_file(actor, year, 10, path)
        said.append(f"imported {ret.entries:,} ledger entries (NHS Devon CCG, 2020/21 M10)")
    if not Plan.objects.filter(year=year).exists():
        for code, name, agreed, position, savings, note in PLANS:
            actions.record_plan(
                actor,
                year,
                Organisation.objects.get(code=code),
                name=name,
                agreed_on=agreed,
                position=round(position * MILLION),
                savings_requirement=None if savings is None else round(savings * MILLION),
                note=note,
            )
        said.append(f"recorded {len(PLANS)} financial plans for 2020/21")
    if not PositionReport.objects.filter(year=year).exists():
        for code, position in REPORTED_AT_M9:
            actions.report_position(
                actor,
                year,
                Organisation.objects.get(code=code),
                month=9,
                position=round(position * MILLION),
                note="Illustrative: seed 002 gives the system's M9 forecast (a £22.4m deficit), "
                "not each trust's.",
            )
        said.append("reported the trusts' forecast positions as at M9 (illustrative)")
    # The pools' forecasts are posted as at M9 and M10, before M9 closes.
    from .pools import add_pools

    pooled = add_pools(actor, year)
    if pooled:
        said.append(pooled)
    for month in range(year.closed_through + 1, 10):
        actions.close_month(actor, year, month)
    return "; ".join(said) or "the example finances were loaded already"
