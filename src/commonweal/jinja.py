"""The Jinja2 environment: our templates first, then the NHS.UK design system's macros."""

from typing import Any

from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup, escape

from commonweal.core import formatting


def url(name: str, *args: Any) -> str:
    return reverse(name, args=args or None)


def link(href: str | None, text: str) -> Markup:
    """A link, or just the text where there is nowhere to go; both escaped."""
    if not href:
        return escape(text)
    return Markup('<a href="{}">{}</a>').format(href, text)


def environment(**options: Any) -> Environment:
    # Django passes a loader for our template directory; the design system's macros
    # (nhsuk/components/<name>/macro.jinja) come from the nhsuk-frontend-jinja package.
    own_loader = options.pop("loader")
    # The design system's macros read optional nested parameters (params.search.action) and
    # expect missing ones to chain to empty, as Nunjucks does.
    options["undefined"] = ChainableUndefined
    env = Environment(
        loader=ChoiceLoader([own_loader, PackageLoader("nhsuk_frontend_jinja", "templates")]),
        **options,
    )
    env.globals.update(
        url=url,
        link=link,
        static=static,
        get_messages=get_messages,
    )
    env.filters.update(
        long_date=formatting.long_date,
        number=formatting.number,
        pounds=formatting.pounds,
        level_label=formatting.level_label,
        role_label=formatting.role_label,
    )
    return env
