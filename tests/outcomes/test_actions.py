"""Outcomes through their actions, with the universe's people: who may load which catalogue and
framework, versions that never change, rebase points recorded by a person with a reason,
networks placed under places, and Fingertips files imported whole or not at all."""

import csv
import io
from datetime import date

import pytest

from commonweal.core.documents import DocumentError
from commonweal.core.errors import NotPermitted, Refused
from commonweal.core.models import AuditEvent, ImmutableRecord, Organisation
from commonweal.outcomes import actions, fingertips
from commonweal.outcomes.models import (
    DefinitionDocument,
    Framework,
    FrameworkVersion,
    Indicator,
    IndicatorVersion,
    OutcomeIndicator,
    Rebase,
    Series,
    SeriesPoint,
    Value,
)
from commonweal.registry.actions import assign_networks
from commonweal.registry.models import Area

from .conftest import (
    CL,
    FRAMEWORK,
    QOF_DEFINITIONS,
    load_framework_text,
    load_text,
    own_catalogue,
)

pytestmark = pytest.mark.django_db


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[occurrence - 1]


# Indicator catalogues -------------------------------------------------------------------------


def test_a_national_catalogue_is_loaded_from_the_command_line_only(universe, as_user):
    located, text = actions.read_document(QOF_DEFINITIONS)
    with pytest.raises(Refused) as exc:
        actions.load_indicators(as_user("analyst-15n"), located, text)
    assert "command line" in str(exc.value)
    assert not Indicator.objects.exists() and not DefinitionDocument.objects.exists()
    loaded = actions.load_indicators(CL(), located, text)
    assert len(loaded.created) == 21
    assert Indicator.objects.filter(owner=None).count() == 21


def test_an_organisations_catalogue_is_loaded_by_its_analysts(universe, as_user):
    loaded = load_text(as_user("analyst-15n"), own_catalogue())
    assert sorted(loaded.created) == ["devon-flu-uptake-65", "devon-loneliness"]
    flu = Indicator.objects.get(code="devon-flu-uptake-65")
    assert flu.owner.code == "15N" and flu.fingertips_id == "30314" and flu.target == 75
    assert flu.version.number == 1 and flu.version.document.loaded_by == "analyst-15n"
    assert Indicator.objects.get(code="devon-loneliness").significance == "99.8"


@pytest.mark.parametrize("who", ["admin-sel", "nobody", "commissioner-15n"])
def test_others_may_not_load_an_organisations_catalogue(universe, as_user, who):
    with pytest.raises(NotPermitted):
        load_text(as_user(who), own_catalogue())
    assert not Indicator.objects.exists() and not DefinitionDocument.objects.exists()


def test_a_catalogue_of_an_unknown_owner_is_refused_at_its_line(universe):
    text = own_catalogue("XXX99")
    with pytest.raises(DocumentError) as exc:
        load_text(CL(), text)
    (problem,) = exc.value.problems
    assert problem.field == "indicators.owner" and problem.line == line_of(text, "owner: XXX99")


def test_the_same_definitions_twice_make_no_new_version(universe, as_user):
    analyst = as_user("analyst-15n")
    load_text(analyst, own_catalogue())
    again = load_text(analyst, own_catalogue())
    assert again.created == again.revised == []
    assert sorted(again.unchanged) == ["devon-flu-uptake-65", "devon-loneliness"]
    assert IndicatorVersion.objects.count() == 2
    assert set(IndicatorVersion.objects.values_list("number", flat=True)) == {1}


def test_a_changed_definition_is_version_2_and_version_1_is_kept(universe, as_user):
    analyst = as_user("analyst-15n")
    load_text(analyst, own_catalogue())
    changed = own_catalogue().replace("target: 75", "target: 80")
    loaded = load_text(analyst, changed)
    assert loaded.revised == ["devon-flu-uptake-65"] and loaded.unchanged == ["devon-loneliness"]
    flu = Indicator.objects.get(code="devon-flu-uptake-65")
    assert flu.target == 80 and flu.version.number == 2
    first, second = flu.versions.order_by("number")
    assert (first.number, second.number) == (1, 2)
    assert first.definition["target"] == 75 and second.definition["target"] == 80
    assert first.document != second.document and second.document.text == changed
    assert Indicator.objects.get(code="devon-loneliness").versions.count() == 1
    with pytest.raises(ImmutableRecord):
        first.definition = {**first.definition, "target": 99}
        first.save()
    with pytest.raises(ImmutableRecord):
        first.delete()
    with pytest.raises(ImmutableRecord):
        IndicatorVersion.objects.filter(pk=second.pk).update(number=7)
    first.refresh_from_db()
    assert first.definition["target"] == 75


def test_another_owner_cannot_redefine_an_indicator(universe, framework):
    falls = Indicator.objects.get(code="falls-admissions-65-plus")
    assert falls.owner.code == "15N"
    text = own_catalogue("E10000008").replace("devon-loneliness", "falls-admissions-65-plus")
    with pytest.raises(DocumentError) as exc:
        load_text(CL(), text)
    (problem,) = exc.value.problems
    assert problem.field == "indicators.definitions[1].code"
    assert problem.line == line_of(text, "code: falls-admissions-65-plus")
    assert "NHS Devon" in problem.message or "15N" in problem.message
    # Nor may the national catalogue; nothing was written either time.
    national = text.replace("owner: E10000008", "owner: null")
    with pytest.raises(DocumentError):
        load_text(CL(), national)
    falls.refresh_from_db()
    assert falls.owner.code == "15N" and falls.versions.count() == 1
    assert not Indicator.objects.filter(code="devon-flu-uptake-65").exists()
    # Its owner may.
    loaded = load_text(
        CL(), own_catalogue().replace("devon-loneliness", "falls-admissions-65-plus")
    )
    assert loaded.revised == ["falls-admissions-65-plus"]


# Frameworks -----------------------------------------------------------------------------------

EXAMPLE = FRAMEWORK.read_text()


def test_the_devon_framework_is_loaded_by_an_analyst_of_the_ccg(qof_catalogue, devon, as_user):
    result = load_framework_text(as_user("analyst-15n"), EXAMPLE, FRAMEWORK.name)
    assert result.created and not result.unchanged
    fw = Framework.objects.get(system=devon, code="devon-outcomes")
    assert fw.version == result.version and fw.version.number == 1
    outcomes = list(fw.version.outcomes.order_by("position"))
    assert [o.code for o in outcomes] == ["ltc-found-early", "mental-health", "live-well"]
    listed = [ln.split(":")[1].strip() for ln in EXAMPLE.splitlines() if "- indicator:" in ln]
    stored = [
        m.indicator.code
        for o in outcomes
        for m in OutcomeIndicator.objects.filter(outcome=o).order_by("position")
    ]
    assert stored == listed
    own = Indicator.objects.filter(code__in=result.indicators.created)
    assert {i.code for i in own} == {
        "falls-admissions-65-plus",
        "smoking-prevalence-adults",
        "adult-obesity-burden",
    }
    assert {i.owner.code for i in own} == {"15N"}
    assert result.version.document.illustrative


def test_the_same_framework_twice_is_unchanged(framework):
    again = load_framework_text(CL(), EXAMPLE, FRAMEWORK.name)
    assert again.unchanged and not again.created
    assert again.version == framework.version
    assert FrameworkVersion.objects.count() == 1
    revised = load_framework_text(
        CL(), EXAMPLE.replace("  name: Wider Devon strategic", "  name: Devon's strategic")
    )
    assert not revised.unchanged and revised.version.number == 2
    assert FrameworkVersion.objects.count() == 2
    assert revised.framework.name.startswith("Devon's strategic")


def test_a_framework_naming_an_unknown_indicator_is_refused_at_its_line(qof_catalogue, devon):
    text = EXAMPLE.replace("indicator: qof-ld-prevalence", "indicator: qof-xyz-prevalence")
    with pytest.raises(DocumentError) as exc:
        load_framework_text(CL(), text, "devon.yaml")
    (problem,) = exc.value.problems
    assert problem.field == "framework.outcomes[1].indicators[3].indicator"
    assert problem.line == line_of(text, "qof-xyz-prevalence")
    assert problem.file == "devon.yaml" and "qof-xyz-prevalence" in problem.message
    assert not Framework.objects.exists()


def test_a_framework_without_the_catalogue_names_every_missing_indicator(devon):
    with pytest.raises(DocumentError) as exc:
        load_framework_text(CL(), EXAMPLE)
    missing = {p.message.split("'")[1] for p in exc.value.problems}
    assert len(missing) == 21 and all(code.startswith("qof-") for code in missing)


def test_a_framework_owned_by_an_organisation_not_looking_after_the_system_is_refused(
    qof_catalogue, devon, sel
):
    assert Organisation.objects.filter(code="72Q").exists()
    text = EXAMPLE.replace("  owner: 15N", "  owner: 72Q")
    with pytest.raises(DocumentError) as exc:
        load_framework_text(CL(), text)
    (problem,) = exc.value.problems
    assert problem.field == "framework.owner" and problem.line == line_of(text, "owner: 72Q")
    assert not Framework.objects.exists()


def test_a_framework_is_refused_for_people_of_other_systems(qof_catalogue, devon, as_user):
    for who in ("admin-sel", "nobody"):
        with pytest.raises(NotPermitted):
            load_framework_text(as_user(who), EXAMPLE)
    assert not Framework.objects.exists()


# Rebases --------------------------------------------------------------------------------------

MONTHS = [date(2019, m, 1) for m in range(1, 7)]


@pytest.fixture
def series(universe):
    """Six months of a series: the third month was not reported."""
    s = Series.objects.create(
        code="test-attendances",
        name="Test trust: A&E attendances",
        organisation_code="RH8",
        measure="attendances",
        unit="attendances",
        improvement="neutral",
        source="the test",
    )
    for month, value in zip(MONTHS, [100, 104, None, 98, 130, 128], strict=True):
        SeriesPoint.objects.create(series=s, period=month, value=value)
    return s


def test_a_rebase_is_recorded_with_the_person_and_reason(series, devon, universe, as_user):
    rebase = actions.record_rebase(
        as_user("analyst-15n"), devon, series, MONTHS[4], "  New streaming model from May  "
    )
    assert rebase.recorded_by == universe.person("analyst-15n")
    assert rebase.recorded_by_label == "analyst-15n"
    assert rebase.reason == "New streaming model from May"
    assert (rebase.series, rebase.system, rebase.period) == (series, devon, MONTHS[4])
    event = AuditEvent.objects.get(action="outcomes.record_rebase")
    assert event.actor_label == "analyst-15n" and "New streaming model" in event.summary
    with pytest.raises(ImmutableRecord):
        rebase.reason = "changed"
        rebase.save()


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_rebase_without_a_reason_is_refused(series, devon, as_user, reason):
    with pytest.raises(Refused) as exc:
        actions.record_rebase(as_user("analyst-15n"), devon, series, MONTHS[4], reason)
    assert [p.field for p in exc.value.problems] == ["reason"]
    assert not Rebase.objects.exists()


@pytest.mark.parametrize(
    ("period", "why"),
    [
        (MONTHS[2], "no value"),  # the month not reported
        (date(2019, 9, 1), "no value"),  # no point at all
        (MONTHS[0], "first point"),
    ],
)
def test_a_rebase_where_no_segment_can_start_is_refused(series, devon, as_user, period, why):
    with pytest.raises(Refused) as exc:
        actions.record_rebase(as_user("analyst-15n"), devon, series, period, "a change")
    assert [p.field for p in exc.value.problems] == ["period"]
    assert why in str(exc.value)
    assert not Rebase.objects.exists()


def test_a_rebase_is_recorded_once_at_a_period(series, devon, as_user):
    analyst = as_user("analyst-15n")
    actions.record_rebase(analyst, devon, series, MONTHS[3], "a change")
    with pytest.raises(Refused) as exc:
        actions.record_rebase(analyst, devon, series, MONTHS[3], "the same change again")
    assert [p.field for p in exc.value.problems] == ["period"]
    assert Rebase.objects.count() == 1
    actions.record_rebase(analyst, devon, series, MONTHS[4], "another change")
    assert Rebase.objects.count() == 2


def test_a_rebase_is_refused_for_another_systems_people(series, devon, as_user):
    for who in ("admin-sel", "nobody"):
        with pytest.raises(NotPermitted):
            actions.record_rebase(as_user(who), devon, series, MONTHS[4], "a change")
    assert not Rebase.objects.exists()


# Networks placed under places -----------------------------------------------------------------

NETWORKS = """\
networks:
  system: devon-2019
  note: for the test
  places:
    north:
      - U50322
      - U21059
    east:
      - U06816
"""


@pytest.fixture
def networks(devon):
    """Three of Devon's PCNs as add-pcns would make them: neighbourhoods under the system."""
    top = devon.areas.get(code="wider-devon")
    return {
        code: Area.objects.create(
            system=devon,
            code=code,
            name=f"PCN {code}",
            level="neighbourhood",
            parent=top,
            origin=Area.Origin.ODS,
        )
        for code in ("U50322", "U21059", "U06816")
    }


def test_networks_are_placed_under_their_places(networks, devon, as_user):
    result = assign_networks(as_user("admin-15n"), "pcns.yaml", NETWORKS)
    assert (result.assigned, result.unchanged) == (3, 0)
    parents = {a.code: a.parent.code for a in devon.areas.filter(code__in=networks)}
    assert parents == {"U50322": "north", "U21059": "north", "U06816": "east"}
    again = assign_networks(CL(), "pcns.yaml", NETWORKS)
    assert (again.assigned, again.unchanged) == (0, 3)


def test_an_unknown_network_is_refused_at_its_line(networks, devon):
    text = NETWORKS.replace("      - U21059", "      - U99999")
    with pytest.raises(DocumentError) as exc:
        assign_networks(CL(), "pcns.yaml", text)
    (problem,) = exc.value.problems
    assert problem.field == "networks.places.north[1]"
    assert problem.line == line_of(text, "U99999") and problem.file == "pcns.yaml"
    assert devon.areas.get(code="U50322").parent.code == "wider-devon"


def test_a_place_that_is_not_a_place_is_refused_at_its_line(networks, devon):
    # Torbay is a local authority of the system, not a place; nowhere is not an area at all.
    text = """\
networks:
  system: devon-2019
  places:
    north:
      - U50322
    torbay:
      - U06816
    nowhere:
      - U21059
"""
    with pytest.raises(DocumentError) as exc:
        assign_networks(CL(), "pcns.yaml", text)
    by_field = {p.field: p for p in exc.value.problems}
    assert set(by_field) == {"networks.places.torbay", "networks.places.nowhere"}
    assert "not a place" in by_field["networks.places.torbay"].message
    # Each is named at the place's list of networks, which starts on the line after its key.
    for place in ("torbay", "nowhere"):
        assert by_field[f"networks.places.{place}"].line == line_of(text, f"    {place}:") + 1
    assert {a.parent.code for a in devon.areas.filter(code__in=networks)} == {"wider-devon"}


def test_a_non_network_code_is_refused(networks, devon):
    text = NETWORKS.replace("      - U06816", "      - torbay")
    with pytest.raises(DocumentError) as exc:
        assign_networks(CL(), "pcns.yaml", text)
    (problem,) = exc.value.problems
    assert problem.field == "networks.places.east[0]"
    assert problem.line == line_of(text, "      - torbay")


def test_networks_are_placed_only_by_the_systems_keepers(networks, devon, as_user):
    for who in ("admin-sel", "analyst-15n", "nobody"):
        with pytest.raises(NotPermitted):
            assign_networks(as_user(who), "pcns.yaml", NETWORKS)
    assert {a.parent.code for a in devon.areas.filter(code__in=networks)} == {"wider-devon"}


# Fingertips files -----------------------------------------------------------------------------


def ft_row(indicator_id: str, area_code: str, value: float | None, **changes) -> fingertips.Row:
    fields = dict(
        indicator_id=indicator_id,
        indicator_name="An indicator",
        parent_code="E12000009",
        parent_name="South West region",
        area_code=area_code,
        area_name=f"Area {area_code}",
        area_type="Counties & UAs (from Apr 2021)",
        sex="Persons",
        age="65+ yrs",
        category_type="",
        category="",
        time_period="2019/20",
        value=value,
        lower95=None if value is None else value - 10,
        upper95=None if value is None else value + 10,
        lower998=None if value is None else value - 20,
        upper998=None if value is None else value + 20,
        count=None if value is None else 100.0,
        denominator=None,
        value_note="",
        recent_trend="",
        compared_to_england="Better",
        compared_to_parent="Similar",
        time_period_sortable="20190000",
        new_data="",
        compared_to_goal="",
    )
    fields.update(changes)
    return fingertips.Row(**fields)


def ft_file(rows: list[fingertips.Row]) -> bytes:
    return fingertips.write(fingertips.Table(tuple(rows), "Region", False))


FALLS = [
    ft_row("22401", "E92000001", 2222.0, area_type="England", compared_to_england=""),
    ft_row("22401", "E10000008", 1900.5),
    ft_row("22401", "E06000026", 2500.0, compared_to_england="Worse"),
    ft_row("22401", "E06000027", 2150.0, compared_to_england="Similar"),
]

NATIONAL = """\
indicators:
  name: A national indicator with a Fingertips ID
  provenance: {written_by: A, checked_by: B, review_date: 2027-03-31}
  owner: null
  definitions:
    - code: national-thing
      name: A national thing
      definition: Something measured nationally.
      polarity: high_is_good
      unit: "%"
      method: proportion
      source: OHID
      frequency: annual
      significance: 95
      fingertips_id: 90001
"""


def test_a_national_indicators_file_is_loaded_from_the_command_line_only(framework, as_user):
    load_text(CL(), NATIONAL)
    data = ft_file([ft_row("90001", "E92000001", 50.0), ft_row("90001", "E10000008", 55.0)])
    with pytest.raises(Refused) as exc:
        actions.import_fingertips(as_user("analyst-15n"), "national.csv", data)
    assert "national-thing" in str(exc.value) and "command line" in str(exc.value)
    # Nor may it ride along with 15N's own indicator.
    both = ft_file([*FALLS, ft_row("90001", "E92000001", 50.0)])
    with pytest.raises(Refused):
        actions.import_fingertips(as_user("analyst-15n"), "both.csv", both)
    assert not Value.objects.exists()
    assert actions.import_fingertips(CL(), "national.csv", data).rows == 2


def test_an_owners_analyst_imports_its_indicators_file(framework, as_user):
    result = actions.import_fingertips(as_user("analyst-15n"), "falls.csv", ft_file(FALLS))
    assert (result.rows, result.indicators) == (4, ["falls-admissions-65-plus"])
    stored = {v.area_code: v for v in Value.objects.all()}
    assert set(stored) == {r.area_code for r in FALLS}
    devon_cc = stored["E10000008"]
    assert (devon_cc.value, devon_cc.lower95, devon_cc.upper998) == (1900.5, 1890.5, 1920.5)
    assert devon_cc.period == "2019/20" and devon_cc.period_sortable == "20190000"
    assert devon_cc.parent_label == "Region" and devon_cc.compared_england == "Better"
    # Stored without polarity: where low is good, "Better" is lower and "Worse" higher.
    assert devon_cc.compared95 == "Lower" and stored["E06000026"].compared95 == "Higher"
    assert stored["E06000027"].compared95 == "Similar"
    assert stored["E92000001"].compared95 == "Not compared"
    assert AuditEvent.objects.filter(action="outcomes.import_fingertips").count() == 1
    for who in ("admin-sel", "nobody"):
        with pytest.raises(NotPermitted):
            actions.import_fingertips(as_user(who), "falls.csv", ft_file(FALLS))


def test_a_second_import_of_a_file_replaces_what_it_covers(framework, as_user):
    analyst = as_user("analyst-15n")
    actions.import_fingertips(analyst, "falls.csv", ft_file(FALLS))
    actions.import_fingertips(analyst, "falls.csv", ft_file(FALLS))
    assert Value.objects.count() == len(FALLS)
    revised = [FALLS[0], ft_row("22401", "E10000008", 1800.0)]
    actions.import_fingertips(analyst, "falls-revised.csv", ft_file(revised))
    assert Value.objects.count() == len(FALLS)
    assert Value.objects.get(area_code="E10000008").value == 1800.0
    assert Value.objects.get(area_code="E06000026").value == 2500.0
    # Another period is added alongside.
    later = [ft_row("22401", "E10000008", 1700.0, time_period="2020/21")]
    actions.import_fingertips(analyst, "falls-2020.csv", ft_file(later))
    assert Value.objects.filter(area_code="E10000008").count() == 2


def test_a_bad_file_writes_nothing_and_names_the_line_and_column(framework, as_user):
    analyst = as_user("analyst-15n")
    actions.import_fingertips(analyst, "falls.csv", ft_file(FALLS))
    before = sorted(Value.objects.values_list("area_code", "value"))
    changed = [ft_row("22401", "E10000008", 1.0), *FALLS[2:]]
    rows = list(csv.reader(io.StringIO(ft_file(changed).decode())))
    value_at = rows[0].index("Value")
    rows[2][value_at] = "n/a"  # line 3 of the file (the header is line 1)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    with pytest.raises(DocumentError) as exc:
        actions.import_fingertips(analyst, "bad.csv", out.getvalue().encode())
    (problem,) = exc.value.problems
    assert (problem.file, problem.line, problem.field) == ("bad.csv", 3, "Value")
    assert "not a number" in problem.message
    assert sorted(Value.objects.values_list("area_code", "value")) == before


def test_a_file_of_an_unknown_fingertips_id_names_its_first_line(framework, as_user):
    data = ft_file([*FALLS, ft_row("77777", "E10000008", 3.0), ft_row("77777", "E92000001", 4.0)])
    with pytest.raises(DocumentError) as exc:
        actions.import_fingertips(as_user("analyst-15n"), "x.csv", data)
    (problem,) = exc.value.problems
    assert (problem.line, problem.field) == (len(FALLS) + 2, "Indicator ID")
    assert not Value.objects.exists()
