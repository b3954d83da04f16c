"""The public outcomes pages: a system's framework, indicators, area profiles and SPC series,
built by the outcomes presenters in their public form (counts below the small-number threshold
withheld, with a note saying so; no forms)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from commonweal.outcomes import views

ROOT = "systems/<slug:slug>/outcomes/"


@login_not_required
@require_safe
def framework(request: HttpRequest, slug: str) -> HttpResponse:
    return views.framework_page(request, slug, public=True)


@login_not_required
@require_safe
def indicator(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return views.indicator_page(request, slug, code, public=True)


@login_not_required
@require_safe
def profile(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return views.profile_page(request, slug, code, public=True)


@login_not_required
@require_safe
def series_list(request: HttpRequest, slug: str) -> HttpResponse:
    return views.series_list_page(request, slug, public=True)


@login_not_required
@require_safe
def series(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return views.series_page(request, slug, code, public=True)


urlpatterns = [
    path(ROOT, framework, name="public-outcomes"),
    path(ROOT + "indicators/<slug:code>/", indicator, name="public-outcomes-indicator"),
    path(ROOT + "profiles/<str:code>/", profile, name="public-outcomes-profile"),
    path(ROOT + "series/", series_list, name="public-outcomes-series-list"),
    path(ROOT + "series/<slug:code>/", series, name="public-outcomes-series"),
]
