"""Finance pages: a system's financial years; a year's monitoring table (by organisation,
programme, place or cost centre, as at a month, in £'000 or £) with its chart and downloads;
the system position; plans and savings; monthly returns and their imports; virements.

Views read the query or the form, call one presenter or action and render. Reading needs only
signing in; every change is an action's, which checks MANAGE_FINANCE (a refusal without it is
the 403 page; any other refusal comes back onto the form, status 400). A query parameter that
cannot be read is a 400 page naming it: never a silent fallback.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe
from markupsafe import Markup

from commonweal.core.actions import Actor
from commonweal.core.errors import NotPermitted, Problem, Refused
from commonweal.core.formatting import pounds
from commonweal.core.forms import Form
from commonweal.core.models import Organisation, Person, in_force
from commonweal.core.pages import page_of
from commonweal.core.permissions import Permission
from commonweal.core.views import error_page
from commonweal.governance.models import Post, PostHolding
from commonweal.registry.models import System

from . import actions, charts, forms, ledger, presenters, rules
from .config import config
from .models import BudgetLine, FinancialYear, Nature, Plan, Return

GET_POST = require_http_methods(["GET", "HEAD", "POST"])
EXPORTS = ("monitoring", "position", "savings")
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
PDF = "application/pdf"
MONITORING_ROWS = 200  # rows of the monitoring table a page shows
RAG_TAGS = {"green": "green", "amber": "orange", "red": "red"}


# Reading the query -------------------------------------------------------------------------------


class BadParameter(Exception):
    """A query parameter this page cannot read, named."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter, self.message = parameter, message


def answers_bad_parameters(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A page that refuses a query parameter it cannot read with a 400 naming it."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadParameter as bad:
            return error_page(
                request,
                400,
                "There is a problem with the request",
                f"{bad.parameter}: {bad.message}.",
            )

    return wrapped


def _given(query: QueryDict, name: str) -> str | None:
    value = query.get(name)
    return None if value is None or value == "" else value


def read_month(query: QueryDict, year: FinancialYear, default: int | None = None) -> int:
    raw = _given(query, "month")
    if raw is None:
        return default or ledger.last_month_with_actuals(year)
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 2 and 1 <= int(raw) <= 12):
        raise BadParameter(
            "month",
            f"must be a month of the year, 1 (M1, April) to 12 (M12, March), not '{raw[:20]}'",
        )
    return int(raw)


def _one_of(query: QueryDict, name: str, allowed: dict[str, Any], default: str) -> str:
    raw = _given(query, name)
    if raw is None:
        return default
    if raw not in allowed:
        raise BadParameter(name, f"must be one of {', '.join(allowed)}, not '{raw[:20]}'")
    return raw


def read_organisation(query: QueryDict, year: FinancialYear) -> Organisation | None:
    raw = _given(query, "org")
    if raw is None:
        return None
    org = Organisation.objects.filter(code=raw[:20]).first()
    if org is None or not (
        BudgetLine.objects.filter(system=year.system, organisation=org).exists()
        or Plan.objects.filter(year=year, organisation=org).exists()
    ):
        raise BadParameter(
            "org",
            f"must be the code of an organisation in {year.system.name}'s ledger, not '{raw[:20]}'",
        )
    return org


@dataclass(frozen=True)
class Asked:
    """What a finance page was asked to show."""

    month: int
    by: str
    organisation: Organisation | None
    units: str

    def query(self, **changes: Any) -> str:
        """This request's parameters, changed: for links and downloads."""
        values: dict[str, Any] = {
            "by": self.by,
            "month": self.month,
            "units": self.units,
            "org": self.organisation.code if self.organisation else None,
        }
        values.update(changes)
        return "?" + urlencode({k: v for k, v in values.items() if v is not None})

    @property
    def org_code(self) -> str:
        return self.organisation.code if self.organisation else ""


def read_asked(request: HttpRequest, year: FinancialYear) -> Asked:
    query = request.GET
    return Asked(
        month=read_month(query, year),
        by=_one_of(query, "by", ledger.DIMENSIONS, "organisation"),
        organisation=read_organisation(query, year),
        units=_one_of(query, "units", presenters.UNITS, "thousands"),
    )


# Shared -----------------------------------------------------------------------------------------


def year_of(slug: str, start: int) -> FinancialYear:
    return get_object_or_404(
        FinancialYear.objects.select_related("system"), system__slug=slug, start=start
    )


def may_manage(actor: Actor, system: System) -> bool:
    """Whether the actor may keep the system's ledger in some organisation: whether to offer
    the buttons. The actions check again, for each change."""
    return any(actor.holds(Permission.MANAGE_FINANCE, o) for o in actions.keepers(system))


def _attempt(form: Form, do: Callable[[], Any], fields: dict[str, str] | None = None) -> Any:
    try:
        return do()
    except NotPermitted:
        raise
    except Refused as refused:
        form.refuse(refused, fields)
        return None


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *forms_: Form
) -> HttpResponse:
    bad = any(f.is_bound and f.errors for f in forms_)
    return render(request, template, context, status=400 if bad else 200)


def percent(value: Decimal | None) -> str:
    if value is None:
        return "–"
    if value == 0:
        return "0.0%"
    return f"−{abs(value)}%" if value < 0 else f"{value}%"


def months_of(
    year: FinancialYear, months: range | list[int] | None = None
) -> list[tuple[str, str]]:
    return [
        (str(m), actions.month_name(year, m)) for m in (range(1, 13) if months is None else months)
    ]


def open_months(year: FinancialYear) -> list[int]:
    return list(range(year.closed_through + 1, 13))


def _crumbs(year: FinancialYear, *more: dict[str, str]) -> list[dict[str, str]]:
    s = year.system
    return [
        {"href": reverse("system", args=[s.slug]), "text": s.name},
        {"href": reverse("finance", args=[s.slug]), "text": "Finance"},
        *more,
    ]


def _year_crumbs(year: FinancialYear) -> list[dict[str, str]]:
    return _crumbs(
        year,
        {"href": reverse("finance-year", args=[year.system.slug, year.start]), "text": year.label},
    )


def _tabs(year: FinancialYear, current: str, query: str = "") -> list[dict[str, Any]]:
    """The year's pages, for the navigation at the top of each."""
    args = [year.system.slug, year.start]
    return [
        {
            "href": reverse(name, args=args) + (query if name in KEEPS_QUERY else ""),
            "text": text,
            "current": name == current,
        }
        for name, text in (
            ("finance-year", "Monitoring"),
            ("finance-position", "System position"),
            ("finance-savings", "Plans and savings"),
            ("finance-returns", "Monthly returns"),
            ("finance-vire", "Virement"),
        )
    ]


# The pages that show the month (and units) the page linking to them shows.
KEEPS_QUERY = {"finance-year", "finance-position", "finance-savings"}


def closed_sentence(year: FinancialYear) -> str:
    n = year.closed_through
    if n == 0:
        return f"No month of {year.label} is closed yet."
    if n == 12:
        return f"Every month of {year.label} is closed."
    first = actions.month_name(year, 1)
    last = actions.month_name(year, n)
    return (
        f"{first} is closed." if n == 1 else f"Months closed: {first} to {last}."
    ) + f" {actions.month_name(year, n + 1)} is the next to close."


# The financial years ------------------------------------------------------------------------------


@GET_POST
def finance(request: HttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    actor = Actor.from_user(request.user)
    form = forms.OpenYearForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        start = form.cleaned_data["start"]
        done = _attempt(form, lambda: actions.open_year(actor, system, start))
        if done is not None:
            messages.info(request, f"The financial year {done.label} is open.")
            return HttpResponseRedirect(reverse("finance-year", args=[system.slug, done.start]))
    years = list(FinancialYear.objects.filter(system=system).order_by("-start"))
    return _page(
        request,
        "finance/index.jinja",
        {
            "system": system,
            "years": [(y, closed_sentence(y)) for y in years],
            "form": form,
            "may": may_manage(actor, system),
            "section": "systems",
            "crumbs": [{"href": reverse("system", args=[system.slug]), "text": system.name}],
        },
        form,
    )


# Monitoring -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    key: str  # ytd, forecast
    label: str
    cells: tuple[tuple[str, int], ...]  # (column, pence)


SUMMARY_COLUMNS = (
    ("budget", "Budget"),
    ("actual", "Actual"),
    ("variance", "Variance"),
    ("allocation", "Additional allocation"),
    ("revised", "Revised variance"),
)


def summary_rows(f: rules.Figures) -> list[SummaryRow]:
    """Seed 002's table: the year to date and the year end forecast, with the additional
    allocations that revise the variance."""
    return [
        SummaryRow(
            "ytd",
            "Year to date position",
            (
                ("budget", f.budget_to_date),
                ("actual", f.actual_to_date),
                ("variance", f.variance_to_date),
                ("allocation", f.allocation_to_date),
                ("revised", f.revised_variance_to_date),
            ),
        ),
        SummaryRow(
            "forecast",
            "Year end forecast",
            (
                ("budget", f.budget),
                ("actual", f.forecast_outturn),
                ("variance", f.forecast_variance),
                ("allocation", f.allocation_forecast),
                ("revised", f.revised_forecast_variance),
            ),
        ),
    ]


def _chart_title(year: FinancialYear, month: int, organisation: Organisation | None) -> str:
    who = organisation.name if organisation else year.system.name
    return f"{who}, {year.label} as at {actions.month_name(year, month)}"


@GET_POST
@answers_bad_parameters
def year(request: HttpRequest, slug: str, start: int) -> HttpResponse:
    y = year_of(slug, start)
    actor = Actor.from_user(request.user)
    asked = read_asked(request, y)
    close_form = forms.CloseMonthForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and close_form.is_valid():
        month = close_form.cleaned_data["month"]
        try:
            actions.close_month(actor, y, month)
        except NotPermitted:
            raise
        except Refused as refused:
            # The month is a button's, not a field to put right: the sentence stands alone.
            for problem in refused.problems or [Problem("", refused.message)]:
                close_form.add_error(None, problem.message)
            y.refresh_from_db()
        else:
            messages.info(
                request,
                f"{actions.month_name(y, month)} is closed: nothing more is posted to it. "
                "A late correction goes into an open month.",
            )
            return HttpResponseRedirect(request.get_full_path())
    m = presenters.monitoring(y, asked.month, asked.by, asked.organisation)
    # Thousands of cost centres are read a page at a time; the total is the whole table's.
    shown = page_of(request, m.rows, size=MONITORING_ROWS)
    points = presenters.months(y, asked.month, asked.organisation)
    title = _chart_title(y, asked.month, asked.organisation)
    chart = charts.cumulative_svg(points, title)
    units = asked.units
    here = reverse("finance-year", args=[y.system.slug, y.start])
    next_month = y.closed_through + 1 if y.closed_through < 12 else None
    return _page(
        request,
        "finance/year.jinja",
        {
            "year": y,
            "system": y.system,
            "m": m,
            "shown": shown,
            "asked": asked,
            "here": here,
            "columns": presenters.COLUMNS,
            "summary": summary_rows(m.total.figures),
            "summary_columns": SUMMARY_COLUMNS,
            "money": lambda pence: presenters.shown(pence, units),
            "percent": percent,
            "rag_tag": RAG_TAGS,
            "unit_label": presenters.UNITS[units],
            "chart": Markup(chart),  # drawn here from figures; its text is escaped
            "chart_title": title,
            "chart_points": charts.points(points),
            "dimensions": [(k, label) for k, (_, label) in ledger.DIMENSIONS.items()],
            "units": presenters.UNITS,
            "months": months_of(y),
            "month_name": actions.month_name(y, asked.month),
            "month_closed": asked.month <= y.closed_through,
            "closed": closed_sentence(y),
            "next_month": next_month,
            "next_month_name": actions.month_name(y, next_month) if next_month else "",
            "close_form": close_form,
            "may": may_manage(actor, y.system),
            "downloads": [
                (
                    fmt,
                    reverse("finance-export", args=[y.system.slug, y.start, "monitoring", fmt])
                    + asked.query(),
                )
                for fmt in (*FORMATS, "pdf")
            ],
            "tabs": _tabs(y, "finance-year", asked.query(by=None, org=None)),
            "section": "systems",
            "crumbs": _crumbs(y),
        },
        close_form,
    )


# The system position ------------------------------------------------------------------------------


@GET_POST
@answers_bad_parameters
def position(request: HttpRequest, slug: str, start: int) -> HttpResponse:
    y = year_of(slug, start)
    actor = Actor.from_user(request.user)
    month = read_month(request.GET, y)
    # Those who keep an organisation's ledger may report its forecast position here.
    mine = {
        a.organisation
        for a in actor.roles()
        if actor.holds(Permission.MANAGE_FINANCE, a.organisation)
    }
    report_form = forms.PositionReportForm(
        request.POST if request.method == "POST" else None,
        organisations=[(o.code, o.name) for o in sorted(mine, key=lambda o: o.name)],
        months=months_of(y, open_months(y)),
    )
    if request.method == "POST" and report_form.is_valid():
        d = report_form.cleaned_data
        organisation = Organisation.objects.get(code=d["organisation"])
        done = _attempt(
            report_form,
            lambda: actions.report_position(
                actor, y, organisation, month=int(d["month"]), position=d["position"],
                note=d["note"],
            ),
        )  # fmt: skip
        if done is not None:
            messages.info(request, f"{organisation.name}'s forecast position is recorded.")
            return HttpResponseRedirect(request.get_full_path())
    p = presenters.position(y, month)
    query = "?" + urlencode({"month": month})
    return _page(
        request,
        "finance/position.jinja",
        {
            "year": y,
            "system": y.system,
            "p": p,
            "month": month,
            "month_name": actions.month_name(y, month),
            "months": months_of(y),
            "thousands": lambda pence: presenters.shown(pence, "thousands"),
            "downloads": [
                (
                    fmt,
                    reverse("finance-export", args=[y.system.slug, y.start, "position", fmt])
                    + query,
                )
                for fmt in FORMATS
            ]
            if p is not None
            else [],
            "public_url": reverse("public-finance", args=[y.system.slug, y.start]),
            "report_form": report_form if mine and open_months(y) else None,
            "tabs": _tabs(y, "finance-position", query),
            "section": "systems",
            "crumbs": _year_crumbs(y),
        },
        report_form,
    )


# Plans and savings ------------------------------------------------------------------------------


@require_safe
@answers_bad_parameters
def savings(request: HttpRequest, slug: str, start: int) -> HttpResponse:
    y = year_of(slug, start)
    month = read_month(request.GET, y)
    units = _one_of(request.GET, "units", presenters.UNITS, "thousands")
    s = presenters.savings(y, month)
    query = "?" + urlencode({"month": month, "units": units})
    return render(
        request,
        "finance/savings.jinja",
        {
            "year": y,
            "system": y.system,
            "s": s,
            "month": month,
            "month_name": actions.month_name(y, month),
            "months": months_of(y),
            "units": presenters.UNITS,
            "chosen_units": units,
            "unit_label": presenters.UNITS[units],
            "in_force": s.in_force,
            "savings_thresholds": config().savings_thresholds,
            "money": lambda pence: presenters.shown(pence, units),
            "thousands": lambda pence: presenters.shown(pence, "thousands"),
            "rag_tag": RAG_TAGS,
            "downloads": [
                (
                    fmt,
                    reverse("finance-export", args=[y.system.slug, y.start, "savings", fmt])
                    + query,
                )
                for fmt in FORMATS
            ],
            "tabs": _tabs(y, "finance-savings", query),
            "section": "systems",
            "crumbs": _year_crumbs(y),
        },
    )


# Downloads --------------------------------------------------------------------------------------


def export_name(year: FinancialYear, asked: Asked, kind: str, fmt: str) -> str:
    """devon-2019-2020-21-M10-monitoring.xlsx; with the organisation and the grouping where
    they are not the default (devon-2019-2020-21-M10-15N-cost_centre-monitoring.xlsx)."""
    parts = [year.system.slug, year.label.replace("/", "-"), f"M{asked.month}"]
    if kind == "monitoring":
        if asked.organisation is not None:
            parts.append(asked.organisation.code)
        if asked.by != "organisation":
            parts.append(asked.by)
        if asked.units == "pounds":
            parts.append("pounds")
    elif kind == "savings" and asked.units == "pounds":
        parts.append("pounds")
    return "-".join([*parts, kind]) + f".{fmt}"


@require_safe
@answers_bad_parameters
def export(request: HttpRequest, slug: str, start: int, kind: str, fmt: str) -> HttpResponse:
    """The table a page shows, as a spreadsheet: the same query parameters, the same figures."""
    if (kind, fmt) == ("monitoring", "pdf"):
        return report_pdf(request, year_of(slug, start))
    if kind not in EXPORTS or fmt not in FORMATS:
        raise Http404
    y = year_of(slug, start)
    asked = read_asked(request, y)
    from . import exports

    content: bytes | str
    if kind == "monitoring":
        m = presenters.monitoring(y, asked.month, asked.by, asked.organisation)
        content = (
            exports.monitoring_xlsx(m, asked.units)
            if fmt == "xlsx"
            else exports.monitoring_csv(m, asked.units)
        )
    elif kind == "position":
        p = presenters.position(y, asked.month)
        if p is None:
            raise Http404
        content = (
            exports.position_xlsx(y, asked.month, p)
            if fmt == "xlsx"
            else exports.position_csv(y, asked.month, p)
        )
    else:
        s = presenters.savings(y, asked.month)
        content = (
            exports.savings_xlsx(s, asked.units)
            if fmt == "xlsx"
            else exports.savings_csv(s, asked.units)
        )
    if isinstance(content, str):
        # With a byte order mark, so that Excel reads the pound sign as one.
        content = exports.csv_bytes(content)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = content_disposition_header(
        True, export_name(y, asked, kind, fmt)
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def report_pdf(request: HttpRequest, y: FinancialYear) -> HttpResponse:
    """The monitoring report as a tagged PDF for a board paper: the summary, the table and the
    chart, the same SVG as the page's, with its figures."""
    from commonweal.core.pdf import render_pdf

    asked = read_asked(request, y)
    m = presenters.monitoring(y, asked.month, asked.by, asked.organisation)
    points = presenters.months(y, asked.month, asked.organisation)
    title = _chart_title(y, asked.month, asked.organisation)
    units = asked.units
    content = render_pdf(
        "finance/pdf/report.jinja",
        {
            "year": y,
            "system": y.system,
            "scope": asked.organisation.name if asked.organisation else y.system.name,
            "m": m,
            "columns": presenters.COLUMNS,
            "summary": summary_rows(m.total.figures),
            "summary_columns": SUMMARY_COLUMNS,
            "money": lambda pence: presenters.shown(pence, units),
            "percent": percent,
            "unit_label": presenters.UNITS[units],
            "chart": Markup(charts.cumulative_svg(points, title, element_id="report-chart")),
            "months": charts.points(points),
            "month_name": actions.month_name(y, asked.month),
            "month_closed": asked.month <= y.closed_through,
        },
    )
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = (
        f'inline; filename="{export_name(y, asked, "monitoring", "pdf")}"'
    )

    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Monthly returns --------------------------------------------------------------------------------


@GET_POST
def returns_page(request: HttpRequest, slug: str, start: int) -> HttpResponse:
    y = year_of(slug, start)
    actor = Actor.from_user(request.user)
    months = open_months(y)
    form = forms.ReturnForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        months=months_of(y, months),
        initial={"month": str(months[0])} if months else {},
    )
    if request.method == "POST" and form.is_valid():
        from . import returns

        month = int(form.cleaned_data["month"])
        upload = form.cleaned_data["file"]
        done = _attempt(
            form,
            lambda: returns.request_import(actor, y, month, upload),
            {"upload": "file", "workbook": "file"},
        )
        if done is not None:
            messages.info(request, f"{upload.name} is being imported: this page shows how it goes.")
            return HttpResponseRedirect(
                reverse("finance-return", args=[y.system.slug, y.start, done.pk])
            )
    rows = list(Return.objects.filter(year=y).defer("problems").order_by("-requested")[:200])
    return _page(
        request,
        "finance/returns.jinja",
        {
            "year": y,
            "system": y.system,
            "rows": rows,
            "form": form,
            "may": may_manage(actor, y.system),
            "all_closed": not months,
            "status_tag": STATUS_TAGS,
            "month_name": lambda m: actions.month_name(y, m),
            "tabs": _tabs(y, "finance-returns"),
            "section": "systems",
            "crumbs": _year_crumbs(y),
        },
        form,
    )


STATUS_TAGS = {"waiting": "grey", "reading": "blue", "done": "green", "failed": "red"}
STAGES = {
    "waiting": "Waiting to be read",
    "reading": "Reading the workbook",
    "done": "Imported",
    "failed": "Refused",
}


def _return(y: FinancialYear, pk: int) -> Return:
    return get_object_or_404(Return, pk=pk, year=y)


@require_safe
def return_page(request: HttpRequest, slug: str, start: int, pk: int) -> HttpResponse:
    y = year_of(slug, start)
    r = _return(y, pk)
    return render(
        request,
        "finance/return.jinja",
        {
            "year": y,
            "system": y.system,
            "r": r,
            "stage": STAGES.get(r.status, r.status),
            "month_name": actions.month_name(y, r.month) if 1 <= r.month <= 12 else str(r.month),
            "status_tag": STATUS_TAGS,
            "status_url": reverse("finance-return-status", args=[y.system.slug, y.start, r.pk]),
            "section": "systems",
            "crumbs": [
                *_year_crumbs(y),
                {
                    "href": reverse("finance-returns", args=[y.system.slug, y.start]),
                    "text": "Monthly returns",
                },
            ],
        },
    )


@require_safe
def return_status(request: HttpRequest, slug: str, start: int, pk: int) -> JsonResponse:
    y = year_of(slug, start)
    r = _return(y, pk)
    return JsonResponse(
        {
            "status": r.status,
            "done": r.done,
            "total": r.total,
            "stage": STAGES.get(r.status, r.status),
        }
    )


# Virements --------------------------------------------------------------------------------------


def _line_choices(lines: list[BudgetLine]) -> list[tuple[str, Any]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for line in lines:
        groups.setdefault(line.organisation.name, []).append(
            (str(line.pk), f"{line.cost_centre} {line.name}")
        )
    return list(groups.items())


def _decider(value: str) -> tuple[Person, Post] | None:
    key, _, ref = value.partition("|")
    org, _, code = ref.partition("/")
    person = Person.objects.filter(key=key).first()
    post = Post.objects.filter(organisation__code=org, code=code).first()
    return (person, post) if person and post else None


# Where the actions' problems belong on the form.
VIREMENT_FIELDS = {
    "parts[0].deciders": "decider",
    "parts": "decider",
    "decider": "decider",
    "title": "reason",
    "resolution": "reason",
}


@GET_POST
def vire(request: HttpRequest, slug: str, start: int) -> HttpResponse:
    y = year_of(slug, start)
    system = y.system
    actor = Actor.from_user(request.user)
    keepers = actions.keepers(system)
    mine = [o for o in keepers if actor.holds(Permission.MANAGE_FINANCE, o)]
    found = BudgetLine.objects.filter(system=system, nature=Nature.EXPENDITURE).select_related(
        "organisation"
    )
    if mine:
        found = found.filter(organisation__in=mine)
    lines = list(found.order_by("organisation__name", "cost_centre"))
    orgs = {line.organisation_id for line in lines}
    today = date.today()
    holdings = list(
        PostHolding.objects.filter(post__system=system, post__organisation_id__in=orgs)
        .filter(in_force(today))
        .select_related("person", "post__organisation")
        .order_by("post__organisation__name", "post__title")
    )
    officers = [
        (
            f"{h.person.key}|{h.post.ref}",
            f"{h.person.name}, {h.post.title} ({h.post.organisation.name})",
        )
        for h in holdings
    ]
    own = [v for (v, _), h in zip(officers, holdings, strict=True) if h.person == actor.person]
    months = open_months(y)
    initial: dict[str, Any] = {"decider": own[0] if own else ""}
    if months:
        initial["month"] = str(months[0])
    if ledger.year_start(today) == y.start:
        initial["on"] = today
    form = forms.VirementForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        lines=_line_choices(lines),
        months=months_of(y, months),
        officers=officers,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_pk = {str(line.pk): line for line in lines}
        source, target = by_pk[data["source"]], by_pk[data["target"]]
        decider = _decider(data["decider"])
        if decider is None:
            form.add_error("decider", "Choose the officer who decided from the list")
        else:
            amount = data["amount"]
            done = _attempt(
                form,
                lambda: actions.vire(
                    actor,
                    y,
                    source=source,
                    target=target,
                    amount=amount,
                    decider=decider,
                    on=data["on"],
                    reason=data["reason"],
                    month=int(data["month"]),
                ),
                VIREMENT_FIELDS,
            )
            if done is not None:
                messages.info(
                    request,
                    f"{done.decision.reference} is recorded and the budget moved: "
                    f"{pounds(amount)} from {source} to {target}, from "
                    f"{actions.month_name(y, done.month)}.",
                )
                return HttpResponseRedirect(reverse("decision", args=[done.decision_id]))
    return _page(
        request,
        "finance/vire.jinja",
        {
            "year": y,
            "system": system,
            "form": form,
            "may": bool(mine),
            "has_lines": bool(lines),
            "all_closed": not months,
            "tabs": _tabs(y, "finance-vire"),
            "section": "systems",
            "crumbs": _year_crumbs(y),
        },
        form,
    )
