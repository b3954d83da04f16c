from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from commonweal.registry import queries
from commonweal.registry.models import Area, Organisation, OrganisationKind, System
from commonweal.registry.structure import structure_on


class BadDate(Exception):
    pass


def _on(request: HttpRequest) -> date | None:
    value = request.GET.get("on")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadDate(value) from None


def _bad_date(request: HttpRequest, value: str) -> HttpResponse:
    return render(
        request,
        "core/error.jinja",
        {
            "heading": "There is a problem with the date",
            "message": f"'{value}' is not a date: write it as YYYY-MM-DD, for example 2019-04-01.",
        },
        status=400,
    )


def _area_url(system: System, public: bool) -> Callable[[str], str]:
    name = "public-area" if public else "area"
    return lambda code: reverse(name, args=[system.slug, code])


def _system_page(request: HttpRequest, slug: str, public: bool) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    report = structure_on(system, _on(request))
    rows = queries.area_summaries(system, report.on)
    codes = {r["code"] for r in rows}
    area_url = _area_url(system, public)
    by_level: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_level.setdefault(r["level"], []).append(r)
    return render(
        request,
        "registry/system.jinja",
        {
            "system": system,
            "public": public,
            "report": report,
            "counts": report.counts(),
            "levels": queries.level_counts(system),
            "by_level": list(by_level.items()),
            "area_url": area_url,
            "area_link": lambda code: area_url(code) if code in codes else None,
            "area_tree_url": reverse("public-tree" if public else "tree", args=[slug]),
        },
    )


def _tree_page(request: HttpRequest, slug: str, public: bool) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    on = _on(request) or date.today()
    return render(
        request,
        "registry/tree.jinja",
        {
            "system": system,
            "public": public,
            "on": on,
            "tree": queries.tree(system, on),
            "area_url": _area_url(system, public),
        },
    )


def _area_page(request: HttpRequest, slug: str, code: str, public: bool) -> HttpResponse:
    system = get_object_or_404(System, slug=slug)
    area = get_object_or_404(Area.objects.select_related("parent"), system=system, code=code)
    report = structure_on(system, _on(request))
    detail = queries.area_detail(area, report.on)
    practice_codes = {p.code for p in detail["member_practices"]}
    findings = [
        f
        for f in report.findings
        if f.subject == code or code in f.related or f.subject in practice_codes
    ]
    return render(
        request,
        "registry/area.jinja",
        {
            "system": system,
            "public": public,
            "area": area,
            "detail": detail,
            "findings": findings,
            "children": detail["child_areas"],
            "area_url": _area_url(system, public),
            "crumbs": [
                {
                    "href": reverse("public-system" if public else "system", args=[slug]),
                    "text": system.name,
                }
            ],
        },
    )


def _dated(page: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return page(request, *args, **kwargs)
        except BadDate as exc:
            return _bad_date(request, str(exc))

    return view


def system(request: HttpRequest, slug: str) -> HttpResponse:
    return _dated(_system_page)(request, slug, public=False)


def tree(request: HttpRequest, slug: str) -> HttpResponse:
    return _dated(_tree_page)(request, slug, public=False)


def area(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return _dated(_area_page)(request, slug, code, public=False)


def findings_json(request: HttpRequest, slug: str) -> JsonResponse:
    system = get_object_or_404(System, slug=slug)
    try:
        on = _on(request)
    except BadDate as exc:
        return JsonResponse(
            {
                "error": {
                    "status": 400,
                    "code": "bad_request",
                    "message": f"'{exc}' is not a date: write it as YYYY-MM-DD",
                    "problems": [],
                }
            },
            status=400,
        )
    report = structure_on(system, on)
    return JsonResponse(
        {
            "system": slug,
            "on": report.on.isoformat(),
            "counts": report.counts(),
            "findings": [f.as_dict() for f in report.findings],
        }
    )


def organisations(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    commissioner = request.GET.get("commissioner", "").strip()[:20]
    rows = Organisation.objects.select_related("commissioner").order_by("name", "code")
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(code__iexact=q))
    if kind in OrganisationKind.values:
        rows = rows.filter(kind=kind)
    if commissioner:
        rows = rows.filter(commissioner__code=commissioner)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    params = {k: v for k, v in (("q", q), ("kind", kind), ("commissioner", commissioner)) if v}
    return render(
        request,
        "registry/organisations.jinja",
        {
            "page": page,
            "q": q,
            "kind": kind,
            "query": urlencode(params) + "&" if params else "",
            "kind_items": [
                {"value": value, "text": label, "selected": value == kind}
                for value, label in OrganisationKind.choices
            ],
        },
    )


def organisation(request: HttpRequest, code: str) -> HttpResponse:
    org = get_object_or_404(
        Organisation.objects.select_related("commissioner", "part_of"), code=code
    )
    return render(
        request,
        "registry/organisation.jinja",
        {
            "org": org,
            "detail": queries.organisation_detail(org),
            "crumbs": [{"href": reverse("organisations"), "text": "Organisations"}],
        },
    )


@login_not_required
def public_home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.jinja", {"systems": System.objects.all(), "public": True})


@login_not_required
def public_system(request: HttpRequest, slug: str) -> HttpResponse:
    return _dated(_system_page)(request, slug, public=True)


@login_not_required
def public_tree(request: HttpRequest, slug: str) -> HttpResponse:
    return _dated(_tree_page)(request, slug, public=True)


@login_not_required
def public_area(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return _dated(_area_page)(request, slug, code, public=True)
