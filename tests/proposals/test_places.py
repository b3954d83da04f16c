"""South East London's options at each place (seed 004), checked against the partners' schemes
when the set-up is loaded: Southwark under joint commissioning routes a proposal through its
place based board as one decision for both partners; Bexley under greater involvement does not;
changing a borough's option without changing the schemes is refused with the mismatch named."""

from datetime import date, timedelta

import pytest

from commonweal.core.actions import Actor
from commonweal.core.documents import DocumentError
from commonweal.proposals import actions
from commonweal.proposals.models import PlaceOption, Proposal
from commonweal.registry.actions import example_path

pytestmark = pytest.mark.django_db

SETUP = example_path("south-east-london-2020-proposals")


@pytest.fixture
def sel_setup(sel):
    return actions.read_setup(Actor.command_line(), SETUP)


def _refused(text: str) -> list[str]:
    with pytest.raises(DocumentError) as refused:
        actions.read_setup(Actor.command_line(), SETUP, text)
    return [str(p) for p in refused.value.problems]


def test_the_options_load_and_each_place_shows_its_own(sel_setup, client, universe):
    options = dict(PlaceOption.objects.values_list("area__code", "option"))
    assert options["southwark"] == "joint_commissioning"
    assert options["bexley"] == "greater_involvement"
    assert options["lambeth"] == "aligned_commissioning"
    client.force_login(universe.accounts["admin-sel"])
    html = client.get("/systems/south-east-london-2020/areas/southwark/").content.decode()
    assert "Commissioning together: joint commissioning" in html
    assert "committee in common" in html
    # The delegations at the place, from both partners' schemes, to the joint board.
    assert "London Borough of Southwark" in html and "(joint board)" in html
    bexley = client.get("/systems/south-east-london-2020/areas/bexley/").content.decode()
    assert "greater involvement" in bexley and "(joint board)" not in bexley
    assert "Place Based Director, Bexley" in bexley


def test_changing_a_boroughs_option_without_the_schemes_is_refused(sel_setup):
    text = SETUP.read_text()
    separate = text.replace(
        "      option: joint_commissioning\n      board: pbb-southwark",
        "      option: greater_involvement\n      board: pbb-southwark",
    )
    problems = _refused(separate)
    assert any(
        "places[5].option: Southwark place: under greater involvement each organisation decides "
        "separately, but"
        in p
        and "gives revenue commitment to Southwark Place Based Board" in p
        for p in problems
    ), problems
    joint = text.replace(
        "      option: greater_involvement\n      board: pbb-bexley",
        "      option: joint_commissioning\n      board: pbb-bexley",
    )
    problems = _refused(joint)
    assert any(
        "Bexley Place Based Board is not a body of London Borough of Bexley" in p for p in problems
    ), problems
    assert any(
        "NHS South East London CCG's scheme (2020-04) delegates nothing to Bexley Place Based Board"
        in p
        for p in problems
    ), problems
    assert any(
        "London Borough of Bexley's scheme" in p and "delegates nothing" in p for p in problems
    ), problems
    # Nothing changed.
    assert PlaceOption.objects.get(area__code="southwark").option == "joint_commissioning"
    assert PlaceOption.objects.get(area__code="bexley").option == "greater_involvement"


def _asked(system, footprint: str, partner: str):
    cl = Actor.command_line()
    p = actions.create(
        cl,
        system,
        actions.ProposalIn(
            title=f"Intermediate care in {footprint}",
            service="Intermediate care",
            footprint=footprint,
            lead="72Q",
            sponsors=[partner],
            money=[
                actions.MoneyIn("72Q", date.today().year, cost=400_000_00),
                actions.MoneyIn(partner, date.today().year, cost=300_000_00),
            ],
        ),
    )
    Proposal.objects.filter(pk=p.pk).update(state="approval", stage=2)
    p.refresh_from_db()
    return actions.seek_approval(
        cl,
        p,
        "approve",
        decision_type="revenue_commitment",
        due=date.today() + timedelta(days=40),
    )


def test_joint_commissioning_routes_through_the_place_based_board(sel_setup):
    system = sel_setup.system
    southwark = _asked(system, "southwark", "E09000028")
    # One decision at the board, binding both partners.
    assert [(kind, body) for _, kind, _, body, _ in southwark.steps] == [
        ("decide_jointly", "pbb-southwark")
    ]
    assert southwark.steps[0][2] == "72Q+E09000028"
    bexley = _asked(system, "bexley", "E09000004")
    bodies = {body for _, _, _, body, _ in bexley.steps}
    assert "pbb-bexley" not in bodies and "bexley-cabinet" in bodies
    assert all(kind != "decide_jointly" for _, kind, _, _, _ in bexley.steps)
    assert {org for _, _, org, _, _ in bexley.steps} == {"72Q", "E09000004"}


def test_a_proposal_at_a_place_shows_its_option(sel_setup, client, universe):
    approval = _asked(sel_setup.system, "southwark", "E09000028")
    client.force_login(universe.accounts["admin-sel"])
    base = f"/systems/south-east-london-2020/proposals/{approval.proposal.number}/"
    assert "Southwark place works by joint commissioning" in client.get(base).content.decode()
    page = client.get(base + "level-and-scoring/").content.decode()
    assert "Commissioning together: joint commissioning" in page
    assert "Southwark Place Based Board" in page


def test_a_joint_board_anywhere_the_place_lies_is_caught(sel_setup):
    """A delegation with no footprint (it applies everywhere) to a joint board, and an option
    set on an area that is not a place, are refused too."""
    from commonweal.governance.actions import load_scheme

    scheme = example_path("south-east-london-2020-scheme-E09000004")
    text = (
        scheme.read_text()
        .replace('version: "2020-04"', 'version: "2026-01"')
        .replace("in_force_from: 2020-04-01", "in_force_from: 2026-01-01")
    )
    changed = text.replace("decider: {body: bexley-cabinet}", "decider: {body: lcp-bexley}", 1)
    assert changed != text
    load_scheme(Actor.command_line(), "bexley.yaml", changed)
    problems = _refused(SETUP.read_text())
    assert any(
        "Bexley place: under greater involvement" in p
        and "Bexley Local Care Partnership Board, a joint board" in p
        for p in problems
    ), problems
    wrong_area = SETUP.read_text().replace("- {place: bromley,", "- {place: bromley-council,")
    assert any("Bromley is not a place" in p for p in _refused(wrong_area))
