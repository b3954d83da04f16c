"""The demo's illustrative allocation: drafted, filled and submitted once, awaiting a decision
at the Integrated Commissioning Executive, with place budgets for Devon's four local areas."""

import pytest

from commonweal.allocations.models import Allocation, Basis, Status
from commonweal.core.actions import Actor
from commonweal.demo.allocation import add_allocation
from commonweal.meetings.models import ItemKind

pytestmark = pytest.mark.django_db


def test_the_demo_allocation_is_consulted_on_at_the_ice_and_decided_by_the_governing_body(universe):
    said = add_allocation(Actor.command_line())
    assert "awaiting decision" in said
    a = Allocation.objects.get()
    assert a.illustrative and a.status == Status.AWAITING
    # The example's PCNs are not placed, so it states its illustrative populations.
    assert a.basis == Basis.STATED
    # The ICE is consulted at its meeting (clause D8); the decision is the Governing Body's
    # (£13.2m of new money is over the Accountable Officer's £5m), after the ICE's meeting.
    assert a.consultation_item.body.code == "ice"
    assert a.consultation_item.kind == ItemKind.CONSULTATION
    assert a.plan_item.body.code == "governing-body" and a.plan_item.kind == ItemKind.DECISION
    assert a.plan_item.due >= a.consultation_item.due
    budgets = list(a.place_budgets.all())
    assert len(budgets) == 4 and sum(b.amount for b in budgets) == a.place_total
    assert add_allocation(Actor.command_line()) == "the illustrative allocation was added already"
