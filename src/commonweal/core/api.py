"""The API's platform: authentication, one error envelope, and an honest OpenAPI document.

Every error has the body `{"error": {"status", "code", "message", "problems"}}`, where
`problems` is always a list of `{field, message}` (a document's problems add `file` and
`line`). Anonymous calls and bad tokens get 401 (never a CSRF 403); a signed-in session that
writes must send its CSRF token. The OpenAPI document lists every status each operation can
answer with, so clients (and schemathesis) can rely on it.
"""

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from commonweal.core.documents import nested_too_deep, read_number
from commonweal.core.errors import BadRequest, NotPermitted, Problem, Refused, field_path
from commonweal.core.models import ApiToken

log = logging.getLogger("commonweal.api")

# A token's last use is written at most this often: a busy client would otherwise write to
# the database on every request, and on SQLite every write waits its turn.
LAST_USED_EVERY = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if len(token) > 200:
            return None
        found = (
            ApiToken.usable()
            .select_related("owner")
            .filter(key_hash=ApiToken.hash(token), owner__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used is None or now - found.last_used > LAST_USED_EVERY:
            try:
                with transaction.atomic():
                    ApiToken.objects.filter(pk=found.pk).update(last_used=now)
            except OperationalError:
                # The database is busy with a long write (SQLite holds one writer at a time).
                # When a token was last used is a courtesy; answering the request is not.
                log.warning("could not record the use of token %s: database busy", found.pk)
        request.user = found.owner
        request.api_token = found  # type: ignore[attr-defined]
        return found.owner


class SessionAuth(AuthBase):
    """A signed-in session; anonymous is 401 first, and only then a write checks CSRF."""

    openapi_type = "apiKey"

    def __init__(self) -> None:
        from django.conf import settings

        self.openapi_name = settings.SESSION_COOKIE_NAME
        self.openapi_in = "cookie"
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", AnonymousUser())
        if not user.is_authenticated:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request):
            raise NotPermitted.at(
                "X-CSRFToken",
                "a signed-in session must send its CSRF token with a change; API clients "
                "should send a bearer token instead",
            )
        return user


class ErrorDetail(Schema):
    status: int
    code: str
    message: str
    problems: list[dict[str, Any]]


class ErrorOut(Schema):
    error: ErrorDetail


def error_body(
    status: int, code: str, message: str, problems: list[Problem] | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "status": status,
            "code": code,
            "message": message,
            "problems": [p.as_dict() for p in problems or []],
        }
    }


class UnsupportedMedia(Refused):
    status = 415
    code = "unsupported_media_type"


class BodyParser(Parser):
    """JSON bodies, refused with a sentence that says where they went wrong."""

    def parse_body(self, request: HttpRequest) -> Any:
        kind = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise UnsupportedMedia.at(
                "Content-Type",
                f"send the body as JSON with 'Content-Type: application/json' (not '{kind[:60]}')",
            )
        try:
            text = request.body.decode("utf-8")
            line = nested_too_deep(text)
            if line is not None:
                raise BadRequest.at("body", f"is nested too deeply (line {line})")
            data = json.loads(text, parse_float=_number, parse_int=_number)
        except json.JSONDecodeError as exc:
            raise BadRequest.at(
                "body", f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            ) from None
        except RecursionError:
            raise BadRequest.at("body", "is nested too deeply") from None
        except UnicodeDecodeError:
            raise BadRequest.at("body", "is not UTF-8 text") from None
        refused = [Problem(field_path(loc), message) for loc, message in _refused_numbers(data)]
        if refused:
            raise Refused("The request is not valid.", refused)
        return data


class _RefusedNumber:
    """A JSON number out of every field's bounds, held where it was until the body is read,
    so that its refusal can name its field."""

    def __init__(self, message: str):
        self.message = message


def _number(text: str) -> int | Decimal | _RefusedNumber:
    """A JSON number as the YAML reader reads one: bounded before it is converted, and exact
    (a Decimal, never a float: 1e-400 would be 0.0, and 999999999999.9999999999 exactly 1e12)."""
    try:
        return read_number(text)
    except ValueError as exc:
        return _RefusedNumber(str(exc))


def _refused_numbers(
    data: Any, loc: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(data, _RefusedNumber):
        yield loc, data.message
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _refused_numbers(value, (*loc, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _refused_numbers(value, (*loc, i))


# Statuses an operation can answer with besides success, by what it takes.
ERROR_STATUSES = {
    400: "The body could not be read (not JSON, not UTF-8, or not what the operation takes).",
    401: "Not signed in: send 'Authorization: Bearer <token>'.",
    403: "Signed in, but without the permission this change needs.",
    404: "No such thing (a code or page that does not exist).",
    409: "The request contradicts a record that may not change.",
    413: "The body is larger than the limit.",
    415: "The body is not in the type the operation takes (JSON, or YAML for documents).",
    422: "A parameter or field is not valid; `problems` names each.",
}


class CommonwealAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = (
            ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        schema["components"]["schemas"].update(
            ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs", {})
        )
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                # Any request may be unreadable (a NUL in its query, say) or unauthenticated.
                statuses = {400, 401, 422}
                params = {p.get("name") for p in operation.get("parameters", [])}
                if (
                    "{" in path or "page" in params
                ):  # a code that does not exist; a page past the end
                    statuses.add(404)
                if method != "get":
                    statuses |= {400, 403, 409, 413}
                if "requestBody" in operation:
                    statuses |= {400, 413, 415}
                for status in sorted(statuses):
                    operation["responses"].setdefault(
                        status, {"description": ERROR_STATUSES[status], "content": error}
                    )
        return schema


def _respond(
    api: NinjaAPI, request: HttpRequest, status: int, body: dict[str, Any]
) -> HttpResponse:
    return api.create_response(request, body, status=status)


def install_error_handlers(api: NinjaAPI) -> None:
    """Every way a request can fail, answered with the one envelope."""

    @api.exception_handler(Refused)
    def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
        return _respond(
            api, request, exc.status, error_body(exc.status, exc.code, exc.message, exc.problems)
        )

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        problems = []
        for e in exc.errors:
            loc = list(e.get("loc", ()))
            # ninja puts where the value came from first ("body" and the parameter's name,
            # or "query"); a client wants the field as it sent it.
            source = loc[:1]
            loc = loc[2:] if source == ["body"] and len(loc) > 1 else loc[1:]
            message = e.get("msg", "is not valid").removeprefix("Value error, ")
            if e.get("type") == "missing":
                message = "is required"
            elif e.get("type") == "extra_forbidden":
                message = "is not a field this operation knows; check its spelling"
            elif str(e.get("type", "")).startswith("date_"):
                message = "must be a real date written as YYYY-MM-DD, for example 2019-04-01"
            if not loc and source == ["body"]:
                loc, message = ["body"], "must be a JSON object holding the operation's fields"
            problems.append(Problem(field_path(loc), message))
        return _respond(
            api,
            request,
            422,
            error_body(422, "invalid_request", "The request is not valid.", problems),
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _respond(
            api,
            request,
            401,
            error_body(
                401,
                "unauthenticated",
                "Sign in, or send a token as 'Authorization: Bearer <token>'.",
            ),
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _respond(api, request, 404, error_body(404, "not_found", str(exc) or "Not found."))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return _respond(
            api, request, 413, error_body(413, "too_large", "The body is larger than the limit.")
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        if isinstance(cause, Refused):
            return refused(request, cause)
        if isinstance(cause, RequestDataTooBig):
            return too_big(request, cause)
        codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 413: "too_large"}
        return _respond(
            api,
            request,
            exc.status_code,
            error_body(exc.status_code, codes.get(exc.status_code, "error"), str(exc)),
        )

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("unexpected error in the API")
        return _respond(
            api, request, 500, error_body(500, "server_error", "Something went wrong on our side.")
        )
