"""Outcomes pages: a system's framework, an indicator across the system's areas (table, funnel
plot, inequality), an area's profile (spine chart, deprivation, pyramid), SPC series with their
rebase points, and the Fingertips import. Every table has a CSV.

The same views serve the public register (`public=True`, under /public/): small counts withheld
there, no forms. Views load what the address names (404 otherwise), read the query (a value
that cannot be read is a 400 naming it), call one presenter or action and render.
"""

from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe
from markupsafe import Markup

from commonweal.core.actions import Actor
from commonweal.core.errors import NotPermitted, Refused
from commonweal.core.forms import Form
from commonweal.core.permissions import Permission
from commonweal.core.views import error_page
from commonweal.registry.actions import stewards
from commonweal.registry.models import System

from . import actions, drawings, exports, forms, presenters
from .models import Indicator, Series

GET_POST = require_http_methods(["GET", "HEAD", "POST"])
# How long a drawn profile is kept at most (a registry rename shows within this).
PROFILE_SECONDS = 600


def system_of(slug: str) -> System:
    return get_object_or_404(System, slug=slug)


def may_manage(actor: Actor, system: System) -> bool:
    return any(actor.holds(Permission.MANAGE_OUTCOMES, o) for o in stewards(system))


def _names(public: bool) -> dict[str, str]:
    """URL names for the page's links: the public register's or the signed-in pages'."""
    p = "public-" if public else ""
    return {
        "framework": f"{p}outcomes",
        "indicator": f"{p}outcomes-indicator",
        "profile": f"{p}outcomes-profile",
        "series": f"{p}outcomes-series",
        "series_list": f"{p}outcomes-series-list",
        "system": "public-system" if public else "system",
    }


def _context(request: HttpRequest, system: System, public: bool, **more: Any) -> dict[str, Any]:
    return {
        "system": system,
        "public": public,
        "names": _names(public),
        "threshold": presenters.threshold(),
        "number": presenters.number,
        "count_text": presenters.count_text,
        **more,
    }


# The framework ----------------------------------------------------------------------------------


def framework_page(request: HttpRequest, slug: str, public: bool) -> HttpResponse:
    system = system_of(slug)
    view = presenters.framework(system, public=public)
    actor = Actor.from_user(request.user)
    return render(
        request,
        "outcomes/framework.jinja",
        _context(
            request,
            system,
            public,
            f=view,
            may=not public and may_manage(actor, system),
            series=presenters.system_series(system),
        ),
    )


@require_safe
def framework(request: HttpRequest, slug: str) -> HttpResponse:
    return framework_page(request, slug, public=False)


# An indicator ---------------------------------------------------------------------------------


def indicator_page(request: HttpRequest, slug: str, code: str, public: bool) -> HttpResponse:
    system = system_of(slug)
    indicator = get_object_or_404(Indicator.objects.select_related("version__document"), code=code)
    area_type = request.GET.get("area_type", "Place")
    if area_type not in presenters.AREA_TYPES:
        return error_page(
            request,
            400,
            "There is a problem with the request",
            f"area_type: must be one of {', '.join(presenters.AREA_TYPES)}, not "
            f"'{area_type[:30]}'.",
        )
    view = presenters.indicator_view(system, indicator, area_type, public=public)
    if request.GET.get("format") == "csv":
        return exports.figures_csv(view, f"{indicator.code}-{system.slug}-{area_type}.csv")
    if request.GET.get("format") == "fingertips":
        data = exports.fingertips_csv(
            indicator, area_codes=[f.area_code for f in view.figures], public=public
        )
        response = HttpResponse(data, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            True, f"{indicator.code}-{system.slug}-fingertips.csv"
        )
        return response
    return render(
        request,
        "outcomes/indicator.jinja",
        _context(
            request,
            system,
            public,
            v=view,
            i=indicator,
            charts=drawings.indicator_charts(view),
            area_types=presenters.AREA_TYPES,
        ),
    )


@require_safe
def indicator(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return indicator_page(request, slug, code, public=False)


# A profile --------------------------------------------------------------------------------------


def profile_page(request: HttpRequest, slug: str, code: str, public: bool) -> HttpResponse:
    system = system_of(slug)
    code = code[:80]
    if request.GET.get("format") == "csv":
        view = presenters.profile(system, code, public=public)
        if view is None:
            raise Http404("No area of that code has indicator values")
        return exports.profile_csv(view, f"profile-{view.code}.csv")
    # The page's body is the same for everyone who sees it (public or signed in) until the data
    # or the framework changes, and its spine chart is costly to draw: kept per data stamp.
    key = f"outcomes-profile:{system.pk}:{code}:{public}:{presenters.profile_stamp(system)}"
    cached = cache.get(key)
    if cached is None:
        view = presenters.profile(system, code, public=public)
        if view is None:
            raise Http404("No area of that code has indicator values")
        body = render_to_string(
            "outcomes/_profile.jinja",
            _context(request, system, public, p=view, charts=drawings.profile_charts(view)),
        )
        cached = (view.name, body)
        cache.set(key, cached, timeout=PROFILE_SECONDS)
    name, body = cached
    return render(
        request,
        "outcomes/profile.jinja",
        _context(request, system, public, name=name, body=Markup(body)),
    )


@require_safe
def profile(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return profile_page(request, slug, code, public=False)


# SPC series -------------------------------------------------------------------------------------


def series_list_page(request: HttpRequest, slug: str, public: bool) -> HttpResponse:
    system = system_of(slug)
    return render(
        request,
        "outcomes/series_list.jinja",
        _context(
            request,
            system,
            public,
            mine=presenters.system_series(system),
            every=list(Series.objects.order_by("organisation_code", "measure")),
        ),
    )


@require_safe
def series_list(request: HttpRequest, slug: str) -> HttpResponse:
    return series_list_page(request, slug, public=False)


def series_page(
    request: HttpRequest, slug: str, code: str, public: bool, form: Form | None = None
) -> HttpResponse:
    system = system_of(slug)
    series = get_object_or_404(Series, code=code)
    view = presenters.series_view(series, system)
    if request.GET.get("format") == "csv":
        return exports.series_csv(view, f"{series.code}.csv")
    actor = Actor.from_user(request.user)
    may = not public and may_manage(actor, system)
    return render(
        request,
        "outcomes/series.jinja",
        _context(
            request,
            system,
            public,
            v=view,
            charts=drawings.series_charts(view),
            may=may,
            form=form if form is not None else (forms.RebaseForm(view) if may else None),
        ),
        status=400 if form is not None and form.errors else 200,
    )


@GET_POST
def series(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    if request.method != "POST":
        return series_page(request, slug, code, public=False)
    system = system_of(slug)
    s = get_object_or_404(Series, code=code)
    view = presenters.series_view(s, system)
    form = forms.RebaseForm(view, request.POST)
    actor = Actor.from_user(request.user)
    if not may_manage(actor, system):
        raise NotPermitted(f"Only analysts of {system.name}'s organisations record rebase points.")
    if form.is_valid():
        try:
            rebase = actions.record_rebase(
                actor, system, s, form.cleaned_data["period"], form.cleaned_data["reason"]
            )
        except NotPermitted:
            raise
        except Refused as refused:
            form.refuse(refused, {"period": "period", "reason": "reason"})
        else:
            messages.info(request, f"A rebase is recorded at {rebase.period.strftime('%B %Y')}.")
            return HttpResponseRedirect(request.path)
    return series_page(request, slug, code, public=False, form=form)


# Fingertips import ------------------------------------------------------------------------------


@GET_POST
def fingertips_import(request: HttpRequest, slug: str) -> HttpResponse:
    system = system_of(slug)
    actor = Actor.from_user(request.user)
    form = forms.FingertipsForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    problems: list[Any] = []
    if request.method == "POST":
        if not may_manage(actor, system):
            raise NotPermitted(f"Only analysts of {system.name}'s organisations import data.")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                done = actions.import_fingertips(
                    actor, upload.name, upload.read(), max_rows=forms.MAX_ROWS
                )
            except NotPermitted:
                raise
            except Refused as refused:
                form.add_error("file", refused.message)
                problems = list(refused.problems)
            else:
                messages.info(
                    request,
                    f"{upload.name}: {done.rows:,} values of {', '.join(done.indicators)} loaded.",
                )
                return HttpResponseRedirect(reverse("outcomes", args=[system.slug]))
    return render(
        request,
        "outcomes/import.jinja",
        _context(
            request, system, False, form=form, problems=problems, may=may_manage(actor, system)
        ),
        status=400 if form.is_bound and (form.errors or problems) else 200,
    )
