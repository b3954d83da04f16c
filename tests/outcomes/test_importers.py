"""The national files outcomes read, on small files in their real layouts: ONS population
estimates (5-year bands only), A&E attendances as two series per trust with gaps for missing
months, and deprivation deciles; a bad file is refused with its line and writes nothing."""

from datetime import date

import pytest

from commonweal.core.documents import DocumentError
from commonweal.core.errors import NotPermitted
from commonweal.outcomes import importers
from commonweal.outcomes.models import Deprivation, PopulationEstimate, Series, SeriesPoint

from ..factories import write_csv
from .conftest import CL

pytestmark = pytest.mark.django_db

POPULATION_HEADER = [
    "",
    "Area_Name",
    "Area_Code",
    "Area_Type",
    "Sex",
    "Age_group",
    "Age_band_type",
    "Year",
    "Population",
    "Data_type",
    "Annual_change",
    "Percentage",
]


def pop(n, sex, group, band_type, year, people, data_type="Estimates - ONS", area="Adur"):
    code = {"Adur": "E07000223", "Worthing": "E07000229"}[area]
    return [str(n), area, code, "District", sex, group, band_type, year, people, data_type, 0, 0.1]


POPULATION = [
    pop(1, "Female", "0-4 years", "5 years", 2018, 1553),
    pop(2, "Female", "0-9 years", "10 years", 2018, 3400),
    pop(3, "Female", "0-15 years", "broad years", 2018, 5000),
    pop(4, "Male", "90+ years", "5 years", 2018, 210),
    pop(5, "Male", "90+ years", "10 years", 2018, 210),
    pop(6, "Male", "5-9 years", "5 years", 2030, 1700, "Projected - ONS"),
    pop(7, "Female", "0-4 years", "5 years", 2018, 1800, area="Worthing"),
]


def test_population_keeps_only_five_year_bands(tmp_path):
    path = write_csv(tmp_path / "population.csv", POPULATION, POPULATION_HEADER)
    result = importers.import_population(CL(), path)
    assert (result.rows, result.written) == (7, 4)
    stored = {
        (p.area_code, p.year, p.sex, p.age_band): (p.age_from, p.population, p.projected)
        for p in PopulationEstimate.objects.all()
    }
    assert stored == {
        ("E07000223", 2018, "Female", "0-4"): (0, 1553, False),
        ("E07000223", 2018, "Male", "90+"): (90, 210, False),
        ("E07000223", 2030, "Male", "5-9"): (5, 1700, True),
        ("E07000229", 2018, "Female", "0-4"): (0, 1800, False),
    }
    # Loaded again, an area's estimates are replaced, not added to.
    importers.import_population(CL(), path)
    assert PopulationEstimate.objects.count() == 4


def test_a_bad_population_is_refused_with_its_line_and_nothing_is_written(tmp_path):
    rows = [list(r) for r in POPULATION]
    rows[2] = pop(3, "Female", "5-9 years", "5 years", 2018, "lots")  # line 4 (header is 1)
    path = write_csv(tmp_path / "population.csv", rows, POPULATION_HEADER)
    with pytest.raises(DocumentError) as exc:
        importers.import_population(CL(), path)
    (problem,) = exc.value.problems
    assert (problem.file, problem.line, problem.field) == ("population.csv", 4, "Population")
    assert "lots" in problem.message
    assert not PopulationEstimate.objects.exists()


def test_a_band_given_twice_is_refused(tmp_path):
    rows = [*POPULATION, pop(8, "Female", "0-4 years", "5 years", 2018, 1)]
    path = write_csv(tmp_path / "population.csv", rows, POPULATION_HEADER)
    with pytest.raises(DocumentError) as exc:
        importers.import_population(CL(), path)
    assert [(p.line, p.field) for p in exc.value.problems] == [(len(rows) + 1, "Age_group")]
    assert not PopulationEstimate.objects.exists()


def test_national_files_are_for_the_command_line(tmp_path, as_user):
    path = write_csv(tmp_path / "population.csv", POPULATION, POPULATION_HEADER)
    with pytest.raises(NotPermitted):
        importers.import_population(as_user("admin-15n"), path)
    assert not PopulationEstimate.objects.exists()


# A&E attendances ------------------------------------------------------------------------------

AE_HEADER = ["period", "org_code", "type", "attendances", "breaches", "admissions"]
# (month, trust, department type, attendances, breaches): RH8 did not report in March.
AE = [
    ("2019-01-01", "RH8", "1", 9000, 1200, 2000),
    ("2019-01-01", "RH8", "other", 1000, 10, 0),
    ("2019-02-01", "RH8", "1", 8500, 900, 1900),
    ("2019-04-01", "RH8", "1", 9400, 1500, 2100),
    ("2019-04-01", "RH8", "2", 600, 0, 0),
    ("2019-01-01", "RK9", "1", 7000, 700, 1500),
    ("2019-02-01", "RK9", "1", 7100, 0, 1500),
]


def test_ae_makes_two_series_per_trust_with_gaps_for_missing_months(tmp_path):
    path = write_csv(tmp_path / "ae.csv", [list(r) for r in AE], AE_HEADER)
    importers.import_ae(CL(), path, {"RH8": "Royal Devon and Exeter"})
    assert sorted(Series.objects.values_list("code", flat=True)) == [
        "ae-rh8-attendances",
        "ae-rh8-four-hour",
        "ae-rk9-attendances",
        "ae-rk9-four-hour",
    ]
    # Expected figures, summed over department types from the rows above.
    totals: dict[tuple[str, date], list[int]] = {}
    for month, trust, _type, a, b, _adm in AE:
        t = totals.setdefault((trust, date.fromisoformat(month)), [0, 0])
        t[0] += a
        t[1] += b
    for trust in ("RH8", "RK9"):
        months = sorted(m for t, m in totals if t == trust)
        first, last = months[0], months[-1]
        attendances = Series.objects.get(code=f"ae-{trust.lower()}-attendances")
        four_hour = Series.objects.get(code=f"ae-{trust.lower()}-four-hour")
        assert four_hour.target == 95 and four_hour.improvement == "increase"
        points = dict(attendances.points.values_list("period", "value"))
        shares = dict(four_hour.points.values_list("period", "value"))
        assert min(points) == first and max(points) == last
        for month in points:
            if (trust, month) in totals:
                a, b = totals[trust, month]
                assert points[month] == a
                assert shares[month] == pytest.approx(100 * (a - b) / a, rel=1e-12)
            else:
                assert points[month] is None and shares[month] is None
    rh8 = dict(Series.objects.get(code="ae-rh8-attendances").points.values_list("period", "value"))
    assert list(rh8) == [date(2019, m, 1) for m in (1, 2, 3, 4)]
    assert rh8[date(2019, 3, 1)] is None, "a month not reported is a gap, not a zero"
    assert Series.objects.get(code="ae-rh8-attendances").organisation_name == (
        "Royal Devon and Exeter"
    )
    # Imported again: the points are replaced.
    importers.import_ae(CL(), path)
    assert SeriesPoint.objects.count() == 2 * 4 + 2 * 2


def test_more_breaches_than_attendances_is_refused_with_its_line(tmp_path):
    rows = [list(r) for r in AE]
    rows[4] = ["2019-04-01", "RH8", "2", 600, 601, 0]  # line 6
    path = write_csv(tmp_path / "ae.csv", rows, AE_HEADER)
    with pytest.raises(DocumentError) as exc:
        importers.import_ae(CL(), path)
    (problem,) = exc.value.problems
    assert (problem.file, problem.line, problem.field) == ("ae.csv", 6, "breaches")
    assert not Series.objects.exists() and not SeriesPoint.objects.exists()


def test_a_period_that_is_not_the_first_of_a_month_is_refused(tmp_path):
    rows = [list(r) for r in AE]
    rows[0][0] = "2019-01-15"
    path = write_csv(tmp_path / "ae.csv", rows, AE_HEADER)
    with pytest.raises(DocumentError) as exc:
        importers.import_ae(CL(), path)
    assert [(p.line, p.field) for p in exc.value.problems] == [(2, "period")]


# Deprivation ----------------------------------------------------------------------------------

IMD_HEADER = ["pcn_code", "pcn_name", "postcode", "subicb_code", "imd_score", "imd_decile"]
IMD = [
    ["U", "Unknown", "Unknown", "UNK", 16.55, 7],
    ["U50322", "BARNSTAPLE ALLIANCE PCN", "EX31 1AA", "15N", 21.5, 4],
    ["U06816", "EXETER CITY PCN", "EX1 1AA", "15N", 18.25, 6],
]


def test_deprivation_is_read_per_area(tmp_path):
    path = write_csv(tmp_path / "pcn_imd.csv", IMD, IMD_HEADER)
    result = importers.import_deprivation(CL(), path, "pcn_code")
    assert result.written == 2
    assert dict(Deprivation.objects.values_list("area_code", "decile")) == {
        "U50322": 4,
        "U06816": 6,
    }
    assert Deprivation.objects.get(area_code="U06816").score == 18.25


@pytest.mark.parametrize(("decile", "ok"), [(0, False), (1, True), (10, True), (11, False)])
def test_a_decile_outside_1_to_10_is_refused(tmp_path, decile, ok):
    rows = [*IMD[:2], ["U06816", "EXETER CITY PCN", "EX1 1AA", "15N", 18.25, decile]]
    path = write_csv(tmp_path / "pcn_imd.csv", rows, IMD_HEADER)
    if ok:
        importers.import_deprivation(CL(), path, "pcn_code")
        assert Deprivation.objects.get(area_code="U06816").decile == decile
        return
    with pytest.raises(DocumentError) as exc:
        importers.import_deprivation(CL(), path, "pcn_code")
    (problem,) = exc.value.problems
    assert (problem.line, problem.field) == (4, "imd_decile")
    assert not Deprivation.objects.exists()
