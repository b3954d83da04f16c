"""Governance documents and schemes of the examples: loading, reloading, refusing."""

import time

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from commonweal.core.documents import DocumentError
from commonweal.core.models import AuditEvent
from commonweal.governance.actions import load_governance, load_scheme
from commonweal.governance.models import Body, Post, Scheme
from commonweal.registry.actions import EXAMPLES_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture
def devon_gov(devon):
    return devon


@pytest.fixture
def sel_gov(sel):
    return sel


def test_examples_load_with_members_attendees_and_invited(devon_gov, sel_gov):
    ice = Body.objects.get(system=devon_gov, code="ice")
    kinds = {m.post.ref: m.kind for m in ice.memberships.select_related("post__organisation")}
    assert sorted(r for r, k in kinds.items() if k == "member") == [
        "15N/accountable-officer",
        "15N/director-of-commissioning",
        "E06000026/dass",
        "E06000027/dass",
        "E10000008/dass",
    ]
    assert (
        kinds["15N/director-of-financial-planning"] == "attendee"
        and kinds["E10000008/dcs"] == "invited"
    )
    assert ice.voting == "individual"
    west = Post.objects.get(organisation__code="15N", code="dd-integrated-commissioning-west")
    assert sorted(p.ref for p in west.accountable_to.all()) == [
        "15N/director-of-commissioning",
        "E06000026/dass",
        "E10000008/dass",
    ]
    assert Body.objects.filter(system=sel_gov, kind="place_based_board").count() == 6
    gb = Body.objects.get(system=sel_gov, code="governing-body")
    members = [m.post for m in gb.memberships.filter(kind="member")]
    clinical = [p for p in members if "clinical" in p.categories]
    assert len(clinical) * 2 > len(members), (
        "seed 004: the governing body contains a clinical majority"
    )
    assert all(s.illustrative for s in Scheme.objects.all())


def test_loading_again_changes_nothing(devon_gov, actor):
    load_governance(actor, EXAMPLES_DIR / "devon-2019-governance.yaml")
    assert (
        AuditEvent.objects.filter(action="governance.load_governance")
        .first()
        .summary.endswith("nothing changed")
    )
    load_scheme(actor, EXAMPLES_DIR / "devon-2019-scheme-15N.yaml")
    assert (
        AuditEvent.objects.filter(action="governance.load_scheme")
        .first()
        .summary.endswith("nothing changed")
    )


def test_scheme_documents_are_refused_with_line_and_explanation(devon_gov, actor, tmp_path):
    good = (EXAMPLES_DIR / "devon-2019-scheme-15N.yaml").read_text()
    cases = {
        "overlap": (
            good.replace("{over: 100000, up_to: 500000", "{over: 90000, up_to: 500000"),
            "overlaps the band before",
        ),
        "gap": (
            good.replace("{over: 100000, up_to: 500000", "{over: 150000, up_to: 500000"),
            "leaves a gap",
        ),
        "unknown post": (
            good.replace(
                "{up_to: 100000, decider: {post: 15N/director-of-commissioning}}",
                "{up_to: 100000, decider: {post: 15N/director-of-nothing}}",
            ),
            "no post '15N/director-of-nothing'",
        ),
        "unknown body": (
            good.replace("body: governing-body\n    recommend", "body: the-board\n    recommend"),
            "no body 'the-board'",
        ),
        "reserved and delegated": (
            good.replace("decision_type: joint_strategy", "decision_type: policy"),
            "is reserved to governing-body by R1 at any amount",
        ),
        "onward cycle": (
            good
            + "  - {clause: O9, from: 15N/dd-integrated-commissioning-north, to: 15N/director-of-commissioning, decision_types: [revenue_commitment], limit: 10}\n",
            "goes round in a circle",
        ),
        "onward over limit": (
            good.replace(
                "decision_types: [revenue_commitment], limit: 50000, footprint: north",
                "decision_types: [revenue_commitment], limit: 3000000, footprint: north",
            ),
            "is more than the £2,000,000 ",
        ),
    }
    versions = Scheme.objects.count()
    for name, (text, expected) in cases.items():
        path = tmp_path / f"{name.replace(' ', '-')}.yaml"
        path.write_text(text)
        with pytest.raises(DocumentError) as caught:
            load_scheme(actor, path)
        messages = [str(p) for p in caught.value.problems]
        assert any(expected in m for m in messages), (name, messages)
        assert all(m.startswith(f"{path}:") and m.split(":")[1].isdigit() for m in messages), (
            messages
        )
    assert Scheme.objects.count() == versions


def test_governance_documents_are_checked(devon, actor, tmp_path):
    doc = yaml.safe_load((EXAMPLES_DIR / "devon-2019-governance.yaml").read_text())
    doc["bodies"][1]["members"].append("15N/nobody")
    doc["bodies"][1]["chair"] = "15N/director-of-strategy"
    doc["bodies"][2]["parent"] = "pdeg"
    path = tmp_path / "gov.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(DocumentError) as caught:
        load_governance(actor, path)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "bodies[1].members[5]: no post '15N/nobody' in this document" in text
    assert "bodies[1].chair: the chair must be one of the members" in text
    assert "go round in a circle" in text
    assert Body.objects.get(code="ice").chair.code == "accountable-officer", "nothing was written"


def _walk(parent, body):
    """Where a body's chain of parents first repeats, followed step by step (the old way)."""
    seen, current = {body}, parent[body]
    while current:
        if current in seen:
            return current
        seen.add(current)
        current = parent.get(current)
    return None


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.none() | st.sampled_from("abcdefghz")))
def test_loops_of_bodies_are_found_as_by_following_each_chain(parent):
    from commonweal.governance.actions import _loops

    meets = _loops(parent)
    assert {body: meets[body] for body in parent} == {body: _walk(parent, body) for body in parent}


def test_a_long_chain_of_bodies_is_checked_in_time_that_grows_with_it(devon):
    from commonweal.governance.actions import read_governance

    bodies = "".join(
        f"  - {{code: b{i}, name: B, kind: committee, owners: [15N], parent: b{i + 1}}}\n"
        for i in range(4_999)
    )
    text = "system: devon-2019\nbodies:\n" + bodies
    text += "  - {code: b4999, name: B, kind: committee, owners: [15N], parent: b0}\n"
    with pytest.raises(DocumentError, match="go round in a circle through 'b0'"):
        read_governance("gov.yaml", text)
    # Each chain is walked once: following each of 100,000 bodies' chains to its end would be
    # five billion steps.
    from commonweal.governance.actions import _loops

    chain = {f"b{i}": f"b{i + 1}" for i in range(100_000)}
    started = time.perf_counter()
    meets = _loops({**chain, "b100000": "b0"})
    assert time.perf_counter() - started < 2
    assert meets["b0"] == "b0" and meets["b99999"] == "b99999"
