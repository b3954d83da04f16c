"""Helpers that every capability's pages share: the "as on a date" filter, and long lists
shown a page at a time."""

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from commonweal.core.forms import DateField, Form


class AsOn(Form):
    on = DateField(required=False, label="Date", help_text="For example, 1 4 2019")


def dated(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Read `?on=` (YYYY-MM-DD, or the NHS.UK date input's parts) and pass `on` (a date or
    None) and the filter form to the view. A date that does not exist is refused the same way
    on every page: status 400, the error summary and the form to put it right."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = AsOn(request.GET)
        if not form.is_valid():
            return render(
                request,
                "core/bad_date.jinja",
                {"form": form, "back": request.path, "public": request.path.startswith("/public/")},
                status=400,
            )
        on: date | None = form.cleaned_data["on"]
        return view(request, *args, on=on, as_on=form, **kwargs)

    return wrapped


# Rows a table shows before it links to the rest: enough to read, few enough that a system
# with thousands of areas still gives a page of a few hundred kilobytes.
TABLE_ROWS = 100


@dataclass(frozen=True)
class Shown[T]:
    """One page of a long list, with the links to the pages either side."""

    rows: Sequence[T]
    total: int
    number: int
    pages: int
    previous_url: str | None
    next_url: str | None


def page_of[T](
    request: HttpRequest, rows: Sequence[T], size: int = TABLE_ROWS, param: str = "page"
) -> Shown[T]:
    """The page of `rows` that `?page=` asks for (the first or last for anything else), with
    links that keep the request's other parameters (its date, its filters)."""
    page = Paginator(rows, size).get_page(request.GET.get(param))

    def url(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return "?" + query.urlencode()

    return Shown(
        rows=list(page.object_list),
        total=page.paginator.count,
        number=page.number,
        pages=page.paginator.num_pages,
        previous_url=url(page.number - 1) if page.has_previous() else None,
        next_url=url(page.number + 1) if page.has_next() else None,
    )


def first_rows[T](rows: Sequence[T], size: int = TABLE_ROWS) -> Shown[T]:
    """The first rows of a list, for a table that links to the rest elsewhere."""
    pages = max(1, -(-len(rows) // size))
    return Shown(list(rows[:size]), len(rows), 1, pages, None, None)


def with_query(request: HttpRequest, **changes: str | None) -> str:
    """This page's address with some parameters set (or, given None, removed)."""
    query = request.GET.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return "?" + query.urlencode() if query else request.path
