import pytest

from commonweal.pools import position

pytestmark = pytest.mark.django_db


def test_the_fixture_resolves(pool, year):
    found = position.figures(pool, year, 6)
    assert found is not None
    assert [f.rule.variance for f in found.lines] == [-10_000_000, 80_000_000, 0, 20_000_000]
    assert found.resolution.borne_by == {"15N": 18_000_000, "E10000008": 12_000_000}
