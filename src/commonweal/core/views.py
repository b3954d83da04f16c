"""Platform pages: signing in and out, your account and API tokens, errors, the health check."""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from commonweal.core.actions import Actor, account_of
from commonweal.core.errors import NotFound, Refused
from commonweal.core.forms import Form
from commonweal.core.models import ApiToken
from commonweal.core.people import make_token, revoke_token, set_password


class LoginView(auth_views.LoginView):
    template_name = "core/login.jinja"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["next"] = context.get("next") or ""
        return context


@require_http_methods(["GET", "HEAD", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)
        messages.info(request, "You have signed out.")
        return HttpResponseRedirect(reverse("login"))
    return render(request, "core/logout.jinja")


def error_page(request: HttpRequest, status: int, heading: str, message: str) -> HttpResponse:
    return render(
        request, "core/error.jinja", {"heading": heading, "message": message}, status=status
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request, 400, "There is a problem with the request", "Check the address or the form."
    )


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request,
        403,
        "You cannot do this",
        str(exception) if exception and str(exception) else "You do not have permission.",
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request, 404, "Page not found", "If you typed the web address, check it is correct."
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return error_page(
        request,
        500,
        "Sorry, there is a problem with the service",
        "Try again later. What you were doing has not been saved.",
    )


def attempted_username(request: HttpRequest, credentials: Any = None) -> str:
    """The name a failed sign-in tried, as django-axes records it: cut to the longest a
    username can be, so a megabyte typed into the box is not a megabyte stored."""
    source = credentials if credentials else getattr(request, "POST", {})
    return str(source.get("username") or "")[:150]


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Too many failed sign-ins for this account or from this address (django-axes)."""
    return error_page(
        request,
        429,
        "Too many attempts to sign in",
        "Signing in to this account from here is paused for 15 minutes after repeated "
        "failures. Wait, then try again; if you have forgotten your password, ask an "
        "administrator of your organisation.",
    )


@login_not_required
@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: the app answers and its database does too."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


class NewToken(Form):
    name = forms.CharField(
        max_length=100,
        label="What the token is for",
        help_text="For example, finance notebook",
        error_messages={"required": "Enter what the token is for"},
    )
    days = forms.IntegerField(
        min_value=1,
        max_value=366,
        initial=90,
        label="Days it lasts",
        help_text="From 1 to 366",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": "Enter how many days the token lasts",
            "invalid": "Days it lasts must be a whole number, such as 90",
            "min_value": "Days it lasts must be between 1 and 366",
            "max_value": "Days it lasts must be between 1 and 366",
        },
    )


class NewPassword(Form):
    current = forms.CharField(
        label="Your current password",
        widget=forms.PasswordInput(),
        max_length=200,
        error_messages={"required": "Enter your current password"},
    )
    new = forms.CharField(
        label="New password",
        widget=forms.PasswordInput(),
        max_length=200,
        help_text="At least 10 characters, not a common password, not like your name",
        error_messages={"required": "Enter a new password"},
    )


NEW_KEY = "commonweal:new-token"


@require_http_methods(["GET", "HEAD", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """Your roles and API tokens; make a token (shown once), revoke one, change your password."""
    actor = Actor.from_user(request.user)
    account = account_of(request)
    token_form, password_form = NewToken(prefix="token"), NewPassword(prefix="password")
    status = 200
    if request.method == "POST":
        try:
            if "token-name" in request.POST:
                token_form = NewToken(request.POST, prefix="token")
                if token_form.is_valid():
                    key, _ = make_token(
                        actor,
                        account,
                        token_form.cleaned_data["name"],
                        lifetime=timedelta(days=token_form.cleaned_data["days"]),
                    )
                    # Shown once, after the redirect: refreshing the page makes no second token.
                    request.session[NEW_KEY] = key
                    return HttpResponseRedirect(reverse("account") + "#tokens")
            elif "revoke" in request.POST:
                token = ApiToken.objects.filter(pk=_int(request.POST["revoke"])).first()
                if token is None or token.owner_id != account.pk:
                    raise NotFound.at("revoke", "there is no such token of yours")
                revoke_token(actor, token)
                messages.info(request, f"The token for '{token.name}' is revoked.")
                return HttpResponseRedirect(reverse("account") + "#tokens")
            elif "password-new" in request.POST:
                password_form = NewPassword(request.POST, prefix="password")
                if password_form.is_valid():
                    # Through authenticate, so wrong guesses count towards the sign-in lockout.
                    if (
                        authenticate(
                            request,
                            username=account.get_username(),
                            password=password_form.cleaned_data["current"],
                        )
                        is None
                    ):
                        password_form.add_error("current", "Your current password is not right")
                    else:
                        set_password(actor, account, password_form.cleaned_data["new"])
                        update_session_auth_hash(request, account)
                        messages.info(request, "Your password is changed.")
                        return HttpResponseRedirect(reverse("account"))
        except Refused as refused:
            target = password_form if "password-new" in request.POST else token_form
            target.refuse(refused, {"password": "new", "name": "name", "days": "days"})
        if token_form.errors or password_form.errors:
            status = 400
    tokens = list(ApiToken.objects.filter(owner=account))
    return render(
        request,
        "core/account.jinja",
        {
            "person": actor.person,
            "roles": actor.roles(),
            "tokens": [t for t in tokens if t.active],
            "old_tokens": [t for t in tokens if not t.active],
            "token_form": token_form,
            "password_form": password_form,
            "new_key": request.session.pop(NEW_KEY, "") if request.method == "GET" else "",
        },
        status=status,
    )


def _int(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 19 else 0
