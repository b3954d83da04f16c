"""Devon with its proposals set-up loaded (seed 003's four stages mapped to Devon's bodies)."""

import pytest

from commonweal.core.actions import Actor
from commonweal.proposals import actions
from commonweal.registry.actions import example_path


@pytest.fixture
def setup(devon):
    return actions.read_setup(Actor.command_line(), example_path("devon-2019-proposals"))


@pytest.fixture
def commissioner(universe):
    return Actor.from_user(universe.accounts["commissioner-15n"])


def review(**more) -> actions.ProposalIn:
    fields = {
        "title": "Specialist clinical services strategy",
        "service": "Specialist clinical services",
        "care_group": "Adults",
        "programme": "specialist-services",
        "footprint": "wider-devon",
        "lead": "15N",
        "summary": "A strategy for specialist clinical services across Wider Devon.",
        "risks": "Travel times for patients in North Devon.",
        "money": [actions.MoneyIn("15N", 2020, cost=1_200_000_00, saving=300_000_00)],
    }
    return actions.ProposalIn(**{**fields, **more})


@pytest.fixture
def proposal(setup, commissioner):
    return actions.create(commissioner, setup.system, review())
