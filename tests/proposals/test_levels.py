"""The right level and scoring on a Devon proposal: the North East and North Cumbria flowchart to
system level and to place level, three assessors scoring seed 003's matrix blind (tested through
the API), one refused for a declared interest, moderation and the derived total against 15."""

import csv
import io
import json

import pytest

from commonweal.core.actions import Actor
from commonweal.core.errors import Conflict, NotPermitted, Refused
from commonweal.proposals import actions
from commonweal.proposals.models import Assessment, Moderation, Triage

from .conftest import review

pytestmark = pytest.mark.django_db

SYSTEM = {"national": "No", "vulnerability": "Yes", "assessment": "Yes"}
PLACE = {"national": "No", "vulnerability": "No"}
# Three assessors' sheets for the seed's six criteria.
SHEETS = {
    "alex-morgan": {
        "aspirations": 4,
        "quality-safety": 4,
        "finance-efficiency": 3,
        "risk": 3,
        "delivery-timeline": 3,
        "contracting-procurement": 1,
    },
    "jo-evans": {
        "aspirations": 5,
        "quality-safety": 3,
        "finance-efficiency": 1,
        "risk": 4,
        "delivery-timeline": 4,
        "contracting-procurement": 1,
    },
    "finance-torbay": {
        "aspirations": 4,
        "quality-safety": 4,
        "finance-efficiency": 4,
        "risk": 3,
        "delivery-timeline": 3,
        "contracting-procurement": 5,
    },
}


def test_triage_follows_the_flowchart_to_system_level(proposal, commissioner):
    t = actions.triage(commissioner, proposal, SYSTEM, note="Supported by the CLG")
    assert t.level == "system" and t.result == "system"
    assert [s["question"] for s in t.path] == ["national", "vulnerability", "assessment"]
    assert "Develop a business case" in t.text and not t.advice
    # Yes to the first question goes straight to the assessment; answers off the path are unused.
    direct = actions.triage(
        commissioner, proposal, {"national": "yes", "vulnerability": "No", "assessment": "YES"}
    )
    assert [s["question"] for s in direct.path] == ["national", "assessment"]
    assert proposal.triages.first() == direct  # the latest is the current level


def test_triage_to_place_level_gives_the_escalation_advice(setup, commissioner):
    other = actions.create(commissioner, setup.system, review(title="Community falls service"))
    t = actions.triage(commissioner, other, PLACE)
    assert t.level == "place" and t.result == "place"
    assert "Escalate any barriers to sustainability to the ICS Management Group" in t.advice
    not_supported = actions.triage(commissioner, other, {**SYSTEM, "assessment": "No"})
    assert not_supported.level == "place" and "did not find support" in not_supported.text


def test_triage_refuses_a_missing_or_unknown_answer_and_others(proposal, commissioner, universe):
    with pytest.raises(Refused) as missing:
        actions.triage(commissioner, proposal, {"national": "No"})
    assert missing.value.problems[0].field == "answers.vulnerability"
    assert "more than one ICP" in missing.value.problems[0].message
    with pytest.raises(Refused) as unknown:
        actions.triage(commissioner, proposal, {"national": "Maybe"})
    assert "'Maybe' is not an answer" in unknown.value.problems[0].message
    with pytest.raises(NotPermitted):
        actions.triage(Actor.from_user(universe.accounts["admin-sel"]), proposal, SYSTEM)
    assert not Triage.objects.exists()


def _api(client, universe, who, path, body=None):
    headers = universe.headers(who)
    if body is None:
        return client.get(path, headers=headers)
    return client.post(path, body, content_type="application/json", headers=headers)


def test_three_assessors_score_blind_and_the_moderated_total_decides(
    client, universe, proposal, setup
):
    base = f"/api/systems/devon-2019/proposals/{proposal.number}"
    # Scoring before declaring interests is refused.
    early = _api(client, universe, "alex-morgan", base + "/scores", {"scores": {"risk": 3}})
    assert early.status_code == 422 and "Declare your interests" in early.content.decode()
    # The commissioner declares a financial interest and is refused.
    declared = _api(
        client,
        universe,
        "commissioner-15n",
        base + "/interest",
        {"interest": "financial", "detail": "Shares in a provider bidding for the service"},
    )
    assert declared.status_code == 201, declared.content
    refused = _api(client, universe, "commissioner-15n", base + "/scores", {"scores": {"risk": 3}})
    assert refused.status_code == 403 and "conflicted" in refused.content.decode()
    # Three assessors declare none; the first saves an incomplete assessment.
    for who in SHEETS:
        r = _api(client, universe, who, base + "/interest", {"interest": "none"})
        assert r.status_code == 201, r.content
    partial = _api(
        client, universe, "alex-morgan", base + "/scores", {"scores": {"aspirations": 4}}
    )
    assert partial.status_code == 201
    assert partial.json()["scoring"]["mine"]["scores"] == {"aspirations": 4}
    incomplete = _api(
        client,
        universe,
        "alex-morgan",
        base + "/scores",
        {"scores": {"risk": 3}, "submit": True},
    )
    assert incomplete.status_code == 422 and "no score for" in incomplete.content.decode()
    for bad in (6, 0, True):
        r = _api(client, universe, "jo-evans", base + "/scores", {"scores": {"risk": bad}})
        assert r.status_code == 422, (bad, r.content)
    # Jo submits first: Alex, who has not, sees none of Jo's scores, by any route.
    jo = _api(
        client,
        universe,
        "jo-evans",
        base + "/scores",
        {"scores": SHEETS["jo-evans"], "submit": True},
    )
    assert jo.status_code == 201
    jo_id = jo.json()["scoring"]["mine"]["id"]
    seen_by_alex = _api(client, universe, "alex-morgan", base + "/levels").json()["scoring"]
    assert not seen_by_alex["scores_visible"]
    assert all(c["spread"] is None and c["moderated"] is None for c in seen_by_alex["criteria"])
    others = [a for a in seen_by_alex["assessors"] if a["name"] != "Alex Morgan"]
    assert others and all(a["scores"] is None and a["total"] is None for a in others)
    assert _api(client, universe, "alex-morgan", f"{base}/assessments/{jo_id}").status_code == 403
    assert client.get(
        f"/systems/devon-2019/proposals/{proposal.number}/scores.csv",
        headers=universe.headers("alex-morgan"),
    ).status_code in (403, 302)
    # Jo cannot see Alex's work in progress either (not yet submitted).
    alex_id = Assessment.objects.get(
        proposal=proposal, assessor=universe.accounts["alex-morgan"]
    ).pk
    assert _api(client, universe, "jo-evans", f"{base}/assessments/{alex_id}").status_code == 403
    for who in ("alex-morgan", "finance-torbay"):
        r = _api(client, universe, who, base + "/scores", {"scores": SHEETS[who], "submit": True})
        assert r.status_code == 201, r.content
    # Submitted: no more changes.
    again = _api(client, universe, "jo-evans", base + "/scores", {"scores": {"risk": 1}})
    assert again.status_code == 409
    seen = _api(client, universe, "alex-morgan", base + "/levels").json()["scoring"]
    assert seen["scores_visible"]
    spread = {c["code"]: c["spread"] for c in seen["criteria"]}
    assert sorted(spread["finance-efficiency"]["scores"]) == [1, 3, 4]
    assert spread["finance-efficiency"]["disagreement"]
    assert spread["contracting-procurement"]["lowest"] == 1
    assert spread["contracting-procurement"]["highest"] == 5
    assert not spread["risk"]["disagreement"]
    assert (
        _api(client, universe, "alex-morgan", f"{base}/assessments/{jo_id}").json()["scores"]
        == SHEETS["jo-evans"]
    )
    # A conflicted assessor may not moderate; nor may one who has not submitted.
    no = _api(
        client,
        universe,
        "commissioner-15n",
        base + "/moderation",
        {"criterion": "risk", "score": 3, "rationale": "x"},
    )
    assert no.status_code == 403
    agreed = {
        "aspirations": 4,
        "quality-safety": 4,
        "finance-efficiency": 2,
        "risk": 3,
        "delivery-timeline": 3,
    }
    for code, score in agreed.items():
        r = _api(
            client,
            universe,
            "alex-morgan",
            base + "/moderation",
            {"criterion": code, "score": score, "rationale": f"Agreed on {code}"},
        )
        assert r.status_code == 201, r.content
    undecided = r.json()["scoring"]
    assert undecided["complete"] is False and undecided["eligible"] is False
    assert "1 of 6 criteria have no score" in undecided["explanation"]
    last = _api(
        client,
        universe,
        "finance-torbay",
        base + "/moderation",
        {"criterion": "contracting-procurement", "score": 1, "rationale": "Not identified"},
    ).json()["scoring"]
    assert last["total"] == "17" and last["eligible"] is True
    assert "reaches the minimum of 15" in last["explanation"]
    # A later moderation replaces the earlier one and the total follows: 17 - 4 + 1 = 14.
    lower = _api(
        client,
        universe,
        "jo-evans",
        base + "/moderation",
        {"criterion": "aspirations", "score": 1, "rationale": "No link to ICS aspirations shown"},
    ).json()["scoring"]
    assert lower["total"] == "14" and lower["eligible"] is False
    assert Moderation.objects.filter(proposal=proposal, criterion="aspirations").count() == 2
    # Once decided, the result is the proposal's: its lead commissioner (conflicted, so never
    # scoring) sees the moderated total, but still no individual's scores.
    lead = _api(client, universe, "commissioner-15n", base + "/levels").json()["scoring"]
    assert lead["total"] == "14" and not lead["scores_visible"]
    assert all(a["scores"] is None for a in lead["assessors"] if a["name"] != "Commissioner 15N")


def test_scores_export_as_csv_to_those_who_submitted(client, universe, proposal, setup):
    for who, sheet in SHEETS.items():
        actor = Actor.from_user(universe.accounts[who])
        actions.declare_interest(actor, proposal, interest="none")
        actions.score(actor, proposal, sheet, submit=True)
    alex = Actor.from_user(universe.accounts["alex-morgan"])
    actions.moderate(alex, proposal, criterion="risk", score=3, rationale="=cmd|' /C calc'!A0")
    client.force_login(universe.accounts["alex-morgan"])
    response = client.get(f"/systems/devon-2019/proposals/{proposal.number}/scores.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    risk = [r for r in rows if r["criterion"] == "risk"]
    assert sorted(int(r["score"]) for r in risk if r["role"] == "assessor") == [3, 3, 4]
    moderated = next(r for r in risk if r["role"] == "moderated")
    assert moderated["note"].startswith("'=")  # a spreadsheet shows it, never runs it


def test_assessing_needs_the_permission_in_the_system(universe, proposal, setup):
    outsider = Actor.from_user(universe.accounts["admin-sel"])
    with pytest.raises(NotPermitted):
        actions.declare_interest(outsider, proposal, interest="none")
    analyst = Actor.from_user(universe.accounts["analyst-15n"])
    with pytest.raises(NotPermitted):
        actions.declare_interest(analyst, proposal, interest="none")
    jo = Actor.from_user(universe.accounts["jo-evans"])
    with pytest.raises(Refused) as unsaid:
        actions.declare_interest(jo, proposal, interest="indirect")
    assert unsaid.value.problems[0].field == "detail"
    a = actions.declare_interest(jo, proposal, interest="none")
    actions.score(jo, proposal, {"risk": 2})
    # Declaring an interest later sets the saved scores aside.
    a = actions.declare_interest(jo, proposal, interest="indirect", detail="Spouse at the trust")
    assert a.conflicted and a.scores == {}
    with pytest.raises(NotPermitted):
        actions.score(jo, proposal, {"risk": 2})
    with pytest.raises(Refused):
        actions.moderate(jo, proposal, criterion="risk", score=3, rationale="")
    with pytest.raises(Conflict):
        a.submitted = a.declared
        a.save()
        actions.declare_interest(jo, proposal, interest="none")


def test_the_level_and_scoring_page(client, universe, proposal, commissioner):
    actions.triage(commissioner, proposal, PLACE)
    client.force_login(universe.accounts["commissioner-15n"])
    page = client.get(f"/systems/devon-2019/proposals/{proposal.number}/level-and-scoring/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Place level." in html and "Escalate any barriers" in html
    # The catalogue's suggestion for "Specialist clinical services".
    assert "Strategic commissioning" in html and "Specialised acute services" in html
    assert "No descriptor in the framework" in html  # delivery and timeline's 1 and 2
    assert "A score between 15–25 would be eligible" in html
    on_proposal = client.get(f"/systems/devon-2019/proposals/{proposal.number}/").content.decode()
    assert "Triaged to <strong>place level</strong>" in on_proposal
    bad = client.post(
        f"/systems/devon-2019/proposals/{proposal.number}/triage/", {"q_national": "No"}
    )
    assert bad.status_code == 400 and "more than one ICP" in bad.content.decode()
    ok = client.post(
        f"/systems/devon-2019/proposals/{proposal.number}/triage/",
        {"q_national": "Yes", "q_assessment": "Yes", "note": "CLG supported"},
    )
    assert ok.status_code == 302 and proposal.triages.first().level == "system"
    declared = client.post(
        f"/systems/devon-2019/proposals/{proposal.number}/interest/", {"interest": "financial"}
    )
    assert declared.status_code == 400 and "Say what the interest is" in declared.content.decode()


def test_the_command_line_triages_and_scores(tmp_path):
    from django.core.management import call_command

    from commonweal.registry.actions import example_path

    out = io.StringIO()
    call_command("triage", str(example_path("nenc-2019-triage")), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["level"] == "system" and len(result["path"]) == 3
    out = io.StringIO()
    call_command("score", str(example_path("nenc-2019-scores")), "--json", stdout=out)
    scored = json.loads(out.getvalue())
    assert scored["total"] == "18" and scored["eligible"]
    refused = [a for a in scored["assessors"] if a["refused"]]
    assert [a["name"] for a in refused] == ["Assessor D"]


def test_moderation_waits_for_every_assessor_and_never_shows_in_the_history(
    client, universe, proposal, setup
):
    actors = {who: Actor.from_user(universe.accounts[who]) for who in SHEETS}
    for a in actors.values():
        actions.declare_interest(a, proposal, interest="none")
    actions.score(actors["jo-evans"], proposal, SHEETS["jo-evans"], submit=True)
    with pytest.raises(Conflict, match="waits for"):
        actions.moderate(actors["jo-evans"], proposal, criterion="risk", score=4, rationale="r")
    for who in ("alex-morgan", "finance-torbay"):
        actions.score(actors[who], proposal, SHEETS[who], submit=True)
    actions.moderate(actors["jo-evans"], proposal, criterion="risk", score=5, rationale="r")
    # Nobody new joins once moderation has begun.
    late = Actor.from_user(universe.accounts["finance-devon"])
    with pytest.raises(Conflict, match="has begun"):
        actions.declare_interest(late, proposal, interest="none")
    # The proposal's history (shown to anyone signed in) says nothing of scores.
    client.force_login(universe.accounts["analyst-15n"])
    page = client.get(f"/systems/devon-2019/proposals/{proposal.number}/").content.decode()
    assert "moderated" not in page
    api = client.get(f"/api/systems/devon-2019/proposals/{proposal.number}/levels").json()
    assert api["scoring"]["assessors"] == [] and api["scoring"]["total"] is None


def test_a_withdrawn_proposal_is_no_longer_triaged_or_assessed(proposal, commissioner, universe):
    actions.advance(commissioner, proposal, "withdraw")
    proposal.refresh_from_db()
    with pytest.raises(Conflict, match="no longer assessed"):
        actions.triage(commissioner, proposal, SYSTEM)
    with pytest.raises(Conflict):
        actions.declare_interest(
            Actor.from_user(universe.accounts["jo-evans"]), proposal, interest="none"
        )


def test_a_set_up_from_before_the_frameworks_says_what_to_do(client, universe, proposal, setup):
    """A database upgraded from before issue 19 holds set-ups naming no tree or framework."""
    from commonweal.proposals.models import Setup

    Setup.objects.filter(pk=setup.pk).update(triage=None, scoring=None, catalogue=None)
    client.force_login(universe.accounts["commissioner-15n"])
    page = client.get(f"/systems/devon-2019/proposals/{proposal.number}/level-and-scoring/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "names no scoring framework yet" in html and "names no level-triage tree yet" in html
    r = client.post(
        f"/api/systems/devon-2019/proposals/{proposal.number}/interest",
        {"interest": "none"},
        content_type="application/json",
        headers=universe.headers("jo-evans"),
    )
    assert r.status_code == 409 and "load-proposals" in r.content.decode()
