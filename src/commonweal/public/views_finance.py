"""The public finance pages: a system's financial years, and each year's system position with
the organisations' headline figures, as at its latest closed month. Built from the allow-list
presenter (`public.finance`) only."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_safe

from commonweal.core.views import error_page
from commonweal.finance.actions import month_name
from commonweal.public import finance as public_finance
from commonweal.public.presenters import PublicSystemRef
from commonweal.registry.models import System


@login_not_required
@require_safe
def finances(request: HttpRequest, slug: str) -> HttpResponse:
    s = get_object_or_404(System, slug=slug)
    return render(
        request,
        "public/finance/index.jinja",
        {"system": PublicSystemRef.of(s), "years": public_finance.years(s)},
    )


@login_not_required
@require_safe
def finance(request: HttpRequest, slug: str, start: int) -> HttpResponse:
    s = get_object_or_404(System, slug=slug)
    year = public_finance.find_year(s, start)
    if year is None:
        raise Http404
    raw = request.GET.get("month") or None
    month = None
    if raw is not None:
        closed = year.closed_through
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 2 and 1 <= int(raw) <= closed):
            return error_page(
                request,
                400,
                "There is a problem with the request",
                f"month: must be a closed month of {year.label}"
                + (f", 1 to {closed}" if closed else " (none is closed yet)")
                + f", not '{raw[:20]}'.",
            )
        month = int(raw)
    view = public_finance.finance(year, month)
    return render(
        request,
        "public/finance/year.jinja",
        {
            "f": view,
            "system": view.system,
            "thousands": public_finance.thousands,
            "closed_months": [(m, month_name(year, m)) for m in range(1, year.closed_through + 1)],
        },
    )


urlpatterns = [
    path("systems/<slug:slug>/finance/", finances, name="public-finances"),
    path("systems/<slug:slug>/finance/<int:start>/", finance, name="public-finance"),
]
