from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponseBase

# The public pages need no login; the API authenticates for itself (token or session) and
# answers 401 with a JSON body rather than redirecting to a sign-in page.
OPEN_PREFIXES = ("/public/", "/api/", "/static/", "/assets/")


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
