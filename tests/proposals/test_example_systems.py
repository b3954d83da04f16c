"""The two small example systems from seed 003: North East and North Cumbria (nenc-2019) and
West Yorkshire and Harrogate (wyh-2019). Each loads as the command line loads it, its structure
check finds no errors, and a business case across the system goes to its joint committee of
CCGs, decided jointly in blocks."""

from pathlib import Path

import pytest

from commonweal.core.actions import Actor
from commonweal.governance.actions import load_governance, load_scheme
from commonweal.governance.engine import StepKind
from commonweal.governance.models import Body
from commonweal.governance.requests import ProposalIn, route_proposal
from commonweal.registry.actions import EXAMPLES_DIR, load_system
from commonweal.registry.models import System
from commonweal.registry.structure import structure_on

NENC_CCGS = ("13T", "00P", "01H")
WYH_CCGS = ("15F", "02W", "02T", "03E")
NENC_BODIES = {
    "ics-management-group",
    "health-strategy-group",
    "clinical-leadership-group",
    "financial-leadership-group",
    "joint-ccg-committee",
    *(f"governing-body-{code.lower()}" for code in NENC_CCGS),
}
WYH_BODIES = {"joint-committee", *(f"governing-body-{code.lower()}" for code in WYH_CCGS)}


def load(slug: str) -> System:
    """A system, its governance and every scheme of it, by the functions the commands call."""
    actor = Actor.command_line()
    load_system(actor, EXAMPLES_DIR / f"{slug}.yaml")
    load_governance(actor, EXAMPLES_DIR / f"{slug}-governance.yaml")
    schemes = sorted(Path(EXAMPLES_DIR).glob(f"{slug}-scheme-*.yaml"))
    for path in schemes:
        load_scheme(actor, path)
    return System.objects.get(slug=slug)


def route(system: str, decision_type: str, footprint: str, amounts: dict[str, int]):
    data = {
        "system": system,
        "decision_type": decision_type,
        "on": "2019-10-01",
        "footprint": footprint,
        "project": f"{decision_type} example",
        "commitments": [{"organisation": o, "amount": a} for o, a in amounts.items()],
    }
    result, _ = route_proposal(ProposalIn.model_validate(data))
    return result


@pytest.fixture
def nenc(db) -> System:
    return load("nenc-2019")


@pytest.fixture
def wyh(db) -> System:
    return load("wyh-2019")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("slug", "bodies", "ccgs"),
    [("nenc-2019", NENC_BODIES, NENC_CCGS), ("wyh-2019", WYH_BODIES, WYH_CCGS)],
)
def test_each_example_loads_with_its_bodies_and_a_scheme_per_ccg(db, slug, bodies, ccgs):
    system = load(slug)
    assert set(Body.objects.filter(system=system).values_list("code", flat=True)) == bodies
    schemes = set(system.schemes.values_list("organisation__code", flat=True))
    assert schemes == set(ccgs)
    assert all(s.illustrative for s in system.schemes.all())


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["nenc-2019", "wyh-2019"])
def test_the_structure_check_finds_no_errors(db, slug):
    report = structure_on(load(slug))
    assert report.counts()["error"] == 0, [f.explanation for f in report.findings]


@pytest.mark.django_db
def test_loading_again_changes_nothing(nenc, wyh):
    actor = Actor.command_line()
    for slug in ("nenc-2019", "wyh-2019"):
        assert not load_system(actor, EXAMPLES_DIR / f"{slug}.yaml").changed


@pytest.mark.django_db
def test_joint_bodies_vote_in_blocks(nenc, wyh):
    jcc = Body.objects.get(system=nenc, code="joint-ccg-committee")
    jc = Body.objects.get(system=wyh, code="joint-committee")
    assert (jcc.kind, jcc.voting) == ("joint_committee", "block")
    assert (jc.kind, jc.voting) == ("joint_committee", "block")
    assert set(jcc.owners.values_list("code", flat=True)) == set(NENC_CCGS)
    assert set(jc.owners.values_list("code", flat=True)) == set(WYH_CCGS)


@pytest.mark.django_db
def test_nenc_system_business_case_is_decided_jointly_by_the_ccg_joint_committee(nenc):
    # £2m across the system: each CCG's scheme sends its part to the CCG Joint Committee after
    # the ICS Management Group (quality check) and the Health Strategy Group (approval).
    result = route(
        "nenc-2019", "business_case", "nenc", {"13T": 1_000_000, "00P": 600_000, "01H": 400_000}
    )
    assert result.decidable
    last = result.steps[-1]
    assert last.kind is StepKind.DECIDE_JOINTLY
    assert last.taker.body == "joint-ccg-committee"
    assert set(last.blocks) == set(NENC_CCGS)
    for org in result.organisations:
        assert [(s.kind, s.taker.body) for s in org.steps] == [
            (StepKind.CONSULT, "ics-management-group"),
            (StepKind.RECOMMEND, "health-strategy-group"),
        ]


@pytest.mark.django_db
def test_nenc_new_investment_across_the_system_is_decided_jointly_too(nenc):
    result = route(
        "nenc-2019", "new_investment", "nenc", {"13T": 500_000, "00P": 300_000, "01H": 200_000}
    )
    assert [(s.kind, s.taker.body) for s in result.joint] == [
        (StepKind.DECIDE_JOINTLY, "joint-ccg-committee")
    ]


@pytest.mark.django_db
def test_nenc_over_ten_million_is_reserved_to_the_governing_body(nenc):
    result = route("nenc-2019", "business_case", "nenc", {"13T": 12_000_000})
    (org,) = result.organisations
    assert org.steps[-1].kind is StepKind.DECIDE
    assert org.steps[-1].taker.body == "governing-body-13t"
    assert org.steps[-1].clause == "R2"


@pytest.mark.django_db
def test_nenc_a_place_business_case_stays_with_the_ccg(nenc):
    result = route("nenc-2019", "business_case", "newcastle-gateshead", {"13T": 2_000_000})
    (org,) = result.organisations
    assert not result.joint
    assert org.steps[-1].taker.body == "governing-body-13t"


@pytest.mark.django_db
def test_nenc_policy_goes_to_each_governing_body(nenc):
    result = route("nenc-2019", "policy", "nenc", dict.fromkeys(NENC_CCGS, 0))
    assert not result.joint
    deciders = {o.organisation: o.steps[-1] for o in result.organisations}
    assert {o: (s.kind, s.taker.body) for o, s in deciders.items()} == {
        code: (StepKind.DECIDE, f"governing-body-{code.lower()}") for code in NENC_CCGS
    }


@pytest.mark.django_db
@pytest.mark.parametrize("decision_type", ["business_case", "new_investment", "contract_award"])
def test_wyh_system_matters_are_decided_jointly_by_the_joint_committee(wyh, decision_type):
    amounts = {"15F": 800_000, "02W": 500_000, "02T": 400_000, "03E": 300_000}  # £2m in all
    result = route("wyh-2019", decision_type, "wyh", amounts)
    assert result.decidable
    (joint,) = result.joint
    assert (joint.kind, joint.taker.body) == (StepKind.DECIDE_JOINTLY, "joint-committee")
    assert set(joint.blocks) == set(WYH_CCGS)


@pytest.mark.django_db
def test_wyh_commissioning_policy_across_the_system_is_decided_jointly(wyh):
    result = route("wyh-2019", "policy", "wyh", dict.fromkeys(WYH_CCGS, 0))
    (joint,) = result.joint
    assert (joint.kind, joint.taker.body) == (StepKind.DECIDE_JOINTLY, "joint-committee")


@pytest.mark.django_db
def test_wyh_a_local_policy_goes_to_the_governing_body(wyh):
    result = route("wyh-2019", "policy", "leeds", {"15F": 0})
    (org,) = result.organisations
    assert not result.joint
    assert (org.steps[-1].kind, org.steps[-1].taker.body) == (
        StepKind.DECIDE,
        "governing-body-15f",
    )
