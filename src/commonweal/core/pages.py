"""Helpers that every capability's pages share: the "as on a date" filter."""

import functools
from collections.abc import Callable
from datetime import date
from typing import Any

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
