"""API operations of the platform: a person's own API tokens, and revoking tokens."""

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from commonweal.core.actions import Actor, account_of
from commonweal.core.api import ErrorOut
from commonweal.core.errors import NotFound, NotPermitted
from commonweal.core.models import ApiToken, Organisation, in_force
from commonweal.core.people import make_token, revoke_token, token_by_id
from commonweal.core.permissions import Permission

router = Router(tags=["tokens"])
ROLE = "owner__person__role_assignments"


class TokenOut(Schema):
    id: int
    name: str
    owner: str
    created: datetime
    expires: datetime
    last_used: datetime | None
    revoked_at: datetime | None
    active: bool


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="what the token is for")
    days: int = Field(90, ge=1, le=366, description="how many days it lasts")


class NewTokenOut(TokenOut):
    key: str = Field(description="the token itself: shown once, never again")


def _token(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.pk,
        "name": t.name,
        "owner": t.owner.get_username(),
        "created": t.created,
        "expires": t.expires,
        "last_used": t.last_used,
        "revoked_at": t.revoked_at,
        "active": t.active,
    }


@router.get("/tokens", response=list[TokenOut], summary="Your API tokens")
def tokens(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        _token(t)
        for t in ApiToken.objects.filter(owner=account_of(request)).select_related("owner")
    ]


@router.post("/tokens", response={201: NewTokenOut}, summary="Make an API token for yourself")
def new_token(request: HttpRequest, body: TokenIn) -> Status:
    if getattr(request, "api_token", None) is not None:
        # Otherwise a stolen token could mint its own successors and outlive its revocation.
        raise NotPermitted(
            "A token cannot make tokens: sign in with your password (the account page, or this "
            "API with a signed-in session) to make one."
        )
    account = account_of(request)
    key, token = make_token(
        Actor.from_user(account), account, body.name, lifetime=timedelta(days=body.days)
    )
    return Status(201, {**_token(token), "key": key})


@router.delete(
    "/tokens/{token_id}",
    response=TokenOut,
    summary="Revoke a token (your own, or as an administrator, one of your organisation's people)",
)
def revoke(request: HttpRequest, token_id: int) -> dict[str, Any]:
    token = token_by_id(token_id)
    try:
        revoke_token(Actor.from_user(request.user), token)
    except NotPermitted:
        # Someone else's token, out of the caller's reach, looks like no token at all: the
        # answer should not tell which ids exist or whose they are.
        raise NotFound.at("id", f"there is no token {token_id}") from None
    token.refresh_from_db()
    return _token(token)


@router.get(
    "/organisations/{code}/tokens",
    response={200: list[TokenOut], 403: ErrorOut},
    summary="The API tokens of an organisation's people (its administrators only)",
)
def organisation_tokens(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise NotFound.at("code", f"no organisation has the code {code}")
    actor = Actor.from_user(request.user)
    if not actor.holds(Permission.REVOKE_TOKENS, organisation):
        raise NotPermitted(f"Only an administrator of {organisation} may list its people's tokens.")
    return [
        _token(t)
        # One filter, so that the role in force is the role for this organisation.
        for t in ApiToken.objects.filter(
            Q(owner__person__role_assignments__organisation=organisation)
            & in_force(date.today(), f"{ROLE}__starts", f"{ROLE}__ends")
        )
        .select_related("owner")
        .distinct()
    ]
