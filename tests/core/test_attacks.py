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
        # An organisation of SEL's that claims to succeed the CCG.
        (
            "  - {code: ZZEVIL, name: Successor, type: nhs_commissioner, opened: 2019-04-01, "
            "predecessors: [15N]}",
            "",
            "NHS Devon CCG",
        ),
        # A practice of SEL's that says the CCG commissions it (and so appears on Devon's pages).
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
    from commonweal.core.actions import Actor
    from commonweal.core.models import Role
    from commonweal.core.people import assign_role

    # The organisations SEL's administrator describes are ones Commonweal holds (the operator
    # added them) and that they administer: only what they say about the CCG is not theirs.
    for code, kind in (("ZZEVIL", "nhs_commissioner"), ("ZZP1", "gp_practice")):
        org = Organisation.objects.create(code=code, name=code, kind=kind)
        assign_role(Actor.command_line(), universe.person("admin-sel"), org, Role.ADMINISTRATOR)
    text = OWN_SYSTEM.format(
        description="Pay to account 12345678", organisations=organisations, responsible=responsible
    ).replace("organisations:\n  []", "organisations: []")
    error = assert_error(
        post_yaml(client, universe, "admin-sel", "/api/systems", text), 403, "forbidden"
    )
    assert named in error["message"]
    assert not System.objects.filter(slug="sel-annex").exists()
    assert set(
        Organisation.objects.filter(code__startswith="ZZ").values_list("name", flat=True)
    ) == {
        "ZZEVIL",
        "ZZP1",
    }
    assert not Organisation.objects.filter(code="ZZP1", commissioner__isnull=False).exists()
    assert not Organisation.objects.get(code="15N").successions_out.exists()


def test_a_person_adds_no_organisations_the_national_data_does_not_hold(client, universe):
    """A code taken first would be squatted: the organisation ODS later brings under it would
    inherit what the squatter wrote. Organisations come from ODS or the operator."""
    text = OWN_SYSTEM.format(
        description="Mine",
        organisations="  - {code: ZZ1, name: Squatter, type: gp_federation}\n"
        "  - {code: ZZ2, name: Another, type: gp_practice}",
        responsible="",
    )
    error = assert_error(
        post_yaml(client, universe, "admin-sel", "/api/systems", text), 403, "forbidden"
    )
    assert error["problems"] == [
        {
            "field": f"organisations[{i}].code",
            "message": f"'{code}' is not an organisation Commonweal knows: organisations come "
            "from the national data (commonweal import-ods) or are added by the operator from "
            "the command line",
        }
        for i, code in enumerate(["ZZ1", "ZZ2"])
    ]
    assert "'ZZ1', 'ZZ2' are not organisations Commonweal knows" in error["message"]
    assert not Organisation.objects.filter(code__in=["ZZ1", "ZZ2"]).exists()
    assert not System.objects.filter(slug="sel-annex").exists()
    # The operator may, from the command line.
    from commonweal.core.actions import Actor
    from commonweal.registry.actions import load_system

    assert load_system(Actor.command_line(), "annex.yaml", text).organisations_created == 2


def test_organisation_codes_are_upper_case_and_no_code_differs_only_in_case(universe):
    from commonweal.core.actions import Actor
    from commonweal.core.documents import DocumentError
    from commonweal.registry.actions import load_system

    lower = OWN_SYSTEM.format(
        description="x",
        organisations="  - {code: zz1, name: Lower, type: gp_federation}",
        responsible="",
    )
    with pytest.raises(DocumentError) as refused:
        load_system(Actor.command_line(), "annex.yaml", lower)
    assert "organisations[0].code: 'zz1' is not an organisation code" in str(refused.value)
    # A code stored before codes had to be upper-case cannot be shadowed by its capitals.
    Organisation.objects.create(code="zzold", name="Old", kind="gp_federation")
    alike = OWN_SYSTEM.format(
        description="x",
        organisations="  - {code: ZZOLD, name: New, type: gp_federation}",
        responsible="      - {organisation: ZZOLD, role: partner}",
    )
    with pytest.raises(DocumentError) as refused:
        load_system(Actor.command_line(), "annex.yaml", alike)
    assert "organisations[0].code: 'ZZOLD' differs only in case from the organisation 'zzold'" in (
        str(refused.value)
    )
    assert not Organisation.objects.filter(code="ZZOLD").exists()


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
    assert "'ZZ.DOT' is not an organisation code" in error["problems"][0]["message"]


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


# The third attack: quadratic checks, systems nobody looks after, areas planted under others',
# people renamed across organisations, schemes in others' systems.


def test_a_practice_shared_by_two_thousand_areas_is_one_finding_on_quick_pages(client, universe):
    import time

    from commonweal.core.actions import Actor
    from commonweal.registry.actions import load_system

    lines = [
        "system: {slug: quad, name: Quadratic}",
        "organisations: [{code: ZZQP1, name: Shared practice, type: gp_practice}]",
        "areas:",
        "  - {code: top, name: Top, level: system, responsible: "
        "[{organisation: 72Q, role: nhs_commissioner}]}",
        *(
            f"  - {{code: a{i:04d}, name: A{i}, level: local_community, parent: top, "
            "practices: [ZZQP1]}"
            for i in range(2_000)
        ),
    ]
    load_system(Actor.command_line(), "quad.yaml", "\n".join(lines) + "\n")
    started = time.perf_counter()
    page = client.get("/public/systems/quad/")
    assert page.status_code == 200
    assert time.perf_counter() - started < 5, "a finding for each of 1,999,000 pairs took 14 s"
    report = client.get(
        "/api/systems/quad/findings", headers=universe.headers("nobody"), data={"severity": "error"}
    ).json()
    [overlap] = [f for f in report["findings"] if f["rule"] == "areas-overlap"]
    assert overlap["subject"] == "ZZQP1" and len(overlap["related"]) == 2_000
    # Each area's page still shows the finding about it.
    area = client.get("/public/systems/quad/areas/a1999/").content.decode()
    assert "is in 2,000 local community areas at once" in area


HISTORY = """\
system: {slug: before-2020, name: Devon before 2020, description: History.}
areas:
  - code: old-devon
    name: Old Devon
    level: system
    responsible:
      - {organisation: 99P, role: nhs_commissioner, ends: 2019-03-31}
      - {organisation: 15N, role: nhs_commissioner, starts: 2019-04-01, ends: 2020-03-31}
"""


def test_a_system_nobody_looks_after_today_is_not_anyones_to_take(client, universe):
    from commonweal.core.actions import Actor
    from commonweal.registry.actions import load_system

    load_system(Actor.command_line(), "history.yaml", HISTORY)
    takeover = HISTORY.replace("History.", "Torbay's now.") + (
        "      - {organisation: E06000027, role: local_authority}\n"
    )
    error = assert_error(
        post_yaml(client, universe, "admin-torbay", "/api/systems", takeover), 403, "forbidden"
    )
    # Its most recent steward looks after it still, not whoever a document names.
    assert "for NHS Devon CCG (15N)" in error["message"], error
    assert System.objects.get(slug="before-2020").description == "History."
    described = HISTORY.replace("History.", "History as it was.")
    ok = post_yaml(client, universe, "admin-15n", "/api/systems", described)
    assert ok.status_code == 200 and ok.json()["changed"], ok.content


def test_a_system_that_never_had_a_steward_is_loaded_only_from_the_command_line(client, universe):
    from commonweal.core.actions import Actor
    from commonweal.registry.actions import load_system

    text = HISTORY.replace(
        "      - {organisation: 99P, role: nhs_commissioner, ends: 2019-03-31}\n"
        "      - {organisation: 15N, role: nhs_commissioner, starts: 2019-04-01, ends: 2020-03-31}\n",
        "      - {organisation: 72Q, role: partner}\n",
    )
    load_system(Actor.command_line(), "orphan.yaml", text)
    claimed = text.replace("History.", "SEL's now.") + (
        "      - {organisation: 72Q, role: nhs_commissioner}\n"
    )
    error = assert_error(
        post_yaml(client, universe, "admin-sel", "/api/systems", claimed), 403, "forbidden"
    )
    assert "only the operator, from the command line, may load it" in error["message"], error
    assert load_system(Actor.command_line(), "orphan.yaml", claimed).changed


def _with_area(text: str, area: str) -> str:
    return text.replace("\n  # The four local areas", area + "\n  # The four local areas", 1)


def test_an_area_is_placed_under_another_only_with_its_keepers_consent(client, universe):
    devon = (EXAMPLES / "devon-2019.yaml").read_text()
    planted = "  - {code: torbay-annex, name: Torbay annex, level: local_community, parent: %s}\n"
    error = assert_error(
        post_yaml(
            client, universe, "admin-torbay", "/api/systems", _with_area(devon, planted % "north")
        ),
        403,
        "forbidden",
    )
    assert "placing area torbay-annex under north" in error["message"], error
    assert "NHS Devon CCG (15N) or Devon County Council (E10000008)" in error["message"]
    assert not Area.objects.filter(code="torbay-annex").exists()
    ok = post_yaml(
        client, universe, "admin-torbay", "/api/systems", _with_area(devon, planted % "torbay")
    )
    assert ok.status_code == 200, ok.content
    # Nor may an area of one's own be moved under another's.
    moved = _with_area(devon, planted % "north")
    error = assert_error(
        post_yaml(client, universe, "admin-torbay", "/api/systems", moved), 403, "forbidden"
    )
    assert "placing area torbay-annex under north" in error["message"], error
    assert Area.objects.get(code="torbay-annex").parent.code == "torbay"


def test_networks_are_placed_under_an_area_only_with_its_keepers_consent(universe):
    from commonweal.core.actions import Actor
    from commonweal.core.errors import NotPermitted
    from commonweal.core.models import OrganisationKind
    from commonweal.registry.actions import add_pcns, load_system

    devon = (EXAMPLES / "devon-2019.yaml").read_text()
    torbay_only = (
        "  - code: torbay-only\n    name: Torbay only\n    level: place\n    parent: torbay\n"
        "    responsible: [{organisation: E06000027, role: local_authority}]\n"
    )
    load_system(Actor.command_line(), "devon.yaml", _with_area(devon, torbay_only))
    Organisation.objects.create(
        code="UZZ1",
        name="A network",
        kind=OrganisationKind.PRIMARY_CARE_NETWORK,
        commissioner=Organisation.objects.get(code="15N"),
    )
    system = System.objects.get(slug="devon-2019")
    admin_15n = Actor.from_user(universe.accounts["admin-15n"])
    with pytest.raises(NotPermitted, match="placing networks under torbay-only"):
        add_pcns(admin_15n, system, "15N", parent="torbay-only")
    assert add_pcns(admin_15n, system, "15N", parent="south").networks == 1


def test_changing_when_a_responsibility_starts_ends_the_old_line_first(client, universe):
    devon = (EXAMPLES / "devon-2019.yaml").read_text()
    line = "      - {organisation: 15N, role: nhs_commissioner, starts: 2019-04-01}\n"
    start = devon.index("  - code: wider-devon")
    changed = devon[:start] + devon[start:].replace(line, line.replace("04-01", "04-02"), 1)
    response = post_yaml(client, universe, "admin-15n", "/api/systems", changed)
    assert response.status_code == 200, response.content
    from commonweal.registry.models import AreaResponsibility

    lines = AreaResponsibility.objects.filter(
        area__system__slug="devon-2019", area__code="wider-devon", organisation__code="15N"
    )
    assert sorted((r.starts.isoformat(), r.ends is None) for r in lines) == [
        ("2019-04-01", False),
        ("2019-04-02", True),
    ]
    # Two lines for one organisation in one role on the same days are refused at the line.
    both = devon[:start] + devon[start:].replace(
        line, line + "      - {organisation: 15N, role: nhs_commissioner, starts: 2020-01-01}\n", 1
    )
    error = assert_error(
        post_yaml(client, universe, "admin-15n", "/api/systems", both), 422, "document_refused"
    )
    [problem] = error["problems"]
    assert problem["field"] == "areas[1].responsible[1]"
    assert problem["message"].startswith(
        "responsible[0] names 15N as NHS commissioner on some of the same days"
    )


GOVERNANCE_PERSON = "  - {key: sam-patel, name: Sam Patel}"


def test_a_person_is_renamed_only_with_every_organisation_they_have_served(universe):
    from commonweal.core.actions import Actor
    from commonweal.core.errors import NotPermitted
    from commonweal.core.models import Person, Role
    from commonweal.core.people import assign_role
    from commonweal.governance.actions import load_governance

    text = GOVERNANCE.read_text()
    assert GOVERNANCE_PERSON in text
    renamed = text.replace(GOVERNANCE_PERSON, GOVERNANCE_PERSON.replace("Patel}", "Patel-X}"))
    sam = Person.objects.get(key="sam-patel")
    holds = set(sam.holdings.values_list("post__organisation__code", flat=True))
    assert holds == {"15N"}, holds
    # Torbay cannot rename the CCG's officer, even by giving them a Torbay post that has ended.
    torbay_post = (
        "code: chief-executive, title: Chief Executive, statutory_roles: [chief_executive],\n"
    )
    assert torbay_post in text
    ended_holding = renamed.replace(
        "holders: [{person: xan-fox",
        "holders: [{person: sam-patel, starts: 2000-01-01, ends: 2000-12-31}, {person: xan-fox",
        1,
    )
    assert ended_holding != renamed
    with pytest.raises(NotPermitted, match=r"NHS Devon CCG.*renaming sam-patel"):
        load_governance(Actor.from_user(universe.accounts["admin-torbay"]), "g.yaml", ended_holding)
    # The CCG alone cannot either once they act for Torbay too.
    assign_role(
        Actor.command_line(),
        sam,
        Organisation.objects.get(code="E06000027"),
        Role.CLERK,
        scope=Body.objects.get(code="ice"),
    )
    with pytest.raises(NotPermitted, match=r"Torbay Council.*renaming sam-patel"):
        load_governance(Actor.from_user(universe.accounts["admin-15n"]), "g.yaml", renamed)
    sam.refresh_from_db()
    assert sam.name == "Sam Patel"
    load_governance(Actor.command_line(), "g.yaml", renamed)
    sam.refresh_from_db()
    assert sam.name == "Sam Patel-X"


def test_a_person_who_signs_in_is_renamed_only_by_themselves_or_the_operator(universe):
    from commonweal.core.actions import Actor
    from commonweal.core.errors import NotPermitted
    from commonweal.core.models import Person
    from commonweal.governance.actions import load_governance

    text = GOVERNANCE.read_text()
    # A person with an account, and no post or role, listed in a governance document.
    nobody = universe.person("nobody")
    renamed = text.replace(
        GOVERNANCE_PERSON, GOVERNANCE_PERSON + f"\n  - {{key: {nobody.key}, name: Someone Else}}"
    )
    with pytest.raises(NotPermitted, match="nobody has a sign-in account, so only they or the "):
        load_governance(Actor.from_user(universe.accounts["admin-15n"]), "g.yaml", renamed)
    assert Person.objects.get(key="nobody").name == nobody.name
    load_governance(Actor.command_line(), "g.yaml", renamed)
    assert Person.objects.get(key="nobody").name == "Someone Else"
    # A person with no account, post or role is anyone's to name who may load the document.
    plain = Person.objects.create(key="pat-plain", name="Pat Plain")
    load_governance(
        Actor.from_user(universe.accounts["admin-torbay"]),
        "g.yaml",
        text.replace(GOVERNANCE_PERSON, GOVERNANCE_PERSON + "\n  - {key: pat-plain, name: Pat P}"),
    )
    plain.refresh_from_db()
    assert plain.name == "Pat P"


SEL_SCHEME_BY_TORBAY = """\
scheme:
  organisation: E06000027
  system: south-east-london-2020
  version: "att2-1"
  title: "SOUTH EAST LONDON CCG IS SUSPENDED - Torbay now decides"
  in_force_from: 2020-04-01
reserved:
  - {clause: R1, decision_types: [policy], body: governing-body}
delegations:
  - clause: D1
    decision_type: revenue_commitment
    bands:
      - {decider: {post: 72Q/accountable-officer}}
"""


def test_a_scheme_goes_only_into_a_system_its_organisation_has_a_part_in(universe):
    from commonweal.core.actions import Actor
    from commonweal.core.errors import NotPermitted, Refused
    from commonweal.governance.actions import load_scheme
    from commonweal.governance.models import Scheme

    scheme = SEL_SCHEME_BY_TORBAY
    with pytest.raises(Refused) as refused:
        load_scheme(Actor.from_user(universe.accounts["admin-torbay"]), "s.yaml", scheme)
    assert not isinstance(refused.value, NotPermitted) and refused.value.status == 422
    [problem] = refused.value.problems
    assert problem.field == "scheme.system"
    assert "Torbay Council (E06000027) has no part in South East London" in problem.message
    assert not Scheme.objects.filter(version="att2-1").exists()
    # Nor from the command line: it is not a question of who loads it.
    with pytest.raises(Refused):
        load_scheme(Actor.command_line(), "s.yaml", scheme)
