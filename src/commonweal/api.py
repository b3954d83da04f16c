"""The HTTP JSON API: /api/ with its OpenAPI document at /api/openapi.json and docs at /api/docs.

Authentication is a bearer token (`commonweal make-token`) or a signed-in session. Every error
has the same body: {"error": {"status", "code", "message", "problems"}}.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from commonweal.core.documents import DocumentError, field_path
from commonweal.core.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("person")
            .filter(key_hash=ApiToken.hash(token), revoked=False, person__is_active=True)
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used=timezone.now())
        request.user = found.person
        return found.person


api = NinjaAPI(
    title="Commonweal API",
    version="1",
    description=(
        "Integrated commissioning for a health and care system: its organisations, areas and "
        "structure. Authenticate with `Authorization: Bearer <token>` or a signed-in session."
    ),
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


def error(
    status: int, code: str, message: str, problems: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "error": {"status": status, "code": code, "message": message, "problems": problems or []}
    }


def _respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [
        {
            # ninja puts where the value came from first ("body" and the parameter's name,
            # or "query"); a client wants the field as it sent it.
            "field": field_path(e.get("loc", ())[2 if e.get("loc", ("",))[0] == "body" else 1 :]),
            "message": e.get("msg", "is not valid"),
        }
        for e in exc.errors
    ]
    return _respond(
        request, 422, error(422, "invalid_request", "The request is not valid.", problems)
    )


@api.exception_handler(DocumentError)
def _document(request: HttpRequest, exc: DocumentError) -> HttpResponse:
    return _respond(
        request,
        422,
        error(
            422,
            "document_refused",
            f"The document was refused ({len(exc.problems)} problems); nothing was written.",
            [p.as_dict() for p in exc.problems],
        ),
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _respond(
        request,
        401,
        error(
            401, "unauthenticated", "Sign in, or send a token as 'Authorization: Bearer <token>'."
        ),
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _respond(request, 404, error(404, "not_found", str(exc) or "Not found."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: "bad_request",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
        413: "too_large",
        422: "invalid_request",
    }
    return _respond(
        request,
        exc.status_code,
        error(exc.status_code, codes.get(exc.status_code, "error"), str(exc)),
    )


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    import logging

    logging.getLogger("commonweal.api").exception("unexpected error in the API")
    return _respond(request, 500, error(500, "server_error", "Something went wrong on our side."))


api.add_router("/", "commonweal.registry.api.router")
api.add_router("/", "commonweal.governance.api.router")
