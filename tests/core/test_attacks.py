"""The attacks that were made on the demo, as tests: each must now be refused, and change nothing."""

import pytest

from commonweal.core.models import ApiToken, AuditEvent, Organisation
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


def test_sign_in_is_throttled_per_account_from_an_address(universe):
    from django.test import Client

    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "analyst-15n", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "analyst-15n", "password": PASSWORD})
    assert locked.status_code == 429 and "Too many attempts" in locked.content.decode()
    # The same account from elsewhere, and another account from the same address, sign in:
    # behind a proxy every person shares one address, and five guesses by anyone must not lock
    # everyone out.
    elsewhere = Client().post(
        "/accounts/login/",
        {"username": "analyst-15n", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
    )
    assert elsewhere.status_code == 302
    for n in range(5):
        Client().post("/accounts/login/", {"username": f"guess-{n}", "password": "x"})
    same_address = Client().post(
        "/accounts/login/", {"username": "commissioner-15n", "password": PASSWORD}
    )
    assert same_address.status_code == 302


def test_a_megabyte_username_is_refused_and_not_stored(universe):
    from axes.models import AccessAttempt
    from django.test import Client

    response = Client().post("/accounts/login/", {"username": "x" * 1_000_000, "password": "wrong"})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert all(len(a.username or "") <= 150 for a in AccessAttempt.objects.all())


# The second attack: one steward against the others, and writes to other organisations' records
# made from a system of one's own.


def evict_others(text: str) -> str:
    """Devon's document with the CCG and the two other councils taken off Wider Devon."""
    evicted = text.replace(
        "      - {organisation: 15N, role: nhs_commissioner, starts: 2019-04-01}\n"
        "      - {organisation: E10000008, role: local_authority}\n"
        "      - {organisation: E06000026, role: local_authority}\n"
        "      - {organisation: E06000027",
        "      - {organisation: E06000027",
        1,
    )
    assert evicted != text
    return evicted


def test_one_steward_cannot_end_the_others_stewardship(client, universe):
    devon = (EXAMPLES / "devon-2019.yaml").read_text()
    events = AuditEvent.objects.count()
    error = assert_error(
        post_yaml(client, universe, "admin-torbay", "/api/systems", evict_others(devon)),
        403,
        "forbidden",
    )
    assert "responsibility for wider-devon" in error["message"], error
    # Nor, alone, end or re-level an area it shares with the CCG.
    torbay = "  - code: torbay\n    name: Torbay\n    level: local_authority\n"
    assert torbay in devon
    relevelled = devon.replace(torbay, torbay.replace("local_authority", "place"))
    error = assert_error(
        post_yaml(client, universe, "admin-torbay", "/api/systems", relevelled), 403, "forbidden"
    )
    assert "changing the level of area torbay" in error["message"], error
    start = devon.index(torbay)
    dropped = devon[:start] + devon[devon.index("\n  # The four local areas", start) :]
    error = assert_error(
        post_yaml(client, universe, "admin-torbay", "/api/systems", dropped), 403, "forbidden"
    )
    assert "ending area torbay" in error["message"], error
    assert AuditEvent.objects.count() == events
    # What any one steward may do alone, Torbay still may: describe the shared area.
    described = devon.replace(
        "      Devon, Plymouth and Torbay.", "      Devon, Plymouth and Torbay, together.", 1
    )
    assert described != devon
    ok = post_yaml(client, universe, "admin-torbay", "/api/systems", described)
    assert ok.status_code == 200 and ok.json()["changed"], ok.content
    # And the CCG can still load its own system.
    assert post_yaml(client, universe, "admin-15n", "/api/systems", devon).status_code == 200


OWN_SYSTEM = """\
system: {{slug: sel-annex, name: SEL annex, description: "{description}"}}
organisations:
{organisations}
areas:
  - code: sel-annex
    name: SEL annex
    level: system
    responsible:
      - {{organisation: 72Q, role: nhs_commissioner}}
{responsible}
"""


@pytest.mark.parametrize(
    "organisations, responsible, named",
    [
        # A new organisation that claims to succeed the CCG.
        (
            "  - {code: ZZEVIL, name: Successor, type: nhs_commissioner, opened: 2019-04-01, "
            "predecessors: [15N]}",
            "",
            "NHS Devon CCG",
        ),
        # A new practice that says the CCG commissions it (and so appears on Devon's pages).
        (
            "  - {code: ZZP1, name: NOTICE, type: gp_practice, commissioner: 15N}",
            "",
            "NHS Devon CCG",
        ),
        # The CCG named as responsible for an area of SEL's own system.
        ("  []", "      - {organisation: 15N, role: nhs_commissioner}", "NHS Devon CCG"),
    ],
    ids=["succession", "commissioner", "steward"],
)
def test_a_system_of_ones_own_writes_nothing_about_other_organisations(
    client, universe, organisations, responsible, named
):
    text = OWN_SYSTEM.format(
        description="Pay to account 12345678", organisations=organisations, responsible=responsible
    ).replace("organisations:\n  []", "organisations: []")
    error = assert_error(
        post_yaml(client, universe, "admin-sel", "/api/systems", text), 403, "forbidden"
    )
    assert named in error["message"]
    assert not System.objects.filter(slug="sel-annex").exists()
    assert not Organisation.objects.filter(code__in=["ZZEVIL", "ZZP1"]).exists()
    assert not Organisation.objects.get(code="15N").successions_out.exists()


def test_a_system_several_organisations_share_is_loaded_by_someone_who_acts_for_each(
    client, universe
):
    from commonweal.core.actions import Actor
    from commonweal.core.models import Role
    from commonweal.core.people import assign_role

    text = OWN_SYSTEM.format(
        description="Shared",
        organisations="  []",
        responsible="      - {organisation: E06000027, role: local_authority}",
    ).replace("organisations:\n  []", "organisations: []")
    # SEL alone may not name Torbay; Torbay alone may not join SEL's system.
    assert_error(post_yaml(client, universe, "admin-sel", "/api/systems", text), 403, "forbidden")
    assert_error(
        post_yaml(client, universe, "admin-torbay", "/api/systems", text), 403, "forbidden"
    )
    # Someone who administers both may.
    assign_role(
        Actor.command_line(),
        universe.person("admin-sel"),
        Organisation.objects.get(code="E06000027"),
        Role.ADMINISTRATOR,
    )
    assert post_yaml(client, universe, "admin-sel", "/api/systems", text).status_code == 200
    assert System.objects.filter(slug="sel-annex").exists()


def test_codes_with_dots_are_refused_so_no_code_can_pass_for_another(client, universe):
    text = OWN_SYSTEM.format(
        description="x",
        organisations="  - {code: ZZ.DOT, name: Dotted, type: gp_federation}",
        responsible="",
    )
    error = assert_error(
        post_yaml(client, universe, "admin-sel", "/api/systems", text), 422, "document_refused"
    )
    assert error["problems"][0]["field"] == "organisations[0].code"
    assert "'ZZ.DOT' is not a code" in error["problems"][0]["message"]


def test_a_hundred_thousand_mistakes_get_a_short_answer(client, universe):
    text = "system: {slug: many, name: Many}\nareas: [" + ", ".join(["x"] * 5_000) + "]\n"
    response = post_yaml(client, universe, "analyst-15n", "/api/systems", text)
    error = assert_error(response, 422, "document_refused")
    assert len(error["problems"]) == 101 and "5000 problems" in error["message"]
    assert "4,900 more problems" in error["problems"][-1]["message"]
    assert len(response.content) < 50_000


def test_nul_in_a_path_and_json_sent_as_other_types_are_refused(client, universe):
    headers = universe.headers("nobody")
    for path in (
        "/api/organisations/%00",
        "/api/systems/devon-2019/areas/a%00b",
        "/public/systems/devon-2019/areas/%00/",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 400 and b"NUL" in response.content, path
    body = b'{"name": "nul\\u0000x", "days": 1}'
    client.force_login(universe.accounts["nobody"])
    for kind in ("text/plain", "", "application/x-www-form-urlencoded; x=json"):
        response = client.post("/api/tokens", body, content_type=kind)
        assert response.status_code == 415, (kind, response.content)
    for kind in ("Application/JSON", "application/json; charset=utf-8"):
        response = client.post("/api/tokens", body, content_type=kind)
        assert response.status_code == 400 and b"NUL" in response.content, (kind, response.content)
    assert not any("\x00" in t.name for t in ApiToken.objects.all())


def test_every_refusal_under_the_api_is_json(client, universe):
    headers = universe.headers("nobody")
    for method, path, status in [
        ("get", "/api/nope", 404),
        ("get", "/api/systems/", 404),
        ("put", "/api/systems", 405),
        ("delete", "/api/systems", 405),
        ("options", "/api/systems", 405),
        ("trace", "/api/openapi.json", 405),
        ("post", "/api/openapi.json", 405),
    ]:
        response = client.generic(method.upper(), path, headers=headers)
        assert response.status_code == status, (method, path, response.status_code)
        assert response["Content-Type"].startswith("application/json"), (method, path)
        assert response.json()["error"]["status"] == status


GOVERNANCE = EXAMPLES / "devon-2019-governance.yaml"


@pytest.mark.parametrize(
    "change, named",
    [
        # Torbay takes the CCG off the Integrated Commissioning Executive they own together.
        (
            lambda t: t.replace(
                "    owners: [15N, E10000008, E06000026, E06000027]\n    footprint: wider-devon",
                "    owners: [E10000008, E06000026, E06000027]\n    footprint: wider-devon",
            ),
            "NHS Devon CCG (15N): that needs the role of administrator in the organisation. "
            "(naming them as an owner of ice)",
        ),
        # Torbay makes a body of its own that says the CCG owns it too.
        (
            lambda t: (
                t.rstrip()
                + "\n  - {code: torbay-and-ccg, name: Torbay and CCG board, kind: joint_committee,"
                " owners: [E06000027, 15N]}\n"
            ),
            "NHS Devon CCG (15N): that needs the role of administrator in the organisation. "
            "(naming them as an owner of torbay-and-ccg)",
        ),
        # Torbay's chief executive made to act for the CCG.
        (
            lambda t: t.replace(
                "code: chief-executive, title: Chief Executive, statutory_roles: [chief_executive],\n"
                "     categories: [executive], holders: [{person: xan-fox",
                "code: chief-executive, title: Chief Executive, statutory_roles: [chief_executive],\n"
                "     acts_for: [15N], categories: [executive], holders: [{person: xan-fox",
            ),
            "NHS Devon CCG (15N): that needs the role of administrator in the organisation. "
            "(the post E06000027/chief-executive acting for them)",
        ),
    ],
    ids=["remove-owner", "claim-owner", "acts-for"],
)
def test_governance_names_no_other_organisation_without_it(client, universe, change, named):
    from commonweal.core.actions import Actor
    from commonweal.core.errors import NotPermitted
    from commonweal.governance.actions import load_governance

    text = GOVERNANCE.read_text()
    changed = change(text)
    assert changed != text
    with pytest.raises(NotPermitted) as refused:
        load_governance(Actor.from_user(universe.accounts["admin-torbay"]), "gov.yaml", changed)
    assert named in str(refused.value)
    assert set(Body.objects.get(code="ice").owners.values_list("code", flat=True)) == {
        "15N",
        "E10000008",
        "E06000026",
        "E06000027",
    }
    assert not Body.objects.filter(code="torbay-and-ccg").exists()
