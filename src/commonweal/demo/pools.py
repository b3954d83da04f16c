"""The example pooled funds: one Better Care Fund pool per council with NHS Devon CCG (Devon,
Plymouth, Torbay), each hosted by its council, with 2020/21 plans, ledger lines and forecasts.

ILLUSTRATIVE: the seeds say the partners pool resources, not how much or on what. Every figure
here is invented to show the pools at work: Devon's overspend met in the agreement's order,
Plymouth's underspend offered only to non-recurrent items, Torbay on plan. The ledger entries are
posted before the demo closes M1 to M9, so the forecasts as at M9 (Q3) and M10 stand.
"""

from datetime import date, timedelta
from decimal import Decimal

from commonweal.core.actions import Actor
from commonweal.core.documents import read_yaml
from commonweal.core.models import Organisation, Person
from commonweal.finance import actions as finance
from commonweal.finance.models import FinancialYear, Kind
from commonweal.governance.models import Body, Post
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import Meeting
from commonweal.pools import actions, position
from commonweal.pools.models import PoolPlan, SpendLine, UnderspendUse
from commonweal.registry.actions import EXAMPLES_DIR as EXAMPLES

K = 100_000  # £'000 in pence

SCHEMES = (
    ("S1", "Community health and rehabilitation", "Community based schemes"),
    ("S2", "Care at home and reablement", "Home care or domiciliary care"),
    ("S3", "Disabled Facilities Grant", "Disabled Facilities Grant related schemes"),
    ("S4", "Winter resilience", "High Impact Change Model for managing transfer of care"),
)

# pool -> (council, CCG £'000, council £'000, reserve £'000, uncommitted £'000,
#          [(line, scheme, ledger organisation, name, budget £'000, recurrent, forecast
#            variance £'000, risk share, shares)])
POOLS: dict[str, tuple] = {
    "devon": (
        "E10000008",
        36_000,
        24_000,
        900,
        600,
        [
            (
                "A",
                "S1",
                "15N",
                "Community nursing and therapy",
                14_000,
                True,
                -300,
                "proportional",
                {},
            ),
            ("B", "S2", "E10000008", "Home care packages", 26_000, True, 2_200, "proportional", {}),
            ("C", "S4", "15N", "Winter discharge support", 3_500, False, 0, "proportional", {}),
            ("D", "S2", "E10000008", "Reablement", 9_000, True, 400, "proportional", {}),
            (
                "E",
                "S3",
                "E10000008",
                "Disabled Facilities Grant",
                6_000,
                True,
                150,
                "fixed",
                {"E10000008": Decimal(100)},
            ),
        ],
    ),
    "plymouth": (
        "E06000026",
        15_000,
        10_000,
        400,
        300,
        [
            ("A", "S1", "15N", "Community rehabilitation", 9_000, True, -600, "proportional", {}),
            ("B", "S2", "E06000026", "Care at home", 11_000, True, -200, "proportional", {}),
            (
                "C",
                "S4",
                "E06000026",
                "Equipment and adaptations (one-off)",
                1_800,
                False,
                0,
                "proportional",
                {},
            ),
            (
                "D",
                "S3",
                "E06000026",
                "Disabled Facilities Grant",
                2_500,
                True,
                0,
                "fixed",
                {"E06000026": Decimal(100)},
            ),
        ],
    ),
    "torbay": (
        "E06000027",
        9_000,
        6_000,
        250,
        150,
        [
            ("A", "S1", "15N", "Integrated community teams", 7_000, True, 40, "proportional", {}),
            ("B", "S2", "E06000027", "Care at home", 5_600, True, -40, "proportional", {}),
            (
                "C",
                "S3",
                "E06000027",
                "Disabled Facilities Grant",
                2_000,
                True,
                0,
                "fixed",
                {"E06000027": Decimal(100)},
            ),
        ],
    ),
}

ACTION_PLANS = {
    "devon": "Overspend on home care and reablement: review packages over £1,000 a week; a joint "
    "panel for new placements; report to the Health and Wellbeing Board in February.",
    "plymouth": "Underspend on community rehabilitation (vacancies): recruit to the vacant posts; "
    "offer the one-off balance to non-recurrent discharge equipment; report in February.",
    "torbay": "Variance within tolerance: keep under monthly review.",
}

METRICS = {
    "avoidable_admissions": ("190.0", "184.5"),
    "discharge_usual_residence": ("92.0", "91.2"),
    "falls_admissions_65": ("2100", "2150"),
    "residential_admissions_65": ("560", "548"),
}


def _post_ledger(actor: Actor, year: FinancialYear, ref: str, lines: list) -> None:
    made = finance.add_lines(
        actor,
        year.system,
        [
            finance.LineIn(
                Organisation.objects.get(code=org),
                f"BCF-{ref.upper()}-{line}",
                f"{ref.capitalize()} BCF: {name}",
                programme="Better Care Fund",
            )
            for line, _s, org, name, *_ in lines
        ],
    )
    by_cc = {b.cost_centre: b for b in made}
    entries = []
    for line, _s, _o, _n, budget, _r, variance, *_ in lines:
        ledger_line = by_cc[f"BCF-{ref.upper()}-{line}"]
        monthly = budget * K // 12
        for m in range(1, 13):
            amount = monthly + (budget * K - monthly * 12 if m == 12 else 0)
            entries.append(finance.EntryIn(ledger_line, m, Kind.BUDGET, amount))
        for m in range(1, 11):
            entries.append(finance.EntryIn(ledger_line, m, Kind.ACTUAL, monthly))
        # Forecasts as at M9 and M10 for the months after, carrying the line's variance.
        for as_at in (9, 10):
            months = list(range(as_at + 1, 13))
            for i, m in enumerate(months):
                amount = monthly + (budget * K - monthly * 12 if m == 12 else 0)
                extra = variance * K // len(months) + (variance * K % len(months) if i == 0 else 0)
                entries.append(
                    finance.EntryIn(ledger_line, m, Kind.FORECAST, amount + extra, as_at=as_at)
                )
    finance.post_entries(actor, year, entries)


def add_pools(actor: Actor, year: FinancialYear) -> str:
    """Load the example pools once (a second run changes nothing). Call before the demo
    closes the year's months: the forecasts are posted as at M9 and M10."""
    said = []
    for ref, (council, ccg_k, council_k, reserve_k, uncommitted_k, lines) in POOLS.items():
        agreement = actions.load_agreement(
            actor, read_yaml(EXAMPLES / f"devon-2019-pool-{ref}.yaml")
        )
        if PoolPlan.objects.filter(agreement=agreement, year=year).exists():
            continue
        _post_ledger(actor, year, ref, lines)
        plan = actions.PlanIn(
            contributions=[
                actions.ContributionIn(
                    "15N" if stream.startswith("nhs") else council,
                    amount * K,
                    [actions.InstalmentIn(d, amount * K // 4) for d in _quarters()],
                    stream=stream,
                )
                for stream, amount in _streams(ccg_k, council_k)
            ],
            schemes=[
                actions.SchemeIn(s, n, t)
                for s, n, t in SCHEMES
                if any(line[1] == s for line in lines)
            ],
            lines=[
                actions.LineIn(
                    scheme,
                    line,
                    name,
                    budget * K,
                    recurrent,
                    cost_centre=f"BCF-{ref.upper()}-{line}",
                    risk_share=share,
                    shares=shares,
                )
                for line, scheme, _o, name, budget, recurrent, _v, share, shares in lines
            ],
            risk_reserve=reserve_k * K,
            uncommitted=uncommitted_k * K,
            metrics=[
                actions.MetricIn(code, q, Decimal(planned))
                for code, (planned, _a) in METRICS.items()
                for q in (1, 2, 3, 4)
            ],
            file_name="illustrative plan",
        )
        actions.load_plan(actor, agreement, year, plan)
        said.append(f"{agreement.name} (illustrative)")
        # Q3's return, as at M9: Devon's still lacks its falls figure, so its checklist shows
        # it; the others are complete but for the board's sign-off.
        actuals: dict[str, Decimal | None] = {c: Decimal(a) for c, (_p, a) in METRICS.items()}
        if ref == "devon":
            actuals["falls_admissions_65"] = None
        actions.save_return(
            actor,
            agreement,
            year,
            3,
            actions.ReturnIn(
                actuals=actuals,
                confirmations={
                    "jointly_agreed": (True, ""),
                    "nhs_contribution_to_social_care": (True, ""),
                    "out_of_hospital_investment": (True, ""),
                    "discharge_policy": (True, ""),
                },
                narrative="Illustrative return.",
            ),
        )
        # Q3's forecast (M9) is beyond the threshold for Devon and Plymouth: each records an
        # action plan, which stands for the months after until a later one replaces it.
        at_q3 = position.figures(agreement, year, 9)
        assert at_q3 is not None
        if at_q3.needs_action_plan:
            actions.record_action_plan(
                actor,
                agreement,
                year,
                month=9,
                owner=f"{agreement.manager.name}, {agreement.manager_title}",
                due=year_end(year),
                actions=ACTION_PLANS[ref],
            )
        found = position.figures(agreement, year, 10)
        assert found is not None
        if ref == "plymouth" and not UnderspendUse.objects.filter(agreement=agreement).exists():
            one_off = SpendLine.objects.get(scheme__plan=found.plan, reference="C")
            actions.use_underspend(
                actor,
                agreement,
                year,
                month=10,
                line=one_off,
                amount=250 * K,
                reason="Illustrative: equipment to support discharge this winter (one-off).",
            )
    return ("loaded the example pooled funds: " + "; ".join(said)) if said else ""


def _streams(ccg_k: int, council_k: int) -> list[tuple[str, int]]:
    """Each partner's contribution by funding stream (£'000): the CCG's minimum contribution
    and the rest as additional; the council's DFG and iBCF grants and its own addition."""
    nhs_minimum = ccg_k * 5 // 6
    dfg, ibcf = council_k // 4, council_k // 2
    return [
        ("nhs_minimum", nhs_minimum),
        ("nhs_additional", ccg_k - nhs_minimum),
        ("dfg", dfg),
        ("ibcf", ibcf),
        ("council_additional", council_k - dfg - ibcf),
    ]


def _quarters() -> list[date]:
    return [date(2020, 4, 15), date(2020, 7, 15), date(2020, 10, 15), date(2021, 1, 15)]


def year_end(year: FinancialYear) -> date:
    return date(year.start + 1, 3, 31)


def add_board_meeting(actor: Actor) -> str:
    """A meeting of Plymouth's Health and Wellbeing Board, held last week, with the pool's Q3
    return on its agenda and a quorum present: its clerk can record the board's sign-off."""
    board = Body.objects.get(system__slug="devon-2019", code="hwb-plymouth")
    if Meeting.objects.filter(body=board).exists():
        return ""
    held = meetings.schedule_meeting(
        actor,
        board,
        meetings.at(date.today() - timedelta(days=7), 14, 0),
        venue="Council House, Plymouth",
        status=Meeting.Status.CONFIRMED,
    )
    meetings.add_agenda_item(
        actor,
        held,
        meetings.ItemIn(
            title="Better Care Fund: Q3 2020/21 return (illustrative)",
            kind="decision",
            urgency_reason="Added for the example.",
            chair_agreed=True,
        ),
    )
    for key, (code, post) in {
        "cllr-uma-kerr": ("E06000026", "cabinet-member-health"),
        "rae-young": ("E06000026", "dass"),
        "alex-morgan": ("15N", "accountable-officer"),
    }.items():
        meetings.record_attendance(
            actor,
            held,
            meetings.AttendanceIn(
                person=Person.objects.get(key=key),
                capacity="member",
                post=Post.objects.get(organisation__code=code, code=post),
            ),
        )
    return (
        "held a meeting of Plymouth's Health and Wellbeing Board with the pool's Q3 return on "
        "its agenda"
    )
