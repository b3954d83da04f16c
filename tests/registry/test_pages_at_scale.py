"""A system with thousands of areas still gives pages of a readable size: each level's table
shows its first hundred and links to the rest, a page at a time."""

import re

import pytest

from commonweal.core.actions import Actor
from commonweal.registry.actions import load_system

pytestmark = pytest.mark.django_db

AREAS = 1_200


def big_system() -> str:
    lines = [
        "system: {slug: big, name: Big system}",
        "organisations: [{code: ZBIG, name: Big ICB, type: nhs_commissioner}]",
        "areas:",
        "  - {code: root, name: Root, level: system,"
        " responsible: [{organisation: ZBIG, role: nhs_commissioner}]}",
    ]
    lines += [
        f"  - {{code: n{i:04}, name: Neighbourhood {i:04}, level: neighbourhood, parent: root}}"
        for i in range(AREAS)
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def big(universe):
    load_system(Actor.command_line(), "big.yaml", big_system())


def rows(html: str) -> list[str]:
    return re.findall(r">(Neighbourhood \d{4})</a>", html)


@pytest.mark.parametrize("prefix", ["/public/systems/big/", "/systems/big/"])
def test_a_level_with_many_areas_shows_the_first_hundred_and_pages_through_the_rest(
    client, universe, big, prefix
):
    client.force_login(universe.accounts["nobody"])
    page = client.get(prefix).content.decode()
    assert rows(page) == [f"Neighbourhood {i:04}" for i in range(100)]
    assert f"See all {AREAS:,} neighbourhood / primary care network areas" in page
    assert len(page) < 300_000, "a page of a readable size"
    third = client.get(prefix, {"level": "neighbourhood", "page": "3"}).content.decode()
    assert rows(third) == [f"Neighbourhood {i:04}" for i in range(200, 300)]
    assert "Page 3 of 12" in third and "Back to every level" in third
    last = client.get(prefix, {"level": "neighbourhood", "page": "99"}).content.decode()
    assert rows(last) == [f"Neighbourhood {i:04}" for i in range(1100, 1200)], "the last page"
    assert client.get(prefix, {"level": "nonsense"}).status_code == 200


@pytest.mark.parametrize("prefix", ["/public/systems/big/", "/systems/big/"])
def test_an_area_with_many_areas_within_it_pages_them_and_the_tree_links_to_it(
    client, universe, big, prefix
):
    client.force_login(universe.accounts["nobody"])
    root = client.get(prefix + "areas/root/", {"page": "2"}).content.decode()
    assert rows(root) == [f"Neighbourhood {i:04}" for i in range(100, 200)]
    assert f"Areas within Root ({AREAS:,})" in root
    tree = client.get(prefix + "tree/").content.decode()
    assert len(rows(tree)) == 100 and f"{AREAS - 100:,} more areas within Root" in tree
