"""A hostile Fingertips file, through the import action, the upload page and the command line:
each refused with its file, line and column (a 4xx on the page, never a 500), nothing written.

The parser's own checks (numbers, codes, NUL characters, an empty file) are tested one by one
in test_fingertips.py; here, what only the import knows (each indicator's method, which names
are the same indicator, who looks after a system's areas) and what reaches the page."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from commonweal.core.actions import Actor
from commonweal.core.documents import DocumentError
from commonweal.core.errors import NotPermitted
from commonweal.core.models import AuditEvent
from commonweal.outcomes import actions, fingertips, forms
from commonweal.outcomes.models import Value

pytestmark = pytest.mark.django_db

CL = Actor.command_line
SMOKING = "smoking-prevalence-adults"  # 15N's, a proportion, Fingertips ID 92443
FALLS = "falls-admissions-65-plus"  # 15N's, a directly standardised rate, ID 22401
IMPORT = "/systems/devon-2019/outcomes/import/"


def row(area: str = "L83001", **changes) -> fingertips.Row:
    fields = dict(
        indicator_id="92443",
        indicator_name="Smoking prevalence in adults (18+) - current smokers (APS)",
        parent_code="E38000230",
        parent_name="NHS Devon CCG",
        area_code=area,
        area_name="Example Surgery",
        area_type="GPs",
        sex="Persons",
        age="18+ yrs",
        category_type="",
        category="",
        time_period="2019",
        value=25.0,
        lower95=20.0,
        upper95=30.0,
        lower998=15.0,
        upper998=35.0,
        count=250.0,
        denominator=1000.0,
        value_note="",
        recent_trend="",
        compared_to_england="Similar",
        compared_to_parent="Similar",
        time_period_sortable="20190000",
        new_data="",
        compared_to_goal="",
    )
    fields.update(changes)
    return fingertips.Row(**fields)


def ft_file(*rows: fingertips.Row) -> bytes:
    return fingertips.write(fingertips.Table(tuple(rows), "CCGs (from Apr 2021)", False))


def refused(actor: Actor, data: bytes, name: str = "attack.csv", **kw) -> list:
    with pytest.raises(DocumentError) as caught:
        actions.import_fingertips(actor, name, data, **kw)
    assert not Value.objects.filter(indicator__code__in=[SMOKING, FALLS]).exists()
    assert all(p.file == name for p in caught.value.problems)
    return caught.value.problems


@pytest.fixture
def analyst(framework, as_user) -> Actor:
    return as_user("analyst-15n")


# 1. Numbers --------------------------------------------------------------------------------


def test_a_proportions_count_above_its_denominator_is_refused_by_its_line(analyst):
    data = ft_file(row("L83001"), row("L83002", count=1001.0), row("L83003"))
    [problem] = refused(analyst, data)
    assert (problem.line, problem.field) == (3, "Count")
    assert "more than the denominator 1000" in problem.message
    assert SMOKING in problem.message


def test_a_count_equal_to_the_denominator_is_a_proportion_of_one(analyst):
    data = ft_file(row(count=1000.0, value=100.0, upper95=100.0, upper998=100.0))
    assert actions.import_fingertips(analyst, "all.csv", data).rows == 1


def test_a_rates_count_may_exceed_its_denominator(analyst):
    # A directly standardised rate per 100,000: more admissions than people is possible.
    data = ft_file(row(indicator_id="22401", count=1200.0, denominator=1000.0))
    assert actions.import_fingertips(analyst, "falls.csv", data).rows == 1
    assert Value.objects.get(indicator__code=FALLS).count == 1200.0


@pytest.mark.parametrize(
    ("column", "text", "words"),
    [
        ("Denominator", "0", "not above zero"),
        ("Denominator", "-10", "not above zero"),
        ("Count", "-1", "negative"),
        ("Value", "nan", "not a number"),
        ("Value", "inf", "not a number"),
        ("Value", "1e13", "too large"),
        ("Count", "\u0661\u0662", "not a number"),  # Arabic-Indic digits: float() takes them
        ("Denominator", "\uff11\uff10\uff10\uff10", "not a number"),  # full-width
    ],
)
def test_a_bad_number_is_refused_by_the_import_not_stored(analyst, column, text, words):
    lines = ft_file(row("L83001"), row("L83002")).decode().splitlines()
    header = lines[0].split(",")
    fields = lines[2].split(",")
    fields[header.index(column)] = text
    lines[2] = ",".join(fields)
    [problem] = refused(analyst, ("\n".join(lines) + "\n").encode())
    assert (problem.line, problem.field) == (3, column)
    assert words in problem.message


# 2. Area codes -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["L83/001", "../L83001", "L83001?x", "a b", "x" * 81])
def test_an_area_code_that_would_break_an_address_is_refused(analyst, code):
    [problem] = refused(analyst, ft_file(row("L83001"), row(code)))
    assert (problem.line, problem.field) == (3, "Area Code")
    [problem] = refused(analyst, ft_file(row("L83001", parent_code=code)))
    assert (problem.line, problem.field) == (2, "Parent Code")


def test_another_systems_area_codes_are_refused_by_their_lines(analyst, sel):
    data = ft_file(
        row("L83001"),
        row(f"{sel.slug}.lambeth"),
        row("L83003", parent_code=f"{sel.slug}.lambeth"),
        row("SOUTH-EAST-LONDON-2020.southwark"),  # the slug in capitals is the same system
    )
    problems = refused(analyst, data)
    assert [(p.line, p.field) for p in problems] == [
        (3, "Area Code"),
        (4, "Parent Code"),
        (5, "Area Code"),
    ]
    assert f"{sel.slug}.lambeth is an area of {sel.name}" in problems[0].message


def test_a_systems_own_area_codes_are_loaded_by_those_who_look_after_it(analyst, devon, sel):
    data = ft_file(row(f"{devon.slug}.north"), row("L83001", parent_code=f"{devon.slug}.north"))
    assert actions.import_fingertips(analyst, "devon.csv", data).rows == 2
    # A dotted code that is no system's is anyone's.
    assert actions.import_fingertips(analyst, "other.csv", ft_file(row("E06.x"))).rows == 1
    # The command line loads any system's.
    sel_file = ft_file(row(f"{sel.slug}.lambeth", time_period="2020"))
    assert actions.import_fingertips(CL(), "sel.csv", sel_file).rows == 1


# 3. One indicator under two names ------------------------------------------------------------


def test_one_indicator_named_by_its_id_and_its_code_is_refused_naming_both_lines(analyst):
    data = ft_file(
        row("L83001"),
        row("L83002"),
        row("L83003"),
        row("L83004"),
        row("L83005"),
        row("L83001", indicator_id=SMOKING),  # line 7: the same value as line 2
    )
    [problem] = refused(analyst, data)
    assert (problem.line, problem.field) == (7, "Indicator ID")
    assert problem.message.startswith("line 7 repeats line 2: the same indicator")
    assert f"named 92443 there and {SMOKING} here" in problem.message


def test_the_same_indicator_by_its_code_in_another_period_is_fine(analyst):
    data = ft_file(row("L83001"), row("L83001", indicator_id=SMOKING, time_period="2020"))
    assert actions.import_fingertips(analyst, "both.csv", data).rows == 2


# 4-6. NUL characters, an empty file, a long file --------------------------------------------


def test_a_nul_character_is_refused_by_its_line(analyst):
    data = ft_file(row("L83001"), row("L83002", area_name="Example\x00Surgery"))
    [problem] = refused(analyst, data)
    assert problem.line == 3 and "NUL" in problem.message


def test_a_header_without_rows_is_a_problem_at_line_2_not_a_permission_failure(analyst):
    header = ft_file(row()).split(b"\n")[0] + b"\n"
    [problem] = refused(analyst, header)
    assert (problem.line, problem.field) == (2, "")
    assert "no rows" in problem.message
    [problem] = refused(CL(), header)
    assert problem.line == 2


def test_max_rows_bounds_the_file(analyst):
    data = ft_file(row("L83001"), row("L83002"), row("L83003"))
    [problem] = refused(analyst, data, max_rows=2)
    assert (problem.line, problem.message) == (4, "the file has more than 2 data rows")
    assert actions.import_fingertips(analyst, "three.csv", data, max_rows=3).rows == 3


def test_a_long_file_name_is_cut_to_the_audit_events_column(analyst):
    name = "x" * 200 + ".csv"
    actions.import_fingertips(analyst, name, ft_file(row()))
    event = AuditEvent.objects.get(action="outcomes.import_fingertips")
    assert event.object_id == name[:100]


# The upload page --------------------------------------------------------------------------------


@pytest.fixture
def page(client, universe, framework):
    client.force_login(universe.accounts["analyst-15n"])

    def upload(name: str, body: bytes):
        return client.post(
            IMPORT, {"file": SimpleUploadedFile(name, body, content_type="text/csv")}
        )

    return upload


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        (ft_file(row("L83001"), row("L83/002")), "Line 3, <strong>Area Code</strong>"),
        (ft_file(row("L83001"), row("L83002", count=2000.0)), "Line 3, <strong>Count</strong>"),
        (ft_file(row("L83001"), row("L83001", indicator_id=SMOKING)), "line 3 repeats line 2"),
        (ft_file(row("south-east-london-2020.lambeth")), "Line 2, <strong>Area Code</strong>"),
        (ft_file(row()).split(b"\n")[0] + b"\n", "Line 2: the file has no rows"),
        (ft_file(row(area_name="a\x00b")), "Line 2: contains a NUL character"),
    ],
)
def test_each_attack_on_the_page_is_a_400_naming_its_line(page, body, shown):
    response = page("attack.csv", body)
    assert response.status_code == 400
    assert shown in response.content.decode()
    assert not Value.objects.filter(indicator__code=SMOKING).exists()


def test_the_page_takes_at_most_its_own_number_of_rows(page, monkeypatch):
    assert forms.MAX_ROWS == 200_000  # the command line keeps fingertips.MAX_ROWS
    assert fingertips.MAX_ROWS == 2_000_000
    monkeypatch.setattr(forms, "MAX_ROWS", 2)
    response = page("long.csv", ft_file(row("L83001"), row("L83002"), row("L83003")))
    assert response.status_code == 400
    assert "Line 4: the file has more than 2 data rows" in response.content.decode()
    assert page("short.csv", ft_file(row("L83001"), row("L83002"))).status_code == 302


def test_a_file_over_the_size_cap_is_refused_by_the_form_naming_it():
    # The request guard lets an upload to the page through up to UPLOAD_MAX_BYTES, so the
    # form sees every file up to its own cap and names it.
    assert forms.MAX_BYTES == 50_000_000
    assert settings.UPLOAD_MAX_BYTES >= forms.MAX_BYTES
    upload = SimpleUploadedFile("huge-release.csv", b"x", content_type="text/csv")
    upload.size = forms.MAX_BYTES + 1
    form = forms.FingertipsForm(data={}, files={"file": upload})
    assert not form.is_valid()
    [message] = form.errors["file"]
    assert message.startswith("huge-release.csv is larger than 50 MB")
    exact = SimpleUploadedFile("just-right.csv", b"x", content_type="text/csv")
    exact.size = forms.MAX_BYTES
    assert forms.FingertipsForm(data={}, files={"file": exact}).is_valid()


def test_a_file_that_is_not_a_csv_is_refused_naming_it():
    upload = SimpleUploadedFile("release.xlsx", b"x", content_type="text/csv")
    form = forms.FingertipsForm(data={}, files={"file": upload})
    assert form.errors["file"] == ["release.xlsx must be a CSV file (.csv)"]


def test_a_non_analyst_is_still_refused_before_the_file_is_read(client, universe, framework):
    client.force_login(universe.accounts["admin-sel"])
    response = client.post(
        IMPORT,
        {"file": SimpleUploadedFile("x.csv", ft_file(row()), content_type="text/csv")},
    )
    assert response.status_code == 403
    with pytest.raises(NotPermitted):
        actions.import_fingertips(
            Actor.from_user(universe.accounts["admin-sel"]), "x.csv", ft_file(row())
        )


def test_a_good_file_still_loads_through_the_page(page):
    response = page("good.csv", ft_file(row("L83001"), row("devon-2019.north")))
    assert response.status_code == 302
    assert Value.objects.filter(indicator__code=SMOKING).count() == 2
