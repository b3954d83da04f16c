"""Every URL and every registered action is protected, with no skip list.

- Every URL pattern is built from `PAGES` (a pattern with no entry fails the test): signed-out
  visitors are sent to sign in (or get 401 from the API), except the public pages.
- Every page that takes a write says so in `PAGE_WRITES`; every other page refuses POST (405).
- Every API operation that writes has a case in `API_WRITES`; every action registered with
  `@action` has a case in `ACTION_CASES` (an action without one fails the test). For each write:
  anonymous refused, a person without the role refused, a person acting for another organisation
  refused, the right person allowed.
- `test_the_metatest_fails_when_a_check_is_removed` takes the permission check out of one action
  and shows the metatest then fails.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from commonweal.api import api
from commonweal.core.actions import ACTIONS, Actor
from commonweal.core.errors import NotPermitted
from commonweal.core.models import ApiToken, Organisation, OrganisationKind, Role, RoleAssignment

from ..factories import EXAMPLES, epraccur_row, write_csv

pytestmark = pytest.mark.django_db

# Every URL pattern's name and the arguments to build it with.
PAGES: dict[str, list[str]] = {
    "home": [],
    "login": [],
    "logout": [],
    "account": [],
    "health": [],
    "system": ["devon-2019"],
    "tree": ["devon-2019"],
    "area": ["devon-2019", "torbay"],
    "system-findings-json": ["devon-2019"],
    "organisations": [],
    "organisation": ["15N"],
    "bodies": ["devon-2019"],
    "body": ["devon-2019", "ice"],
    "schemes": ["devon-2019"],
    "scheme": ["devon-2019", "15N", "2019-04"],
    "who-decides": ["devon-2019"],
    "public-home": [],
    "public-system": ["devon-2019"],
    "public-tree": ["devon-2019"],
    "public-area": ["devon-2019", "torbay"],
    "forward-plan": ["15N"],
    "plan-new": ["15N"],
    "plan-item": ["15N", "{plan}"],
    "meetings": ["devon-2019", "ice"],
    "meetings-overview": [],
    "meeting": ["{meeting}"],
    "agenda": ["{meeting}"],
    "agenda-item": ["{meeting}", "1"],
    "attendance": ["{meeting}"],
    "declarations": ["{meeting}"],
    "paper": ["{paper}"],
    "my-interests": [],
    "interest": ["{interest}"],
    "register": ["15N"],
    "returns-due": ["15N"],
    "gifts": ["15N"],
    "dispensations": ["E10000008"],
    "decisions": [],
    "decision": ["{decision}"],
    "officer-decision": ["devon-2019"],
    "revalidation": ["devon-2019"],
    "meeting-record": ["{meeting}"],
    "record-decision": ["{meeting}", "1"],
    "urgent-action": ["{meeting}", "1"],
    "minutes": ["{minutes}"],
    "public-decisions": [],
    "public-decisions-csv": [],
    "public-decisions-json": [],
    "public-decision": ["{reference}"],
    "public-atom": [],
    "public-body-atom": ["devon-2019", "ice"],
    "public-anchors": [],
    "public-anchors-jsonl": [],
    "public-meetings": [],
    "public-calendar": [],
    "public-meeting": ["{meeting}"],
    "public-minutes": ["{meeting}"],
    "public-paper": ["{paper}"],
    "public-pack": ["{meeting}"],
    "public-pack-status": ["{meeting}"],
    "public-pack-file": ["{pack}"],
    "public-minutes-pdf": ["{meeting}", "{approved}"],
    "meeting-pack": ["{meeting}"],
    "meeting-pack-status": ["{meeting}"],
    "pack-file": ["{pack}"],
    "public-body": ["devon-2019", "ice"],
    "public-body-ics": ["devon-2019", "ice"],
    "public-meetings-ics": [],
    "public-meetings-csv": [],
    "public-meetings-json": [],
    "public-agenda-csv": [],
    "public-agenda-json": [],
    "public-registers": ["devon-2019"],
    "public-interests": ["15N"],
    "public-interests-csv": ["15N"],
    "public-interests-json": ["15N"],
    "public-gifts": ["15N"],
    "public-gifts-csv": ["15N"],
    "public-gifts-json": ["15N"],
    "public-key-decisions": ["E10000008"],
    "public-key-decisions-csv": ["E10000008"],
    "public-key-decisions-json": ["E10000008"],
    "public-forward-plan": ["15N"],
    "public-forward-plan-csv": ["15N"],
    "public-forward-plan-json": ["15N"],
    "finance": ["devon-2019"],
    "finance-year": ["devon-2019", "2020"],
    "finance-position": ["devon-2019", "2020"],
    "finance-savings": ["devon-2019", "2020"],
    "finance-export": ["devon-2019", "2020", "monitoring", "xlsx"],
    "finance-returns": ["devon-2019", "2020"],
    "finance-return": ["devon-2019", "2020", "{return}"],
    "finance-return-status": ["devon-2019", "2020", "{return}"],
    "finance-vire": ["devon-2019", "2020"],
    "public-finances": ["devon-2019"],
    "public-finance": ["devon-2019", "2020"],
}
# Pages only those who manage a body's meetings may open, even to read (its clerk's tools).
MANAGERS_ONLY = {"agenda", "attendance", "declarations"}
# Pages only those who may plan an organisation's business may open (its form offers them).
PLANNERS_ONLY = {"plan-new"}
# Pages of one person's entry: their own, and their organisation's governance team's.
KEEPERS_ONLY = {"interest"}
# Pages anyone may read without signing in.
OPEN = {"login", "health"} | {name for name in PAGES if name.startswith("public-")}
# Pages that take a write, and why each is safe: signing in and out act on the visitor's own
# session; the account page acts only on the signed-in person's own tokens and password (its
# refusals are tested in tests/registry/test_pages.py and by the actions' cases below).
PAGE_WRITES = {"login", "logout", "account"}
# Pages whose forms call the meetings' and interests' actions: every write they make is an
# action's, refused by its permission check (each action has its case below); the journeys in
# tests/meetings and tests/interests show the refusals through the pages.
PAGE_WRITES |= {
    "plan-new",
    "plan-item",
    "meetings",
    "meeting",
    "agenda",
    "agenda-item",
    "attendance",
    "declarations",
    "my-interests",
    "interest",
    "register",
    "gifts",
    "dispensations",
}
# The finance pages' forms call the finance actions (open a year, close a month, hand in a
# return, make a virement), each refused by its own check; tests/finance/test_pages.py shows the
# refusals through the pages.
PAGE_WRITES |= {"finance", "finance-year", "finance-position", "finance-returns", "finance-vire"}
# The decision pages' forms call the decisions' actions, each refused by its own check (each
# has its case below); tests/decisions shows the refusals through the pages.
PAGE_WRITES |= {
    "decision",
    "officer-decision",
    "revalidation",
    "meeting-record",
    "record-decision",
    "urgent-action",
    "minutes",
}

# Allocations (issue 15): the index's form drafts one; the allocation's forms add and remove
# lines, submit, decide, link a decision and record a refusal, each through an action refused
# by its own check (cases below); tests/allocations/test_pages.py shows refusals through pages.
PAGES |= {
    "allocations": ["devon-2019"],
    "allocation": ["devon-2019", "{allocation}"],
    "allocation-export": ["devon-2019", "{allocation}"],
}
PAGE_WRITES |= {"allocations", "allocation"}

# API operations: example path parameters.
PATH_PARAMS = {
    "slug": "devon-2019",
    "code": "15N",
    "organisation": "15N",
    "version": "2019-04",
    "token_id": "0",
    "start": "2020",
}
AREA_CODES = {
    "/api/systems/{slug}/areas/{code}": "torbay",
    "/api/systems/{slug}/bodies/{code}": "ice",
}
# API operations that use POST only to ask a question (no change): any signed-in person may.
API_QUESTIONS = {("post", "/api/route"), ("post", "/api/validate")}


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, str]]:
    out = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if (p.namespace or "") == "api":
                continue  # the API is walked through its OpenAPI document
            out += _patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append((p.name or "", prefix + str(p.pattern)))
    return out


def _page_args(universe: Any) -> dict[str, list[str]]:
    """Each page's arguments, with the example business's ids put in."""
    from commonweal.core.actions import Actor
    from commonweal.demo.papers import sample_pdf
    from commonweal.meetings import actions as meetings
    from commonweal.meetings.papers import Inspected

    b = _business(universe)
    pdf = sample_pdf("A paper", 1)
    paper = meetings.keep_paper(
        Actor.command_line(),
        b["first"],
        Inspected("pdf", 1, hashlib.sha256(pdf).hexdigest(), len(pdf)),
        pdf,
        "p.pdf",
    )
    from commonweal.decisions.models import Decision, Minutes

    minutes = Minutes.objects.create(meeting=b["meeting"], text="Draft")
    # Approved minutes, for the public minutes page.
    approved = Minutes.objects.create(
        meeting=b["meeting"], text="Approved", status="approved", approved_on=b["meeting"].starts
    )
    decision = Decision.objects.create(
        system=b["ice"].system,
        basis="officer",
        title="A decision",
        on=b["first"].meeting.starts,
        resolution="Agreed",
        valid=True,
        recorded_by="metatest",
    )
    from commonweal.public.publication import publish_pending

    publish_pending()
    # The agenda published, so its papers are public.
    meetings.publish_agenda(Actor.command_line(), b["meeting"])
    # Its public pack, built.
    from commonweal.packs import actions as packs
    from commonweal.packs import build, presenters

    m = b["meeting"]
    content = presenters.content(
        m, "public", presenters.withheld_for(m, "public"), "http://testserver/", m.starts.date()
    )
    pack = build.build(packs.request_pack(Actor.command_line(), m, content, site="http://x/").pk)
    assert pack.status == "done", pack.error
    # A financial year with a return handed in, for the finance pages.
    from commonweal.finance import actions as finance
    from commonweal.finance.models import Return

    year = finance.open_year(Actor.command_line(), b["ice"].system, 2020)
    handed_in = Return.objects.create(
        year=year, month=1, file_name="r.xlsx", sha256="0" * 64, requested_by="metatest"
    )
    ids = {
        "return": str(handed_in.pk),
        "pack": str(pack.pk),
        "approved": str(approved.pk),
        "reference": decision.reference,
        "decision": str(decision.pk),
        "minutes": str(minutes.pk),
        "plan": b["plan"].reference,
        "meeting": str(b["meeting"].pk),
        "paper": str(paper.pk),
        "interest": str(b["interest"].pk),
        "allocation": str(_allocation_for_pages()),
        "pool": _pool_for_pages(),
        "series": _outcomes_for_pages(),
        "concern": _assurance()[2].reference,
        "exception": str(_assurance()[1].pk),
        "proposal": str(_proposals()["draft"].number),
        "public_proposal": str(_proposals()["public"].number),
        "document": str(_proposals()["document"].pk),
    }
    return {name: [a.format(**ids) for a in args] for name, args in PAGES.items()}


def test_every_page_is_protected_and_only_declared_pages_take_writes(client, universe):
    found = _patterns(get_resolver())
    unbuilt = [(name, pattern) for name, pattern in found if name not in PAGES]
    assert unbuilt == [], f"URL patterns the metatest cannot build; add them to PAGES: {unbuilt}"
    pages = _page_args(universe)
    for name, args in pages.items():
        url = reverse(name, args=args)
        response = client.get(url)
        if name in OPEN:
            assert response.status_code == 200, (name, response.status_code)
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
    client.force_login(universe.accounts["nobody"])
    for name, args in pages.items():
        url = reverse(name, args=args)
        if (
            name
            in (MANAGERS_ONLY | KEEPERS_ONLY | PLANNERS_ONLY | ASSURERS_ONLY | PROPOSERS_ONLY)
            | SUBMITTERS_ONLY
        ):
            assert client.get(url).status_code == 403, name
            continue
        assert client.get(url).status_code in (200, 302), name
        if name not in PAGE_WRITES:
            assert client.post(url, {}).status_code == 405, (
                f"{name} takes POST but says it reads only"
            )
    # Those who manage the body's meetings, and the person whose entry it is, open theirs.
    client.force_login(universe.accounts["clerk-ice"])
    for name in MANAGERS_ONLY:
        assert client.get(reverse(name, args=pages[name])).status_code == 200, name
    client.force_login(universe.accounts["commissioner-15n"])
    for name in PLANNERS_ONLY | PROPOSERS_ONLY:
        assert client.get(reverse(name, args=pages[name])).status_code == 200, name
    client.force_login(universe.accounts["alex-morgan"])
    for name in KEEPERS_ONLY:
        assert client.get(reverse(name, args=pages[name])).status_code == 200, name
    client.force_login(universe.accounts["analyst-15n"])
    for name in ASSURERS_ONLY:
        assert client.get(reverse(name, args=pages[name])).status_code == 200, name


@dataclass
class Write:
    """An API write: how to send it, and who must be refused and allowed."""

    method: str
    path: str
    body: Callable[[Any], Any] | None
    allowed: str
    refused: tuple[str, ...] = ("nobody", "analyst-15n", "admin-sel")
    content_type: str = "application/json"
    # The allowed person acts through a signed-in session rather than a token.
    session: bool = False
    # How a refusal answers: 403, or 404 where saying "forbidden" would tell what exists.
    refused_status: int = 403


def _document(text_change: Callable[[str], str], name: str) -> bytes:
    return text_change((EXAMPLES / name).read_text()).encode()


def _analyst_token(universe: Any) -> str:
    return str(ApiToken.objects.get(owner=universe.accounts["analyst-15n"], name="tests").pk)


def _virement_body(u: Any) -> dict[str, str]:
    """A ledger to move budget in: 2020/21 with £1,000,000 on C100 of NHS Devon CCG."""
    from commonweal.finance import actions as finance

    cl = Actor.command_line()
    year = finance.open_year(cl, registry_system("devon-2019"), 2020)
    c100, _ = finance.add_lines(
        cl,
        year.system,
        [
            finance.LineIn(_org("15N"), "C100", "Acute"),
            finance.LineIn(_org("15N"), "C200", "Community"),
        ],
    )
    finance.post_entries(cl, year, [finance.EntryIn(c100, 1, "budget", 1_000_000_00)])
    return {
        "organisation": "15N",
        "source": "C100",
        "target": "C200",
        "amount": "1000",
        "on": "2020-06-01",
        "decider_post": "15N/director-of-financial-planning",
        "reason": "Metatest",
    }


API_WRITES: dict[tuple[str, str], Write] = {
    ("post", "/api/systems/{slug}/finance/{start}/virements"): Write(
        "post",
        "/api/systems/{slug}/finance/{start}/virements",
        _virement_body,
        allowed="jo-evans",
        refused=("nobody", "analyst-15n", "admin-sel", "finance-torbay", "commissioner-15n"),
    ),
    ("post", "/api/systems"): Write(
        "post",
        "/api/systems",
        lambda u: _document(
            lambda t: t.replace(
                "    ons_code: E06000027\n", "    ons_code: E06000027\n    description: Torbay.\n"
            ),
            "devon-2019.yaml",
        ),
        allowed="admin-torbay",
        refused=("nobody", "analyst-15n", "admin-sel"),
        content_type="application/yaml",
    ),
    # Tokens are made by a person signed in, never by a token.
    ("post", "/api/tokens"): Write(
        "post",
        "/api/tokens",
        lambda u: {"name": "metatest"},
        allowed="nobody",
        refused=("nobody", "admin-15n"),
        session=True,
    ),
    ("delete", "/api/tokens/{token_id}"): Write(
        "delete",
        "/api/tokens/{token_id}",
        None,
        allowed="admin-15n",
        refused=("nobody", "commissioner-15n", "admin-torbay", "admin-sel"),
        refused_status=404,
    ),
}


# Allocations (issue 15): drafting one needs manage_finance in the NHS commissioner.
def _allocation_body(u: Any) -> dict[str, Any]:
    from commonweal.finance import actions as finance

    finance.open_year(Actor.command_line(), registry_system("devon-2019"), 2020)
    return {
        "year": 2020,
        "organisation": "15N",
        "name": "Metatest allocation",
        "total": "1000",
        "population_on": "2020-03-31",
    }


API_WRITES[("post", "/api/systems/{slug}/allocations")] = Write(
    "post",
    "/api/systems/{slug}/allocations",
    _allocation_body,
    allowed="jo-evans",
    refused=("nobody", "analyst-15n", "admin-sel", "finance-torbay", "commissioner-15n"),
)


# Pooled funds (issue 15): the pages' forms (upload a plan, record an action plan, use an
# underspend, save a return, record the board's sign-off) call the pools' actions, each refused
# by its own check (cases below); tests/pools/test_pages.py shows the refusals through pages.
POOL = ["devon-2019", "{pool}", "2020"]
PAGES |= {
    "pools": ["devon-2019"],
    "pool": ["devon-2019", "{pool}"],
    "pool-year": POOL,
    "pool-plan": POOL,
    "pool-action-plan": POOL,
    "pool-underspend": POOL,
    "pool-return": [*POOL, "2"],
    "pool-sign-off": [*POOL, "2"],
    "pool-return-xlsx": [*POOL, "2"],
}
PAGE_WRITES |= {"pool-plan", "pool-action-plan", "pool-underspend", "pool-return", "pool-sign-off"}
PATH_PARAMS |= {"ref": "devon-bcf", "quarter": "2"}
# Only the host partner's finance team keeps the pool (manage_pools in Devon County Council).
NOT_HOSTS = ("nobody", "analyst-15n", "admin-sel", "jo-evans", "finance-torbay")


def _pool_body(body: dict[str, Any]) -> Callable[[Any], dict[str, Any]]:
    def made(u: Any) -> dict[str, Any]:
        _pool()
        return body

    return made


API_WRITES[("post", "/api/systems/{slug}/pools/{ref}/{start}/action-plans")] = Write(
    "post",
    "/api/systems/{slug}/pools/{ref}/{start}/action-plans",
    _pool_body({"month": 6, "owner": "Metatest", "due": "2020-11-30", "actions": "Act"}),
    allowed="finance-devon",
    refused=NOT_HOSTS,
)
API_WRITES[("post", "/api/systems/{slug}/pools/{ref}/{start}/underspend-uses")] = Write(
    "post",
    "/api/systems/{slug}/pools/{ref}/{start}/underspend-uses",
    _pool_body({"month": 6, "line": "C", "amount": "1000", "reason": "Equipment"}),
    allowed="finance-devon",
    refused=NOT_HOSTS,
)


# Outcomes (issue 16): the import page's form calls outcomes.import_fingertips and the series
# page's form outcomes.record_rebase, each refused by its own check (cases below); both views
# also refuse a POST from one who may not manage the system's outcomes before calling them.
OUTCOMES = ["devon-2019"]
PAGES |= {
    "outcomes": OUTCOMES,
    "outcomes-import": OUTCOMES,
    "outcomes-indicator": [*OUTCOMES, "qof-af-prevalence"],
    "outcomes-profile": [*OUTCOMES, "E92000001"],
    "outcomes-series-list": OUTCOMES,
    "outcomes-series": [*OUTCOMES, "{series}"],
    "public-outcomes": OUTCOMES,
    "public-outcomes-indicator": [*OUTCOMES, "qof-af-prevalence"],
    "public-outcomes-profile": [*OUTCOMES, "E92000001"],
    "public-outcomes-series-list": OUTCOMES,
    "public-outcomes-series": [*OUTCOMES, "{series}"],
}
# The public pages need no sign-in.
OPEN |= {name for name in PAGES if name.startswith("public-")}
PAGE_WRITES |= {"outcomes-import", "outcomes-series"}
# The series a rebase is recorded on: the {code} of the API's path.
METATEST_SERIES = "metatest-attendances"
AREA_CODES["/api/systems/{slug}/outcomes/series/{code}/rebases"] = METATEST_SERIES


def _series() -> Any:
    """Four months of a trust's attendances: a rebase may start at any month but the first."""
    from datetime import date

    from commonweal.outcomes.models import Series, SeriesPoint

    series, created = Series.objects.get_or_create(
        code=METATEST_SERIES,
        defaults={
            "name": "Metatest trust: A&E attendances",
            "organisation_code": "RH8",
            "measure": "attendances",
            "unit": "attendances",
            "improvement": "neutral",
            "source": "the metatest",
        },
    )
    if created:
        for month, value in zip((1, 2, 3, 4), (100, 104, 98, 130), strict=True):
            SeriesPoint.objects.create(series=series, period=date(2020, month, 1), value=value)
    return series


def _rebase_body(u: Any) -> dict[str, str]:
    _series()
    return {"period": "2020-03-01", "reason": "A new streaming model"}


# A rebase is recorded by one who keeps outcomes (manage_outcomes) in an organisation that
# looks after the system.
API_WRITES[("post", "/api/systems/{slug}/outcomes/series/{code}/rebases")] = Write(
    "post",
    "/api/systems/{slug}/outcomes/series/{code}/rebases",
    _rebase_body,
    allowed="analyst-15n",
    refused=("nobody", "admin-sel", "commissioner-15n"),
)


# Assurance (issue 17): the framework page's form calls assurance.assess, the response page
# assurance.respond, the concerns pages record_concern and close_concern, and the report's
# button puts it on the forward plan (meetings.add_plan_item); each view also refuses a POST
# from one who may not before calling them.
ASSURANCE = ["devon-2019"]
PAGES |= {
    "assurance": ASSURANCE,
    "assurance-concerns": ASSURANCE,
    "assurance-concern-close": [*ASSURANCE, "{concern}"],
    "assurance-respond": [*ASSURANCE, "{exception}"],
    "assurance-report": [*ASSURANCE, "2020-21-q4"],
    "assurance-report-pdf": [*ASSURANCE, "2020-21-q4"],
    "assurance-plan": [*ASSURANCE, "2020-21-q4"],
    "assurance-place-report": [*ASSURANCE, "2020-21-q4", "north"],
    "assurance-place-report-pdf": [*ASSURANCE, "2020-21-q4", "north"],
}
PAGE_WRITES |= {
    "assurance",
    "assurance-concerns",
    "assurance-concern-close",
    "assurance-respond",
    "assurance-plan",
}
NOT_ASSURANCE = ("nobody", "admin-sel", "jo-evans")
# The response page's form is shown only to those who may respond (manage_assurance).
ASSURERS_ONLY = {"assurance-respond"}


def _assurance() -> tuple[Any, Any, Any]:
    """Devon's example framework (without the pools it names), one exception of it and one
    quality concern in North Devon; made once."""
    from datetime import date

    from commonweal.assurance import actions as assurance
    from commonweal.assurance import presenters as assured
    from commonweal.assurance import rules as periods
    from commonweal.assurance.models import AssuranceException, QualityConcern
    from commonweal.outcomes.actions import read_document
    from commonweal.registry.models import Area

    devon = registry_system("devon-2019")
    framework = assured.framework_of(devon)
    if framework is None:
        text = re.sub(
            r", pools: \[[^\]]*\]", "", (EXAMPLES / "devon-2019-assurance.yaml").read_text()
        )
        assurance.load_framework(Actor.command_line(), *read_document("a.yaml", text))
        framework = assured.framework_of(devon)
        assurance.assess(Actor.command_line(), framework, periods.parse("2020-21-q4"))
    north = Area.objects.get(system=devon, code="north")
    exception, _ = AssuranceException.objects.get_or_create(
        framework=framework,
        scope=north,
        line="ae-four-hour",
        subject="RBZ",
        defaults={
            "subject_label": "Northern Devon Healthcare NHS Trust",
            "domain": "standards",
            "opened": "2020-21-q4",
            "opened_end": date(2021, 3, 31),
            "last": "2020-21-q4",
            "last_end": date(2021, 3, 31),
        },
    )
    concern = QualityConcern.objects.filter(system=devon).first() or assurance.record_concern(
        Actor.command_line(),
        north,
        assurance.ConcernIn("RBZ", "Handover delays", "QSG", "high", "Waits", date(2021, 1, 5)),
    )
    return framework, exception, concern


def _response_body(u: Any) -> dict[str, Any]:
    return {
        "owner": "Director of Commissioning",
        "response": "The A&E delivery board meets weekly.",
        "actions": [{"action": "Open the unit", "owner": "The trust", "due": "2021-04-30"}],
    }


API_WRITES[("post", "/api/systems/{slug}/assurance/exceptions/{exception_id}/responses")] = Write(
    "post",
    "/api/systems/{slug}/assurance/exceptions/{exception_id}/responses",
    _response_body,
    allowed="analyst-15n",
    refused=NOT_ASSURANCE,
)


# Proposals (issue 18): the board and a proposal read; new and edit pages are the lead's
# (manage_proposals); the proposal page's forms post to advance, forward, approval and
# documents (each GET goes back to the proposal), calling proposals.advance, put_forward,
# seek_approval and keep_document, which check the permission.
PROPOSALS = ["devon-2019"]
PAGES |= {
    "proposals": PROPOSALS,
    "proposal-new": PROPOSALS,
    "proposals-work-plan": PROPOSALS,
    "proposals-programme": [*PROPOSALS, "specialist-services"],
    "proposal": [*PROPOSALS, "{proposal}"],
    "proposal-edit": [*PROPOSALS, "{proposal}"],
    "proposal-advance": [*PROPOSALS, "{proposal}"],
    "proposal-forward": [*PROPOSALS, "{proposal}"],
    "proposal-approval": [*PROPOSALS, "{proposal}"],
    "proposal-document": [*PROPOSALS, "{proposal}"],
    "proposal-document-file": [*PROPOSALS, "{proposal}", "{document}"],
    "proposal-levels": [*PROPOSALS, "{proposal}"],
    "proposal-triage": [*PROPOSALS, "{proposal}"],
    "proposal-interest": [*PROPOSALS, "{proposal}"],
    "proposal-scores": [*PROPOSALS, "{proposal}"],
    "proposal-moderation": [*PROPOSALS, "{proposal}"],
    "proposal-scores-csv": [*PROPOSALS, "{proposal}"],
    "public-proposals": PROPOSALS,
    "public-proposals-programme": [*PROPOSALS, "specialist-services"],
    "public-proposal": [*PROPOSALS, "{public_proposal}"],
}
OPEN |= {"public-proposals", "public-proposals-programme", "public-proposal"}
PAGE_WRITES |= {
    "proposal-new",
    "proposal-edit",
    "proposal-advance",
    "proposal-forward",
    "proposal-approval",
    "proposal-document",
    "proposal-triage",
    "proposal-interest",
    "proposal-scores",
    "proposal-moderation",
}
# The edit pages are the lead's; a proposal's documents its partners' (a role in the lead or a
# sponsor).
PROPOSERS_ONLY = {"proposal-new", "proposal-edit", "proposal-document-file"}
# Every assessor's scores: only to assessors who have submitted their own (tests/proposals).
SUBMITTERS_ONLY = {"proposal-scores-csv"}
NOT_PROPOSERS = ("nobody", "admin-sel", "analyst-15n", "jo-evans", "clerk-ice")


def _proposals() -> dict[str, Any]:
    """Devon's proposals set-up, a draft proposal with a document, one at stage 1, and one that
    has reached stage 4 (so public): made once, arranged directly (the flow is tests/proposals')."""
    from commonweal.proposals import actions as proposals
    from commonweal.proposals.models import Proposal
    from commonweal.registry.actions import example_path

    from ..meetings.papers import pdf

    devon = registry_system("devon-2019")
    found = {p.title: p for p in Proposal.objects.filter(system=devon, title__startswith="Meta ")}
    if len(found) < 3:
        cl = Actor.command_line()
        proposals.read_setup(cl, example_path("devon-2019-proposals"))

        def new(title: str, state: str, stage: int | None) -> Any:
            p = proposals.create(
                cl,
                devon,
                proposals.ProposalIn(
                    title=title,
                    service="Specialist services",
                    footprint="wider-devon",
                    lead="15N",
                    programme="specialist-services",
                ),
            )
            Proposal.objects.filter(pk=p.pk).update(
                state=state, stage=stage, public=state == "stage-4"
            )
            p.refresh_from_db()
            return p

        found = {
            "Meta draft": new("Meta draft", "draft", None),
            "Meta stage 1": new("Meta stage 1", "stage-1", 1),
            "Meta stage 4": new("Meta stage 4", "stage-4", 4),
        }
        proposals.keep_document(cl, found["Meta draft"], "business-case", "case.pdf", pdf())
        # Jo has declared no interest in the stage 1 proposal (so may score it); Torbay's
        # finance lead has submitted an assessment of the stage 4 one (so may moderate it).
        from django.contrib.auth import get_user_model

        def person(name: str) -> Actor:
            return Actor.from_user(get_user_model().objects.get(username=name))

        proposals.declare_interest(person("jo-evans"), found["Meta stage 1"], interest="none")
        torbay = person("finance-torbay")
        proposals.declare_interest(torbay, found["Meta stage 4"], interest="none")
        sheet = {
            c: 3
            for c in (
                "aspirations",
                "quality-safety",
                "finance-efficiency",
                "risk",
                "delivery-timeline",
                "contracting-procurement",
            )
        }
        proposals.score(torbay, found["Meta stage 4"], sheet, submit=True)
        alex = person("alex-morgan")
        proposals.declare_interest(alex, found["Meta stage 4"], interest="none")
        proposals.score(alex, found["Meta stage 4"], sheet, submit=True)
    draft = found["Meta draft"]
    return {
        "draft": draft,
        "stage1": found["Meta stage 1"],
        "public": found["Meta stage 4"],
        "document": draft.documents.first(),
    }


def _proposal_body(u: Any) -> dict[str, Any]:
    return {"title": "Stroke", "service": "Stroke care", "footprint": "north", "lead": "15N"}


LATER = (date.today() + timedelta(days=40)).isoformat()
# Which of _proposals() each write acts on: one whose next step the write takes.
PROPOSAL_AT = {
    "/api/systems/{slug}/proposals/{number}/advance": "draft",
    "/api/systems/{slug}/proposals/{number}/forward": "stage1",
    "/api/systems/{slug}/proposals/{number}/approval": "public",
    "/api/systems/{slug}/proposals/{number}/scores": "stage1",
    "/api/systems/{slug}/proposals/{number}/moderation": "public",
}
NOT_ASSESSORS = ("nobody", "admin-sel", "analyst-15n", "clerk-ice")
for _path, _body, _allowed, _refused in (
    (
        "/api/systems/{slug}/proposals/{number}/triage",
        lambda u: {"answers": {"national": "Yes", "assessment": "Yes"}},
        "commissioner-15n",
        NOT_PROPOSERS,
    ),
    (
        "/api/systems/{slug}/proposals/{number}/interest",
        lambda u: {"interest": "none"},
        "jo-evans",
        NOT_ASSESSORS,
    ),
    (
        "/api/systems/{slug}/proposals/{number}/scores",
        lambda u: {"scores": {"risk": 4}},
        "jo-evans",
        NOT_ASSESSORS,
    ),
    (
        "/api/systems/{slug}/proposals/{number}/moderation",
        lambda u: {"criterion": "risk", "score": 3, "rationale": "Agreed"},
        "finance-torbay",
        (*NOT_ASSESSORS, "jo-evans"),
    ),
):
    API_WRITES[("post", _path)] = Write("post", _path, _body, allowed=_allowed, refused=_refused)
for _path, _body in (
    ("/api/systems/{slug}/proposals", _proposal_body),
    ("/api/systems/{slug}/proposals/{number}/advance", lambda u: {"transition": "start"}),
    (
        "/api/systems/{slug}/proposals/{number}/forward",
        lambda u: {"transition": "developed", "due": LATER},
    ),
    (
        "/api/systems/{slug}/proposals/{number}/approval",
        lambda u: {"transition": "approve", "decision_type": "policy", "due": LATER},
    ),
):
    API_WRITES[("post", _path)] = Write(
        "post", _path, _body, allowed="commissioner-15n", refused=NOT_PROPOSERS
    )


def test_every_api_operation_is_protected(client, universe):
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method in operations:
            if path.startswith("/api/public/"):
                # The public API reads only, and answers without signing in.
                assert method == "get", f"the public API only reads: {method.upper()} {path}"
                url = re.sub(r"\{[^}]+\}", "x", path)
                assert client.get(url).status_code in (200, 404), path
                continue
            params = {
                **PATH_PARAMS,
                "token_id": _analyst_token(universe),
                "exception_id": str(_assurance()[1].pk),
                "number": str(_proposals()["draft"].number),
                "period": "2020-21-q4",
                "place": "north",
                "pk": "1",
            }
            if path in AREA_CODES:
                params["code"] = AREA_CODES[path]
            if path in PROPOSAL_AT:
                params["number"] = str(_proposals()[PROPOSAL_AT[path]].number)
            url = path.format(**params)
            call = getattr(client, method)
            # Signed out: 401 from every operation, reads and writes alike.
            assert call(url, content_type="application/json").status_code == 401, (method, path)
            if method == "get":
                continue
            if (method, path) in API_QUESTIONS:
                continue  # questions, not changes: covered by the read rule above
            case = API_WRITES.get((method, path))
            assert case is not None, f"{method.upper()} {path} writes but has no case in API_WRITES"
            body = case.body(universe) if case.body else None
            for name in case.refused:
                with transaction.atomic():
                    response = call(
                        url, body, content_type=case.content_type, headers=universe.headers(name)
                    )
                    transaction.set_rollback(True)
                assert response.status_code == case.refused_status, (
                    method,
                    path,
                    name,
                    response.content[:300],
                )
            if case.session:
                client.force_login(universe.accounts[case.allowed])
            with transaction.atomic():
                response = call(
                    url,
                    body,
                    content_type=case.content_type,
                    headers={} if case.session else universe.headers(case.allowed),
                )
                transaction.set_rollback(True)
            client.logout()
            assert response.status_code in (200, 201), (method, path, response.content[:300])


# Actions ---------------------------------------------------------------------------------


@dataclass
class Case:
    """How to call one action, and who must be allowed and refused."""

    call: Callable[[Actor], Any]
    allowed: str  # a universe account, or "command line"
    refused: tuple[str, ...]


def _account(universe: Any, name: str) -> Any:
    return universe.accounts[name]


def _org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def _cases(universe: Any, tmp: Path) -> dict[str, Case]:
    from commonweal.core import people
    from commonweal.governance import actions as governance
    from commonweal.registry import actions as registry
    from commonweal.registry import importers

    u = universe
    commissioner_role = RoleAssignment.objects.get(
        person=u.person("commissioner-15n"), organisation__code="15N"
    )
    analyst_token = ApiToken.objects.get(owner=u.accounts["analyst-15n"], name="tests")
    devon_changed = registry.read_system_document(
        "devon-2019.yaml",
        (EXAMPLES / "devon-2019.yaml")
        .read_text()
        .replace(
            "    ons_code: E06000027\n", "    ons_code: E06000027\n    description: Torbay.\n"
        ),
    )
    governance_changed = governance.read_governance(
        "gov.yaml",
        (EXAMPLES / "devon-2019-governance.yaml")
        .read_text()
        .replace("title: Director of Strategy,", "title: Director of Strategy and Planning,"),
    )
    scheme_text = (
        (EXAMPLES / "devon-2019-scheme-15N.yaml")
        .read_text()
        .replace('version: "2019-04"', 'version: "2020-04"')
        .replace("in_force_from: 2019-04-01", "in_force_from: 2020-04-01")
    )
    new_scheme = governance.read_scheme("scheme.yaml", scheme_text)
    Organisation.objects.get_or_create(
        code="UMETA1",
        defaults={
            "name": "Metatest PCN",
            "kind": OrganisationKind.PRIMARY_CARE_NETWORK,
            "commissioner": _org("15N"),
        },
    )
    devon = registry.System.objects.get(slug="devon-2019")
    business = _business(u)
    csv = write_csv(tmp / "epraccur.csv", [epraccur_row("ZZ9901", "A SURGERY")])
    internal = ("nobody", "analyst-15n", "admin-15n", "admin-sel")
    return {
        "core.add_person": Case(
            lambda a: people.add_person(
                a, "newcomer", "a-long-new-password", organisation=_org("15N")
            ),
            "admin-15n",
            ("nobody", "analyst-15n", "admin-torbay", "admin-sel"),
        ),
        "core.set_password": Case(
            lambda a: people.set_password(a, _account(u, "analyst-15n"), "another-long-password"),
            "analyst-15n",
            ("nobody", "admin-15n", "admin-torbay"),
        ),
        "core.assign_role": Case(
            lambda a: people.assign_role(a, u.person("nobody"), _org("15N"), Role.FINANCE),
            "admin-15n",
            ("nobody", "analyst-15n", "admin-torbay", "admin-sel"),
        ),
        "core.end_role": Case(
            lambda a: people.end_role(a, commissioner_role),
            "admin-15n",
            ("nobody", "commissioner-15n", "admin-torbay", "admin-sel"),
        ),
        "core.make_token": Case(
            lambda a: people.make_token(
                a, _account(u, "analyst-15n"), "mine", lifetime=timedelta(days=1)
            ),
            "analyst-15n",
            ("nobody", "admin-15n", "admin-torbay"),
        ),
        "core.revoke_token": Case(
            lambda a: people.revoke_token(a, analyst_token),
            "admin-15n",
            ("nobody", "commissioner-15n", "admin-torbay", "admin-sel"),
        ),
        "registry.load_system": Case(
            lambda a: registry.load_system_document(a, devon_changed, "devon-2019.yaml"),
            "admin-torbay",
            ("nobody", "analyst-15n", "admin-sel"),
        ),
        "registry.add_pcns": Case(
            lambda a: registry.add_pcns(a, devon, "15N", parent="wider-devon"),
            "admin-15n",
            ("nobody", "analyst-15n", "admin-torbay", "admin-sel"),
        ),
        "registry.import_epraccur": Case(
            lambda a: importers.write_epraccur(a, importers.read_epraccur(csv)),
            "command line",
            internal,
        ),
        "registry.import_epcn": Case(
            lambda a: importers.write_epcn(
                a, importers.Read(csv, importers.ImportResult("x"), 0, ({}, {}, {}, []))
            ),
            "command line",
            internal,
        ),
        "registry.import_qof_mapping": Case(
            lambda a: importers.write_qof_mapping(
                a, importers.Read(csv, importers.ImportResult("x"), 0, ({}, []))
            ),
            "command line",
            internal,
        ),
        "registry.import_list_sizes": Case(
            lambda a: importers.write_list_sizes(
                a,
                importers.Read(
                    csv, importers.ImportResult("x"), 0, ({}, importers.QOF_LIST_DATE, "x")
                ),
            ),
            "command line",
            internal,
        ),
        "governance.load_governance": Case(
            lambda a: governance.load_governance_document(a, *governance_changed, "gov.yaml"),
            "admin-15n",
            ("nobody", "analyst-15n", "admin-torbay", "admin-sel"),
        ),
        "governance.load_scheme": Case(
            lambda a: governance.load_scheme_document(a, *new_scheme, "scheme.yaml"),
            "admin-15n",
            ("nobody", "analyst-15n", "admin-torbay", "admin-sel"),
        ),
        **_business_cases(business),
        **_decision_cases(u),
        **_finance_cases(u),
        **_allocation_cases(u),
        **_pool_cases(u),
        **_outcome_cases(u, tmp),
        **_assurance_cases(u),
        **_proposal_cases(u),
    }


# Meetings and interests: the clerk of the Integrated Commissioning Executive manages its
# meetings (so does an administrator of any owner, such as Torbay); a person keeps their own
# register; an executive approves hospitality.
NOT_CLERKS = ("nobody", "analyst-15n", "commissioner-15n", "admin-sel")


def _business(u: Any) -> dict[str, Any]:
    from datetime import date

    from commonweal.core.models import Person
    from commonweal.governance.models import Body
    from commonweal.interests import actions as interests
    from commonweal.meetings import actions as meetings

    cl = Actor.command_line()
    ice = Body.objects.get(system__slug="devon-2019", code="ice")
    meeting = meetings.schedule_meeting(
        cl, ice, meetings.at(date.today() + timedelta(days=30), 14, 0), status="confirmed"
    )
    plan = meetings.add_plan_item(
        cl,
        _org("15N"),
        ice.system,
        meetings.PlanIn(
            title="A plan", author="Someone", kind="discussion", body=ice, due=date.today()
        ),
    )
    first = meetings.add_agenda_item(cl, meeting, meetings.ItemIn(title="First"))
    second = meetings.add_agenda_item(cl, meeting, meetings.ItemIn(title="Second"))
    alex = Person.objects.get(key="alex-morgan")
    entry = interests.InterestIn(
        kind="financial", description="Shares", starts=date(2020, 1, 1), counterparty="A Ltd"
    )
    interest = interests.record_interest(cl, alex, _org("15N"), entry)
    present = meetings.record_attendance(
        cl, meeting, meetings.AttendanceIn(person=alex, capacity="other", status="present")
    )
    sam = Person.objects.get(key="sam-patel")
    meetings.record_attendance(
        cl, meeting, meetings.AttendanceIn(person=sam, capacity="other", status="present")
    )
    declared = meetings.record_declaration(
        cl,
        meeting,
        meetings.DeclarationIn(
            person=sam, items=[first], ruling="withdraw", kind="financial", description="Shares"
        ),
    )
    jo = Person.objects.get(key="jo-evans")
    hospitality = interests.OfferIn(
        kind="hospitality",
        description="A dinner",
        offered_by="A supplier",
        value=10_000,
        on=date.today(),
        decision="pending",
    )
    pending = interests.record_offer(cl, jo, _org("15N"), hospitality)
    return {
        "ice": ice,
        "meeting": meeting,
        "plan": plan,
        "first": first,
        "second": second,
        "alex": alex,
        "entry": entry,
        "interest": interest,
        "hospitality": hospitality,
        "pending": pending,
        "present": present,
        "declared": declared,
    }


def _business_cases(b: dict[str, Any]) -> dict[str, Case]:
    from datetime import date

    from commonweal.core.models import Person
    from commonweal.demo.papers import sample_pdf
    from commonweal.interests import actions as interests
    from commonweal.meetings import actions as meetings
    from commonweal.meetings.papers import Inspected

    pdf = sample_pdf("A paper", 1)
    ice, meeting, first = b["ice"], b["meeting"], b["first"]
    lou = Person.objects.get(key="lou-barnes")
    return {
        "meetings.add_plan_item": Case(
            lambda a: meetings.add_plan_item(
                a,
                _org("15N"),
                ice.system,
                meetings.PlanIn(
                    title="Another", author="X", kind="discussion", body=ice, due=date.today()
                ),
            ),
            "clerk-ice",
            ("nobody", "analyst-15n", "admin-torbay", "admin-sel"),
        ),
        "meetings.reschedule_plan_item": Case(
            lambda a: meetings.reschedule_plan_item(a, b["plan"], due=date.today()),
            "clerk-ice",
            ("nobody", "analyst-15n", "admin-torbay", "admin-sel"),
        ),
        "meetings.schedule_meeting": Case(
            lambda a: meetings.schedule_meeting(
                a, ice, meetings.at(date.today() + timedelta(days=60), 10, 0)
            ),
            "clerk-ice",
            NOT_CLERKS,
        ),
        "meetings.change_meeting": Case(
            lambda a: meetings.change_meeting(a, meeting, venue="Elsewhere"),
            "clerk-ice",
            NOT_CLERKS,
        ),
        "meetings.add_agenda_item": Case(
            lambda a: meetings.add_agenda_item(a, meeting, meetings.ItemIn(title="Third")),
            "admin-torbay",
            NOT_CLERKS,
        ),
        "meetings.mark_exempt": Case(
            lambda a: meetings.mark_exempt(
                a, first, exempt=True, paragraph=3, public_interest="A live tender"
            ),
            "clerk-ice",
            NOT_CLERKS,
        ),
        "meetings.move_agenda_item": Case(
            lambda a: meetings.move_agenda_item(a, first, up=False), "clerk-ice", NOT_CLERKS
        ),
        "meetings.withdraw_agenda_item": Case(
            lambda a: meetings.withdraw_agenda_item(a, first), "clerk-ice", NOT_CLERKS
        ),
        "meetings.publish_agenda": Case(
            lambda a: meetings.publish_agenda(a, meeting), "clerk-ice", NOT_CLERKS
        ),
        "meetings.keep_paper": Case(
            lambda a: meetings.keep_paper(
                a, first, Inspected("pdf", 1, "0" * 64, len(pdf)), pdf, "paper.pdf"
            ),
            "clerk-ice",
            NOT_CLERKS,
        ),
        "meetings.remove_attendance": Case(
            lambda a: meetings.remove_attendance(a, b["present"]), "clerk-ice", NOT_CLERKS
        ),
        "meetings.withdraw_declaration": Case(
            lambda a: meetings.withdraw_declaration(a, b["declared"]), "clerk-ice", NOT_CLERKS
        ),
        "meetings.record_attendance": Case(
            lambda a: meetings.record_attendance(
                a,
                meeting,
                meetings.AttendanceIn(person=b["alex"], capacity="other", status="apologies"),
            ),
            "clerk-ice",
            NOT_CLERKS,
        ),
        "meetings.record_declaration": Case(
            lambda a: meetings.record_declaration(
                a,
                meeting,
                meetings.DeclarationIn(
                    person=b["alex"], items=[first], ruling="withdraw", interest=b["interest"]
                ),
            ),
            "clerk-ice",
            NOT_CLERKS,
        ),
        "interests.record_interest": Case(
            lambda a: interests.record_interest(a, b["alex"], _org("15N"), b["entry"]),
            "alex-morgan",
            ("nobody", "analyst-15n", "clerk-ice", "admin-torbay", "admin-sel"),
        ),
        "interests.change_interest": Case(
            lambda a: interests.change_interest(a, b["interest"], b["entry"]),
            "admin-15n",
            ("nobody", "analyst-15n", "clerk-ice", "admin-torbay"),
        ),
        "interests.make_return": Case(
            lambda a: interests.make_return(a, b["alex"], _org("15N")),
            "alex-morgan",
            ("nobody", "analyst-15n", "clerk-ice", "admin-torbay"),
        ),
        "interests.grant_dispensation": Case(
            lambda a: interests.grant_dispensation(
                a,
                lou,
                _org("E10000008"),
                scope="Care home fees",
                granted_by="Standards Committee",
                starts=date.today(),
                ends=date.today() + timedelta(days=365),
            ),
            "admin-devon-county",
            ("nobody", "analyst-15n", "admin-15n", "admin-torbay"),
        ),
        "interests.record_offer": Case(
            lambda a: interests.record_offer(a, b["alex"], _org("15N"), b["hospitality"]),
            "alex-morgan",
            ("nobody", "analyst-15n", "clerk-ice", "admin-torbay"),
        ),
        "interests.decide_offer": Case(
            lambda a: interests.decide_offer(a, b["pending"], approve=True, reason="Fine"),
            "alex-morgan",
            ("nobody", "analyst-15n", "admin-15n", "clerk-ice", "admin-torbay"),
        ),
    }


def _decision_cases(u: Any) -> dict[str, Case]:
    """Decisions: the ICE's clerk records its decisions (each part in an organisation they
    clerk for), the Governing Body's clerk takes its urgent action and ratifies it, an
    administrator of Torbay follows up its cabinet's decisions, the CCG's commissioner records
    and follows up its officers' decisions, an administrator validates the register again."""
    from datetime import date

    from commonweal.core.models import Person
    from commonweal.decisions import actions as decisions
    from commonweal.decisions.models import Minutes
    from commonweal.governance import engine
    from commonweal.governance.models import Body, Post
    from commonweal.meetings import actions as meetings
    from commonweal.meetings.models import MeetingAction
    from commonweal.packs import actions as packs
    from commonweal.packs.presenters import content as pack_content

    cl = Actor.command_line()

    def body(code: str) -> Body:
        return Body.objects.get(system__slug="devon-2019", code=code)

    def post(ref: str) -> Post:
        org, _, code = ref.partition("/")
        return Post.objects.get(organisation__code=org, code=code)

    def person(key: str) -> Person:
        return Person.objects.get(key=key)

    def held(code: str, days: int, *present: tuple[str, str]) -> Any:
        m = meetings.schedule_meeting(
            cl, body(code), meetings.at(date.today() - timedelta(days=days), 10, 0)
        )
        meetings.add_agenda_item(
            cl,
            m,
            meetings.ItemIn(title="Item", kind="decision", urgency_reason="T", chair_agreed=True),
        )
        for key, ref in present:
            meetings.record_attendance(
                cl, m, meetings.AttendanceIn(person=person(key), capacity="member", post=post(ref))
            )
        return m

    ice = held(
        "ice", 7, ("alex-morgan", "15N/accountable-officer"), ("lou-barnes", "E10000008/dass")
    )
    later_ice = held("ice", 1)
    gb = held("governing-body", 14)
    later_gb = held("governing-body", 1)
    cabinet = held(
        "cabinet-torbay",
        2,
        ("mayor-yan-cobb", "E06000027/leader"),
        ("cllr-zoe-nash", "E06000027/cabinet-member-adults"),
    )
    ccg, torbay = _org("15N"), _org("E06000027")
    joint = decisions.DecisionIn(
        title="Joint strategy",
        resolution="Agreed",
        decision_type="joint_strategy",
        parts=[
            decisions.PartIn(ccg, 0, [(person("alex-morgan"), post("15N/accountable-officer"))])
        ],
    )
    policy = decisions.DecisionIn(
        title="Policy",
        resolution="Adopted",
        decision_type="policy",
        parts=[decisions.PartIn(ccg, 0)],
    )
    takers = [
        (person("dr-lee-harper"), post("15N/clinical-chair")),
        (person("alex-morgan"), post("15N/accountable-officer")),
    ]
    lay = [(person("eve-grant"), post("15N/lay-member-governance"))]
    gb_item = gb.items.get(number=1)
    urgent = decisions.take_urgent_action(
        cl,
        gb_item,
        policy,
        on=date.today() - timedelta(days=10),
        takers=takers,
        consulted=lay,
        urgency="It could not wait.",
    )
    fund = decisions.record_at_item(
        cl,
        cabinet.items.get(number=1),
        decisions.DecisionIn(
            title="Fund",
            resolution="Agreed",
            decision_type="pooled_fund_change",
            parts=[decisions.PartIn(torbay, 600_000_00, votes=engine.Votes(2, 0))],
        ),
    ).decision
    beds = decisions.DecisionIn(
        title="Beds",
        resolution="Commit",
        decision_type="revenue_commitment",
        parts=[
            decisions.PartIn(
                ccg, 10_000_00, [(person("sam-patel"), post("15N/director-of-commissioning"))]
            )
        ],
    )
    officer = decisions.record_officer_decision(
        cl, ice.body.system, beds, date.today() - timedelta(days=3)
    )
    draft = Minutes.objects.create(meeting=ice, text="Draft minutes")
    approved = Minutes.objects.create(meeting=gb, text="Approved minutes")
    decisions.approve_minutes(cl, approved, later_gb)
    approved.refresh_from_db()
    clerks = (*NOT_CLERKS, "clerk-gb")
    meeting_action = meetings.add_action(
        cl, ice, description="Report back", owner=person("sam-patel"), due=date.today()
    )
    return {
        "meetings.add_action": Case(
            lambda a: meetings.add_action(
                a, ice, description="Do it", owner=person("sam-patel"), due=date.today()
            ),
            "clerk-ice",
            clerks,
        ),
        "meetings.complete_action": Case(
            lambda a: meetings.complete_action(
                a, MeetingAction.objects.get(pk=meeting_action.pk), on=date.today()
            ),
            "clerk-ice",
            clerks,
        ),
        "decisions.record_at_item": Case(
            lambda a: decisions.record_at_item(a, ice.items.get(number=1), joint),
            "clerk-ice",
            (*clerks, "admin-torbay", "admin-devon-county"),
        ),
        "decisions.record_officer_decision": Case(
            lambda a: decisions.record_officer_decision(a, ice.body.system, beds, date.today()),
            "commissioner-15n",
            ("nobody", "analyst-15n", "clerk-ice", "admin-torbay", "admin-sel"),
        ),
        "decisions.take_urgent_action": Case(
            lambda a: decisions.take_urgent_action(
                a,
                gb_item,
                policy,
                on=date.today() - timedelta(days=5),
                takers=takers,
                consulted=lay,
                urgency="Urgent",
            ),
            "clerk-gb",
            (*NOT_CLERKS, "clerk-ice", "admin-torbay"),
        ),
        "decisions.ratify": Case(
            lambda a: decisions.ratify(a, urgent, later_gb),
            "clerk-gb",
            (*NOT_CLERKS, "clerk-ice", "admin-torbay"),
        ),
        "decisions.record_event": Case(
            lambda a: decisions.record_event(a, fund, "called_in", date.today(), by="Two members"),
            "admin-torbay",
            ("nobody", "analyst-15n", "admin-15n", "clerk-ice", "admin-sel"),
        ),
        "decisions.record_officer_event": Case(
            lambda a: decisions.record_officer_event(a, officer, "implemented", date.today()),
            "commissioner-15n",
            ("nobody", "analyst-15n", "clerk-ice", "admin-torbay"),
        ),
        "decisions.draft_minutes": Case(
            lambda a: decisions.draft_minutes(a, later_ice), "clerk-ice", clerks
        ),
        "decisions.edit_minutes": Case(
            lambda a: decisions.edit_minutes(a, Minutes.objects.get(pk=draft.pk), "Edited"),
            "clerk-ice",
            clerks,
        ),
        "decisions.approve_minutes": Case(
            lambda a: decisions.approve_minutes(a, Minutes.objects.get(pk=draft.pk), later_ice),
            "clerk-ice",
            clerks,
        ),
        "decisions.correct_minutes": Case(
            lambda a: decisions.correct_minutes(a, approved, "Corrected"),
            "clerk-gb",
            (*NOT_CLERKS, "clerk-ice"),
        ),
        "decisions.request_revalidation": Case(
            lambda a: decisions.request_revalidation(a, ice.body.system),
            "admin-15n",
            ("nobody", "analyst-15n", "clerk-ice", "commissioner-15n", "admin-sel"),
        ),
        # Asked for by the pack builder once the view has decided the reader may have the
        # edition (tests/packs): nobody may call it in their own name.
        "packs.request": Case(
            lambda a: packs.request_pack(
                a,
                later_ice,
                pack_content(later_ice, "public", (), "http://x/", later_ice.starts.date()),
                site="http://x/",
            ),
            "command line",
            ("nobody", "clerk-ice", "admin-15n", "admin-sel"),
        ),
    }


def _finance_cases(u: Any) -> dict[str, Case]:
    from datetime import date

    from commonweal.core.models import Person
    from commonweal.decisions import actions as decisions
    from commonweal.finance import actions as finance
    from commonweal.governance.models import Post

    cl = Actor.command_line()
    devon = registry_system("devon-2019")
    year = finance.open_year(cl, devon, 2020)
    ccg = _org("15N")
    source, target = finance.add_lines(
        cl,
        devon,
        [
            finance.LineIn(ccg, "MT1", "Metatest acute"),
            finance.LineIn(ccg, "MT2", "Metatest community"),
        ],
    )
    finance.post_entries(cl, year, [finance.EntryIn(source, 1, "budget", 500_000_00)])
    dofp = (
        Person.objects.get(key="jo-evans"),
        Post.objects.get(organisation__code="15N", code="director-of-financial-planning"),
    )
    # A virement decided by the Governing Body's urgent action would be applied the same way;
    # here the command line records an officer's virement decision to apply.
    decided = decisions.record_officer_decision(
        cl,
        devon,
        decisions.DecisionIn(
            title="Virement",
            resolution="Move £1,000.",
            decision_type="virement",
            parts=[decisions.PartIn(ccg, 1_000_00, [dofp])],
        ),
        date(2020, 5, 1),
    )
    others = ("nobody", "analyst-15n", "commissioner-15n", "finance-torbay", "admin-sel")
    # A return: the example workbook (NHS Devon CCG's rows), kept and read as the worker would.
    import tempfile

    from commonweal.finance import returns
    from commonweal.finance.example import write_example

    workbook = write_example(Path(tempfile.mkdtemp()) / "return.xlsx")
    from commonweal.finance.models import Return

    waiting = Return.objects.create(
        year=year, month=10, file_name="return.xlsx", sha256="0" * 64, requested_by="metatest"
    )
    read = returns.read_return(year, 10, workbook)
    return {
        # Any keeper of the system may hand in a return; its rows are then checked one by one.
        "finance.request_import": Case(
            lambda a: returns.request_import(a, year, 10, workbook, queue=False),
            "jo-evans",
            ("nobody", "analyst-15n", "commissioner-15n", "admin-sel"),
        ),
        "finance.import_return": Case(
            lambda a: returns.import_return(a, waiting, read), "jo-evans", others
        ),
        "finance.open_year": Case(lambda a: finance.open_year(a, devon, 2021), "jo-evans", others),
        "finance.close_month": Case(lambda a: finance.close_month(a, year, 1), "jo-evans", others),
        "finance.add_lines": Case(
            lambda a: finance.add_lines(a, devon, [finance.LineIn(ccg, "MT3", "New")]),
            "jo-evans",
            others,
        ),
        "finance.post_entries": Case(
            lambda a: finance.post_entries(a, year, [finance.EntryIn(source, 2, "actual", 1_00)]),
            "jo-evans",
            others,
        ),
        "finance.vire": Case(
            lambda a: finance.vire(
                a,
                year,
                source=source,
                target=target,
                amount=1_000_00,
                decider=dofp,
                on=date(2020, 5, 1),
                reason="Metatest",
            ),
            "jo-evans",
            others,
        ),
        "finance.apply_virement": Case(
            lambda a: finance.apply_virement(a, year, decided, source=source, target=target),
            "jo-evans",
            others,
        ),
        "finance.report_position": Case(
            lambda a: finance.report_position(a, year, ccg, month=3, position=-1_00),
            "jo-evans",
            others,
        ),
        "finance.record_plan": Case(
            lambda a: finance.record_plan(
                a,
                year,
                ccg,
                name="Plan",
                agreed_on=date(2020, 4, 30),
                position=0,
                savings_requirement=None,
            ),
            "jo-evans",
            others,
        ),
    }


def registry_system(slug: str) -> Any:
    from commonweal.registry.models import System

    return System.objects.get(slug=slug)


def _actor(universe: Any, name: str) -> Actor:
    if name == "command line":
        return Actor.command_line()
    if name == "anonymous":
        return Actor(label="anonymous visitor")
    return Actor.from_user(universe.accounts[name])


def check_action(name: str, case: Case, universe: Any) -> None:
    """The action refuses everyone it should and allows the right person; AssertionError if not."""
    for who in ("anonymous", *case.refused):
        try:
            with transaction.atomic():
                case.call(_actor(universe, who))
                transaction.set_rollback(True)
        except NotPermitted:
            continue
        raise AssertionError(f"{name} let {who} act")
    with transaction.atomic():
        case.call(_actor(universe, case.allowed))
        transaction.set_rollback(True)


def ours() -> dict[str, Any]:
    return {n: s for n, s in ACTIONS.items() if s.fn.__module__.startswith("commonweal.")}


def test_every_action_refuses_the_wrong_people_and_allows_the_right_one(universe, tmp_path):
    cases = _cases(universe, tmp_path)
    missing = sorted(set(ours()) - set(cases))
    assert missing == [], f"actions with no case in the metatest: {missing}"
    for name in sorted(ours()):
        check_action(name, cases[name], universe)


def test_the_metatest_fails_when_a_check_is_removed(universe, tmp_path, monkeypatch):
    spec = ours()["core.assign_role"]

    def no_check(actor: Actor, *args: Any, **kwargs: Any) -> None:
        actor._current().checked = True  # says it checked, checks nothing

    monkeypatch.setattr(spec, "authorise", no_check)
    case = _cases(universe, tmp_path)["core.assign_role"]
    with pytest.raises(AssertionError, match="let anonymous act"):
        check_action("core.assign_role", case, universe)


# Allocations (issue 15) ---------------------------------------------------------------------


def _allocation_for_pages() -> int:
    """A draft allocation for the allocation pages (nothing capitated: the universe's places
    have no practices)."""
    from datetime import date

    from commonweal.allocations import actions as allocations
    from commonweal.finance import actions as finance

    cl = Actor.command_line()
    year = finance.open_year(cl, registry_system("devon-2019"), 2020)
    a = allocations.draft_allocation(
        cl,
        year,
        _org("15N"),
        allocations.AllocationIn(name="Pages", total=1_000_00, population_on=date(2020, 3, 31)),
    )
    return int(a.pk)


def _allocation_cases(u: Any) -> dict[str, Case]:
    """Drafting, lines, linking and refusals are the finance lead's (manage_finance in the
    CCG); submitting also puts it on the forward plan (plan_business), so an administrator;
    an officer's decision is recorded by the officer or one who records officers' decisions."""
    from datetime import date

    from commonweal.allocations import actions as allocations
    from commonweal.allocations.rules import LineIn
    from commonweal.core.models import Person
    from commonweal.decisions import actions as decisions
    from commonweal.finance import actions as finance
    from commonweal.governance.models import Post

    cl = Actor.command_line()
    year = finance.open_year(cl, registry_system("devon-2019"), 2020)
    ccg = _org("15N")

    def draft(name: str) -> Any:
        a = allocations.draft_allocation(
            cl,
            year,
            ccg,
            allocations.AllocationIn(name=name, total=1_000_00, population_on=date(2020, 3, 31)),
        )
        allocations.set_lines(cl, a, [LineIn("Acute", "growth", 1_00)])
        return a

    drafted = draft("Metatest draft")
    awaiting = allocations.submit_allocation(cl, draft("Metatest awaiting"), due=date(2020, 3, 20))
    ao = (
        Person.objects.get(key="alex-morgan"),
        Post.objects.get(organisation__code="15N", code="accountable-officer"),
    )
    decided = decisions.record_officer_decision(
        cl,
        ccg_system := registry_system("devon-2019"),
        decisions.DecisionIn(
            title="Allocation",
            resolution="Agreed.",
            decision_type="allocation",
            project=awaiting.reference,
            parts=[decisions.PartIn(ccg, 1_00, [ao])],
        ),
        date(2020, 3, 20),
        plan=awaiting.plan_item,
    )
    assert ccg_system is not None
    finance_people = ("nobody", "analyst-15n", "commissioner-15n", "finance-torbay", "admin-sel")
    return {
        "allocations.draft_allocation": Case(
            lambda a: allocations.draft_allocation(
                a,
                year,
                ccg,
                allocations.AllocationIn(name="X", total=1_00, population_on=date(2020, 3, 31)),
            ),
            "jo-evans",
            finance_people,
        ),
        "allocations.set_lines": Case(
            lambda a: allocations.set_lines(a, drafted, []), "jo-evans", finance_people
        ),
        "allocations.submit_allocation": Case(
            lambda a: allocations.submit_allocation(a, drafted, due=date(2020, 3, 20)),
            "admin-15n",
            (*finance_people, "jo-evans"),
        ),
        "allocations.decide_allocation": Case(
            lambda a: allocations.decide_allocation(a, awaiting, decider=ao, on=date(2020, 3, 20)),
            "commissioner-15n",
            ("nobody", "analyst-15n", "jo-evans", "finance-torbay", "admin-sel"),
        ),
        "allocations.link_decision": Case(
            lambda a: allocations.link_decision(a, awaiting, decided), "jo-evans", finance_people
        ),
        "allocations.refuse_allocation": Case(
            lambda a: allocations.refuse_allocation(a, awaiting, reason="No"),
            "jo-evans",
            finance_people,
        ),
    }


# Pooled funds (issue 15) --------------------------------------------------------------------


def _pool_for_pages() -> str:
    """Devon's pooled fund agreement, for the pool pages (no plan yet: the pages say so)."""
    from commonweal.core.documents import read_yaml
    from commonweal.pools import actions as pools

    located = read_yaml(EXAMPLES / "devon-2019-pool-devon.yaml")
    return str(pools.load_agreement(Actor.command_line(), located).reference)


def _pool_plan() -> Any:
    """Two lines on the partners' ledgers: A (recurrent, £120,000) and C (non-recurrent,
    £12,000); every BCF metric planned for every quarter."""
    from decimal import Decimal

    from commonweal.pools import actions as pools
    from commonweal.pools.config import config

    return pools.PlanIn(
        contributions=[
            pools.ContributionIn("15N", 80_000_00),
            pools.ContributionIn("E10000008", 52_000_00),
        ],
        schemes=[pools.SchemeIn("S1", "Metatest scheme", "Community based schemes")],
        lines=[
            pools.LineIn("S1", "A", "Line A", 120_000_00, True, cost_centre="PMT-A"),
            pools.LineIn("S1", "C", "Line C", 12_000_00, False, cost_centre="PMT-C"),
        ],
        metrics=[
            pools.MetricIn(m.code, q, Decimal(1)) for m in config().metrics for q in (1, 2, 3, 4)
        ],
    )


def _pool() -> tuple[Any, Any]:
    """Devon's pool with a plan for 2020/21 whose line A is forecast £12,000 under as at M6
    (C on budget): an underspend for C to use, and a variance that asks for an action plan."""
    from commonweal.core.documents import read_yaml
    from commonweal.finance import actions as finance
    from commonweal.pools import actions as pools
    from commonweal.pools.position import plan_in_force

    cl = Actor.command_line()
    year = finance.open_year(cl, registry_system("devon-2019"), 2020)
    agreement = pools.load_agreement(cl, read_yaml(EXAMPLES / "devon-2019-pool-devon.yaml"))
    if plan_in_force(agreement, year) is not None:
        return agreement, year
    a, c = finance.add_lines(
        cl,
        year.system,
        [
            finance.LineIn(_org("15N"), "PMT-A", "Pool line A"),
            finance.LineIn(_org("E10000008"), "PMT-C", "Pool line C"),
        ],
    )
    entries = []
    for line, monthly, less in ((a, 10_000_00, 2_000_00), (c, 1_000_00, 0)):
        entries += [finance.EntryIn(line, m, "budget", monthly) for m in range(1, 13)]
        entries += [finance.EntryIn(line, m, "actual", monthly) for m in range(1, 7)]
        entries += [
            finance.EntryIn(line, m, "forecast", monthly - less, as_at=6) for m in range(7, 13)
        ]
    finance.post_entries(cl, year, entries)
    pools.load_plan(cl, agreement, year, _pool_plan())
    return agreement, year


def _pool_cases(u: Any) -> dict[str, Case]:
    """The host's finance lead keeps the pool; the clerk of Devon's Health and Wellbeing Board
    records its sign-off of a complete return at an item of its meeting."""
    from datetime import date
    from decimal import Decimal

    from commonweal.core.documents import read_yaml
    from commonweal.core.models import Person
    from commonweal.governance.models import Body, Post
    from commonweal.meetings import actions as meetings
    from commonweal.pools import actions as pools
    from commonweal.pools.config import config
    from commonweal.pools.models import QuarterlyReturn, SpendLine
    from commonweal.pools.position import plan_in_force

    cl = Actor.command_line()
    agreement, year = _pool()
    lines = {
        s.reference: s
        for s in SpendLine.objects.filter(scheme__plan=plan_in_force(agreement, year))
    }
    document = read_yaml(EXAMPLES / "devon-2019-pool-devon.yaml")
    complete = pools.ReturnIn(
        actuals={m.code: Decimal(2) for m in config().metrics},
        confirmations={c.code: (True, "") for c in config().conditions},
    )
    ret = pools.save_return(cl, agreement, year, 2, complete)
    pools.record_action_plan(
        cl, agreement, year, month=6, owner="Metatest", due=date(2020, 11, 30), actions="Act"
    )
    board = Body.objects.get(system__slug="devon-2019", code="hwb-devon")
    meeting = meetings.schedule_meeting(
        cl, board, meetings.at(date.today() - timedelta(days=3), 14, 0), status="confirmed"
    )
    item = meetings.add_agenda_item(
        cl,
        meeting,
        meetings.ItemIn(title="BCF return", kind="decision", urgency_reason="T", chair_agreed=True),
    )
    for key, ref in (
        ("cllr-peg-lowe", "E10000008/cabinet-member-adult-care"),
        ("lou-barnes", "E10000008/dass"),
        ("max-reid", "E10000008/dcs"),
    ):
        code, _, post = ref.partition("/")
        meetings.record_attendance(
            cl,
            meeting,
            meetings.AttendanceIn(
                person=Person.objects.get(key=key),
                capacity="member",
                post=Post.objects.get(organisation__code=code, code=post),
            ),
        )
    return {
        "pools.load_agreement": Case(
            lambda a: pools.load_agreement(a, document), "finance-devon", NOT_HOSTS
        ),
        "pools.load_plan": Case(
            lambda a: pools.load_plan(a, agreement, year, _pool_plan()), "finance-devon", NOT_HOSTS
        ),
        "pools.record_action_plan": Case(
            lambda a: pools.record_action_plan(
                a, agreement, year, month=6, owner="X", due=date(2020, 11, 30), actions="Y"
            ),
            "finance-devon",
            NOT_HOSTS,
        ),
        "pools.use_underspend": Case(
            lambda a: pools.use_underspend(
                a, agreement, year, month=6, line=lines["C"], amount=1_000_00, reason="Kit"
            ),
            "finance-devon",
            NOT_HOSTS,
        ),
        "pools.save_return": Case(
            lambda a: pools.save_return(a, agreement, year, 3, complete),
            "finance-devon",
            NOT_HOSTS,
        ),
        "pools.sign_off_return": Case(
            lambda a: pools.sign_off_return(
                a, QuarterlyReturn.objects.get(pk=ret.pk), item, resolution="To sign off."
            ),
            "clerk-hwb-devon",
            ("nobody", "analyst-15n", "finance-devon", "clerk-ice", "admin-sel"),
        ),
    }


# Outcomes (issue 16) ------------------------------------------------------------------------


def _qof_catalogue() -> None:
    """The national QOF prevalence catalogue and Devon's example framework (which defines two
    indicators of NHS Devon CCG's own), loaded from the command line."""
    from commonweal.outcomes import actions as outcomes
    from commonweal.outcomes import data

    cl = Actor.command_line()
    outcomes.load_indicators(
        cl, *outcomes.read_document(data.DEFINITIONS_DIR / "qof-2020-21-prevalence.yaml")
    )
    outcomes.load_framework(cl, *outcomes.read_document(EXAMPLES / "devon-2019-outcomes.yaml"))


def _outcomes_for_pages() -> str:
    """The catalogue and framework, England's value of one indicator (for its page and
    England's profile) and a series; the series' code."""
    from commonweal.outcomes.models import Indicator, Value

    _qof_catalogue()
    Value.objects.create(
        indicator=Indicator.objects.get(code="qof-af-prevalence"),
        area_code="E92000001",
        area_name="England",
        area_type="England",
        period="2020/21",
        period_sortable="20200000",
        value=2.0,
        lower95=1.9,
        upper95=2.1,
        lower998=1.8,
        upper998=2.2,
        count=1_200_000,
        denominator=60_000_000,
        source="the metatest",
    )
    return str(_series().code)


# Catalogues of an organisation's own, frameworks and Fingertips files of its indicators are
# kept by its analysts (manage_outcomes in the owner); a rebase by one of an organisation that
# looks after the system; networks are placed by an administrator of one (add_networks).
NOT_ANALYSTS = ("nobody", "admin-sel", "commissioner-15n", "admin-torbay")
OWN_CATALOGUE = """\
indicators:
  name: NHS Devon CCG local indicators
  provenance: {written_by: A. Analyst, checked_by: B. Checker, review_date: 2027-03-31}
  owner: 15N
  definitions:
    - code: metatest-flu-uptake-65
      name: Flu vaccine uptake in people aged 65 and over
      definition: Vaccinated people aged 65 and over over those eligible.
      polarity: high_is_good
      unit: "%"
      method: proportion
      source: Local immunisation returns
      frequency: annual
      significance: 95
"""


def _fingertips_file() -> bytes:
    """Two values of smoking prevalence (Fingertips 92443, the framework's own indicator)."""
    from commonweal.outcomes import fingertips

    def row(area_code: str, area_type: str, value: float) -> Any:
        return fingertips.Row(
            indicator_id="92443",
            indicator_name="Smoking prevalence in adults",
            parent_code="E12000009",
            parent_name="South West region",
            area_code=area_code,
            area_name=f"Area {area_code}",
            area_type=area_type,
            sex="Persons",
            age="18+ yrs",
            category_type="",
            category="",
            time_period="2019",
            value=value,
            lower95=value - 1,
            upper95=value + 1,
            lower998=value - 2,
            upper998=value + 2,
            count=None,
            denominator=None,
            value_note="",
            recent_trend="",
            compared_to_england="Similar",
            compared_to_parent="Similar",
            time_period_sortable="20190000",
            new_data="",
            compared_to_goal="",
        )

    rows = (
        row("E92000001", "England", 13.9),
        row("E10000008", "Counties & UAs (from Apr 2021)", 12.5),
    )
    return fingertips.write(fingertips.Table(rows, "Region", False))


def _qof_files(tmp: Path) -> Path:
    """A data directory with QOF 2020/21's two files: one practice's atrial fibrillation."""
    from commonweal.outcomes import compute

    (tmp / compute.PREVALENCE).parent.mkdir(parents=True, exist_ok=True)
    write_csv(
        tmp / compute.PREVALENCE,
        [["L83001", "AF", "TOTAL", "150", "8000"]],
        ["PRACTICE_CODE", "GROUP_CODE", "PATIENT_LIST_TYPE", "REGISTER", "PRACTICE_LIST_SIZE"],
    )
    write_csv(
        tmp / compute.MAPPING,
        [
            [
                *("L83001", "Riverside", "U50322", "Barnstaple Alliance PCN", "15N"),
                *("NHS Devon CCG", "QJK", "Devon", "Y58", "South West", "E92000001", "England"),
            ]
        ],
        [
            *("PRACTICE_CODE", "PRACTICE_NAME", "PCN_ODS_CODE", "PCN_NAME", "CCG_ODS_CODE"),
            *("CCG_NAME", "STP_ODS_CODE", "STP_NAME", "REGION_ODS_CODE", "REGION_NAME"),
            *("NAT_ONS_CODE", "COUNTRY"),
        ],
    )
    return tmp


def _assurance_cases(u: Any) -> dict[str, Case]:
    from datetime import date

    from commonweal.assurance import actions as assurance
    from commonweal.assurance import rules as periods
    from commonweal.outcomes.actions import read_document
    from commonweal.registry.models import Area

    framework, exception, concern = _assurance()
    revised = read_document(
        "a.yaml",
        re.sub(
            r", pools: \[[^\]]*\]", "", (EXAMPLES / "devon-2019-assurance.yaml").read_text()
        ).replace("after_days: 60", "after_days: 45"),
    )
    east = Area.objects.get(system=framework.system, code="east")
    concern_in = assurance.ConcernIn(
        "RH8", "Falls on wards", "Incidents", "moderate", "Falls", date(2021, 2, 1)
    )
    return {
        "assurance.load_framework": Case(
            lambda a: assurance.load_framework(a, *revised), "analyst-15n", NOT_ASSURANCE
        ),
        "assurance.assess": Case(
            lambda a: assurance.assess(a, framework, periods.parse("2020-21-q4")),
            "analyst-15n",
            NOT_ASSURANCE,
        ),
        "assurance.respond": Case(
            lambda a: assurance.respond(a, exception, owner="A director", response="In hand"),
            "analyst-15n",
            NOT_ASSURANCE,
        ),
        "assurance.record_concern": Case(
            lambda a: assurance.record_concern(a, east, concern_in),
            "commissioner-15n",
            NOT_ASSURANCE,
        ),
        "assurance.close_concern": Case(
            lambda a: assurance.close_concern(a, concern, date(2021, 3, 1), "Resolved"),
            "commissioner-15n",
            NOT_ASSURANCE,
        ),
    }


def _outcome_cases(u: Any, tmp: Path) -> dict[str, Case]:
    from datetime import date

    from commonweal.outcomes import actions as outcomes
    from commonweal.outcomes import importers as national
    from commonweal.outcomes import suppression
    from commonweal.registry import actions as registry

    _qof_catalogue()
    devon = registry_system("devon-2019")
    series = _series()
    catalogue = outcomes.read_document("catalogue.yaml", OWN_CATALOGUE)
    framework = outcomes.read_document(
        "framework.yaml",
        (EXAMPLES / "devon-2019-outcomes.yaml")
        .read_text()
        .replace(
            "name: Wider Devon strategic outcomes framework",
            "name: Wider Devon strategic outcomes framework (revised)",
        ),
    )
    smoking = _fingertips_file()
    data_dir = _qof_files(tmp / "outcomes")
    population = write_csv(
        tmp / "population.csv",
        [["1", "Adur", "E07000223", "District", "Female", "0-4 years", "5 years", 2018, 1553, "E"]],
        [
            *("", "Area_Name", "Area_Code", "Area_Type", "Sex", "Age_group", "Age_band_type"),
            *("Year", "Population", "Data_type"),
        ],
    )
    deprivation = write_csv(
        tmp / "pcn_imd.csv",
        [["U50322", "BARNSTAPLE ALLIANCE PCN", 21.5, 4]],
        ["pcn_code", "pcn_name", "imd_score", "imd_decile"],
    )
    ae = write_csv(
        tmp / "ae.csv",
        [["2019-01-01", "RH8", "1", 9000, 1200], ["2019-02-01", "RH8", "1", 8500, 900]],
        ["period", "org_code", "type", "attendances", "breaches"],
    )
    internal = ("nobody", "analyst-15n", "admin-15n", "admin-sel")
    return {
        "outcomes.load_indicators": Case(
            lambda a: outcomes.load_indicators(a, *catalogue), "analyst-15n", NOT_ANALYSTS
        ),
        "outcomes.load_framework": Case(
            lambda a: outcomes.load_framework(a, *framework), "analyst-15n", NOT_ANALYSTS
        ),
        "outcomes.import_fingertips": Case(
            lambda a: outcomes.import_fingertips(a, "smoking.csv", smoking),
            "analyst-15n",
            NOT_ANALYSTS,
        ),
        "outcomes.record_rebase": Case(
            lambda a: outcomes.record_rebase(a, devon, series, date(2020, 3, 1), "A new model"),
            "analyst-15n",
            ("nobody", "admin-sel", "commissioner-15n"),
        ),
        "registry.assign_networks": Case(
            lambda a: registry.assign_networks(
                a, "networks.yaml", "networks: {system: devon-2019, places: {}}\n"
            ),
            "admin-15n",
            ("nobody", "analyst-15n", "commissioner-15n", "admin-sel"),
        ),
        # National files: from the command line and the task worker only.
        "outcomes.compute_qof": Case(
            lambda a: outcomes.compute_qof(a, data_dir), "command line", internal
        ),
        "outcomes.recompute_system_values": Case(
            _recompute, "analyst-15n", ("nobody", "admin-sel", "commissioner-15n", "jo-evans")
        ),
        "outcomes.import_population": Case(
            lambda a: national.import_population(a, population), "command line", internal
        ),
        "outcomes.import_deprivation": Case(
            lambda a: national.import_deprivation(a, deprivation, "pcn_code"),
            "command line",
            internal,
        ),
        "outcomes.import_ae": Case(lambda a: national.import_ae(a, ae), "command line", internal),
        "outcomes.withhold_small_numbers": Case(
            lambda a: suppression.withhold_small_numbers(a), "command line", internal
        ),
    }


def _recompute(a: Actor) -> None:
    from commonweal.core.errors import Conflict
    from commonweal.outcomes import actions as outcomes

    try:
        outcomes.recompute_system_values(a, registry_system("devon-2019"))
    except Conflict as exc:
        # Past the permission check: the universe holds no QOF values to sum.
        assert "no QOF practice values" in str(exc)


def _proposal_cases(u: Any) -> dict[str, Case]:
    from datetime import date, timedelta

    from commonweal.proposals import actions as proposals
    from commonweal.proposals.documents import shipped, shipped_framework
    from commonweal.registry.actions import example_path

    from ..meetings.papers import pdf

    made = _proposals()
    devon = made["draft"].system
    later = date.today() + timedelta(days=40)
    workflow = (
        shipped("four-stages")
        .read_text()
        .replace("name: Four stages of ICS governance", "name: Four stages (revised)")
    )
    text = {"title": "Changed", "service": "Specialist services", "footprint": "wider-devon"}
    return {
        "proposals.load_workflow": Case(
            lambda a: proposals.read_workflow(a, "four-stages.yaml", workflow),
            "command line",
            ("nobody", "admin-15n", "commissioner-15n", "admin-sel"),
        ),
        "proposals.load_setup": Case(
            lambda a: proposals.read_setup(a, example_path("devon-2019-proposals")),
            "admin-15n",
            ("nobody", "commissioner-15n", "analyst-15n", "admin-sel"),
        ),
        "proposals.create": Case(
            lambda a: proposals.create(
                a, devon, proposals.ProposalIn(lead="15N", **{**text, "title": "New"})
            ),
            "commissioner-15n",
            NOT_PROPOSERS,
        ),
        "proposals.revise": Case(
            lambda a: proposals.revise(a, made["draft"], proposals.ProposalIn(lead="15N", **text)),
            "commissioner-15n",
            NOT_PROPOSERS,
        ),
        "proposals.keep_document": Case(
            lambda a: proposals.keep_document(a, made["draft"], "other", "note.pdf", pdf(1)),
            "commissioner-15n",
            NOT_PROPOSERS,
        ),
        "proposals.put_forward": Case(
            lambda a: proposals.put_forward(a, made["stage1"], "developed", due=later),
            "commissioner-15n",
            NOT_PROPOSERS,
        ),
        "proposals.seek_approval": Case(
            lambda a: proposals.seek_approval(
                a, made["public"], "approve", decision_type="policy", due=later
            ),
            "commissioner-15n",
            NOT_PROPOSERS,
        ),
        "proposals.advance": Case(
            lambda a: proposals.advance(a, made["draft"], "start"),
            "commissioner-15n",
            NOT_PROPOSERS,
        ),
        "proposals.load_level_framework": Case(
            lambda a: proposals.read_level_framework(
                a,
                "nenc-level.yaml",
                shipped_framework("nenc-level").read_text().replace("name: Which", "name: Whch"),
            ),
            "command line",
            ("nobody", "admin-15n", "commissioner-15n", "admin-sel"),
        ),
        "proposals.triage": Case(
            lambda a: proposals.triage(a, made["draft"], {"national": "Yes", "assessment": "No"}),
            "commissioner-15n",
            NOT_PROPOSERS,
        ),
        "proposals.declare_interest": Case(
            lambda a: proposals.declare_interest(a, made["draft"], interest="none"),
            "jo-evans",
            ("nobody", "admin-sel", "analyst-15n", "clerk-ice"),
        ),
        "proposals.score": Case(
            lambda a: proposals.score(a, made["stage1"], {"risk": 2}),
            "jo-evans",
            ("nobody", "admin-sel", "analyst-15n", "clerk-ice"),
        ),
        "proposals.moderate": Case(
            lambda a: proposals.moderate(
                a, made["public"], criterion="risk", score=3, rationale="Agreed"
            ),
            "finance-torbay",
            ("nobody", "admin-sel", "analyst-15n", "clerk-ice", "jo-evans"),
        ),
    }
