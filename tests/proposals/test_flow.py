"""A Devon proposal through seed 003's four stages, by its actions: each of stages 1 to 3
completed by what the named bodies record at their meetings, stage 4 by every step of the
route the schemes of delegation give, each with a valid decision; refused at every point where
something is still missing."""

import pytest

from commonweal.core.errors import Conflict, NotPermitted, Refused
from commonweal.core.models import AuditEvent
from commonweal.decisions import actions as decisions
from commonweal.decisions.models import Decision
from commonweal.meetings.models import ForwardPlanItem
from commonweal.proposals import actions
from commonweal.proposals.models import Item, Proposal

from ..meetings.papers import pdf
from .conftest import review
from .helpers import CL, arrange, hold, record

pytestmark = pytest.mark.django_db


def refused_with(fn, *words):
    with pytest.raises(Refused) as refused:
        fn()
    said = " ".join([str(refused.value), *(p.message for p in refused.value.problems)])
    for w in words:
        assert w in said, said
    return said


def test_a_devon_proposal_goes_from_draft_to_approved_through_the_four_stages(
    proposal, commissioner
):
    system = proposal.system
    assert (proposal.reference, proposal.state, proposal.workflow.code) == (
        "P00001",
        "draft",
        "four-stages",
    )
    actions.advance(commissioner, proposal, "start")

    # Stage 1: the clinical and financial leadership groups (Devon's cabinet and finance group).
    cabinet, fwg = arrange(system, "clinical-cabinet"), arrange(system, "fwg")
    made = actions.put_forward(commissioner, proposal, "developed")
    assert {i.body.code for i in made} == {"clinical-cabinet", "fwg"}
    assert all(i.plan_item.meeting in (cabinet, fwg) for i in made)
    refused_with(
        lambda: actions.advance(commissioner, proposal, "developed"),
        "Business case: not yet added",
        "Clinical leadership group: no recommendation or sign-off recorded yet",
    )
    actions.keep_document(commissioner, proposal, "business-case", "case.pdf", pdf())
    (cabinet_item,) = hold(cabinet)
    record(cabinet_item, "recommendation")
    said = refused_with(lambda: actions.advance(commissioner, proposal, "developed"), "Financial")
    assert "Clinical leadership" not in said
    (fwg_item,) = hold(fwg)
    record(fwg_item, "sign_off")
    actions.advance(commissioner, proposal, "developed")

    # Stage 2: quality assurance needs both impact assessments.
    pdeg = arrange(system, "pdeg")
    actions.put_forward(commissioner, proposal, "quality-assured")
    (pdeg_item,) = hold(pdeg)
    record(pdeg_item, "sign_off")
    refused_with(
        lambda: actions.advance(commissioner, proposal, "quality-assured"),
        "Quality impact assessment: not yet added",
        "Equality impact assessment: not yet added",
    )
    actions.keep_document(commissioner, proposal, "quality-impact", "qia.pdf", pdf(1))
    actions.keep_document(commissioner, proposal, "equality-impact", "eia.pdf", pdf(3))
    actions.advance(commissioner, proposal, "quality-assured")

    # Stage 3: a recommendation is not the sign-off the strategy group (the ICE) gives.
    ice = arrange(system, "ice")
    actions.put_forward(commissioner, proposal, "signed-off")
    (ice_item,) = hold(ice)
    record(ice_item, "recommendation")
    refused_with(lambda: actions.advance(commissioner, proposal, "signed-off"), "no sign-off")
    record(ice_item, "sign_off")
    actions.advance(commissioner, proposal, "signed-off")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.stage, proposal.public) == ("stage-4", 4, True)

    # Stage 4: the route for a policy: the ICE recommends, the Governing Body decides.
    ice2, gb = arrange(system, "ice", 20), arrange(system, "governing-body", 30)
    approval = actions.seek_approval(commissioner, proposal, "approve", decision_type="policy")
    assert [s[0] for s in approval.steps] == ["15N.R1.recommend", "15N.R1.decide"]
    plans = {i.steps[0]: i.plan_item for i in Item.objects.filter(approval=approval)}
    assert plans["15N.R1.recommend"].meeting == ice2 and plans["15N.R1.decide"].meeting == gb
    assert plans["15N.R1.decide"].kind == "decision"
    refused_with(
        lambda: actions.advance(commissioner, proposal, "approve"),
        "15N.R1.recommend (recommend): nothing is recorded for it yet",
        "15N.R1.decide (decide): nothing is recorded for it yet",
    )
    (ice2_item,) = hold(ice2)
    record(ice2_item, "recommendation", step="15N.R1.recommend")
    refused_with(lambda: actions.advance(commissioner, proposal, "approve"), "15N.R1.decide")
    assert Proposal.objects.get(pk=proposal.pk).state == "stage-4"
    (gb_item,) = hold(gb)
    from commonweal.core.models import Organisation

    record(
        gb_item,
        "decision",
        step="15N.R1.decide",
        parts=[decisions.PartIn(Organisation.objects.get(code="15N"), 0, votes=None)],
    )
    passage = actions.advance(commissioner, proposal, "approve")
    proposal.refresh_from_db()
    assert proposal.state == "approved"
    assert any("15N.R1.decide" in e for e in passage.evidence)
    # Each stage keeps the figures it was passed on.
    assert proposal.passages.first().figures == {"cost": 1_200_000_00, "saving": 300_000_00}
    assert [p.target for p in proposal.passages.all()] == [
        "stage-1",
        "stage-2",
        "stage-3",
        "stage-4",
        "approved",
    ]
    # Approved, it no longer changes; its history is the audit's.
    with pytest.raises(Conflict):
        actions.revise(commissioner, proposal, review(title="Changed"))
    events = AuditEvent.objects.filter(object_type="proposal", object_id=str(proposal.pk))
    assert events.count() >= 10


def test_a_rescinded_decision_does_not_approve(proposal, commissioner):
    """A decision later rescinded answers no step: approval is refused again."""
    system = proposal.system
    for t in ("start",):
        actions.advance(commissioner, proposal, t)
    # Straight to stage 4 for this test: the earlier stages are the test above's.
    Proposal.objects.filter(pk=proposal.pk).update(state="stage-4", stage=4)
    proposal.refresh_from_db()
    ice, gb = arrange(system, "ice", 20), arrange(system, "governing-body", 30)
    actions.seek_approval(commissioner, proposal, "approve", decision_type="policy")
    (ice_item,) = hold(ice)
    record(ice_item, "recommendation", step="15N.R1.recommend")
    (gb_item,) = hold(gb)
    from commonweal.core.models import Organisation

    done = record(
        gb_item,
        "decision",
        step="15N.R1.decide",
        parts=[decisions.PartIn(Organisation.objects.get(code="15N"), 0, votes=None)],
    )
    decisions.record_at_item(
        CL(),
        gb_item,
        decisions.DecisionIn(
            title="Rescind",
            resolution="Rescinded.",
            outcome="decision",
            decision_type="policy",
            corrects=done.decision,
            change="rescission",
            parts=[decisions.PartIn(Organisation.objects.get(code="15N"), 0, votes=None)],
        ),
    )
    refused_with(
        lambda: actions.advance(commissioner, proposal, "approve"),
        "15N.R1.decide (decide): what was recorded has been corrected or rescinded",
    )
    assert Decision.objects.filter(route_step="15N.R1.decide").count() == 1


def test_not_the_next_step_and_not_permitted(proposal, universe):
    commissioner = __import__("commonweal.core.actions", fromlist=["Actor"]).Actor.from_user(
        universe.accounts["commissioner-15n"]
    )
    with pytest.raises(Conflict, match="not the next step"):
        actions.advance(commissioner, proposal, "developed")
    with pytest.raises(Refused, match="no transition"):
        actions.advance(commissioner, proposal, "leap")
    from commonweal.core.actions import Actor

    for account in ("analyst-15n", "admin-torbay", "finance-devon", "clerk-ice"):
        with pytest.raises(NotPermitted):
            actions.advance(Actor.from_user(universe.accounts[account]), proposal, "start")
    # An executive of 15N manages proposals but the first step is a commissioner's.
    with pytest.raises(NotPermitted, match="commissioner"):
        actions.advance(Actor.from_user(universe.accounts["alex-morgan"]), proposal, "start")
    assert not ForwardPlanItem.objects.filter(project=proposal.reference).exists()
