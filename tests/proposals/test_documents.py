"""Workflow and set-up documents: the shipped workflows load; one with a dead end, an unknown
state, an unreachable state or a transition nobody makes is refused with file, line and field,
and nothing is written; a system's set-up must map every body its workflows name."""

import pytest

from commonweal.core.actions import Actor
from commonweal.core.documents import DocumentError
from commonweal.proposals import actions, documents
from commonweal.proposals.models import Setup, Workflow

pytestmark = pytest.mark.django_db

GOOD = """\
workflow: {code: small, name: A small workflow, initial: draft}
bodies: [{code: panel, name: Panel}]
states:
  - {code: draft, name: Draft}
  - {code: review, name: Review}
  - {code: done, name: Done, final: true}
transitions:
  - {code: submit, name: Submit, from: draft, to: review, by: {role: commissioner}}
  - {code: agree, name: Agree, from: review, to: done, by: {bodies: [panel], outcomes: [decision]}}
"""


def refused(text: str, name: str = "wf.yaml") -> list[str]:
    with pytest.raises(DocumentError) as caught:
        actions.read_workflow(Actor.command_line(), name, text)
    assert not Workflow.objects.filter(code="small").exists()
    return [f"{p.file}:{p.line}: {p.field}: {p.message}" for p in caught.value.problems]


@pytest.mark.parametrize("code", ["four-stages", "joint-committee", "joint-committee-stroke"])
def test_each_shipped_workflow_loads_and_again_changes_nothing(code):
    path = documents.shipped(code)
    first = actions.read_workflow(Actor.command_line(), path)
    again = actions.read_workflow(Actor.command_line(), path)
    assert not first.unchanged and again.unchanged and first.workflow == again.workflow


def test_a_good_workflow_loads_and_a_changed_one_is_a_new_version():
    one = actions.read_workflow(Actor.command_line(), "wf.yaml", GOOD).workflow
    two = actions.read_workflow(
        Actor.command_line(), "wf.yaml", GOOD.replace("A small workflow", "Smaller")
    ).workflow
    assert (one.version, two.version) == (1, 2)
    assert Workflow.objects.get(pk=one.pk).name == "A small workflow"


def test_a_dead_end_is_refused_naming_its_line():
    text = GOOD.replace(
        "  - {code: done, name: Done, final: true}",
        "  - {code: done, name: Done, final: true}\n  - {code: parked, name: Parked}",
    ).replace(
        "  - {code: submit,",
        "  - {code: park, name: Park, from: draft, to: parked, by: {role: commissioner}}\n"
        "  - {code: submit,",
    )
    assert refused(text) == [
        "wf.yaml:7: states[3].code: state 'parked' is a dead end: no transition leaves it and "
        "it is not final"
    ]


def test_a_loop_with_no_way_out_is_a_dead_end_too():
    text = GOOD.replace(
        "to: done, by: {bodies",
        "to: draft, by: {bodies",
    ).replace(
        "  - {code: done, name: Done, final: true}", "  - {code: done, name: Done, final: true}"
    )
    said = refused(text)
    assert any("'draft' is a dead end: from it no final state can be reached" in s for s in said)
    assert any("'done' cannot be reached" in s for s in said)


def test_an_unknown_state_is_refused_with_the_states_there_are():
    said = refused(GOOD.replace("to: review,", "to: reveiw,"))
    assert said[0] == (
        "wf.yaml:8: transitions[0].to: unknown state 'reveiw'; the states are done, draft, review"
    )


def test_an_unreachable_state_is_refused():
    text = GOOD.replace(
        "  - {code: done, name: Done, final: true}",
        "  - {code: done, name: Done, final: true}\n  - {code: orphan, name: Orphan, final: true}",
    )
    assert refused(text) == [
        "wf.yaml:7: states[3].code: state 'orphan' cannot be reached from 'draft': no transition "
        "from a reachable state leads to it"
    ]


def test_a_transition_nobody_makes_is_refused():
    said = refused(GOOD.replace("by: {role: commissioner}", "by: {}"))
    assert len(said) == 1 and said[0].startswith("wf.yaml:8: transitions[0].by:")
    assert "name exactly one of role, bodies or route" in said[0]


SETUP = """\
proposals:
  system: devon-2019
  workflow: four-stages
  bodies:
    clinical-leadership: [clinical-cabinet]
    financial-leadership: [fwg]
    management-group: [pdeg]
    strategy-group: [iec]
    planning-group: [ice]
"""


def test_a_set_up_names_every_body_it_maps_and_maps_every_body_named(universe):
    with pytest.raises(DocumentError) as caught:
        actions.read_setup(Actor.command_line(), "setup.yaml", SETUP)
    said = {f"{p.line}: {p.field}: {p.message}" for p in caught.value.problems}
    assert any(
        s.startswith("8: proposals.bodies.strategy-group[0]: ") and s.endswith("has no body 'iec'")
        for s in said
    ), said
    assert any("the workflows name no body 'planning-group'" in s for s in said)
    assert not Setup.objects.exists()
    fixed = SETUP.replace("[iec]", "[ice]").replace("    planning-group: [ice]\n", "")
    assert actions.read_setup(Actor.command_line(), "setup.yaml", fixed).workflow.code == (
        "four-stages"
    )
    missing = fixed.replace("    management-group: [pdeg]\n", "")
    with pytest.raises(DocumentError, match="map the workflow's 'management-group'"):
        actions.read_setup(Actor.command_line(), "setup.yaml", missing)
