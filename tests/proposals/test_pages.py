"""The proposal pages, the API and the command line: the board filtered by programme, place
and organisation (an unknown one is a 400 naming it); the public register showing only
proposals that reached formal approval; the North East and West Yorkshire examples with their
stages and work programme; approval refused through the API while a route step lacks a valid
decision."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from commonweal.core.actions import Actor
from commonweal.governance.actions import load_governance, load_scheme
from commonweal.proposals import actions
from commonweal.proposals.models import Proposal
from commonweal.registry.actions import EXAMPLES_DIR, example_path, load_system

from .conftest import review

pytestmark = pytest.mark.django_db
BOARD = "/systems/devon-2019/proposals/"


def test_the_board_filters_and_refuses_what_it_does_not_know(client, universe, proposal):
    cl = Actor.command_line()
    other = actions.create(
        cl,
        proposal.system,
        review(title="Urgent care hubs", programme="urgent-care", footprint="north"),
    )
    client.force_login(universe.accounts["analyst-15n"])
    page = client.get(BOARD).content.decode()
    assert proposal.title in page and other.title in page
    page = client.get(BOARD, {"programme": "urgent-care"}).content.decode()
    assert other.title in page and proposal.title not in page
    page = client.get(BOARD, {"place": "north"}).content.decode()
    assert other.title in page and proposal.title not in page
    page = client.get(BOARD, {"organisation": "15N"}).content.decode()
    assert other.title in page and proposal.title in page
    for name, value in (("programme", "nope"), ("place", "plymouth-x"), ("organisation", "ZZZ")):
        response = client.get(BOARD, {name: value})
        assert response.status_code == 400
        assert f"{name}: " in response.content.decode() and value in response.content.decode()
    # The analyst reads but creates nothing.
    assert "New proposal" not in page
    assert client.get(BOARD + "new/").status_code == 403


def test_the_public_register_shows_a_proposal_once_it_reaches_stage_4(client, proposal):
    public = f"/public/systems/devon-2019/proposals/{proposal.number}/"
    assert client.get(public).status_code == 404
    board = client.get("/public/systems/devon-2019/proposals/").content.decode()
    assert proposal.title not in board
    # Nor does the filter name the organisation leading it: only leads of public proposals.
    assert '<option value="15N"' not in board
    Proposal.objects.filter(pk=proposal.pk).update(state="stage-4", stage=4, public=True)
    later = date.today() + timedelta(days=40)
    actions.seek_approval(
        Actor.command_line(), proposal, "approve", decision_type="policy", due=later
    )
    page = client.get(public).content.decode()
    assert proposal.title in page and "Route to approval" in page
    # The route's steps by who takes them, not the engine's sentences with the amounts.
    assert "Integrated Commissioning Executive recommends" in page
    assert "1,200,000" not in page and "£" not in page
    assert "Travel times" not in page  # its risks
    assert "Money" not in page and "Documents" not in page and "History of changes" not in page
    board = client.get("/public/systems/devon-2019/proposals/").content.decode()
    assert proposal.title in board and '<option value="15N"' in board


def test_a_form_error_comes_back_on_the_field_with_status_400(client, universe, setup):
    client.force_login(universe.accounts["commissioner-15n"])
    response = client.post(BOARD + "new/", {"title": "", "money_1_cost": "lots"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Enter title" in page
    assert "Money line 1: cost (£) must be" in page
    assert not Proposal.objects.exists()


def test_approval_is_refused_through_the_api_while_a_step_lacks_a_decision(
    client, universe, proposal
):
    Proposal.objects.filter(pk=proposal.pk).update(state="stage-4", stage=4)
    base = f"/api/systems/devon-2019/proposals/{proposal.number}"
    headers = universe.headers("commissioner-15n")
    later = (date.today() + timedelta(days=40)).isoformat()
    asked = client.post(
        base + "/approval",
        {"transition": "approve", "decision_type": "policy", "due": later},
        content_type="application/json",
        headers=headers,
    )
    assert asked.status_code == 201, asked.content
    assert asked.json()["route"]["decidable"] is True
    response = client.post(
        base + "/advance",
        {"transition": "approve"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    problems = [p["message"] for p in response.json()["error"]["problems"]]
    assert problems == [
        "15N.R1.recommend (recommend): nothing is recorded for it yet",
        "15N.R1.decide (decide): nothing is recorded for it yet",
    ]
    assert Proposal.objects.get(pk=proposal.pk).state == "stage-4"
    # Another organisation's administrator may not move it at all.
    refused = client.post(
        base + "/advance",
        {"transition": "approve"},
        content_type="application/json",
        headers=universe.headers("admin-torbay"),
    )
    assert refused.status_code == 403


def _load(slug: str) -> None:
    cl = Actor.command_line()
    load_system(cl, EXAMPLES_DIR / f"{slug}.yaml")
    load_governance(cl, EXAMPLES_DIR / f"{slug}-governance.yaml")
    for path in sorted(EXAMPLES_DIR.glob(f"{slug}-scheme-*.yaml")):
        load_scheme(cl, path)
    actions.read_setup(cl, example_path(f"{slug}-proposals"))


def test_the_north_east_and_west_yorkshire_examples_show_their_stages_and_work_programme(
    client, universe
):
    _load("nenc-2019")
    _load("wyh-2019")
    client.force_login(universe.accounts["analyst-15n"])
    page = client.get("/systems/nenc-2019/proposals/").content.decode()
    for stage in (
        "Stage 1: development of workstream proposals",
        "Stage 2: quality assurance",
        "Stage 3: sign-off from ICS stakeholders",
        "Stage 4: formal approval",
    ):
        assert stage in page
    page = client.get("/systems/wyh-2019/proposals/").content.decode()
    for programme in ("Cancer", "Mental health", "Stroke", "Urgent and emergency care"):
        assert programme in page
    stroke = client.get("/systems/wyh-2019/proposals/programmes/stroke/").content.decode()
    assert "Agree configuration of Hyper Acute and Acute stroke services." in stroke
    # The stroke programme runs its own steps, from outline business case to delivery plan.
    p = actions.create(
        Actor.command_line(),
        Proposal.objects.model.system.field.related_model.objects.get(slug="wyh-2019"),
        actions.ProposalIn(
            title="Hyper acute stroke services", service="Stroke", footprint="wyh", lead="15F",
            programme="stroke",
        ),
    )  # fmt: skip
    assert p.workflow.code == "joint-committee-stroke"
    page = client.get(f"/systems/wyh-2019/proposals/{p.number}/").content.decode()
    for step in (
        "Outline business case under review",
        "Readiness to consult",
        "Public consultation",
    ):
        assert step in page
    # A system-wide business case of the North East goes to its CCG joint committee, jointly.
    nenc = actions.create(
        Actor.command_line(),
        p.system.__class__.objects.get(slug="nenc-2019"),
        actions.ProposalIn(
            title="Stroke network", service="Stroke", footprint="nenc", lead="13T",
            money=[actions.MoneyIn("13T", 2020, 1_000_000_00), actions.MoneyIn("00P", 2020, 600_000_00)],
            sponsors=["00P"],
        ),
    )  # fmt: skip
    Proposal.objects.filter(pk=nenc.pk).update(state="stage-4", stage=4)
    approval = actions.seek_approval(
        Actor.command_line(), nenc, "approve", decision_type="business_case",
        due=date.today() + timedelta(days=30),
    )  # fmt: skip
    assert approval.steps[-1][:2] == ["joint.joint-ccg-committee.decide_jointly", "decide_jointly"]


def test_the_command_line_loads_a_workflow_and_refuses_a_bad_one(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "workflow: {code: bad, name: Bad, initial: draft}\n"
        "states:\n  - {code: draft, name: Draft}\n  - {code: done, name: Done, final: true}\n"
        "transitions:\n  - {code: go, name: Go, from: draft, to: gone, by: {role: commissioner}}\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("load_workflow", str(bad), stderr=err)
    assert f"{bad}:6: transitions[0].to: unknown state 'gone'" in err.getvalue()
    out = io.StringIO()
    call_command("load_workflow", "four-stages", stdout=out)
    assert out.getvalue().strip() == "four-stages: version 1 loaded"


def test_the_kept_board_shows_a_proposal_moved_on_at_once(client, universe, proposal, commissioner):
    """The board is kept per data stamp: a proposal created or moved shows at once."""
    client.force_login(universe.accounts["analyst-15n"])

    def column_of(title: str) -> str:
        page = client.get(BOARD).content.decode()
        at = page.index(title)
        return page[page.rindex('<h2 id="state-', 0, at) :].split('"')[1]

    assert column_of(proposal.title) == "state-draft"
    actions.advance(commissioner, proposal, "start")
    assert column_of(proposal.title) == "state-stage-1"
    other = actions.create(commissioner, proposal.system, review(title="Community beds"))
    assert column_of(other.title) == "state-draft"


def test_the_api_refuses_dates_out_of_range_and_organisations_outside_the_system(
    client, universe, proposal
):
    Proposal.objects.filter(pk=proposal.pk).update(state="stage-4", stage=4)
    base = f"/api/systems/devon-2019/proposals/{proposal.number}"
    headers = universe.headers("commissioner-15n")
    for due in ("0001-01-01", "9999-12-31", (date.today() - timedelta(days=1)).isoformat()):
        response = client.post(
            base + "/approval",
            {"transition": "approve", "decision_type": "policy", "due": due},
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code in (400, 422), (due, response.content)
        assert "due" in response.content.decode()
    assert not proposal.approvals.exists()
    made = client.post(
        "/api/systems/devon-2019/proposals",
        {"title": "T", "service": "S", "footprint": "north", "lead": "72Q", "sponsors": ["15N"]},
        content_type="application/json",
        headers=universe.headers("admin-sel"),
    )
    assert made.status_code in (403, 422), made.content
    assert Proposal.objects.count() == 1


def test_documents_are_for_the_partners(client, universe, proposal, commissioner):
    from ..meetings.papers import pdf

    kept = actions.keep_document(commissioner, proposal, "business-case", "case.pdf", pdf())
    address = f"{BOARD}{proposal.number}/documents/{kept.pk}/"
    client.force_login(universe.accounts["analyst-15n"])  # a role in the lead: a partner
    assert client.get(address).status_code == 200
    page = client.get(f"{BOARD}{proposal.number}/").content.decode()
    assert "case.pdf" in page
    client.force_login(universe.accounts["admin-sel"])
    assert client.get(address).status_code == 403
    page = client.get(f"{BOARD}{proposal.number}/").content.decode()
    assert f"/documents/{kept.pk}/" not in page and "for the people of NHS Devon CCG" in page


def test_saving_the_edit_page_keeps_every_money_line(client, universe, setup, commissioner):
    lines = [actions.MoneyIn("15N", 2020 + n, cost=(n + 1) * 1000_00) for n in range(7)]
    p = actions.create(commissioner, setup.system, review(money=lines))
    client.force_login(universe.accounts["commissioner-15n"])
    address = f"{BOARD}{p.number}/edit/"
    page = client.get(address).content.decode()
    assert 'name="money_8_year"' in page and 'name="money_9_year"' not in page
    form = {
        "title": "Renamed",
        "service": p.service,
        "footprint": "wider-devon",
        "lead": "15N",
        **{f"money_{n + 1}_organisation": "15N" for n in range(7)},
        **{f"money_{n + 1}_year": str(2020 + n) for n in range(7)},
        **{f"money_{n + 1}_cost": f"{(n + 1) * 1000}" for n in range(7)},
    }
    assert client.post(address, form).status_code == 302
    p.refresh_from_db()
    assert p.title == "Renamed" and p.money.count() == 7
