"""The public register: what anyone may read without signing in, from the allow-list only."""

from datetime import date

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from commonweal.core.pages import AsOn, dated, page_of, with_query
from commonweal.public import presenters
from commonweal.registry.models import System
from commonweal.registry.views import area_tables


@login_not_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.jinja", {"systems": presenters.systems()})


@login_not_required
@dated
@require_safe
def system(request: HttpRequest, slug: str, on: date | None, as_on: AsOn) -> HttpResponse:
    s = get_object_or_404(System, slug=slug)
    view = presenters.system(s, on)
    rows = presenters.area_rows(s, view.on)
    return render(
        request,
        "public/system.jinja",
        {
            "system": view,
            "tables": area_tables(request, rows),
            "one_level": request.GET.get("level") in {r.level for r in rows},
            "whole_system": with_query(request, level=None, page=None),
            "codes": {r.code for r in rows},
            "as_on": as_on,
        },
    )


@login_not_required
@dated
@require_safe
def tree(request: HttpRequest, slug: str, on: date | None, as_on: AsOn) -> HttpResponse:
    s = get_object_or_404(System, slug=slug)
    on = on or date.today()
    return render(
        request,
        "public/tree.jinja",
        {
            "system": presenters.PublicSystemRef.of(s),
            "on": on,
            "tree": presenters.area_tree(s, on),
            "as_on": as_on,
        },
    )


@login_not_required
@dated
@require_safe
def area(request: HttpRequest, slug: str, code: str, on: date | None, as_on: AsOn) -> HttpResponse:
    s = get_object_or_404(System, slug=slug)
    a = presenters.find_area(s, code)
    if a is None:
        raise Http404
    view = presenters.area(a, on)
    return render(
        request,
        "public/area.jinja",
        {
            "system": presenters.PublicSystemRef.of(s),
            "area": view,
            "children": page_of(request, view.children),
            "on": view.row.population_on,
            "as_on": as_on,
        },
    )
