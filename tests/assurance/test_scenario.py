"""The issue's "done when", on the real data: Devon's system and place reports render as page,
PDF and API with exceptions drawn from the A&E series (an SPC concern), QOF 2020/21 (a place
significantly worse than England on an indicator whose definition sets low as good), the
finance example (a red line) and its pools (one needing an action plan); a response carries to
the next period while the data still triggers the exception, and the exception leaves the
report when newer data no longer does; the system report is on the ICE's forward plan."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from commonweal.assurance import actions, presenters, rules
from commonweal.assurance.models import AssuranceException, Response
from commonweal.core.actions import Actor
from commonweal.core.errors import Refused
from commonweal.core.models import Organisation
from commonweal.demo.finance import add_finance
from commonweal.meetings.models import ForwardPlanItem
from commonweal.outcomes import actions as outcomes
from commonweal.outcomes import data, importers
from commonweal.registry.actions import add_pcns, assign_networks
from commonweal.registry.importers import import_all
from commonweal.registry.models import Area

from ..factories import EXAMPLES, data_dir, needs_data

pytestmark = [pytest.mark.django_db, needs_data]
CL = Actor.command_line


@pytest.fixture
def devon_assured(devon):
    """Devon as the demo builds it: the registry's real data, PCNs placed, the QOF catalogue
    and the framework (with its own obesity reading), the A&E series and QOF prevalence, the
    finance example and its pools, the assurance framework and a high-severity quality concern
    in North Devon. All inside the test's transaction (the session's `real_data` would leave the
    national organisations behind for the tests that run after this one)."""
    cl = CL()
    real_data = data_dir()
    if not Organisation.objects.filter(code="U41591").exists():
        import_all(cl, real_data)
    add_pcns(cl, devon, "15N", parent="wider-devon")
    assign_networks(cl, EXAMPLES / "devon-2019-pcn-places.yaml")
    data.load_shipped(cl)
    outcomes.load_framework(cl, *outcomes.read_document(EXAMPLES / "devon-2019-outcomes.yaml"))
    importers.import_ae(cl, real_data / importers.AE)
    outcomes.compute_qof(cl, real_data)
    add_finance(cl)
    actions.load_framework(cl, *outcomes.read_document(EXAMPLES / "devon-2019-assurance.yaml"))
    north = Area.objects.get(system=devon, code="north")
    actions.record_concern(
        cl,
        north,
        actions.ConcernIn(
            "RBZ", "Ambulance handover delays", "QSG", "high", "Corridor waits", date(2021, 1, 12)
        ),
    )
    framework = presenters.framework_of(devon)
    assert framework is not None
    return framework


def keys(report: presenters.Report) -> set[tuple[str, str]]:
    return {(v.exception.line, v.exception.subject) for v in report.exceptions}


def test_exceptions_carry_their_response_and_leave_when_the_data_no_longer_triggers_them(
    devon_assured, client, universe
):
    framework = devon_assured
    system, places = (
        actions.scopes(framework.system)[0],
        {a.code: a for a in actions.scopes(framework.system)[1:]},
    )
    q3, q4, q1 = (rules.parse(s) for s in ("2017-18-q3", "2017-18-q4", "2018-19-q1"))

    # 2017/18 Q3: December 2017 is special-cause concern for Northern Devon and for the Royal
    # Devon and Exeter (their SPC charts to that month).
    actions.assess(CL(), framework, q3)
    first = presenters.report(framework, system, q3)
    assert {("ae-four-hour", "RBZ"), ("ae-four-hour", "RH8")} <= keys(first)
    rbz = AssuranceException.objects.get(scope=system, line="ae-four-hour", subject="RBZ")
    actions.respond(
        Actor.from_user(universe.accounts["analyst-15n"]),
        rbz,
        owner="Director of Commissioning",
        response="The A&E delivery board meets weekly.",
        actions=[
            {"action": "Open the assessment unit", "owner": "The trust", "due": date(2018, 1, 31)}
        ],
    )

    # 2017/18 Q4: Northern Devon's concern continues, its response carried; the Royal Devon
    # and Exeter's March is common cause, so it leaves; Torbay's March opens a new one.
    actions.assess(CL(), framework, q4)
    second = presenters.report(framework, system, q4)
    carried = next(v for v in second.exceptions if v.exception.subject == "RBZ")
    assert carried.exception.pk == rbz.pk and not carried.new and carried.since == q3
    assert carried.response is not None and carried.response.period == q3.slug
    assert carried.response.actions[0]["due"] == "2018-01-31"
    assert ("ae-four-hour", "RH8") not in keys(second)
    assert ("ae-four-hour", "RA9") in keys(second)
    left = AssuranceException.objects.get(scope=system, subject="RH8")
    assert left.closed == q4.slug
    with pytest.raises(Refused, match="left the report"):
        actions.respond(CL(), left, owner="x", response="too late")
    # The place's own report shows its trust only.
    assert keys(presenters.report(framework, places["south"], q4)) == {("ae-four-hour", "RA9")}

    # 2018/19 Q1: Torbay's June is common cause: its exception leaves; Northern Devon's stays.
    actions.assess(CL(), framework, q1)
    third = keys(presenters.report(framework, system, q1))
    assert ("ae-four-hour", "RA9") not in third and ("ae-four-hour", "RBZ") in third
    # An earlier period's reports stand as they were.
    with pytest.raises(Refused, match="already assessed"):
        actions.assess(CL(), framework, q4)
    assert keys(presenters.report(framework, system, q4)) == keys(second)

    # 2020/21 Q4: the ledger (M10), the pools and QOF 2020/21 too.
    q = rules.parse("2020-21-q4")
    done = actions.assess(CL(), framework, q)
    r = presenters.report(framework, system, q)
    found = keys(r)
    assert ("ae-four-hour", "RBZ") in found  # March 2019 is still special-cause concern
    assert ("outcomes", "adult-obesity-burden") in found  # 7.1% against England's 6.x%
    assert ("finance", "organisation:E10000008") in found  # Devon County Council, red
    assert ("pools", "pool:devon-bcf") in found  # beyond 1% of the pool: an action plan
    assert ("quality", "concern:QC-0001") in found
    pool = next(v for v in r.exceptions if v.exception.domain == "pools")
    assert pool.action_plan is not None  # the demo pool's plan is the response
    obesity = next(v for v in r.exceptions if v.exception.domain == "outcomes")
    assert obesity.reasons[0].startswith("Significantly worse than England")
    west = keys(presenters.report(framework, places["west"], q))
    assert ("outcomes", "adult-obesity-burden") in west and ("pools", "pool:plymouth-bcf") in west
    # Recorded prevalence with no polarity is never an exception, however it compares.
    assert not any(k[1].startswith("qof-") for k in found)

    # On the ICE's forward plan, once.
    item = ForwardPlanItem.objects.get(project=f"assurance:devon-assurance:{q.slug}")
    assert item.body.code == "ice" and done.plan_item == item
    assert actions.plan_report(CL(), framework, q) == item

    # The page, the PDF and the API say the same.
    client.force_login(universe.accounts["commissioner-15n"])
    page = client.get(f"/systems/devon-2019/assurance/{q.slug}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Summary of exceptions" in text and "Special cause concern" in text
    assert "Devon County Council" in text and "Significantly worse than England" in text
    assert f'forward plan as <a href="/organisations/15N/forward-plan/{item.reference}/">' in text
    pdf = client.get(f"/systems/devon-2019/assurance/{q.slug}/places/north/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    words = " ".join(p.extract_text() for p in reader.pages)
    assert "North Devon" in words and "Special cause concern" in words
    api = client.get(f"/api/systems/devon-2019/assurance/{q.slug}/places/west")
    assert api.status_code == 200
    body = api.json()
    assert {(e["line"], e["subject"]) for e in body["exceptions"]} == west
    assert client.get("/api/systems/devon-2019/assurance/2016-17-q1").status_code == 404
    assert Response.objects.count() == 1
