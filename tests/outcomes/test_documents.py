"""Indicator definitions and frameworks as documents: every shipped catalogue and the Devon
example are read without a problem; a bad document is refused whole, each problem named by
file, line and field."""

import pytest

from commonweal.core.actions import Actor
from commonweal.core.documents import DocumentError, read_yaml
from commonweal.outcomes import data, documents
from commonweal.outcomes.models import Indicator, IndicatorVersion

from ..factories import EXAMPLES

SHIPPED = sorted(data.DEFINITIONS_DIR.glob("*.yaml"))
FRAMEWORK = EXAMPLES / "devon-2019-outcomes.yaml"

# Two definitions of an organisation's own; each test breaks one thing.
GOOD = """\
indicators:
  name: Test catalogue
  provenance:
    written_by: A. Writer
    checked_by: B. Checker
    review_date: 2027-03-31
    source: made up for the tests
  owner: 15N
  definitions:
    - code: smoking-adults
      name: Smoking prevalence in adults
      definition: Adults who say they smoke.
      polarity: low_is_good
      unit: "%"
      method: proportion
      multiplier: 100
      source: Annual Population Survey
      frequency: annual
      significance: 95
      target: 12.5
      fingertips_id: 92443
    - code: qof-test-prevalence
      name: A register's prevalence
      definition: Patients on a register over the list.
      polarity: neither
      unit: "%"
      method: proportion
      multiplier: 100
      source: QOF
      frequency: annual
      significance: 99.8
      qof: {register: HYP, list_type: TOTAL}
"""


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing `needle` (worked out from the text)."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[occurrence - 1]


def refused(text: str, name: str = "defs.yaml", *, framework: bool = False):
    located = read_yaml(name, text)
    check = documents.check_framework if framework else documents.check_indicators
    with pytest.raises(DocumentError) as exc:
        check(located)
    return exc.value.problems


# The shipped documents ------------------------------------------------------------------------


def test_there_are_shipped_definitions():
    assert data.definitions_path("qof-2020-21-prevalence") in SHIPPED
    assert data.definitions_path("no-such-catalogue") is None


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_definition_document_is_read_without_problems(path):
    doc = documents.check_indicators(read_yaml(path))
    assert doc.definitions
    assert len({d.code for d in doc.definitions}) == len(doc.definitions)
    assert doc.provenance.written_by and doc.provenance.checked_by
    for d in doc.definitions:
        assert d.name and d.definition and d.source
        if d.qof is not None:
            assert d.method == "proportion" and d.multiplier == 100


def test_the_qof_catalogue_has_the_21_registers_of_2020_21():
    doc = documents.check_indicators(read_yaml(data.definitions_path("qof-2020-21-prevalence")))
    assert doc.owner is None
    registers = {d.qof.group: d.qof.list_type for d in doc.definitions if d.qof}
    # The registers and list types of NHS Digital's 2020/21 prevalence file.
    assert registers == {
        "AF": "TOTAL",
        "AST": "06OV",
        "CAN": "TOTAL",
        "CHD": "TOTAL",
        "CKD": "18OV",
        "COPD": "TOTAL",
        "DEM": "TOTAL",
        "DEP": "18OV",
        "DM": "17OV",
        "EP": "18OV",
        "HF": "TOTAL",
        "HYP": "TOTAL",
        "LD": "TOTAL",
        "MH": "TOTAL",
        "NDH": "18OV",
        "OB": "18OV",
        "OST": "50OV",
        "PAD": "TOTAL",
        "PC": "TOTAL",
        "RA": "16OV",
        "STIA": "TOTAL",
    }
    # Recorded prevalence is neither good nor bad, so none has a target.
    assert {(d.polarity, d.target, d.significance) for d in doc.definitions} == {
        ("neither", None, "95")
    }


@pytest.mark.django_db
def test_every_shipped_definition_loads_into_the_catalogue():
    said = data.load_shipped(Actor.command_line())
    assert len(said) == len(SHIPPED)
    codes = {
        d.code for path in SHIPPED for d in documents.check_indicators(read_yaml(path)).definitions
    }
    assert set(Indicator.objects.values_list("code", flat=True)) == codes
    assert IndicatorVersion.objects.count() == len(codes)
    assert all(i.version is not None and i.owner is None for i in Indicator.objects.all())


def test_the_devon_framework_example_is_read_without_problems():
    doc = documents.check_framework(read_yaml(FRAMEWORK))
    assert (doc.system, doc.code, doc.owner, doc.illustrative) == (
        "devon-2019",
        "devon-outcomes",
        "15N",
        True,
    )
    own = {d.code: d for d in doc.definitions}
    assert own["falls-admissions-65-plus"].fingertips_id == "22401"
    assert own["falls-admissions-65-plus"].significance == "95"
    used = [u.indicator for o in doc.outcomes for u in o.indicators]
    assert len(used) == len(set(used))
    qof = {d.code for d in documents.check_indicators(read_yaml(SHIPPED[0])).definitions} | set(own)
    assert set(used) <= qof, set(used) - qof


def test_the_good_test_document_is_good():
    doc = documents.check_indicators(read_yaml("defs.yaml", GOOD))
    first, second = doc.definitions
    assert (first.fingertips_id, first.significance, first.target) == ("92443", "95", 12.5)
    assert (second.significance, second.qof.group, second.qof.list_type) == (
        "99.8",
        "HYP",
        "TOTAL",
    )


# Bad documents: every problem with its file, line and field -----------------------------------


def test_an_unknown_polarity_is_named_at_its_line():
    text = GOOD.replace("polarity: low_is_good", "polarity: sideways")
    (problem,) = refused(text)
    assert problem.field == "indicators.definitions[0].polarity"
    assert problem.file == "defs.yaml"
    assert problem.line == line_of(text, "polarity: sideways")
    assert str(problem).startswith(
        f"defs.yaml:{problem.line}: indicators.definitions[0].polarity: "
    )


def test_a_significance_of_90_is_refused():
    text = GOOD.replace("significance: 99.8", "significance: 90")
    (problem,) = refused(text)
    assert problem.field == "indicators.definitions[1].significance"
    assert problem.line == line_of(text, "significance: 90")
    assert "95" in problem.message and "99.8" in problem.message


def test_a_missing_checker_is_named_at_the_provenance():
    text = GOOD.replace("    checked_by: B. Checker\n", "")
    (problem,) = refused(text)
    assert problem.field == "indicators.provenance.checked_by"
    # The missing field has no line of its own: the problem points at the provenance mapping
    # it belongs in, where that starts (its first key).
    assert problem.line == line_of(text, "written_by: A. Writer")
    assert line_of(text, "provenance:") == problem.line - 1


def test_a_code_defined_twice_is_named_at_the_second():
    text = GOOD.replace("code: qof-test-prevalence", "code: smoking-adults")
    (problem,) = refused(text)
    assert problem.field == "indicators.definitions[1].code"
    assert problem.line == line_of(text, "code: smoking-adults", 2)
    assert "twice" in problem.message


def test_a_qof_register_whose_method_is_not_a_proportion_is_refused():
    text = GOOD.replace(
        "      method: proportion\n      multiplier: 100\n      source: QOF",
        "      method: crude_rate\n      multiplier: 100\n      source: QOF",
    )
    assert text != GOOD
    (problem,) = refused(text)
    assert problem.field == "indicators.definitions[1].method"
    assert problem.line == line_of(text, "method: crude_rate")
    assert "proportion" in problem.message


def test_a_target_on_an_indicator_where_neither_is_good_is_refused():
    text = GOOD.replace("      qof: {register", "      target: 10\n      qof: {register")
    (problem,) = refused(text)
    assert problem.field == "indicators.definitions[1].target"
    assert problem.line == line_of(text, "target: 10")


def test_a_proportion_shown_per_ten_is_refused():
    text = GOOD.replace("multiplier: 100\n      source: QOF", "multiplier: 10\n      source: QOF")
    (problem,) = refused(text)
    assert problem.field == "indicators.definitions[1].multiplier"
    assert problem.line == text.splitlines().index("      multiplier: 10") + 1


def test_every_rule_broken_at_once_is_reported_at_once():
    text = (
        GOOD.replace("code: qof-test-prevalence", "code: smoking-adults")
        .replace(
            "      method: proportion\n      multiplier: 100\n      source: QOF",
            "      method: mean\n      multiplier: 100\n      source: QOF",
        )
        .replace("      qof: {register", "      target: 10\n      qof: {register")
    )
    problems = refused(text)
    assert {p.field for p in problems} == {
        "indicators.definitions[1].code",
        "indicators.definitions[1].method",
        "indicators.definitions[1].target",
    }
    assert all(p.file == "defs.yaml" and p.line for p in problems)


def test_validation_problems_are_all_reported_together():
    text = GOOD.replace("polarity: low_is_good", "polarity: sideways").replace(
        "significance: 99.8", "significance: 90"
    )
    problems = refused(text)
    assert {(p.field, p.line) for p in problems} == {
        ("indicators.definitions[0].polarity", line_of(text, "polarity: sideways")),
        ("indicators.definitions[1].significance", line_of(text, "significance: 90")),
    }


def test_an_unknown_field_is_refused():
    text = GOOD.replace(
        "      frequency: annual\n", "      frequency: annual\n      colour: red\n", 1
    )
    (problem,) = refused(text)
    assert problem.field == "indicators.definitions[0].colour"
    assert problem.line == line_of(text, "colour: red")


def test_a_framework_names_its_problems_by_line():
    base = FRAMEWORK.read_text()
    text = base.replace(
        "        - indicator: qof-dm-prevalence\n",
        "        - indicator: qof-dm-prevalence\n        - indicator: qof-dm-prevalence\n",
    ).replace("    - code: mental-health", "    - code: ltc-found-early")
    assert text.count("indicator: qof-dm-prevalence") == 2
    problems = refused(text, "devon.yaml", framework=True)
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {
        "framework.outcomes[0].indicators[2].indicator",
        "framework.outcomes[1].code",
    }
    assert by_field["framework.outcomes[0].indicators[2].indicator"].line == line_of(
        text, "indicator: qof-dm-prevalence", 2
    )
    assert by_field["framework.outcomes[1].code"].line == line_of(
        text, "- code: ltc-found-early", 2
    )


def test_a_frameworks_own_definition_is_checked_as_a_catalogues_is():
    text = FRAMEWORK.read_text().replace("polarity: low_is_good", "polarity: neither", 1)
    text = text.replace(
        "      fingertips_id: 22401", "      target: 100\n      fingertips_id: 22401"
    )
    (problem,) = refused(text, "devon.yaml", framework=True)
    assert problem.field == "framework.definitions[0].target"
    assert problem.line == line_of(text, "target: 100")
