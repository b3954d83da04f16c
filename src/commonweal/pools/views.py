"""Pooled fund pages: a system's pools; an agreement; a year's position (how the overspend is
met, the underspend and the action plan); the year's plan (uploaded as .xlsx); a quarterly
return with its checklist, the Health and Wellbeing Board's sign-off and its .xlsx.

Views load what the address names (404 for an unknown pool, year or quarter), read the query
(a month that cannot be read is a 400 naming it), call one presenter or action and render.
Reading needs only signing in; every change is an action's, which checks the permission (a
refusal without it is the 403 page; any other refusal comes back onto the form, status 400).
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from commonweal.core.actions import Actor
from commonweal.core.errors import NotPermitted, Refused
from commonweal.core.formatting import long_date
from commonweal.core.forms import Form
from commonweal.core.permissions import Permission
from commonweal.finance.models import FinancialYear, month_label
from commonweal.finance.views import BadParameter, answers_bad_parameters, read_month
from commonweal.meetings.models import AgendaItem
from commonweal.registry.models import System

from . import actions, exports, forms, position, presenters, workbook
from .models import Agreement, QuarterlyReturn, SpendLine

GET_POST = require_http_methods(["GET", "HEAD", "POST"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNITS = {"pounds": "£", "thousands": "£'000"}
INCOMPLETE = "The return cannot be signed off until it is complete"
STATUS_TAGS = {
    "Signed off": "green",
    "Complete": "blue",
    "Incomplete": "orange",
    "Not started": "grey",
}


# Loaders ---------------------------------------------------------------------------------------


def agreement_of(slug: str, ref: str) -> Agreement:
    return get_object_or_404(
        Agreement.objects.select_related("system", "host", "manager", "board"),
        system__slug=slug,
        reference=ref,
    )


def year_of(a: Agreement, start: int) -> FinancialYear:
    """The financial year, open in the pool's system (404 otherwise)."""
    return get_object_or_404(
        FinancialYear.objects.select_related("system"), system_id=a.system_id, start=start
    )


def quarter_of(quarter: int) -> int:
    if not 1 <= quarter <= 4:
        raise Http404("A quarter is Q1 to Q4")
    return quarter


def may_manage(actor: Actor, a: Agreement) -> bool:
    """Whether to offer the pool's forms: the actions check again."""
    return actor.holds(Permission.MANAGE_POOLS, a.host)


def may_sign_off(actor: Actor, a: Agreement) -> bool:
    board = a.board
    if board is None:
        return False
    return any(actor.holds(Permission.RECORD_DECISIONS, o, board) for o in board.owners.all())


def read_units(request: HttpRequest) -> str:
    raw = request.GET.get("units") or "pounds"
    if raw not in UNITS:
        raise BadParameter("units", f"must be one of {', '.join(UNITS)}, not '{raw[:20]}'")
    return raw


def _attempt(form: Form, do: Callable[[], Any], fields: dict[str, str] | None = None) -> Any:
    try:
        return do()
    except NotPermitted:
        raise
    except Refused as refused:
        form.refuse(refused, fields)
        return None


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *forms_: Form | None
) -> HttpResponse:
    bad = any(f is not None and f.is_bound and f.errors for f in forms_)
    return render(request, template, context, status=400 if bad else 200)


def _crumbs(system: System, a: Agreement | None = None, y: FinancialYear | None = None) -> Any:
    out = [
        {"href": reverse("system", args=[system.slug]), "text": system.name},
        {"href": reverse("pools", args=[system.slug]), "text": "Pooled funds"},
    ]
    if a is not None:
        out.append({"href": reverse("pool", args=[system.slug, a.reference]), "text": a.name})
    if a is not None and y is not None:
        out.append(
            {
                "href": reverse("pool-year", args=[system.slug, a.reference, y.start]),
                "text": y.label,
            }
        )
    return out


def _tabs(a: Agreement, y: FinancialYear, current: str) -> list[dict[str, Any]]:
    args = [a.system.slug, a.reference, y.start]
    tabs = [
        {"href": reverse("pool-year", args=args), "text": "Position", "current": current == "year"},
        {"href": reverse("pool-plan", args=args), "text": "Plan", "current": current == "plan"},
    ]
    for q in presenters.QUARTERS:
        tabs.append(
            {
                "href": reverse("pool-return", args=[*args, q]),
                "text": f"Q{q} return",
                "current": current == f"q{q}",
            }
        )
    return tabs


# A system's pools and an agreement ---------------------------------------------------------------


@require_safe
def pools(request: HttpRequest, slug: str) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    return render(
        request,
        "pools/index.jinja",
        {
            "system": system,
            "pools": presenters.agreements(system),
            "section": "systems",
            "crumbs": [{"href": reverse("system", args=[system.slug]), "text": system.name}],
        },
    )


@require_safe
def pool(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    a = agreement_of(slug, ref)
    return render(
        request,
        "pools/agreement.jinja",
        {
            "system": a.system,
            "v": presenters.agreement(a),
            "section": "systems",
            "crumbs": _crumbs(a.system),
        },
    )


# A year's position ---------------------------------------------------------------------------


def _line_choices(v: presenters.YearView) -> list[tuple[str, str]]:
    return [
        (
            str(ln.pk),
            f"{ln.reference}: {ln.name} ({'recurrent' if ln.recurrent else 'non-recurrent'})",
        )
        for ln in v.lines
    ]


def _year_page(
    request: HttpRequest,
    a: Agreement,
    y: FinancialYear,
    month: int,
    *,
    action_form: forms.ActionPlanForm | None = None,
    underspend_form: forms.UnderspendForm | None = None,
    units: str = "pounds",
) -> HttpResponse:
    actor = Actor.from_user(request.user)
    v = presenters.year_position(a, y, month)
    may = may_manage(actor, a)
    query = "?" + urlencode({"month": month})
    if may and action_form is None:
        action_form = forms.ActionPlanForm()
    if may and underspend_form is None:
        underspend_form = forms.UnderspendForm(lines=_line_choices(v))
    args = [a.system.slug, a.reference, y.start]
    return _page(
        request,
        "pools/year.jinja",
        {
            "system": a.system,
            "a": a,
            "year": y,
            "v": v,
            "may": may,
            "month": month,
            "month_name": month_label(y.start, month),
            "months": [(str(m), month_label(y.start, m)) for m in range(1, 13)],
            "units": UNITS,
            "chosen_units": units,
            "unit_label": UNITS[units],
            "figure": presenters.money if units == "pounds" else presenters.thousands,
            "money": presenters.money,
            "thousands": presenters.thousands,
            "percent": presenters.percent,
            "status_tag": STATUS_TAGS,
            "action_form": action_form,
            "underspend_form": underspend_form,
            "action_url": reverse("pool-action-plan", args=args) + query,
            "underspend_url": reverse("pool-underspend", args=args) + query,
            "here": reverse("pool-year", args=args),
            "tabs": _tabs(a, y, "year"),
            "section": "systems",
            "crumbs": _crumbs(a.system, a),
        },
        action_form,
        underspend_form,
    )


@require_safe
@answers_bad_parameters
def pool_year(request: HttpRequest, slug: str, ref: str, start: int) -> HttpResponse:
    a = agreement_of(slug, ref)
    y = year_of(a, start)
    month = read_month(request.GET, y, presenters.default_month(a, y))
    return _year_page(request, a, y, month, units=read_units(request))


def _back_to_year(a: Agreement, y: FinancialYear, month: int, anchor: str) -> HttpResponse:
    url = reverse("pool-year", args=[a.system.slug, a.reference, y.start])
    return HttpResponseRedirect(f"{url}?{urlencode({'month': month})}#{anchor}")


@GET_POST
@answers_bad_parameters
def action_plan(request: HttpRequest, slug: str, ref: str, start: int) -> HttpResponse:
    a = agreement_of(slug, ref)
    y = year_of(a, start)
    month = read_month(request.GET, y, presenters.default_month(a, y))
    if request.method != "POST":
        return _back_to_year(a, y, month, "action-plan")
    actor = Actor.from_user(request.user)
    form = forms.ActionPlanForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        done = _attempt(
            form,
            lambda: actions.record_action_plan(
                actor, a, y, month=month, owner=d["owner"], due=d["due"], actions=d["actions"]
            ),
        )
        if done is not None:
            messages.info(
                request,
                f"The action plan for {month_label(y.start, month)} is recorded: owned by "
                f"{done.owner}, due {long_date(done.due)}.",
            )
            return _back_to_year(a, y, month, "action-plan")
    elif not may_manage(actor, a):
        raise NotPermitted(f"Only {a.host.name}, the host partner, keeps {a.name}.")
    return _year_page(request, a, y, month, action_form=form)


@GET_POST
@answers_bad_parameters
def underspend(request: HttpRequest, slug: str, ref: str, start: int) -> HttpResponse:
    a = agreement_of(slug, ref)
    y = year_of(a, start)
    month = read_month(request.GET, y, presenters.default_month(a, y))
    if request.method != "POST":
        return _back_to_year(a, y, month, "underspend")
    actor = Actor.from_user(request.user)
    v = presenters.year_position(a, y, month, with_returns=False)
    form = forms.UnderspendForm(request.POST, lines=_line_choices(v))
    if form.is_valid():
        d = form.cleaned_data
        line = (
            SpendLine.objects.select_related("scheme")
            .filter(pk=d["line"], scheme__plan__agreement=a)
            .first()
        )
        if line is None:
            form.add_error("line", "Choose the spend line to fund from the list")
        else:
            done = _attempt(
                form,
                lambda: actions.use_underspend(
                    actor, a, y, month=month, line=line, amount=d["amount"], reason=d["reason"]
                ),
            )
            if done is not None:
                messages.info(
                    request,
                    f"{presenters.money(done.amount)} of projected underspend is put to "
                    f"line {line.reference} ({line.name}).",
                )
                return _back_to_year(a, y, month, "underspend")
    elif not may_manage(actor, a):
        raise NotPermitted(f"Only {a.host.name}, the host partner, keeps {a.name}.")
    return _year_page(request, a, y, month, underspend_form=form)


# The year's plan ---------------------------------------------------------------------------------


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _file_stem(a: Agreement, y: FinancialYear) -> str:
    return f"{a.system.slug}-{a.reference}-{y.label.replace('/', '-')}"


@GET_POST
def plan(request: HttpRequest, slug: str, ref: str, start: int) -> HttpResponse:
    a = agreement_of(slug, ref)
    y = year_of(a, start)
    actor = Actor.from_user(request.user)
    fmt = request.GET.get("format")
    if request.method != "POST" and fmt:
        if fmt != "xlsx":
            raise Http404
        in_force = position.plan_in_force(a, y)
        if in_force is None:  # the template, to fill in
            return _xlsx(exports.template_workbook(), f"{_file_stem(a, y)}-plan-template.xlsx")
        return _xlsx(exports.plan_workbook(in_force), exports.plan_file_name(in_force))
    form = forms.PlanForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            done = workbook.import_plan(actor, a, y, upload.name, upload.read())
        except NotPermitted:
            raise
        except Refused as refused:
            form.add_error("file", refused.message)
            problems = list(refused.problems)
        else:
            messages.info(
                request,
                f"{upload.name} is loaded as version {done.version} of the plan for {y.label}.",
            )
            return HttpResponseRedirect(request.path)
    elif request.method == "POST" and not may_manage(actor, a):
        raise NotPermitted(f"Only {a.host.name}, the host partner, keeps {a.name}.")
    # Worked out after any upload, so that a corrected plan can always be loaded.
    v = presenters.year_position(a, y, presenters.default_month(a, y), with_returns=False)
    cfg = presenters.config.config()
    metrics = presenters.plan_metrics(v.plan) if v.plan is not None else {}
    return _page(
        request,
        "pools/plan.jinja",
        {
            "system": a.system,
            "a": a,
            "year": y,
            "v": v,
            "metrics": [(m, metrics.get(m.code, {})) for m in cfg.metrics],
            "form": form,
            "problems": problems,
            "may": may_manage(actor, a),
            "money": presenters.money,
            "percent": presenters.percent,
            "template_url": request.path + "?format=xlsx",
            "tabs": _tabs(a, y, "plan"),
            "section": "systems",
            "crumbs": _crumbs(a.system, a),
        },
        form,
    )


# Quarterly returns ---------------------------------------------------------------------------


def _items(a: Agreement) -> list[tuple[str, str]]:
    if a.board is None:
        return []
    found = (
        AgendaItem.objects.filter(meeting__body=a.board, withdrawn=False)
        .select_related("meeting")
        .order_by("-meeting__starts", "number")[:200]
    )
    return [
        (str(i.pk), f"{long_date(i.meeting.starts)}, item {i.number}: {i.title}") for i in found
    ]


def _return_form(ret: QuarterlyReturn, data: Any = None) -> forms.ReturnForm:
    initial: dict[str, Any] = {"narrative": ret.narrative}
    for code, value in (ret.actuals or {}).items():
        initial[f"actual-{code}"] = "" if value is None else value
    for code, given in (ret.confirmations or {}).items():
        met = (given or {}).get("met")
        initial[f"condition-{code}"] = "yes" if met is True else "no" if met is False else ""
        initial[f"comment-{code}"] = (given or {}).get("comment") or ""
    return forms.ReturnForm(data, initial=initial)


def _return_page(
    request: HttpRequest,
    a: Agreement,
    y: FinancialYear,
    quarter: int,
    *,
    form: forms.ReturnForm | None = None,
    sign_off_form: forms.SignOffForm | None = None,
) -> HttpResponse:
    actor = Actor.from_user(request.user)
    r = presenters.quarterly_return(a, y, quarter)
    may = may_manage(actor, a) and r.signed_off is None
    may_sign = may_sign_off(actor, a) and r.signed_off is None
    if may and form is None:
        form = _return_form(r.ret)
    if may_sign and sign_off_form is None:
        sign_off_form = forms.SignOffForm(
            items=_items(a),
            initial={"resolution": f"To sign off the {r.label} return of {a.name}."},
        )
    args = [a.system.slug, a.reference, y.start, quarter]
    return _page(
        request,
        "pools/return.jinja",
        {
            "system": a.system,
            "a": a,
            "year": y,
            "r": r,
            "may": may,
            "may_sign": may_sign,
            "form": form,
            "sign_off_form": sign_off_form,
            "save_url": reverse("pool-return", args=args),
            "sign_off_url": reverse("pool-sign-off", args=args),
            "xlsx_url": reverse("pool-return-xlsx", args=args),
            "year_url": reverse("pool-year", args=args[:3]) + f"?month={r.month}",
            "tabs": _tabs(a, y, f"q{quarter}"),
            "section": "systems",
            "crumbs": _crumbs(a.system, a, y),
        },
        form,
        sign_off_form,
    )


@GET_POST
def quarterly_return(
    request: HttpRequest, slug: str, ref: str, start: int, quarter: int
) -> HttpResponse:
    a = agreement_of(slug, ref)
    y = year_of(a, start)
    quarter = quarter_of(quarter)
    if request.method != "POST":
        return _return_page(request, a, y, quarter)
    actor = Actor.from_user(request.user)
    ret = actions.quarterly_return(a, y, quarter)
    form = _return_form(ret, request.POST)
    if form.is_valid():
        data = actions.ReturnIn(
            actuals=form.actuals(),
            confirmations=form.confirmations(),
            narrative=form.cleaned_data.get("narrative") or "",
        )
        done = _attempt(form, lambda: actions.save_return(actor, a, y, quarter, data))
        if done is not None:
            missing = presenters.quarterly.checklist(done)
            messages.info(
                request,
                f"The {presenters.quarter_label(y, quarter)} return is saved"
                + (
                    f": {len(missing)} entr{'ies are' if len(missing) != 1 else 'y is'} still "
                    "missing."
                    if missing
                    else " and complete: the Health and Wellbeing Board may sign it off."
                ),
            )
            return HttpResponseRedirect(request.path)
    elif not may_manage(actor, a):
        raise NotPermitted(f"Only {a.host.name}, the host partner, keeps {a.name}.")
    return _return_page(request, a, y, quarter, form=form)


@GET_POST
def sign_off(request: HttpRequest, slug: str, ref: str, start: int, quarter: int) -> HttpResponse:
    a = agreement_of(slug, ref)
    y = year_of(a, start)
    quarter = quarter_of(quarter)
    back = reverse("pool-return", args=[a.system.slug, a.reference, y.start, quarter])
    if request.method != "POST":
        return HttpResponseRedirect(back + "#sign-off")
    actor = Actor.from_user(request.user)
    form = forms.SignOffForm(request.POST, items=_items(a))
    if form.is_valid():
        d = form.cleaned_data
        item = AgendaItem.objects.filter(pk=d["item"], meeting__body=a.board).first()
        ret = actions.quarterly_return(a, y, quarter)
        if item is None:
            form.add_error("item", "Choose the agenda item from the list")
        else:
            try:
                decision = actions.sign_off_return(actor, ret, item, resolution=d["resolution"])
            except NotPermitted:
                raise
            except Refused as refused:
                if any(p.field in form.fields for p in refused.problems):
                    form.refuse(refused)
                elif refused.message.startswith(INCOMPLETE):
                    # The checklist's problems are the return's, not this form's: the
                    # checklist at the top of the page links to each missing entry.
                    form.add_error(
                        None, f"{INCOMPLETE}: the checklist at the top lists what is missing."
                    )
                else:
                    form.add_error(None, refused.message)
            else:
                messages.info(
                    request,
                    f"The return is signed off by {a.board}: decision {decision.reference}.",
                )
                return HttpResponseRedirect(back)
    elif not may_sign_off(actor, a):
        raise NotPermitted(f"Only the clerk of {a.board or 'the board'} records its sign-off.")
    return _return_page(request, a, y, quarter, sign_off_form=form)


@require_safe
def return_xlsx(
    request: HttpRequest, slug: str, ref: str, start: int, quarter: int
) -> HttpResponse:
    a = agreement_of(slug, ref)
    y = year_of(a, start)
    quarter = quarter_of(quarter)
    ret = actions.quarterly_return(a, y, quarter)
    return _xlsx(exports.return_workbook(ret), exports.return_file_name(ret))
