from typing import Any

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from commonweal.registry.models import System


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.jinja", {"systems": System.objects.all()})


class LoginView(auth_views.LoginView):
    template_name = "core/login.jinja"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["next"] = context.get("next") or ""
        return context


def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)
        return HttpResponseRedirect(reverse("login"))
    return render(request, "core/logout.jinja")


def _error(request: HttpRequest, status: int, heading: str, message: str) -> HttpResponse:
    return render(
        request, "core/error.jinja", {"heading": heading, "message": message}, status=status
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 404, "Page not found", "If you typed the web address, check it is correct."
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(
        request,
        500,
        "Sorry, there is a problem with the service",
        "Try again later. What you were doing has not been saved.",
    )
