"""The Jinja2 environment: our templates first, then the NHS.UK design system's macros.

Our templates fail loudly on an undefined variable (StrictUndefined), so a misspelt or
unpublished field is an error, not an empty space. The design system's macros
(nhsuk/components/...) read optional nested parameters (params.search.action) and expect a
missing one to chain to empty, as Nunjucks does; they are loaded through a lenient overlay of
the environment, so each template keeps the undefined behaviour it was written for.
"""

from datetime import date, datetime
from typing import Any

from django import forms as django_forms
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    PackageLoader,
    StrictUndefined,
    Template,
)
from jinja2 import Environment as BaseEnvironment
from markupsafe import Markup, escape

from commonweal.core import formatting
from commonweal.core.forms import PARTS, DateField, DayMonthYear

DESIGN_SYSTEM = "nhsuk/"


class Environment(BaseEnvironment):
    lenient: "Environment"

    def _load_template(self, name: str, globals: Any) -> Template:
        if name.startswith(DESIGN_SYSTEM) and self.lenient is not self:
            return self.lenient._load_template(name, globals)
        return super()._load_template(name, globals)


def url(name: str, *args: Any) -> str:
    return reverse(name, args=args or None)


def link(href: str | None, text: str) -> Markup:
    """A link, or just the text where there is nowhere to go; both escaped."""
    if not href:
        return escape(text)
    return Markup('<a href="{}">{}</a>').format(href, text)


def form_field(bound: django_forms.BoundField, **extra: Any) -> dict[str, Any]:
    """A bound field as the NHS.UK macro that draws it: {"kind": ..., "params": {...}}."""
    field, widget = bound.field, bound.field.widget
    error = " ".join(str(e) for e in bound.errors) or None
    hint = {"text": field.help_text} if field.help_text else None
    label = str(bound.label)
    value = bound.value()
    if isinstance(field, DateField) or isinstance(widget, DayMonthYear):
        parts = widget.decompress(value) if isinstance(value, date) or value is None else value
        bad = getattr(field, "bad_parts", PARTS) if error else ()
        return {
            "kind": "date",
            "params": {
                "id": bound.auto_id,
                "fieldset": {"legend": {"text": label, "size": extra.pop("legend_size", "s")}},
                "hint": hint,
                "errorMessage": {"text": error} if error else None,
                "items": [
                    {
                        "id": f"{bound.auto_id}-{part}",
                        "name": f"{bound.html_name}-{part}",
                        "label": part.capitalize(),
                        "value": "" if v in (None, "?") else v,
                        "width": 4 if part == "year" else 2,
                        "classes": "nhsuk-input--error" if part in bad else "",
                    }
                    for part, v in zip(PARTS, parts, strict=True)
                ],
                **extra,
            },
        }
    if isinstance(widget, django_forms.RadioSelect):
        chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
        # CheckboxSelectMultiple is a kind of RadioSelect in Django: ask for it first.
        multiple = isinstance(widget, django_forms.CheckboxSelectMultiple)
        return {
            "kind": "checkboxes" if multiple else "radios",
            "params": {
                "name": bound.html_name,
                "idPrefix": bound.auto_id,
                "fieldset": {"legend": {"text": label, "size": extra.pop("legend_size", "s")}},
                "hint": hint,
                "errorMessage": {"text": error} if error else None,
                "items": [
                    {"value": str(v), "text": str(t), "checked": str(v) in chosen}
                    for v, t in field.choices  # type: ignore[attr-defined]
                ],
                **extra,
            },
        }
    if isinstance(widget, django_forms.CheckboxInput):
        return {
            "kind": "checkboxes",
            "params": {
                "name": bound.html_name,
                "idPrefix": bound.auto_id,
                "hint": hint,
                "errorMessage": {"text": error} if error else None,
                "items": [{"value": "on", "text": label, "checked": bool(value)}],
                **extra,
            },
        }
    params: dict[str, Any] = {
        "id": bound.auto_id,
        "name": bound.html_name,
        "label": {"text": label},
        "hint": hint,
        "errorMessage": {"text": error} if error else None,
        **extra,
    }
    if isinstance(widget, django_forms.FileInput):
        params.setdefault("attributes", {}).update(widget.attrs)
        return {"kind": "file", "params": params}
    if isinstance(widget, django_forms.Select):
        current = "" if value is None else str(value)
        params["items"] = [
            {"value": str(v), "text": str(t), "selected": str(v) == current}
            for v, t in field.choices  # type: ignore[attr-defined]
        ]
        return {"kind": "select", "params": params}
    if isinstance(widget, django_forms.Textarea):
        params["value"] = value or ""
        return {"kind": "textarea", "params": params}
    # A password is never written back into the page.
    is_password = isinstance(widget, django_forms.PasswordInput)
    params["value"] = "" if value is None or is_password else value
    params["type"] = getattr(widget, "input_type", "text")
    params.setdefault("attributes", {}).update(widget.attrs)
    return {"kind": "input", "params": params}


def _local(value: Any) -> Any:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def environment(**options: Any) -> Environment:
    # Django passes a loader for our template directory; the design system's macros
    # (nhsuk/components/<name>/macro.jinja) come from the nhsuk-frontend-jinja package.
    own_loader = options.pop("loader")
    options["undefined"] = StrictUndefined
    env = Environment(
        loader=ChoiceLoader([own_loader, PackageLoader("nhsuk_frontend_jinja", "templates")]),
        **options,
    )
    env.lenient = env.overlay(undefined=ChainableUndefined)  # type: ignore[assignment]
    env.lenient.lenient = env.lenient
    env.globals.update(
        url=url,
        link=link,
        static=static,
        get_messages=get_messages,
        form_field=form_field,
    )
    env.tests["contains"] = lambda seq, item: item in seq
    env.filters.update(
        # A moment is shown as the clock in England read it, whatever the database holds.
        long_date=lambda v: formatting.long_date(_local(v)),
        time_of_day=lambda v: formatting.time_of_day(_local(v)),
        number=formatting.number,
        pounds=formatting.pounds,
        level_label=formatting.level_label,
        role_label=formatting.role_label,
        # Published records hold dates as ISO 8601 text.
        from_iso=lambda v: (
            None if not v else (datetime.fromisoformat(v) if "T" in v else date.fromisoformat(v))
        ),
    )
    return env
