"""The example allocation: NHS Devon CCG's 2020/21 recurrent allocation, ILLUSTRATIVE.

The seeds give the CCG's 2020/21 budget (seed 002: £1,835,740k), not its allocation's growth,
investment and disinvestment, nor any place's budget: every line and weight here is invented
to show how an allocation is made, routed and decided, and the allocation says so. It is
submitted, so it is on the forward plan for consultation at the Integrated Commissioning
Executive's next meeting (the scheme's illustrative clause D8 consults the ICE), and for
decision by the Governing Body after it (its £13.2m of growth and investment is over the
Accountable Officer's £5m).

Of its £1,835.74m, £400m is capitated to the four local areas; the growth, investment and
disinvestment are uses of the rest (North Devon's £3.5m investment shown against North Devon,
beside its capitated budget), and what remains is held at system level, not capitated.

Place budgets are capitated from the registered population where each of Devon's four local
areas has member practices with list sizes. The example leaves Devon's PCNs unplaced (nothing
says which local area each serves), so otherwise the allocation states illustrative
populations for the four local areas and says where they come from.
"""

from datetime import date, timedelta
from decimal import Decimal

from commonweal.allocations import actions, populations
from commonweal.allocations.models import Allocation, Basis
from commonweal.allocations.rules import LineIn
from commonweal.core.actions import Actor
from commonweal.core.models import Organisation
from commonweal.finance import actions as finance
from commonweal.registry.models import System

MILLION = 100_000_000  # pence
NAME = "Recurrent allocation 2020/21 (illustrative)"
POPULATION_ON = date(2020, 3, 31)
# Illustrative, rounded: not published figures for the four local areas.
STATED = {"north": 165_000, "east": 470_000, "south": 290_000, "west": 310_000}
WEIGHTS = {
    "north": Decimal("1.06"),
    "east": Decimal("0.98"),
    "south": Decimal("1.02"),
    "west": Decimal("1.00"),
}
LINES = (
    ("Mental health", "growth", 6.0, "Mental Health Investment Standard", ""),
    ("Community services", "growth", 2.5, "Care closer to home", ""),
    ("Primary care", "investment", 3.5, "Primary care networks: additional roles", "north"),
    ("Urgent and emergency care", "investment", 1.2, "Same-day emergency care", ""),
    ("Acute", "disinvestment", 2.0, "Procedures of limited clinical value", ""),
    ("Prescribing", "disinvestment", 1.5, "Medicines optimisation", ""),
)


def add_allocation(actor: Actor) -> str:
    """Draft, fill and submit the illustrative 2020/21 allocation once (a second run changes
    nothing)."""
    devon = System.objects.get(slug="devon-2019")
    ccg = Organisation.objects.get(code="15N")
    if Allocation.objects.filter(system=devon, organisation=ccg, name=NAME).exists():
        return "the illustrative allocation was added already"
    year = finance.open_year(actor, devon, 2020)
    places = populations.places_of(devon, POPULATION_ON)
    counted = populations.registered(devon, places, POPULATION_ON)
    registered = all(c.population for c in counted.values())
    allocation = actions.draft_allocation(
        actor,
        year,
        ccg,
        actions.AllocationIn(
            name=NAME,
            total=1_835_740_000_00,  # £1,835.74m, the size of seed 002's budget
            place_total=400 * MILLION,
            population_on=POPULATION_ON,
            basis=Basis.REGISTERED if registered else Basis.STATED,
            weighting="Illustrative rurality and deprivation weighting",
            weights={code: w for code, w in WEIGHTS.items() if code in {p.code for p in places}},
            stated_populations={} if registered else STATED,
            population_source=""
            if registered
            else "Illustrative populations for the four local areas, rounded (not published "
            "figures): the example does not place Devon's PCNs in its local areas",
            illustrative=True,
            note="Illustrative: the growth, investment, disinvestment and weights are invented "
            "to show how an allocation is made and decided.",
        ),
    )
    actions.set_lines(
        actor,
        allocation,
        [
            LineIn(programme, kind, round(Decimal(str(m)) * MILLION), priority, place)
            for programme, kind, m, priority, place in LINES
        ],
    )
    actions.submit_allocation(
        actor,
        allocation,
        due=date.today() + timedelta(days=28),
        author="Director of Financial Planning",
    )
    allocation.refresh_from_db()
    where = allocation.plan_item.reference if allocation.plan_item else "the forward plan"
    return (
        f"added the illustrative allocation {allocation.reference} for 2020/21, awaiting "
        f"decision ({where})"
    )
