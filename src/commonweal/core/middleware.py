"""Request-wide guards: who may see which pages, and input no view should have to fear."""

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from commonweal.core.api import error_body
from commonweal.core.errors import Problem, field_path

# The public pages need no login; the API authenticates for itself (token or session) and
# answers 401 with a JSON body rather than redirecting to a sign-in page.
OPEN_PREFIXES = ("/public/", "/api/", "/static/", "/assets/", "/health")


class LoginRequired(LoginRequiredMiddleware):
    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponseBase | None:
        if request.path.startswith(OPEN_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def _nul_paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[str]:
    if isinstance(value, str):
        if "\x00" in value:
            yield field_path(path) or "body"
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _nul_paths(item, (*path, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_paths(key, path)
            yield from _nul_paths(item, (*path, str(key)))


class RequestGuard:
    """Refuse, before any view runs, a body over the size limit (413) and text holding a NUL
    character (which no field may hold and PostgreSQL cannot store), naming the field."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        uploading = request.META.get("CONTENT_TYPE", "").lower().startswith(
            "multipart/form-data"
        ) and any(re.match(pattern, request.path_info) for pattern in settings.UPLOAD_PATHS)
        limit_bytes = (
            settings.UPLOAD_MAX_BYTES if uploading else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if length > limit_bytes:
            limit = limit_bytes // 1_000_000
            return self._refuse(request, 413, "too_large", f"The body is larger than {limit} MB.")
        fields = list(self._nuls(request))
        if fields:
            return self._refuse(
                request,
                400,
                "bad_request",
                "Text may not contain a NUL character.",
                [
                    Problem(f, "contains a NUL character, which text may not contain")
                    for f in fields
                ],
            )
        return self.get_response(request)

    def _nuls(self, request: HttpRequest) -> Iterator[str]:
        if "\x00" in request.path_info:
            yield "path"
        for key, value in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True):
            if "\x00" in key or "\x00" in value:
                yield key.replace("\x00", "") or "query"
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        kind = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if kind not in ("application/json", "application/x-www-form-urlencoded"):
            return  # YAML documents and uploads name their own problems, with lines
        body = request.body
        if kind == "application/json":
            if b"\\u0000" not in body and b"\x00" not in body:
                return
            try:
                yield from _nul_paths(json.loads(body))
            except (ValueError, RecursionError):
                return  # the API's parser reports what is wrong with the JSON
        elif b"%00" in body or b"\x00" in body:
            for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
                if "\x00" in key or "\x00" in value:
                    yield key.replace("\x00", "") or "form"

    def _refuse(
        self,
        request: HttpRequest,
        status: int,
        code: str,
        message: str,
        problems: list[Problem] | None = None,
    ) -> HttpResponse:
        if request.path.startswith("/api/"):
            return HttpResponse(
                json.dumps(error_body(status, code, message, problems)),
                status=status,
                content_type="application/json",
            )
        from commonweal.core.views import error_page

        detail = " ".join(f"{p.field}: {p.message}." for p in problems or [])
        return error_page(
            request, status, "There is a problem with the request", f"{message} {detail}"
        )


API_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "server_error",
}


class ApiErrors:
    """Under /api/, every refusal in the one JSON envelope, even those Django answers before
    the API sees the request (a path that matches nothing, a method an operation does not
    take, a CSRF failure); and no TRACE or OPTIONS, which the API does not serve."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        safe_only = request.path == "/api/openapi.json"
        if request.method not in ("GET", "HEAD") and (
            safe_only or request.method not in ("POST", "PUT", "PATCH", "DELETE")
        ):
            allowed = "GET, HEAD" if safe_only else ""
            response: HttpResponseBase = HttpResponse(status=405)
            if allowed:
                response["Allow"] = allowed
        else:
            response = self.get_response(request)
        status = response.status_code
        if status < 400 or response.get("Content-Type", "").startswith("application/json"):
            return response
        message = {
            403: "Forbidden: a signed-in session must send its CSRF token with a change.",
            404: "No such operation: see /api/docs for the operations there are.",
            405: f"{request.method} is not an operation at this address.",
            500: "Something went wrong on our side.",
        }.get(status, "The request was refused.")
        enveloped = HttpResponse(
            json.dumps(error_body(status, API_CODES.get(status, "error"), message)),
            status=status,
            content_type="application/json",
        )
        if response.has_header("Allow"):
            enveloped["Allow"] = response["Allow"]
        return enveloped


class RefusalPages:
    """A refusal a page's view lets escape (someone without the permission, a record that may
    not change) is answered with its status and its sentence on an error page, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from commonweal.core.errors import Refused
        from commonweal.core.views import error_page

        if not isinstance(exception, Refused) or request.path.startswith("/api/"):
            return None
        headings = {403: "You cannot do this", 404: "Page not found", 409: "This cannot change"}
        # A page speaks in sentences: a problem's message, not the field name code gave it.
        said = " ".join(
            p.message[:1].upper() + p.message[1:] + ("" if p.message.endswith(".") else ".")
            for p in exception.problems
        )
        return error_page(
            request,
            exception.status,
            headings.get(exception.status, "This cannot be done"),
            said or exception.message,
        )
