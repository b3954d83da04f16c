"""Registry pages: systems, their areas, and organisations (signed-in; the public ones are in
`commonweal.public`). Views parse, call one presenter, render."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from commonweal.core.forms import Form
from commonweal.core.models import Organisation, OrganisationKind
from commonweal.core.pages import (
    TABLE_ROWS,
    AsOn,
    Shown,
    dated,
    first_rows,
    page_of,
    with_query,
)
from commonweal.registry import presenters
from commonweal.registry.models import Area, System


class HasLevel(Protocol):
    @property
    def level(self) -> str: ...


def _crumbs(system: System) -> list[dict[str, str]]:
    return [{"href": reverse("system", args=[system.slug]), "text": system.name}]


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    systems = System.objects.annotate(
        area_count=Count("areas", filter=Q(areas__ends__isnull=True))
    ).order_by("name")
    return render(request, "core/home.jinja", {"systems": systems, "section": "systems"})


@dataclass(frozen=True)
class LevelTable[R]:
    """A system page's table of one level's areas: the first rows, or (given `?level=`) a page
    of them, and the address of the rest."""

    level: str
    shown: Shown[R]
    all_url: str | None


def area_tables[R: HasLevel](request: HttpRequest, rows: Sequence[R]) -> list[LevelTable[R]]:
    """The system page's tables, one a level, each cut to its first rows; `?level=` shows that
    level alone, a page at a time (a system may have thousands of neighbourhoods)."""
    by_level: dict[str, list[R]] = {}
    for r in rows:
        by_level.setdefault(r.level, []).append(r)
    wanted = request.GET.get("level")
    if wanted in by_level:
        return [LevelTable(wanted, page_of(request, by_level[wanted]), None)]
    return [
        LevelTable(
            level,
            first_rows(level_rows),
            with_query(request, level=level) if len(level_rows) > TABLE_ROWS else None,
        )
        for level, level_rows in by_level.items()
    ]


@dated
@require_safe
def system(request: HttpRequest, slug: str, on: date | None, as_on: AsOn) -> HttpResponse:
    s = get_object_or_404(System, slug=slug)
    view = presenters.system_view(s, on)
    rows = presenters.area_rows(s, view.on)
    return render(
        request,
        "registry/system.jinja",
        {
            "system": view,
            "tables": area_tables(request, rows),
            "one_level": request.GET.get("level") in {r.level for r in rows},
            "whole_system": with_query(request, level=None, page=None),
            "codes": {r.code for r in rows},
            "as_on": as_on,
        },
    )


@dated
@require_safe
def tree(request: HttpRequest, slug: str, on: date | None, as_on: AsOn) -> HttpResponse:
    s = get_object_or_404(System, slug=slug)
    on = on or date.today()
    return render(
        request,
        "registry/tree.jinja",
        {
            "system": s,
            "on": on,
            "tree": presenters.area_tree(s, on),
            "as_on": as_on,
            "crumbs": _crumbs(s),
        },
    )


@dated
@require_safe
def area(request: HttpRequest, slug: str, code: str, on: date | None, as_on: AsOn) -> HttpResponse:
    s = get_object_or_404(System, slug=slug)
    a = get_object_or_404(Area.objects.select_related("parent", "system"), system=s, code=code)
    view = presenters.system_view(s, on)
    detail = presenters.area_view(a, view.on)
    practice_codes = {p.organisation.code for p in detail.member_practices}
    findings = [
        f
        for f in view.report.findings
        if f.subject == code or code in f.related or f.subject in practice_codes
    ]
    return render(
        request,
        "registry/area.jinja",
        {
            "system": s,
            "area": detail,
            "children": page_of(request, detail.children),
            "findings": findings,
            "on": view.on,
            "as_on": as_on,
            "crumbs": _crumbs(s),
            "sections": presenters.area_sections(a, view.on),
        },
    )


@dated
@require_safe
def findings_json(request: HttpRequest, slug: str, on: date | None, as_on: AsOn) -> JsonResponse:
    s = get_object_or_404(System, slug=slug)
    view = presenters.system_view(s, on)
    return JsonResponse(
        {
            "system": slug,
            "on": view.on.isoformat(),
            "counts": view.counts,
            "findings": [f.as_dict() for f in view.report.findings],
        }
    )


class OrganisationSearch(Form):
    from django import forms as _forms

    q = _forms.CharField(required=False, max_length=100, label="Name or code")
    kind = _forms.ChoiceField(
        required=False,
        label="Type",
        choices=[("", "Any type"), *OrganisationKind.choices],
    )
    commissioner = _forms.CharField(required=False, max_length=20, label="Commissioner code")


@require_safe
def organisations(request: HttpRequest) -> HttpResponse:
    form = OrganisationSearch(request.GET)
    rows = Organisation.objects.select_related("commissioner").order_by("name", "code")
    params: dict[str, str] = {}
    if form.is_valid():
        q, kind = form.cleaned_data["q"].strip(), form.cleaned_data["kind"]
        commissioner = form.cleaned_data["commissioner"].strip()
        if q:
            rows = rows.filter(Q(name__icontains=q) | Q(code__iexact=q))
        if kind:
            rows = rows.filter(kind=kind)
        if commissioner:
            rows = rows.filter(commissioner__code=commissioner)
        params = {k: v for k, v in (("q", q), ("kind", kind), ("commissioner", commissioner)) if v}
    else:
        rows = rows.none()
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/organisations.jinja",
        {
            "page": page,
            "form": form,
            "query": urlencode(params) + "&" if params else "",
            "section": "organisations",
        },
    )


@require_safe
def organisation(request: HttpRequest, code: str) -> HttpResponse:
    org = get_object_or_404(
        Organisation.objects.select_related("commissioner", "part_of"), code=code
    )
    return render(
        request,
        "registry/organisation.jinja",
        {
            "org": presenters.organisation_view(org),
            "section": "organisations",
            "crumbs": [{"href": reverse("organisations"), "text": "Organisations"}],
        },
    )
