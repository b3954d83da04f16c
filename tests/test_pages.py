"""Pages, through Django's test client: who may see them and what they say."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, devon, sel):
    client.force_login(get_user_model().objects.create_user("clerk", password="a-long-password"))
    return client


def test_pages_need_a_login_except_public_ones(client, devon):
    for url in ("/", "/systems/devon-2019/", "/organisations/", "/organisations/15N/"):
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
    ):
        assert client.get(url).status_code == 200, url


def test_login_form_reports_a_wrong_password(client):
    get_user_model().objects.create_user("ann", password="right-password")
    response = client.post("/accounts/login/", {"username": "ann", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "<title>Error: Sign in" in html
    response = client.post("/accounts/login/", {"username": "ann", "password": "right-password"})
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
    bad = signed_in.get("/systems/devon-2019/", {"on": "last tuesday"})
    assert bad.status_code == 400 and "write it as YYYY-MM-DD" in bad.content.decode()
    assert (
        signed_in.get("/systems/devon-2019/findings.json", {"on": "soon"}).json()["error"]["status"]
        == 400
    )


def test_public_pages_do_not_link_to_private_ones(client, devon):
    html = client.get("/public/systems/devon-2019/areas/torbay/").content.decode()
    assert "Torbay Council" in html
    assert 'href="/organisations/' not in html and 'href="/systems/' not in html
