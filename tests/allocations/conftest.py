"""Devon with registered populations: each of its four places gets a primary care network with
two practices and their list sizes (one older, one on the date used, one after it), arranged
directly, as the ODS import and `add-pcns` would leave them once a person has placed the PCNs."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation
from commonweal.finance import actions as finance
from commonweal.governance.models import Body
from commonweal.meetings import actions as meetings
from commonweal.registry.models import Area, AreaPractice, ListSize

POPULATION_ON = date(2020, 3, 31)
# Each place's two practices' list sizes on 1 January 2020 (the ones used).
SIZES = {
    "north": (60_000, 40_000),
    "east": (90_000, 110_000),
    "south": (75_000, 75_000),
    "west": (120_000, 130_000),
}


@dataclass
class Devon:
    system: object
    year: object
    ccg: Organisation
    meeting: object
    ice: Body


@pytest.fixture
def registered(devon):
    for place in Area.objects.filter(system=devon, level="place"):
        pcn = Area.objects.create(
            system=devon, code=f"pcn-{place.code}", name=f"{place.name} PCN",
            level="neighbourhood", parent=place,
        )  # fmt: skip
        for i, size in enumerate(SIZES[place.code]):
            practice = Organisation.objects.create(
                code=f"ZP{place.code.upper()}{i}", name=f"{place.name} practice {i}",
                kind="gp_practice",
            )  # fmt: skip
            AreaPractice.objects.create(area=pcn, practice=practice)
            ListSize.objects.create(practice=practice, on=date(2019, 1, 1), patients=1, source="t")
            ListSize.objects.create(
                practice=practice, on=date(2020, 1, 1), patients=size, source="t"
            )
            ListSize.objects.create(practice=practice, on=date(2021, 1, 1), patients=9, source="t")
    return devon


@pytest.fixture
def d(registered) -> Devon:
    cl = Actor.command_line()
    year = finance.open_year(cl, registered, 2020)
    ice = Body.objects.get(system=registered, code="ice")
    meeting = meetings.schedule_meeting(
        cl, ice, meetings.at(date.today() + timedelta(days=30), 14, 0), status="confirmed"
    )
    return Devon(registered, year, Organisation.objects.get(code="15N"), meeting, ice)
