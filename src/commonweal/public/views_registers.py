"""Public pages and downloads of the registers: interests, gifts and hospitality, a council's
notice of key decisions, and forward plans, each as a page, CSV (streamed) and JSON.

Every register is built the same way (`Register`): a filter form read from the query string,
the presenter's query, a page of it, and the presenter's rows. Bad input is answered with a
4xx that names the parameter: a filter the form refuses (400, the page with its error summary),
a page number that is not one (400) or past the end (404), an unknown organisation (404).
"""

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_safe

from commonweal.core.forms import Form
from commonweal.core.models import Organisation
from commonweal.core.pages import TABLE_ROWS, Shown, page_of
from commonweal.core.views import error_page
from commonweal.interests.models import InterestKind, Offer
from commonweal.public import registers
from commonweal.public.downloads import csv_download
from commonweal.public.presenters import PublicOrganisation, PublicSystemRef
from commonweal.public.registers import Row
from commonweal.registry.models import System

# The filters ----------------------------------------------------------------------------------


def _choice(label: str, options: Sequence[tuple[str, str]], anything: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", anything), *options],
        error_messages={"invalid_choice": f"Choose {label[0].lower()}{label[1:]} from the list"},
    )


def _person() -> forms.CharField:
    return forms.CharField(
        label="Person's name", required=False, max_length=100, help_text="All or part of it"
    )


class InterestFilter(Form):
    person = _person()
    kind = _choice("Kind of interest", InterestKind.choices, "Any kind")


class OfferFilter(Form):
    person = _person()
    kind = _choice("Gift or hospitality", Offer.Kind.choices, "Both")


class PlanFilter(Form):
    status = _choice("Status", list(registers.PLAN_STATUSES.items()), "Any status")


class NoFilter(Form):
    pass


# Bad input ------------------------------------------------------------------------------------


class BadParameter(Exception):
    """A request this page cannot answer, naming the parameter at fault."""

    def __init__(self, status: int, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.status, self.parameter, self.message = status, parameter, message


class NotACouncil(BadParameter):
    """Key decisions are a council executive's: an NHS body publishes a forward plan."""

    def __init__(self, org: PublicOrganisation) -> None:
        super().__init__(
            404,
            "code",
            f"{org.name} is not a council, so it has no key decisions (a council executive's, "
            "under the 2012 access-to-information Regulations): its forward plan is at "
            + reverse("public-forward-plan", args=[org.code]),
        )
        self.org = org


def _organisation(code: str) -> Organisation:
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        raise BadParameter(404, "code", f"No organisation has the code '{code[:40]}'")
    return org


def _page(request: HttpRequest, qs: QuerySet[Any]) -> Shown[Any]:
    raw = request.GET.get("page", "1")
    # At most nine digits: a longer number is no page, and Python refuses to read 4,300.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or int(raw) < 1:
        raise BadParameter(400, "page", "must be a whole number, 1 or more")
    number, total = int(raw), qs.count()
    pages = max(1, -(-total // TABLE_ROWS))
    if number > pages:
        raise BadParameter(
            404, "page", f"there is no page {number}: the register has {pages} page(s)"
        )
    # A queryset is a sequence to the paginator: it counts, then fetches the one slice.
    return page_of(request, cast(Sequence[Any], qs))


def _problems(form: Form) -> list[dict[str, str]]:
    return [{"field": name, "message": str(m)} for name, ms in form.errors.items() for m in ms]


# The registers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Register:
    name: str  # as in the URLs: interests, gifts, key-decisions, forward-plan
    title: str
    template: str
    filter: type[Form]
    query: Callable[[Any, dict[str, Any], date], QuerySet[Any]]
    rows: Callable[[Any, Sequence[Any], date], Sequence[Row]]
    row: type[Row]
    councils_only: bool = False

    def url(self, code: str, suffix: str = "") -> str:
        return reverse(f"public-{self.name}{suffix}", args=[code])


INTERESTS = Register(
    "interests",
    "Register of interests",
    "public/registers/interests.jinja",
    InterestFilter,
    lambda org, f, today: registers.interests(org, today, person=f["person"], kind=f["kind"]),
    registers.interest_rows,
    registers.PublicInterest,
)
GIFTS = Register(
    "gifts",
    "Register of gifts and hospitality",
    "public/registers/gifts.jinja",
    OfferFilter,
    lambda org, f, today: registers.offers(org, person=f["person"], kind=f["kind"]),
    registers.offer_rows,
    registers.PublicOffer,
)
KEY_DECISIONS = Register(
    "key-decisions",
    "Notice of key decisions",
    "public/registers/key_decisions.jinja",
    NoFilter,
    lambda org, f, today: registers.key_decisions(org),
    lambda org, rows, today: registers.key_decision_rows(rows),
    registers.PublicKeyDecision,
    councils_only=True,
)
FORWARD_PLAN = Register(
    "forward-plan",
    "Forward plan",
    "public/registers/forward_plan.jinja",
    PlanFilter,
    lambda org, f, today: registers.plan_items(org, status=f["status"]),
    lambda org, rows, today: registers.plan_rows(rows),
    registers.PublicPlanItem,
)
REGISTERS = (INTERESTS, GIFTS, KEY_DECISIONS, FORWARD_PLAN)


def _open(register: Register, code: str) -> tuple[Any, PublicOrganisation]:
    org = _organisation(code)
    public = PublicOrganisation.of(org)
    if register.councils_only and not registers.is_council(org):
        raise NotACouncil(public)
    return org, public


def _tabs(public: PublicOrganisation, council: bool) -> list[tuple[str, str]]:
    return [(r.url(public.code), r.title) for r in REGISTERS if council or not r.councils_only]


def _query_string(request: HttpRequest) -> str:
    """This request's filters, for the downloads (every row, so no page)."""
    query = request.GET.copy()
    query.pop("page", None)
    return "?" + query.urlencode() if query else ""


def page(register: Register) -> Callable[..., HttpResponse]:
    @login_not_required
    @require_safe
    def view(request: HttpRequest, code: str) -> HttpResponse:
        try:
            org, public = _open(register, code)
            form = register.filter(request.GET)
            context: dict[str, Any] = {
                "org": public,
                "council": registers.is_council(org),
                "register": register,
                "notes": registers.notes(register.name),
                "tabs": _tabs(public, registers.is_council(org)),
                "form": form,
                "shown": None,
                "today": date.today(),
            }
            if not form.is_valid():
                return render(request, register.template, context, status=400)
            shown = _page(request, register.query(org, form.cleaned_data, context["today"]))
            context["shown"] = replace(shown, rows=register.rows(org, shown.rows, context["today"]))
            context["csv"] = register.url(org.code, "-csv") + _query_string(request)
            context["json"] = register.url(org.code, "-json") + _query_string(request)
            return render(request, register.template, context)
        except NotACouncil as refused:
            return render(
                request,
                "public/registers/no_key_decisions.jinja",
                {"org": refused.org},
                status=404,
            )
        except BadParameter as bad:
            return error_page(
                request,
                bad.status,
                "Page not found" if bad.status == 404 else "There is a problem with the address",
                f"{bad.parameter}: {bad.message}",
            )

    view.__name__ = f"public_{register.name.replace('-', '_')}"
    return view


def _download_rows(
    register: Register, request: HttpRequest, code: str
) -> tuple[Any, Iterator[Row]]:
    """The organisation and every row of its register the filters ask for (raises
    BadParameter before anything is sent, so a streamed download never fails half-way)."""
    org, _ = _open(register, code)
    form = register.filter(request.GET)
    if not form.is_valid():
        field, messages = next(iter(form.errors.items()))
        raise BadParameter(400, field, str(messages[0]))
    today = date.today()
    qs = register.query(org, form.cleaned_data, today)

    def rows() -> Iterator[Row]:
        for batch in registers.in_batches(qs):
            yield from register.rows(org, batch, today)

    return org, rows()


def as_csv(register: Register) -> Callable[..., HttpResponseBase]:
    @login_not_required
    @require_safe
    def view(request: HttpRequest, code: str) -> HttpResponseBase:
        try:
            org, rows = _download_rows(register, request, code)
        except BadParameter as bad:
            return HttpResponse(
                f"{bad.parameter}: {bad.message}\n",
                status=bad.status,
                content_type="text/plain; charset=utf-8",
            )
        return csv_download(
            f"{org.code}-{register.name}.csv",
            registers.csv_header(register.row),
            (registers.csv_line(row) for row in rows),
        )

    view.__name__ = f"public_{register.name.replace('-', '_')}_csv"
    return view


def as_json(register: Register) -> Callable[..., HttpResponse]:
    @login_not_required
    @require_safe
    def view(request: HttpRequest, code: str) -> HttpResponse:
        try:
            org, rows = _download_rows(register, request, code)
        except BadParameter as bad:
            return JsonResponse(
                {
                    "error": {
                        "status": bad.status,
                        "code": "not_found" if bad.status == 404 else "bad_request",
                        "message": f"{bad.parameter}: {bad.message}",
                        "problems": [{"field": bad.parameter, "message": bad.message}],
                    }
                },
                status=bad.status,
            )
        body = {
            "organisation": {"code": org.code, "name": org.name},
            "register": register.name,
            "title": register.title,
            "on": date.today().isoformat(),
            "notes": registers.notes(register.name),
            "entries": [row.data() for row in rows],
        }
        return HttpResponse(
            json.dumps(body, ensure_ascii=False, indent=1),
            content_type="application/json; charset=utf-8",
        )

    view.__name__ = f"public_{register.name.replace('-', '_')}_json"
    return view


# The system's registers ----------------------------------------------------------------------


@login_not_required
@require_safe
def system_registers(request: HttpRequest, slug: str) -> HttpResponse:
    s = System.objects.filter(slug=slug).first()
    if s is None:
        return error_page(request, 404, "Page not found", f"slug: no system '{slug[:60]}'")
    return render(
        request,
        "public/registers/system.jinja",
        {
            "system": PublicSystemRef.of(s),
            "organisations": registers.system_organisations(s, date.today()),
            "interest_months": registers.INTEREST_KEPT_MONTHS,
        },
    )


urlpatterns: list[URLPattern] = [
    path("systems/<slug:slug>/registers/", system_registers, name="public-registers"),
]
for _register in REGISTERS:
    urlpatterns += [
        path(
            f"organisations/<str:code>/{_register.name}/",
            page(_register),
            name=f"public-{_register.name}",
        ),
        path(
            f"organisations/<str:code>/{_register.name}.csv",
            as_csv(_register),
            name=f"public-{_register.name}-csv",
        ),
        path(
            f"organisations/<str:code>/{_register.name}.json",
            as_json(_register),
            name=f"public-{_register.name}-json",
        ),
    ]
