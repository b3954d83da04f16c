"""Scheme documents: the new reservation fields, the loading rule for reservations by amount,
and the compiled JSON's format (2, reading format 1 as stored before). No database needed."""

from pathlib import Path

import pytest
import yaml

from commonweal.core.documents import DocumentError, read_yaml, validate
from commonweal.governance import engine
from commonweal.governance.documents import (
    BodyDoc,
    SchemeDocument,
    check_scheme,
    compile_scheme,
    scheme_from_json,
    scheme_to_json,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "commonweal" / "examples"
GOVERNANCE = yaml.safe_load((EXAMPLES / "devon-2019-governance.yaml").read_text())
POSTS = {f"{p['organisation']}/{p['code']}" for p in GOVERNANCE["posts"]}
BODIES = {b["code"] for b in GOVERNANCE["bodies"]}
AREAS = {"wider-devon", "devon", "plymouth", "torbay", "north", "east", "south", "west"}

# The shipped examples' reservation of contracts by amount, and variants made from them.
CCG_CONTRACTS_RESERVED = """
  - clause: R2
    decision_types: [contract_award]
    over: 500000
    cumulative: true
    body: governing-body
    recommend: [{post: 15N/director-of-financial-planning}]
    text: Contracts whose whole-life cost is over £500,000 are reserved to the Governing Body.
"""
CCG_CONTRACT_BANDS = (
    "      - {over: 250000, up_to: 1000000, decider: {post: 15N/accountable-officer}}\n"
    "      - {over: 1000000, decider: {body: governing-body}}\n"
)
CCG_CONTRACT_BANDS_UNDER_R2 = (
    "      - {over: 250000, up_to: 500000, decider: {post: 15N/accountable-officer}}\n"
)
DEVON_POLICY_WITH_HWB = (
    "{clause: R1, decision_types: [policy], body: cabinet-devon, consult: [{body: hwb-devon}],\n"
    "     recommend: [{body: ice}],"
)


def ccg_text(contracts_reserved=True, bands=CCG_CONTRACT_BANDS_UNDER_R2):
    text = (EXAMPLES / "devon-2019-scheme-15N.yaml").read_text()
    assert CCG_CONTRACTS_RESERVED in text and CCG_CONTRACT_BANDS_UNDER_R2 in text
    if not contracts_reserved:
        text = text.replace(CCG_CONTRACTS_RESERVED, "\n")
    return text.replace(CCG_CONTRACT_BANDS_UNDER_R2, bands)


def load(text, name="scheme.yaml"):
    located = read_yaml(name, text)
    doc = validate(located, SchemeDocument)
    return doc, check_scheme(located, doc, POSTS, BODIES, AREAS)


def test_the_shipped_examples_reserve_contracts_by_amount_and_consult_the_hwb():
    doc, problems = load(ccg_text())
    assert problems == []
    scheme = compile_scheme(doc)
    r2 = scheme.reservation_for("contract_award")
    assert r2 is not None
    assert (r2.clause, r2.over, r2.cumulative, r2.body) == (
        "R2",
        500_000_00,
        True,
        "governing-body",
    )
    council = (EXAMPLES / "devon-2019-scheme-E10000008.yaml").read_text()
    assert DEVON_POLICY_WITH_HWB in council
    doc, problems = load(council)
    assert problems == []
    r1 = compile_scheme(doc).reservation_for("policy")
    assert r1 is not None
    assert r1.consult == (engine.Taker(body="hwb-devon"),) and r1.over is None


def test_a_band_reaching_above_a_reservations_amount_is_refused_with_its_line():
    text = ccg_text(bands=CCG_CONTRACT_BANDS)  # the example's bands: AO up to £1m, then the GB
    _, problems = load(text, "15N.yaml")
    lines = text.splitlines()
    assert [p.field for p in problems] == [
        "delegations[1].bands[1].up_to",
        "delegations[1].bands[2].up_to",
    ]
    assert "reaches £1,000,000, but R2 reserves 'contract_award' over £500,000" in (
        problems[0].message
    )
    assert "has no upper limit" in problems[1].message
    assert "up_to: 1000000" in lines[problems[0].line - 1]
    assert str(problems[0]).startswith(f"15N.yaml:{problems[0].line}: delegations[1]")


def test_a_cumulative_delegation_under_a_reservation_by_the_amount_alone_is_refused():
    text = ccg_text().replace(
        "    cumulative: true\n    body: governing-body", "    body: governing-body"
    )
    _, problems = load(text)
    [problem] = problems
    assert problem.field == "delegations[1].conditions"
    assert "write `cumulative: true` on R2" in problem.message


def test_a_type_reserved_at_any_amount_cannot_be_delegated_nor_reserved_twice():
    _, problems = load(ccg_text().replace("    over: 500000\n    cumulative: true\n", ""))
    assert [(p.field, p.message) for p in problems] == [
        (
            "delegations[1].decision_type",
            "'contract_award' is reserved to governing-body by R2 at any amount, so it cannot "
            "also be delegated",
        )
    ]
    twice = ccg_text().replace(
        "decision_types: [contract_award]", "decision_types: [contract_award, policy]"
    )
    _, problems = load(twice)
    assert [(p.field, p.message) for p in problems] == [
        ("reserved[1].decision_types", "'policy' is already reserved by R1")
    ]


def test_cumulative_needs_an_amount_and_a_consultee_must_exist():
    with pytest.raises(DocumentError, match="give `over` too"):
        load(ccg_text().replace("    over: 500000\n", ""))
    council = (EXAMPLES / "devon-2019-scheme-E10000008.yaml").read_text()
    _, problems = load(
        council.replace("consult: [{body: hwb-devon}]", "consult: [{body: hwb-nowhere}]")
    )
    assert [(p.field, p.message) for p in problems] == [
        ("reserved[0].consult[0].body", "no body 'hwb-nowhere' in the system's governance document")
    ]


def test_compiled_json_has_format_2_and_round_trips():
    scheme = compile_scheme(load(ccg_text())[0])
    data = scheme_to_json(scheme)
    assert data["format"] == 2
    assert scheme_from_json(data) == scheme


def test_format_1_json_as_stored_today_is_upgraded_when_read():
    stored = {  # what load_scheme stored before format 2: no "format", no consult/over/cumulative
        "organisation": "E10000008",
        "version": "2019-04",
        "title": "Devon County Council scheme of delegation",
        "in_force_from": "2019-04-01",
        "in_force_to": None,
        "illustrative": True,
        "reservations": [
            {
                "clause": "R1",
                "decision_types": ["policy"],
                "body": "cabinet-devon",
                "recommend": [{"post": None, "body": "ice", "second": []}],
                "text": "Policy decisions are for the Cabinet.",
            }
        ],
        "delegations": [
            {
                "clause": "D1",
                "decision_type": "revenue_commitment",
                "footprint": None,
                "conditions": ["cumulative"],
                "text": "",
                "recommend": [],
                "consult": [],
                "bands": [
                    {
                        "lower": 0,
                        "upper": 25_000_000,
                        "decider": {"post": "E10000008/dass", "body": None, "second": []},
                    },
                    {
                        "lower": 25_000_000,
                        "upper": None,
                        "decider": {"post": None, "body": "cabinet-devon", "second": []},
                    },
                ],
            }
        ],
        "onward": [],
    }
    scheme = scheme_from_json(stored)
    [r1] = scheme.reservations
    assert (r1.body, r1.recommend, r1.consult, r1.over, r1.cumulative) == (
        "cabinet-devon",
        (engine.Taker(body="ice"),),
        (),
        None,
        False,
    )
    d1 = scheme.delegation_for("revenue_commitment", ())
    assert d1 is not None and d1.bands[0].upper == 25_000_000
    assert scheme_to_json(scheme)["format"] == 2
    assert scheme_from_json(scheme_to_json(scheme)) == scheme
    with pytest.raises(ValueError, match="newer"):
        scheme_from_json({**stored, "format": 3})


def test_bodies_take_a_casting_vote_and_a_block_quorum():
    body = BodyDoc.model_validate(
        {
            "code": "devon-jc",
            "name": "Devon Joint Commissioning Committee",
            "kind": "joint_committee",
            "owners": ["15N", "E10000008"],
            "voting": "block",
            "casting_vote": False,
            "quorum": {"number": 4, "block": 2},
        }
    )
    assert body.quorum.block == 2 and body.casting_vote is False
    assert BodyDoc.model_validate({**body.model_dump(), "casting_vote": True}).casting_vote
