"""Assurance fixtures: the Devon pools' agreements (which the framework names), and the Devon
example's finance and pools as the demo loads them."""

import pytest

from commonweal.core.actions import Actor
from commonweal.core.documents import read_yaml
from commonweal.pools import actions as pools

from ..factories import EXAMPLES


@pytest.fixture
def agreements(devon):
    return [
        pools.load_agreement(
            Actor.command_line(), read_yaml(EXAMPLES / f"devon-2019-pool-{n}.yaml")
        )
        for n in ("devon", "plymouth", "torbay")
    ]
