"""Registry pages, through Django's test client: who may see them and what they say."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, universe):
    client.force_login(universe.accounts["nobody"])
    return client


def test_pages_need_a_login_except_public_ones(client, universe):
    for url in ("/", "/systems/devon-2019/", "/organisations/", "/organisations/15N/", "/account/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            "/accounts/login/?next="
        )
    for url in (
        "/public/",
        "/public/systems/devon-2019/",
        "/public/systems/devon-2019/tree/",
        "/public/systems/devon-2019/areas/torbay/",
        "/accounts/login/",
        "/health",
    ):
        assert client.get(url).status_code == 200, url


def test_login_form_reports_a_wrong_password(client, universe):
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "<title>Error: Sign in" in html
    from tests.factories import PASSWORD

    response = client.post("/accounts/login/", {"username": "nobody", "password": PASSWORD})
    assert response.status_code == 302


def test_system_overview_shows_levels_areas_and_findings(signed_in):
    html = signed_in.get("/systems/devon-2019/").content.decode()
    assert "<h1>Wider Devon (2019)</h1>" in html
    assert "Structure findings on " in html
    assert "South Devon and Torbay (south) is not coterminous with any local authority" in html
    assert "136,000" in html, "Torbay's population with a thousands separator"
    assert 'href="/systems/devon-2019/areas/torbay/"' in html


def test_area_page_and_tree(signed_in):
    html = signed_in.get("/systems/south-east-london-2020/areas/lambeth/").content.decode()
    assert "Lambeth place" in html and "London Borough of Lambeth" in html and "326,000" in html
    assert "Part of" in html and "/systems/south-east-london-2020/areas/lambeth-council/" in html
    tree = signed_in.get("/systems/south-east-london-2020/tree/").content.decode()
    assert tree.index("South East London") < tree.index("Lambeth place")


def test_organisation_pages(signed_in):
    html = signed_in.get("/organisations/15N/").content.decode()
    assert "NHS Devon CCG" in html and "1 April 2019" in html
    assert (
        "NHS Northern, Eastern and Western Devon CCG</a> became part of NHS Devon CCG on 1 April 2019"
        in html
    )
    found = signed_in.get(
        "/organisations/", {"q": "lambeth", "kind": "london_borough_council"}
    ).content.decode()
    assert "London Borough of Lambeth" in found and "Lewisham" not in found


def test_missing_things_get_a_proper_404_page(signed_in):
    for url in ("/systems/nowhere/", "/systems/devon-2019/areas/nowhere/", "/organisations/NOPE/"):
        response = signed_in.get(url)
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()


def test_a_bad_date_is_refused_the_same_way_on_every_page(signed_in):
    # Behaviour changed by issue 8: every page reads dates through the one forms layer: a bad
    # date is a 400 with the NHS.UK error summary and the date input to put it right.
    for url in (
        "/systems/devon-2019/",
        "/systems/devon-2019/tree/",
        "/systems/devon-2019/areas/torbay/",
        "/systems/devon-2019/findings.json",
        "/systems/devon-2019/bodies/ice/",
        "/public/systems/devon-2019/",
        "/public/systems/devon-2019/areas/torbay/",
    ):
        for value, message in (
            ("last tuesday", "Date must be a real date, written in numbers"),
            ("2019-02-30", "Date must be a real date: February 2019 has no day 30"),
        ):
            response = signed_in.get(url, {"on": value})
            html = response.content.decode()
            assert response.status_code == 400, url
            assert "There is a problem" in html and message in html, (url, value)
            assert 'href="#id_on-day"' in html and 'id="id_on-day"' in html
    parts = signed_in.get("/systems/devon-2019/", {"on-day": "1", "on-year": "2019"})
    assert "Date must include a month" in parts.content.decode()
    ok = signed_in.get("/systems/devon-2019/", {"on-day": "1", "on-month": "4", "on-year": "2019"})
    assert ok.status_code == 200 and "Structure findings on 1 April 2019" in ok.content.decode()


def test_an_account_page_shows_roles_and_makes_and_revokes_tokens(client, universe):
    client.force_login(universe.accounts["analyst-15n"])
    html = client.get("/account/").content.decode()
    assert "Analyst of NHS Devon CCG" in html and "tests" in html
    made = client.post("/account/", {"token-name": "notebook", "token-days": "7"})
    assert made.status_code == 302, "made, then shown once after a redirect"
    shown = client.get("/account/").content.decode()
    assert "Copy it now" in shown and "cw_" in shown
    assert "Copy it now" not in client.get("/account/").content.decode(), "shown once"
    bad = client.post("/account/", {"token-name": "", "token-days": "999"})
    html = bad.content.decode()
    assert bad.status_code == 400 and "There is a problem" in html
    assert "Enter what the token is for" in html and "between 1 and 366" in html
    wrong = client.post(
        "/account/", {"password-current": "guess-1234567", "password-new": "another-long-one"}
    ).content.decode()
    assert "Your current password is not right" in wrong
    assert "guess-1234567" not in wrong and "another-long-one" not in wrong, "never echoed"
    from commonweal.core.models import ApiToken

    token = ApiToken.objects.get(owner=universe.accounts["analyst-15n"], name="notebook")
    other = ApiToken.objects.get(owner=universe.accounts["admin-15n"], name="tests")
    assert client.post("/account/", {"revoke": str(other.pk)}).status_code == 400
    assert ApiToken.objects.get(pk=other.pk).active, "someone else's token is not theirs to revoke"
    assert client.post("/account/", {"revoke": str(token.pk)}).status_code == 302
    assert not ApiToken.objects.get(pk=token.pk).active
