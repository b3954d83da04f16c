"""One forms layer for every page: Django forms, drawn with the NHS.UK design system.

- `Form.error_summary()` gives the NHS.UK error summary's list, each linking to its field's
  first input; `templates/forms.jinja` draws each field with its label, hint and error.
- `DateField` is the NHS.UK date input (day, month, year), with the design system's messages
  ("Date of the decision must include a month", "... must be a real date"). It also accepts a
  single YYYY-MM-DD value (`?on=2019-04-01`), so links and the API's dates work on pages too.
- `MoneyField` reads pounds ("£1,250.50") into integer pence through Decimal.
- `Form.refuse(refused, fields)` puts a domain refusal's problems on the fields they name.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict

from commonweal.core.dates import ISO_DATE, real_date
from commonweal.core.errors import Refused
from commonweal.core.money import to_pence

PARTS = ("day", "month", "year")
OPTIONAL = " (optional)"


def named(label: Any, default: str = "The date") -> str:
    """A field's label as its error messages name it: without "(optional)"."""
    return str(label or default).removesuffix(OPTIONAL)


class DayMonthYear(forms.MultiWidget):
    """Three inputs named `<name>-day`, `<name>-month`, `<name>-year`."""

    template_name = "django/forms/widgets/multiwidget.html"

    def __init__(self) -> None:
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()])
        self.widgets_names = [f"-{part}" for part in PARTS]

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[Any]:
        whole = data.get(name)
        if whole and not any(data.get(f"{name}-{part}") for part in PARTS):
            match = ISO_DATE.match(str(whole).strip())
            if match:
                year, month, day = match.groups()
                return [day, month, year]
            return ["?", "?", str(whole)[:20]]  # not a date: reported as one
        return [data.get(f"{name}-{part}", "") for part in PARTS]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and all(f"{name}-{part}" not in data for part in PARTS)


class DateField(forms.MultiValueField):
    widget = DayMonthYear

    def __init__(self, *, required: bool = True, **kwargs: Any) -> None:
        parts = [forms.CharField(required=False, max_length=4) for _ in PARTS]
        super().__init__(parts, require_all_fields=False, required=required, **kwargs)

    def clean(self, value: Any) -> date | None:
        # MultiValueField's own checks would speak in generic words; ours name the part.
        day, month, year = (str(v or "").strip() for v in (value or ["", "", ""]))
        label = named(self.label)
        # Which of the three inputs to outline in red (the design system marks only those at fault).
        self.bad_parts: tuple[str, ...] = PARTS
        if not (day or month or year):
            if self.required:
                raise ValidationError(f"Enter {label[0].lower() + label[1:]}")
            return None
        missing = [name for name, v in zip(PARTS, (day, month, year), strict=True) if not v]
        if missing:
            self.bad_parts = tuple(missing)
            raise ValidationError(f"{label} must include a {' and a '.join(missing)}")
        if not all(part.isascii() and part.isdigit() for part in (day, month, year)):
            raise ValidationError(
                f"{label} must be a real date, written in numbers, for example 1 4 2019"
            )
        # The parts' own max_length is never applied (this clean replaces theirs), so the
        # lengths are checked here, before a number too long for a date is made of them.
        long = tuple(name for name, v in (("day", day), ("month", month)) if len(v) > 2)
        if long:
            self.bad_parts = long
            raise ValidationError(f"{label} must be a real date")
        if len(year) != 4:
            self.bad_parts = ("year",)
            raise ValidationError(f"{label} must include a year of 4 numbers, for example 2019")
        try:
            return real_date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValidationError(f"{label} {exc}") from None

    def compress(self, data_list: Any) -> Any:  # clean() does the work
        return data_list


class MoneyField(forms.CharField):
    """Pounds as text ("£1,250.50", "1250"), cleaned to integer pence."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "spellcheck": "false"})

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().clean(value)
        if text in (None, ""):
            return None
        try:
            return to_pence(text)
        except ValueError as exc:
            raise ValidationError(f"{named(self.label, 'The amount')} {exc}") from None


class Form(forms.Form):
    """A form whose errors feed the NHS.UK error summary and sit beside their fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # The design system's messages say what to do ("Enter ...", "Choose ..."), not Django's
        # "This field is required."
        for name, field in self.fields.items():
            if (
                field.error_messages.get("required")
                == forms.Field.default_error_messages["required"]
            ):
                label = named(field.label, name)
                verb = "Choose" if isinstance(field, forms.ChoiceField) else "Enter"
                field.error_messages["required"] = f"{verb} {label[0].lower()}{label[1:]}"

    def set_choices(
        self, name: str, options: Sequence[tuple[str, str]], empty: str | None = None
    ) -> None:
        """Give a choice field the choices known only at request time (a body's posts, say)."""
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices(options, empty)

    def input_id(self, name: str) -> str:
        """The id of a field's first input: the one an error summary link moves focus to."""
        field = self.fields[name]
        bound = self[name]
        return f"{bound.auto_id}-day" if isinstance(field, DateField) else bound.auto_id

    def error_summary(self) -> list[dict[str, str]]:
        out = [{"text": str(e), "href": "#main-content"} for e in self.non_field_errors()]
        for name in self.fields:
            for message in self.errors.get(name, []):
                out.append({"text": str(message), "href": f"#{self.input_id(name)}"})
        return out

    def refuse(self, refused: Refused, fields: Mapping[str, str] | None = None) -> None:
        """Put each of a refusal's problems on the field it names (`fields` maps a problem's
        field, such as `commitments[0].organisation`, to a form field's name)."""
        fields = fields or {}
        if getattr(self, "_errors", None) is None:  # unbound: hold the refusal, check nothing
            self._errors = ErrorDict()
            self.cleaned_data = {}
        for problem in refused.problems or []:
            name = fields.get(problem.field, problem.field)
            if name in self.fields:
                label = named(self.fields[name].label, name)
                # A sentence of its own stands alone; a fragment ("must be 0 or more") is
                # about the field, so it takes the field's name.
                message = problem.message
                whole = message[:1].isupper()
                self.add_error(name, message if whole else f"{label} {message}")
            else:
                self.add_error(None, str(problem))
        if not refused.problems:
            self.add_error(None, refused.message)


def choices(pairs: Sequence[tuple[str, str]], empty: str | None = None) -> list[tuple[str, str]]:
    return ([("", empty)] if empty is not None else []) + list(pairs)
