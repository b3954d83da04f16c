"""The attacks that were made on the demo, as tests: each must now be refused, and change nothing."""

import pytest

from commonweal.core.models import AuditEvent, Organisation
from commonweal.governance.models import Body
from commonweal.registry.models import Area, System

from ..factories import EXAMPLES, PASSWORD, assert_error

pytestmark = pytest.mark.django_db


def post_yaml(client, universe, who, path, text):
    return client.post(path, text, content_type="application/yaml", headers=universe.headers(who))


def test_an_administrator_of_south_east_london_cannot_rename_devon_or_torbay(client, universe):
    text = (
        (EXAMPLES / "south-east-london-2020.yaml")
        .read_text()
        .replace(
            "\norganisations:\n",
            "\norganisations:\n  - {code: 15N, name: Renamed CCG, type: nhs_commissioner}\n"
            "  - {code: E06000027, name: Renamed Council, type: unitary_council}\n",
        )
    )
    events = AuditEvent.objects.count()
    response = post_yaml(client, universe, "admin-sel", "/api/systems", text)
    error = assert_error(response, 403, "forbidden")
    assert "NHS Devon CCG" in error["message"] or "Torbay Council" in error["message"]
    assert Organisation.objects.get(code="15N").name == "NHS Devon CCG"
    assert Organisation.objects.get(code="E06000027").name == "Torbay Council"
    assert AuditEvent.objects.count() == events
    # A system document of their own that describes Devon's organisations is refused too.
    own = (
        "system: {slug: mine, name: Mine}\n"
        "organisations:\n  - {code: 15N, name: Renamed CCG, type: nhs_commissioner}\n"
        "areas:\n  - code: mine\n    name: Mine\n    level: system\n"
        "    responsible: [{organisation: 72Q, role: nhs_commissioner}]\n"
    )
    assert_error(
        post_yaml(client, universe, "admin-sel", "/api/systems", own),
        403,
        "forbidden",
    )
    assert Organisation.objects.get(code="15N").name == "NHS Devon CCG"
    assert not System.objects.filter(slug="mine").exists()


def only_first_area(text: str) -> str:
    """The document with every area after the first left out."""
    head, areas = text.split("\nareas:\n", 1)
    blocks = areas.split("\n  - code: ")
    return head + "\nareas:\n" + blocks[0] + "\n"


def test_an_administrator_of_torbay_cannot_wipe_south_east_londons_areas(client, universe):
    trimmed = only_first_area((EXAMPLES / "south-east-london-2020.yaml").read_text())
    footprints = dict(
        Body.objects.filter(system__slug="south-east-london-2020").values_list(
            "code", "footprint_id"
        )
    )
    assert sum(1 for f in footprints.values() if f) >= 18
    response = post_yaml(client, universe, "admin-torbay", "/api/systems", trimmed)
    assert_error(response, 403, "forbidden")
    areas = Area.objects.filter(system__slug="south-east-london-2020")
    assert areas.count() == 14 and not areas.filter(ends__isnull=False).exists()
    assert footprints == dict(
        Body.objects.filter(system__slug="south-east-london-2020").values_list(
            "code", "footprint_id"
        )
    )


def test_a_load_that_drops_areas_ends_them_and_never_clears_footprints(universe):
    from commonweal.core.actions import Actor
    from commonweal.registry.actions import load_system

    text = only_first_area((EXAMPLES / "south-east-london-2020.yaml").read_text())
    kept = text.split("\nareas:\n  - code: ")[1].split("\n")[0].strip()
    footprints = dict(
        Body.objects.filter(system__slug="south-east-london-2020").values_list(
            "code", "footprint_id"
        )
    )
    load_system(Actor.command_line(), "south-east-london-2020.yaml", text)
    areas = Area.objects.filter(system__slug="south-east-london-2020")
    assert areas.count() == 14, "nothing deleted"
    assert set(areas.filter(ends__isnull=True).values_list("code", flat=True)) == {kept}
    assert footprints == dict(
        Body.objects.filter(system__slug="south-east-london-2020").values_list(
            "code", "footprint_id"
        )
    ), "every body keeps its footprint"


def test_being_an_administrator_somewhere_gives_nothing_elsewhere(client, universe):
    governance = (
        (EXAMPLES / "devon-2019-governance.yaml")
        .read_text()
        .replace("title: Director of Strategy,", "title: Director of Something Else,")
    )
    from commonweal.core.actions import Actor
    from commonweal.core.errors import NotPermitted
    from commonweal.governance.actions import load_governance, load_scheme

    with pytest.raises(NotPermitted):
        load_governance(Actor.from_user(universe.accounts["admin-sel"]), "gov.yaml", governance)
    with pytest.raises(NotPermitted, match="NHS Devon CCG"):
        # Torbay administers Torbay's posts, not the CCG's.
        load_governance(Actor.from_user(universe.accounts["admin-torbay"]), "gov.yaml", governance)
    scheme = (
        (EXAMPLES / "devon-2019-scheme-15N.yaml")
        .read_text()
        .replace('version: "2019-04"', 'version: "2030-04"')
        .replace("in_force_from: 2019-04-01", "in_force_from: 2030-04-01")
    )
    with pytest.raises(NotPermitted):
        load_scheme(Actor.from_user(universe.accounts["admin-torbay"]), "scheme.yaml", scheme)
    load_scheme(Actor.from_user(universe.accounts["admin-15n"]), "scheme.yaml", scheme)


def test_sign_in_is_throttled_per_account_and_per_address(universe):
    from django.test import Client

    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "analyst-15n", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "analyst-15n", "password": PASSWORD})
    assert locked.status_code == 429 and "Too many attempts" in locked.content.decode()
    # Another account from another address is not locked out by them...
    other = Client().post(
        "/accounts/login/",
        {"username": "nobody", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
    )
    assert other.status_code == 302
    # ...but many accounts tried from one address lock that address out.
    for n in range(5):
        client.post(
            "/accounts/login/", {"username": f"guess-{n}", "password": "x"}, REMOTE_ADDR="10.0.0.9"
        )
    from_there = Client().post(
        "/accounts/login/",
        {"username": "commissioner-15n", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert from_there.status_code == 429
