"""The public register's read-only API, in Open Civic Data's terms: no token needed.

Organizations (organisations and their bodies), posts, memberships, events (meetings, with
their agendas) and vote events (published decisions), each list paginated. A filter that cannot
be read, or names something that does not exist, is refused with 400 naming the parameter; an
id that does not exist is 404. The shapes are `commonweal.public.ocd`'s: nothing else is said.
"""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from commonweal.core.errors import NotFound
from commonweal.core.pagination import Paged
from commonweal.public import finance, ocd
from commonweal.registry.models import System

router = Router(tags=["public register (Open Civic Data)"], auth=None)

# Filters are read by the operations themselves, so that a bad one is a 400 naming it; the
# OpenAPI document still says what each takes.
DateParam = Annotated[str, WithJsonSchema({"type": "string", "format": "date"})]
BoolParam = Annotated[str, WithJsonSchema({"type": "boolean"})]
StatusParam = Annotated[
    str, WithJsonSchema({"type": "string", "enum": list(ocd.EVENT_STATUS.values())})
]
ClassificationParam = Annotated[
    str, WithJsonSchema({"type": "string", "enum": list(ocd.CLASSIFICATIONS)})
]

ORGANIZATION_ID = "an organisation's ODS or ONS code, or a body's id '<system>/<body code>'"


@router.get(
    "/organizations",
    response=list[ocd.OcdOrganization],
    summary="Organizations: organisations and their bodies (classification 'committee')",
)
@paginate(Paged)
def organizations(
    request: HttpRequest,
    system: str | None = Query(None, description="a system's slug: its organisations and bodies"),
    classification: Annotated[ClassificationParam | None, Query()] = None,
) -> Any:
    return ocd.organizations(
        request.build_absolute_uri,
        ocd.find_system("system", system),
        ocd.parse_choice("classification", classification, ocd.CLASSIFICATIONS),
    )


@router.get(
    "/organizations/{path:id}",
    response=ocd.OcdOrganization,
    summary="An organization: an organisation by its code, or a body by '<system>/<code>'",
)
def organization(request: HttpRequest, id: str) -> Any:
    found = ocd.organization(request.build_absolute_uri, id)
    if found is None:
        raise NotFound.at("id", f"there is no organization or body '{id[:200]}'")
    return found


@router.get("/posts", response=list[ocd.OcdPost], summary="Posts")
@paginate(Paged)
def posts(
    request: HttpRequest,
    organization_id: str | None = Query(
        None, description=f"{ORGANIZATION_ID} (a body: the posts that sit on it)"
    ),
) -> Any:
    return ocd.posts(ocd.find_organisation("organization_id", organization_id))


@router.get(
    "/memberships",
    response=list[ocd.OcdMembership],
    summary="Memberships: who holds each post, and which posts sit on each body",
)
@paginate(Paged)
def memberships(
    request: HttpRequest,
    organization_id: str | None = Query(None, description=ORGANIZATION_ID),
    post_id: str | None = Query(None, description="a post's id '<organisation code>/<post>'"),
    on: Annotated[
        DateParam | None, Query(description="only memberships in force on this day")
    ] = None,
) -> Any:
    return ocd.memberships(
        ocd.find_organisation("organization_id", organization_id),
        ocd.find_post("post_id", post_id),
        ocd.parse_date("on", on),
    )


@router.get("/events", response=list[ocd.OcdEvent], summary="Events: meetings, latest first")
@paginate(Paged)
def events(
    request: HttpRequest,
    organization_id: str | None = Query(
        None, description=f"{ORGANIZATION_ID} (an organisation: the meetings of its bodies)"
    ),
    start_date_after: Annotated[DateParam | None, Query(description="on or after this day")] = None,
    start_date_before: Annotated[
        DateParam | None, Query(description="on or before this day")
    ] = None,
    status: Annotated[StatusParam | None, Query()] = None,
) -> Any:
    return ocd.events(
        request.build_absolute_uri,
        ocd.find_organisation("organization_id", organization_id),
        ocd.parse_date("start_date_after", start_date_after),
        ocd.parse_date("start_date_before", start_date_before),
        ocd.parse_choice("status", status, list(ocd.EVENT_STATUS.values())),
    )


@router.get(
    "/events/{id}",
    response=ocd.OcdEventDetail,
    summary="An event: a meeting with its agenda, once the agenda is published",
    description="Exempt business shows its title and exemption only: never its report, "
    "papers or the content of decisions on it.",
)
def event(request: HttpRequest, id: str) -> Any:
    found = ocd.event(request.build_absolute_uri, id)
    if found is None:
        raise NotFound.at("id", f"there is no event '{id[:40]}'")
    return found


@router.get(
    "/vote-events",
    response=list[ocd.OcdVoteEvent],
    summary="Vote events: the published decisions, latest first (amounts in pence)",
)
@paginate(Paged)
def vote_events(
    request: HttpRequest,
    organization_id: str | None = Query(
        None,
        description=f"{ORGANIZATION_ID} (an organisation: decisions it has a part in)",
    ),
    start_date_after: Annotated[DateParam | None, Query(description="on or after this day")] = None,
    start_date_before: Annotated[
        DateParam | None, Query(description="on or before this day")
    ] = None,
    q: str | None = Query(
        None, description="words to search for (stemmed: 'commissioning' finds 'commissioned')"
    ),
    key_decision: Annotated[
        BoolParam | None, Query(description="a council's key decisions")
    ] = None,
) -> Any:
    return ocd.vote_events(
        request.build_absolute_uri,
        ocd.find_organisation("organization_id", organization_id),
        ocd.parse_date("start_date_after", start_date_after),
        ocd.parse_date("start_date_before", start_date_before),
        q,
        ocd.parse_bool("key_decision", key_decision),
    )


@router.get(
    "/vote-events/{id}",
    response=ocd.OcdVoteEvent,
    summary="A vote event: a published decision by its reference (D00012)",
)
def vote_event(request: HttpRequest, id: str) -> Any:
    found = ocd.find_vote_event(request.build_absolute_uri, id)
    if found is None:
        raise NotFound.at("id", f"there is no published decision '{id[:40]}'")
    return found


@router.get(
    "/systems/{slug}/finance/{start}/position",
    response=finance.PublicFinance,
    summary="A system's financial position for a year (amounts in pence)",
    description="Whether the NHS organisations are forecast to break even under the year's rule, "
    "each organisation's forecast and agreed position, and its budget, forecast outturn and "
    "forecast variance, as at the latest closed month (`month` is null before any closes). "
    "`start` is the calendar year the financial year starts in: 2020 for 2020/21.",
)
def finance_position(request: HttpRequest, slug: str, start: str) -> Any:
    system = System.objects.filter(slug=slug[:100]).first()
    if system is None:
        raise NotFound.at("slug", f"there is no system '{slug[:100]}'")
    year = (
        finance.find_year(system, int(start))
        if start.isascii() and start.isdigit() and len(start) == 4
        else None
    )
    if year is None:
        raise NotFound.at(
            "start", f"{system.name} has no financial year starting in '{start[:20]}'"
        )
    return finance.finance(year)
