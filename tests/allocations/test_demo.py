"""The demo's illustrative allocation: drafted, filled and submitted once, awaiting a decision
at the Integrated Commissioning Executive, with place budgets for Devon's four local areas."""

import pytest

from commonweal.allocations.models import Allocation, Basis, Status
from commonweal.core.actions import Actor
from commonweal.demo.allocation import add_allocation

pytestmark = pytest.mark.django_db


def test_the_demo_allocation_awaits_a_decision_at_the_ice(universe):
    said = add_allocation(Actor.command_line())
    assert "awaiting decision" in said
    a = Allocation.objects.get()
    assert a.illustrative and a.status == Status.AWAITING
    # The example's PCNs are not placed, so it states its illustrative populations.
    assert a.basis == Basis.STATED
    assert a.plan_item.body.code == "ice"
    budgets = list(a.place_budgets.all())
    assert len(budgets) == 4 and sum(b.amount for b in budgets) == a.place_total
    assert add_allocation(Actor.command_line()) == "the illustrative allocation was added already"
