"""Outcomes fixtures: the national QOF catalogue and the Devon framework loaded as the command
line loads them, and a small catalogue of 15N's own for the permission and version tests."""

import pytest

from commonweal.core.actions import Actor
from commonweal.outcomes import actions, data

from ..factories import EXAMPLES

CL = Actor.command_line
FRAMEWORK = EXAMPLES / "devon-2019-outcomes.yaml"
PCN_PLACES = EXAMPLES / "devon-2019-pcn-places.yaml"
QOF_DEFINITIONS = data.DEFINITIONS_DIR / "qof-2020-21-prevalence.yaml"

# A catalogue of NHS Devon CCG's own: two indicators, one of them with a Fingertips ID.
OWN_CATALOGUE = """\
indicators:
  name: NHS Devon CCG local indicators
  provenance:
    written_by: A. Analyst
    checked_by: B. Checker
    review_date: 2027-03-31
  owner: {owner}
  definitions:
    - code: devon-flu-uptake-65
      name: Flu vaccine uptake in people aged 65 and over
      definition: Vaccinated people aged 65 and over over those eligible.
      polarity: high_is_good
      unit: "%"
      method: proportion
      multiplier: 100
      source: Local immunisation returns
      frequency: annual
      significance: 95
      target: 75
      fingertips_id: 30314
    - code: devon-loneliness
      name: Adults who feel lonely often or always
      definition: Adults answering often or always, over adults asked.
      polarity: low_is_good
      unit: "%"
      method: proportion
      multiplier: 100
      source: Local survey
      frequency: annual
      significance: 99.8
"""


def own_catalogue(owner: str = "15N") -> str:
    return OWN_CATALOGUE.format(owner=owner)


def load_text(actor: Actor, text: str, name: str = "catalogue.yaml") -> actions.Loaded:
    located, raw = actions.read_document(name, text)
    return actions.load_indicators(actor, located, raw)


def load_framework_text(
    actor: Actor, text: str, name: str = "framework.yaml"
) -> actions.FrameworkLoaded:
    located, raw = actions.read_document(name, text)
    return actions.load_framework(actor, located, raw)


@pytest.fixture
def qof_catalogue(universe) -> actions.Loaded:
    """The shipped QOF 2020/21 prevalence catalogue, loaded from the command line."""
    located, text = actions.read_document(QOF_DEFINITIONS)
    return actions.load_indicators(CL(), located, text)


@pytest.fixture
def framework(qof_catalogue, devon) -> actions.FrameworkLoaded:
    """The Devon example framework (with its two indicators of 15N's own)."""
    return load_framework_text(CL(), FRAMEWORK.read_text(), FRAMEWORK.name)


@pytest.fixture
def as_user(universe):
    """The actor for one of the universe's accounts."""

    def make(name: str) -> Actor:
        return Actor.from_user(universe.accounts[name])

    return make
