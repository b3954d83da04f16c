"""The example monthly return: NHS Devon CCG (15N) in Wider Devon (devon-2019), 2020/21, made
as at M10 (January 2021). Imported into an empty year, it gives exactly the financial position
the Health and Adult Care Scrutiny Committee was shown (seed 002, paragraph 5.11's table):

==================  ===========  ===========  ========  ==================  ================
£'000               Budget       Actual       Variance  Additional HDP      Revised variance
==================  ===========  ===========  ========  ==================  ================
Year to date        1,835,740    1,842,764    7,024     7,024               0
Year end forecast   2,219,566    2,232,804    13,238    13,238              0
==================  ===========  ===========  ========  ==================  ================

How the figures are built, all in pence and with no randomness:

- Twelve cost centres at the scale of a £2.2bn CCG: the four acute trusts' block contracts (by
  local area), Plymouth's community services, mental health, continuing healthcare,
  prescribing, delegated primary care, other programme services, running costs, and the
  Hospital Discharge Programme (HDP). Each line's annual budget is profiled over the months as
  the 2020/21 framework allocated it (a lower first half, more from October).
- Block contracts spend their budget. Continuing healthcare, prescribing and mental health
  overspend; primary care, running costs and community services underspend; other programme
  services balance them to the penny, so all but the HDP net to nothing.
- The HDP's costs: reimbursed within the budget for M1 to M6; from M7 they have no budget and
  are the whole variance, met exactly by HDP allocations to date (M7 to M10) and forecast (M11
  and M12). So both revised variances are exactly zero.
- The Ledger sheet is in £ (budgets M1 to M12, actuals M1 to M10, a few commitments, the HDP
  allocations to date). The Forecasts sheet is in £'000 with decimals to the penny (forecasts
  and the HDP allocation forecast as at M10). The Savings sheet (£'000) holds the QIPP schemes
  of the original plan's £22.6m requirement.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ORGANISATION = "15N"
SYSTEM = "devon-2019"
YEAR = 2020  # 2020/21
MONTH = 10  # M10, January 2021

# The seed's table in £'000: what the import must reproduce.
TABLE = {
    "budget_to_date": 1_835_740,
    "actual_to_date": 1_842_764,
    "variance_to_date": 7_024,
    "allocation_to_date": 7_024,
    "revised_variance_to_date": 0,
    "budget": 2_219_566,
    "forecast_outturn": 2_232_804,
    "forecast_variance": 13_238,
    "allocation_forecast": 13_238,
    "revised_forecast_variance": 0,
}

# The exact sums in pence, each rounding to the table's figure: budget to date, budget for the
# year, and the variances to date and for the year (all of it the HDP's).
BUDGET_TO_DATE = 183_574_021_847  # £1,835,740,218.47
BUDGET = 221_956_607_193  # £2,219,566,071.93
VARIANCE_TO_DATE = 702_412_638  # £7,024,126.38
FORECAST_VARIANCE = 1_323_820_754  # £13,238,207.54

# The 2020/21 framework's monthly allocation, in £'000 of the whole: M1 to M6 under the
# temporary regime, M7 to M10 and M11 to M12 under the revised one (with top-ups).
PROFILE = (179_957,) * 6 + (189_000,) * 4 + (191_913,) * 2

LEDGER_HEADINGS = (
    "Organisation",
    "Cost centre",
    "Name",
    "Programme",
    "Place",
    "Nature",
    "Kind",
    "Month",
    "As at",
    "Amount",
    "Label",
    "Note",
)
SAVINGS_HEADINGS = (
    "Organisation",
    "Reference",
    "Scheme",
    "Programme",
    "Recurrent",
    "Kind",
    "Month",
    "As at",
    "Amount",
)


@dataclass(frozen=True)
class Line:
    cost_centre: str
    name: str
    programme: str
    place: str  # an area's code in devon-2019; "" is system-wide
    budget: int  # pence for the year (other programme services: the balance)
    variance_to_date: int = 0  # pence, adverse positive
    forecast_variance: int = 0
    commitments: int = 0  # on order at M10


LINES = (
    Line("ACU-E", "Acute contract: Royal Devon and Exeter", "Acute", "east", 31_841_290_517),
    Line("ACU-N", "Acute contract: Northern Devon Healthcare", "Acute", "north", 15_870_634_482),
    Line("ACU-W", "Acute contract: University Hospitals Plymouth", "Acute", "west", 34_291_822_640),
    Line("ACU-S", "Acute contract: Torbay and South Devon", "Acute", "south", 23_651_708_365),
    Line(
        "COM-P",
        "Community services: Plymouth",
        "Community services",
        "plymouth",
        6_318_055_238,
        -11_204_836,
        -9_641_329,
    ),
    Line(
        "MH",
        "Mental health services",
        "Mental health",
        "",
        23_860_411_793,
        40_891_577,
        52_193_708,
    ),
    Line(
        "CHC",
        "Continuing healthcare",
        "Continuing healthcare",
        "",
        15_732_648_011,
        284_631_842,
        351_280_690,
        243_156_000,
    ),
    Line(
        "PRESC",
        "Primary care prescribing",
        "Primary care",
        "",
        20_581_173_956,
        196_740_215,
        238_811_462,
    ),
    Line(
        "PCCC",
        "Primary care co-commissioning (delegated)",
        "Primary care",
        "",
        22_140_266_827,
        -138_266_004,
        -180_624_933,
    ),
    Line(
        "RUN",
        "Running costs",
        "Running costs",
        "",
        2_791_250_480,
        -89_623_351,
        -114_056_071,
        6_418_250,
    ),
)
OTHER = Line(
    "OTH",
    "Other programme services (ambulance, 111, Better Care Fund, independent sector)",
    "Other programme",
    "",
    0,  # the balance of the year's budget
    0,  # and of the variances: the lines but the HDP's net to nothing
    0,
    118_724_055,
)
HDP = Line(
    "HDP",
    "Hospital Discharge Programme",
    "COVID-19",
    "",
    0,  # reimbursed within the budget M1 to M6, then funded by allocation
)
# The HDP's costs by month, in pence: M1 to M6 (budgeted as spent), M7 to M9 (M10 is the rest
# of the variance to date), and the forecast for M11 (M12 is the rest).
HDP_FIRST_HALF = (61_248_015, 104_322_760, 118_790_532, 125_411_809, 130_166_247, 139_887_024)
HDP_TO_DATE = (151_234_417, 168_905_281, 187_342_055)
HDP_M11 = 304_261_540

# QIPP schemes of the original plan (£22.6m): reference, name, programme, recurrent, the plan
# for the year in pence, and the share of the plan delivered in M1 to M6 and from M7 (the
# first half was disrupted by the pandemic).
SCHEMES = (
    ("QIPP-01", "Medicines optimisation", "Primary care", True, 624_000_000, "0.45", "0.80"),
    (
        "QIPP-02",
        "Continuing healthcare: review of care packages",
        "Continuing healthcare",
        True,
        480_000_000,
        "0.30",
        "0.65",
    ),
    (
        "QIPP-03",
        "Outpatient transformation: advice and guidance",
        "Acute",
        True,
        510_000_000,
        "0.10",
        "0.55",
    ),
    (
        "QIPP-04",
        "Procedures of limited clinical value: prior approval",
        "Acute",
        True,
        240_000_000,
        "0",
        "0.40",
    ),
    ("QIPP-05", "Estates rationalisation", "Running costs", False, 126_000_000, "1", "1"),
    (
        "QIPP-06",
        "Non-recurrent contract settlements",
        "Other programme",
        False,
        280_000_000,
        "0",
        "1.10",
    ),
)


def spread(total: int, weights: tuple[int, ...]) -> list[int]:
    """Pence shared by weight, each share rounded half up and the last taking the rest, so the
    shares add up to the total exactly."""
    whole = sum(weights)
    out = [
        int((Decimal(total) * w / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for w in weights[:-1]
    ]
    return [*out, total - sum(out)]


def part(pence: int, share: str) -> int:
    return int((Decimal(pence) * Decimal(share)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Built:
    """What the workbook holds, in pence, by line: for writing it, and for checking it."""

    budgets: dict[str, list[int]]  # M1..M12
    actuals: dict[str, list[int]]  # M1..M10
    forecasts: dict[str, list[int]]  # M11, M12 as at M10
    allocations: list[int]  # HDP, M7..M10
    allocation_forecasts: list[int]  # HDP, M11, M12
    commitments: dict[str, int]  # M10


def build() -> Built:
    lines = [*LINES, OTHER]
    hdp_budget = sum(HDP_FIRST_HALF)
    other_budget = BUDGET - hdp_budget - sum(line.budget for line in LINES)
    budgets: dict[str, list[int]] = {}
    for line in lines:
        budget = other_budget if line is OTHER else line.budget
        budgets[line.cost_centre] = spread(budget, PROFILE)
    budgets[HDP.cost_centre] = [*HDP_FIRST_HALF] + [0] * 6
    # Rounding leaves the budget to date a few pounds from the seed's: the balance goes to
    # other programme services in M10, taken back in M12 so its year is unchanged.
    short = BUDGET_TO_DATE - sum(sum(b[:MONTH]) for b in budgets.values())
    budgets[OTHER.cost_centre][MONTH - 1] += short
    budgets[OTHER.cost_centre][11] -= short
    to_date = [
        -sum(line.variance_to_date for line in LINES),  # other programme services balance
        -sum(line.forecast_variance for line in LINES),
    ]
    actuals: dict[str, list[int]] = {}
    forecasts: dict[str, list[int]] = {}
    for line in lines:
        v, fv = (
            (to_date[0], to_date[1])
            if line is OTHER
            else (line.variance_to_date, line.forecast_variance)
        )
        b = budgets[line.cost_centre]
        over = spread(v, (1,) * MONTH)
        actuals[line.cost_centre] = [b[m] + over[m] for m in range(MONTH)]
        ahead = b[10] + b[11] + fv - v
        forecasts[line.cost_centre] = spread(ahead, (b[10], b[11]))
    hdp_m10 = VARIANCE_TO_DATE - sum(HDP_TO_DATE)
    actuals[HDP.cost_centre] = [*HDP_FIRST_HALF, *HDP_TO_DATE, hdp_m10]
    hdp_ahead = FORECAST_VARIANCE - VARIANCE_TO_DATE
    forecasts[HDP.cost_centre] = [HDP_M11, hdp_ahead - HDP_M11]
    return Built(
        budgets=budgets,
        actuals=actuals,
        forecasts=forecasts,
        # The HDP is reimbursed as it is spent: each month's allocation is that month's cost.
        allocations=[*HDP_TO_DATE, hdp_m10],
        allocation_forecasts=list(forecasts[HDP.cost_centre]),
        commitments={line.cost_centre: line.commitments for line in lines if line.commitments},
    )


def _number(amount: Decimal) -> float:
    """An amount for a cell: a number, as Excel keeps it, which holds 15 significant digits
    exactly (the reader reads a number to 15 digits), checked to be sure."""
    assert len(amount.as_tuple().digits) <= 15, amount
    value = float(amount)
    assert Decimal(repr(value)) == amount, amount
    return value


def _pounds(pence: int) -> float:
    return _number(Decimal(pence) / 100)


def _thousands(pence: int) -> float:
    return _number(Decimal(pence) / 100_000)


def write_example(path: str | Path) -> Path:
    """Write the example workbook (see the module's docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    built = build()
    book = Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    for row in (
        ["NHS Devon CCG: monthly finance return, 2020/21, as at M10 (January 2021)"],
        ["Illustrative figures that reproduce the financial position reported to Devon's"],
        ["Health and Adult Care Scrutiny Committee (seed 002). Not the CCG's ledger."],
        ["Sheets named Notes… or _… are not imported. Row 1 declares each sheet's units."],
    ):
        notes.append(row)
    bold = Font(bold=True)
    lines = {line.cost_centre: line for line in (*LINES, OTHER, HDP)}

    def describe(code: str) -> list[str]:
        line = lines[code]
        return [ORGANISATION, code, line.name, line.programme, line.place, "expenditure"]

    ledger = book.create_sheet("Ledger")
    ledger.append(["Units", "£"])
    ledger.append(list(LEDGER_HEADINGS))
    for code, months in built.budgets.items():
        for m, pence in enumerate(months, 1):
            if pence:
                ledger.append([*describe(code), "budget", f"M{m}", None, _pounds(pence)])
    for code, months in built.actuals.items():
        for m, pence in enumerate(months, 1):
            ledger.append([*describe(code), "actual", f"M{m}", None, _pounds(pence)])
    for code, pence in built.commitments.items():
        ledger.append(
            [*describe(code), "commitment", f"M{MONTH}", None, _pounds(pence), None, "On order"]
        )
    for m, pence in enumerate(built.allocations, 7):
        ledger.append(
            [
                *describe(HDP.cost_centre),
                "allocation",
                f"M{m}",
                None,
                _pounds(pence),
                "HDP",
                "NHS England reimbursement of HDP costs",
            ]
        )

    ahead = book.create_sheet("Forecasts")
    ahead.append(["Units", "£'000"])
    ahead.append(list(LEDGER_HEADINGS))
    for code, months in built.forecasts.items():
        for m, pence in enumerate(months, MONTH + 1):
            ahead.append([*describe(code), "forecast", f"M{m}", f"M{MONTH}", _thousands(pence)])
    for m, pence in enumerate(built.allocation_forecasts, MONTH + 1):
        ahead.append(
            [
                *describe(HDP.cost_centre),
                "allocation forecast",
                f"M{m}",
                f"M{MONTH}",
                _thousands(pence),
                "HDP",
                "HDP costs from M9 expected to be reimbursed",
            ]
        )

    savings = book.create_sheet("Savings")
    savings.append(["Units", "£'000"])
    savings.append(list(SAVINGS_HEADINGS))
    for reference, name, programme, recurrent, plan, first, second in SCHEMES:
        head = [ORGANISATION, reference, name, programme, "yes" if recurrent else "no"]
        monthly = spread(plan, (1,) * 12)
        for m, pence in enumerate(monthly, 1):
            savings.append([*head, "plan", f"M{m}", None, _thousands(pence)])
        for m, pence in enumerate(monthly[:MONTH], 1):
            share = first if m <= 6 else second
            savings.append([*head, "delivered", f"M{m}", None, _thousands(part(pence, share))])
        for m, pence in enumerate(monthly[MONTH:], MONTH + 1):
            savings.append(
                [*head, "forecast", f"M{m}", f"M{MONTH}", _thousands(part(pence, second))]
            )

    for sheet in (ledger, ahead, savings):
        for cell in sheet[2]:
            cell.font = bold
        sheet.freeze_panes = "A3"
    out = Path(path)
    book.save(out)
    return out
