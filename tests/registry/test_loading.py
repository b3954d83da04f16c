"""System documents: validation with file:line:field, transactional and idempotent loading."""

from datetime import date, timedelta

import pytest

from commonweal.core.documents import DocumentError
from commonweal.core.models import AuditEvent, Organisation
from commonweal.registry.actions import example_path, load_system
from commonweal.registry.models import Area, AreaPopulation, Succession, System
from commonweal.registry.structure import structure_on

pytestmark = pytest.mark.django_db

GOOD = """\
system:
  slug: tiny
  name: Tiny system
organisations:
  - {code: 99X, name: NHS Tiny CCG, type: nhs_commissioner, opened: 2020-04-01}
  - {code: E06000099, name: Tiny Council, type: unitary_council}
areas:
  - code: tiny
    name: Tiny
    level: system
    populations:
      - {on: 2020-06-30, population: 1200000, source: test}
    responsible:
      - {organisation: 99X, role: nhs_commissioner}
  - code: town
    name: Town
    level: place
    parent: tiny
"""


def state():
    """Everything a load could write, to prove a refused load wrote nothing."""
    return (
        sorted(Organisation.objects.values_list("code", "name", "kind")),
        sorted(System.objects.values_list("slug", "name")),
        sorted(Area.objects.values_list("system__slug", "code", "name", "level", "parent__code")),
        sorted(AreaPopulation.objects.values_list("area__code", "on", "population")),
        AuditEvent.objects.count(),
    )


def refused(actor, tmp_path, text, name="system.yaml"):
    path = tmp_path / name
    path.write_text(text)
    before = state()
    with pytest.raises(DocumentError) as caught:
        load_system(actor, path)
    assert state() == before, "a refused document must leave the database unchanged"
    return [str(p) for p in caught.value.problems]


def test_both_examples_load_and_are_checked(devon, sel):
    assert devon.areas.count() == 9
    assert sel.areas.filter(level="place").count() == 6
    merger = Succession.objects.filter(successor__code="15N")
    assert sorted(merger.values_list("predecessor__code", flat=True)) == ["99P", "99Q"]
    assert sorted(
        Succession.objects.filter(successor__code="72Q").values_list("predecessor__code", flat=True)
    ) == ["07N", "07Q", "08A", "08K", "08L", "08Q"]
    rules = {f.rule for f in structure_on(devon).findings}
    assert "place-not-coterminous" in rules, "Devon's four local areas cross council boundaries"
    sel_rules = {(f.rule, f.subject) for f in structure_on(sel).findings}
    assert not any(r == "place-not-coterminous" for r, _ in sel_rules), (
        "each borough is its own place"
    )
    assert not any(r == "population-outside-guidance" for r, _ in sel_rules), (
        "seed 004's 150k floor applies"
    )


def test_loading_twice_changes_nothing(actor, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(GOOD)
    first = load_system(actor, path)
    snapshot = state()[:4]
    second = load_system(actor, path)
    assert first.changed and not second.changed
    assert state()[:4] == snapshot
    events = list(
        AuditEvent.objects.filter(action="registry.load_system", object_id="tiny").order_by("id")
    )
    assert events[-1].summary.endswith("nothing changed")
    assert events[-1].before is None and events[-1].after is None, "nothing when nothing changed"
    # The first load records each new row as it was created, field by field.
    assert set(events[0].before.values()) == {None}
    assert events[0].after["areas.town"]["name"] == "Town"
    assert events[0].after["areas.town.parent"] == "tiny"


def test_a_changed_document_ends_the_areas_it_drops_and_audits_each_field(actor, tmp_path):
    # Behaviour changed by issue 8: a dropped area is ended (kept for what points at it), not
    # deleted; the audit event holds before and after of each changed field only.
    path = tmp_path / "tiny.yaml"
    path.write_text(GOOD)
    load_system(actor, path)
    path.write_text(
        GOOD.replace("    name: Town\n", "    name: Market town\n")
        .replace("  - code: town", "  - code: market")
        .replace("population: 1200000", "population: 1250000")
    )
    result = load_system(actor, path)
    assert result.changed
    yesterday = date.today() - timedelta(days=1)
    assert sorted(result.system.areas.values_list("code", "name", "ends")) == [
        ("market", "Market town", None),
        ("tiny", "Tiny", None),
        ("town", "Town", yesterday),
    ]
    event = AuditEvent.objects.filter(action="registry.load_system", object_id="tiny").first()
    assert event.before["areas.town.ends"] is None and event.after["areas.town.ends"] == str(
        yesterday
    )
    assert event.after["areas.market"]["name"] == "Market town"
    assert event.before["areas.tiny.populations.2020-06-30"] == 1_200_000
    assert event.after["areas.tiny.populations.2020-06-30"] == 1_250_000
    assert "areas.tiny.name" not in event.after, "unchanged fields are not recorded"
    # Describing the area again brings it back.
    path.write_text(GOOD)
    load_system(actor, path)
    assert result.system.areas.get(code="town").ends is None


def test_syntax_error_names_file_and_line(actor, tmp_path):
    problems = refused(actor, tmp_path, GOOD + "  - code: [unclosed\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'system.yaml'}:20: is not valid YAML")
    assert "flow sequence (which starts on line 19)" in problems[0]


def test_every_field_error_is_reported_with_its_line(actor, tmp_path):
    text = (
        GOOD.replace("type: unitary_council", "type: parish_council")
        .replace("population: 1200000", "population: lots")
        .replace("level: place", "level: county")
    )
    problems = refused(actor, tmp_path, text)
    path = tmp_path / "system.yaml"
    assert any(p.startswith(f"{path}:6: organisations[1].type:") for p in problems), problems
    assert any(p.startswith(f"{path}:12: areas[0].populations[0].population:") for p in problems), (
        problems
    )
    assert any(p.startswith(f"{path}:17: areas[1].level:") for p in problems), problems


def test_references_are_checked(actor, tmp_path):
    text = GOOD.replace("parent: tiny", "parent: tinny").replace(
        "{organisation: 99X", "{organisation: 99Y"
    )
    problems = refused(actor, tmp_path, text)
    path = tmp_path / "system.yaml"
    assert (
        f"{path}:14: areas[0].responsible[0].organisation: no organisation '99Y': describe it under organisations, or import it from ODS first"
        in problems
    )
    assert f"{path}:18: areas[1].parent: no area 'tinny' in this document" in problems


def test_parent_must_be_wider(actor, tmp_path):
    text = GOOD.replace("    level: system\n", "    level: neighbourhood\n")
    problems = refused(actor, tmp_path, text)
    assert any("areas[1].parent: 'tiny' is a neighbourhood" in p for p in problems)


def test_duplicate_keys_and_codes_and_unknown_fields(actor, tmp_path):
    text = GOOD.replace(
        "  name: Tiny system\n", "  name: Tiny system\n  name: Again\n  colour: blue\n"
    )
    text = text.replace("  - code: town", "  - code: tiny")
    problems = refused(actor, tmp_path, text)
    joined = "\n".join(problems)
    assert ":4: system.name: appears twice" in joined
    problems = refused(
        actor,
        tmp_path,
        GOOD.replace("  name: Tiny system\n", "  name: Tiny system\n  colour: blue\n"),
    )
    assert any("system.colour: is not a field this document knows" in p for p in problems)
    # References and duplicates are checked once every field is valid.
    problems = refused(actor, tmp_path, GOOD.replace("  - code: town", "  - code: tiny"))
    joined = "\n".join(problems)
    assert "areas[1].code: 'tiny' is used twice (also areas[0])" in joined


def test_codes_must_be_quoted_when_yaml_would_read_a_number(actor, tmp_path):
    problems = refused(actor, tmp_path, GOOD.replace("code: 99X", "code: 00123"))
    assert any("organisations[0].code: write codes in quotes" in p for p in problems)


def test_fields_called_on_and_codes_like_no_stay_text(actor, tmp_path):
    # YAML 1.1 would read `on` and NO as booleans.
    path = tmp_path / "tiny.yaml"
    path.write_text(GOOD.replace("code: E06000099", "code: NO"))
    result = load_system(actor, path)
    assert Organisation.objects.filter(code="NO").exists()
    assert result.system.areas.get(code="tiny").populations.get().population == 1_200_000


def test_not_utf8_and_missing_file(actor, tmp_path):
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("system: {slug: caf\xe9}".encode("latin-1"))
    with pytest.raises(DocumentError, match="is not UTF-8"):
        load_system(actor, bad)
    with pytest.raises(DocumentError, match="no such file"):
        load_system(actor, tmp_path / "absent.yaml")


def test_examples_are_shipped():
    for name in ("devon-2019", "south-east-london-2020"):
        assert example_path(name) is not None
