"""The assurance framework document: the Devon example loads; a bad one is refused with file,
line and field, and nothing is written."""

import pytest

from commonweal.assurance import actions
from commonweal.assurance.models import Framework, FrameworkVersion
from commonweal.core.actions import Actor
from commonweal.core.documents import DocumentError, read_yaml
from commonweal.core.errors import NotPermitted

from ..factories import EXAMPLES

pytestmark = pytest.mark.django_db
EXAMPLE = (EXAMPLES / "devon-2019-assurance.yaml").read_text()


def load(text: str, actor: Actor | None = None) -> actions.Loaded:
    return actions.load_framework(actor or Actor.command_line(), read_yaml("a.yaml", text), text)


def test_the_devon_example_loads_once_and_again_changes_nothing(agreements):
    first = load(EXAMPLE)
    assert not first.unchanged and first.version.number == 1 and first.version.illustrative
    assert [ln["code"] for ln in first.version.content["lines"]][:2] == ["ae-four-hour", "outcomes"]
    again = load(EXAMPLE)
    assert again.unchanged and FrameworkVersion.objects.count() == 1
    revised = load(EXAMPLE.replace("after_days: 60", "after_days: 30"))
    assert revised.version.number == 2 and Framework.objects.get().version == revised.version


@pytest.mark.parametrize(
    ("change", "line", "field", "words"),
    [
        (
            "exceptions: [special_cause_concern]",
            36,
            "assurance.lines[0].exceptions[0]",
            "not 'red'",
        ),
        ("measure: four_hour", 45, "assurance.lines[1].measure", "only a series line"),
        ("place: north, providers: [RBZ]", 26, "assurance.places[0].place", "no place 'nowhere'"),
        ("providers: [RBZ]", 26, "assurance.places[0].providers[0]", "no organisation 'XXX'"),
        ("pools: [devon-bcf]}\n    - {place: east", 26, "assurance.places[0].pools[0]", "no pool"),
        ("report_to: {body: ice}", 23, "assurance.report_to.body", "no body 'nobody'"),
        ("severity: high", 94, "assurance.lines[6].severity", "least severity"),
        ("code: savings", 58, "assurance.lines[3].code", "used twice"),
    ],
)
def test_a_bad_framework_is_refused_by_line_and_field(agreements, change, line, field, words):
    replacements = {
        "exceptions: [special_cause_concern]": "exceptions: [red]",
        "measure: four_hour": "measure: four_hour\n      indicators: []",
        "place: north, providers: [RBZ]": "place: nowhere, providers: [RBZ]",
        "providers: [RBZ]": "providers: [XXX]",
        "pools: [devon-bcf]}\n    - {place: east": "pools: [no-such-pool]}\n    - {place: east",
        "report_to: {body: ice}": "report_to: {body: nobody}",
        "severity: high": "severity: awful",
        "code: savings": "code: finance",
    }
    text = EXAMPLE.replace(change, replacements[change], 1)
    if change == "measure: four_hour":
        text = EXAMPLE.replace("kind: indicators", "kind: indicators\n      measure: four_hour", 1)
    with pytest.raises(DocumentError) as caught:
        load(text)
    found = [p for p in caught.value.problems if p.field == field]
    assert found, [str(p) for p in caught.value.problems]
    assert words in found[0].message
    assert found[0].file == "a.yaml" and isinstance(found[0].line, int)
    assert Framework.objects.count() == 0


def test_loading_needs_the_permission_in_the_owner(agreements, universe):
    with pytest.raises(NotPermitted):
        load(EXAMPLE, Actor.from_user(universe.accounts["admin-torbay"]))
    with pytest.raises(NotPermitted):
        load(EXAMPLE, Actor.from_user(universe.accounts["jo-evans"]))
    assert load(EXAMPLE, Actor.from_user(universe.accounts["analyst-15n"])).version.number == 1
