"""Form rendering in the GOV.UK Design System, and the one place a service's DomainError becomes form errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils import timezone

from .errors import DomainError


class GovukFormRenderer(TemplatesSetting):
    """Every field renders through one GOV.UK field template (label, hint, error, input)."""

    form_template_name = "forms/govuk/form.html"
    field_template_name = "forms/govuk/field.html"


class GovukRadioSelect(forms.RadioSelect):
    """Radios with a hint under each option (GOV.UK "radio items with hints"): `hints` maps a value to its hint,
    which the option's input names in aria-describedby."""

    def __init__(self, attrs=None, choices=(), hints: dict | None = None):
        super().__init__(attrs, choices)
        self.hints = dict(hints or {})

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        hint = self.hints.get(str(value))
        if hint and option["attrs"].get("id"):
            option["hint"] = hint
            option["hint_id"] = f"{option['attrs']['id']}-hint"
            option["attrs"]["aria-describedby"] = option["hint_id"]
        return option


# --- GOV.UK date input: day, month and year boxes (and hours and minutes for a time) ------------------------

PART_LABELS = {"day": "Day", "month": "Month", "year": "Year", "hour": "Hour", "minute": "Minute"}
PART_WIDTHS = {"day": 2, "month": 2, "year": 4, "hour": 2, "minute": 2}
DATE_PARTS = ("day", "month", "year")
TIME_PARTS = ("hour", "minute")
ERROR_PARTS_ATTR = "data-govuk-error-parts"


class GovukDateInput(forms.MultiWidget):
    """The GOV.UK date input: a fieldset of Day, Month and Year boxes (no native picker).

    The boxes are named `<name>-day`, `<name>-month`, `<name>-year`. The Day box carries the field's own id, so a
    label or an error summary link to the field lands on it; the others are `<id>-month`, `<id>-year`. Boxes in
    error (`GovukDateField.error_parts`) get the GOV.UK error style and aria-invalid; the others do not.
    """

    template_name = "forms/govuk/date_input.html"
    parts: tuple[str, ...] = DATE_PARTS
    govuk_date_input = True

    def __init__(self, attrs=None):
        widgets = {part: forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
                   for part in self.parts}
        super().__init__(widgets, attrs)
        self.widgets_names = [f"-{part}" for part in self.parts]

    def decompress(self, value):
        if value in (None, ""):
            return [None] * len(self.parts)
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return [None] * len(self.parts)
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            values = {"day": value.day, "month": value.month, "year": value.year,
                      "hour": f"{value.hour:02d}", "minute": f"{value.minute:02d}"}
        else:
            values = {"day": value.day, "month": value.month, "year": value.year}
        return [values.get(part) for part in self.parts]

    def get_context(self, name, value, attrs):
        attrs = dict(attrs or {})
        error_parts = attrs.pop(ERROR_PARTS_ATTR, None)
        attrs.pop("aria-invalid", None)
        context = super().get_context(name, value, attrs)
        base_id = attrs.get("id") or self.attrs.get("id")
        in_error = set(error_parts.split()) if error_parts else set()
        for index, (part, sub) in enumerate(zip(self.parts, context["widget"]["subwidgets"], strict=True)):
            sub["part"] = part
            sub["label"] = PART_LABELS[part]
            sub["width"] = PART_WIDTHS[part]
            sub["is_time"] = part in TIME_PARTS
            sub["error"] = part in in_error
            sub_attrs = dict(sub["attrs"])
            if base_id:
                sub_attrs["id"] = base_id if index == 0 else f"{base_id}-{part}"
            if sub["error"]:
                sub_attrs["aria-invalid"] = "true"
            sub_attrs.pop("class", None)
            sub["attrs"] = sub_attrs
        return context

    def id_for_label(self, id_):
        return id_  # the Day box


class GovukDateTimeInput(GovukDateInput):
    """Day, Month and Year, then the time as Hour and Minute (24-hour clock)."""

    parts = (*DATE_PARTS, *TIME_PARTS)


class _DateBoundField(forms.BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors:
            parts = getattr(self.field, "error_parts", None) or self.field.widget.parts
            attrs[ERROR_PARTS_ATTR] = " ".join(parts)
        return attrs


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


class GovukDateField(forms.Field):
    """A date typed in three boxes, with the GOV.UK error messages.

    `noun` names the date in messages ("Date of birth"): "Date of birth must include a month", "Date of birth
    must be a real date", "Year must include 4 numbers". Nothing typed is None: whether the date is needed is the
    service's rule, not the form's. After a failed clean, `error_parts` names the boxes to highlight.
    """

    widget = GovukDateInput
    bound_field_class = _DateBoundField

    def __init__(self, *, noun: str, required: bool = False, **kwargs):
        self.noun = noun
        self.error_parts: list[str] = []
        super().__init__(required=required, **kwargs)

    def _fail(self, message: str, parts) -> None:
        self.error_parts = list(parts)
        raise ValidationError(message, code="invalid")

    def _numbers(self, value, parts) -> dict[str, int] | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str):
            value = self.widget.decompress(value.strip())  # an ISO date, as a draft or an API may hold it
            if not any(value):
                self._fail(f"{self.noun} must be a real date", DATE_PARTS)
        if not isinstance(value, (list, tuple)) or len(value) != len(self.widget.parts):
            self._fail(f"{self.noun} must be a real date", parts)
        typed = {part: ("" if v is None else str(v).strip()) for part, v in zip(self.widget.parts, value, strict=True)}
        if not any(typed.values()):
            return None
        date_missing = [p for p in DATE_PARTS if not typed[p]]
        if date_missing:
            self._fail(f"{self.noun} must include a {_joined(date_missing)}", date_missing)
        not_numbers = [p for p in parts if typed[p] and not typed[p].isdecimal()]
        if not_numbers:
            self._fail(self._not_real(not_numbers), not_numbers)
        if len(typed["year"]) != 4:
            self._fail("Year must include 4 numbers", ["year"])
        return {part: int(typed[part]) if typed[part] else None for part in parts}

    def _not_real(self, parts) -> str:
        return f"{self.noun} must be a real date"

    def to_python(self, value):
        self.error_parts = []
        if isinstance(value, date):
            return value
        numbers = self._numbers(value, DATE_PARTS)
        if numbers is None:
            return None
        try:
            return date(numbers["year"], numbers["month"], numbers["day"])
        except ValueError:
            self._fail(f"{self.noun} must be a real date", DATE_PARTS)

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (initial if isinstance(initial, date) or initial is None
                                            else self.to_python(initial))
        except ValidationError:
            return True
        finally:
            self.error_parts = []


class GovukDateTimeField(GovukDateField):
    """A date in three boxes and a time in two (hours and minutes, 24-hour clock), in the site's time zone.

    `time_noun` names the time in messages: "Time received must include an hour", "... must be a real time".
    """

    widget = GovukDateTimeInput

    def __init__(self, *, noun: str, time_noun: str, **kwargs):
        self.time_noun = time_noun
        super().__init__(noun=noun, **kwargs)

    def _not_real(self, parts) -> str:
        if all(p in TIME_PARTS for p in parts):
            return f"{self.time_noun} must be a real time"
        return f"{self.noun} must be a real date"

    def to_python(self, value):
        self.error_parts = []
        if isinstance(value, datetime):
            return value
        parts = (*DATE_PARTS, *TIME_PARTS)
        numbers = self._numbers(value, parts)
        if numbers is None:
            return None
        try:
            day = date(numbers["year"], numbers["month"], numbers["day"])
        except ValueError:
            self._fail(f"{self.noun} must be a real date", DATE_PARTS)
        time_missing = [p for p in TIME_PARTS if numbers[p] is None]
        if time_missing:
            words = ["an hour" if p == "hour" else "a minute" for p in time_missing]
            self._fail(f"{self.time_noun} must include {_joined(words)}", time_missing)
        if not (0 <= numbers["hour"] <= 23 and 0 <= numbers["minute"] <= 59):
            wrong = [p for p, top in (("hour", 23), ("minute", 59)) if not 0 <= numbers[p] <= top]
            self._fail(f"{self.time_noun} must be a real time", wrong)
        naive = datetime(day.year, day.month, day.day, numbers["hour"], numbers["minute"])
        return timezone.make_aware(naive)


def initial_from_data(form_class, data, *, prefix: str | None = None) -> dict:
    """What was posted (or saved in a draft), as a form's `initial`: each field's raw value as its widget reads it,
    so an unbound form shows the answers again without judging them (no error messages)."""
    initial = {}
    for name, field in form_class.base_fields.items():
        value = field.widget.value_from_datadict(data, {}, f"{prefix}-{name}" if prefix else name)
        if isinstance(value, (list, tuple)) and isinstance(field.widget, forms.MultiWidget) and not any(value):
            continue
        if value is not None:
            initial[name] = value
    return initial


def add_domain_errors(error: DomainError, form: forms.Form,
                      formsets: Mapping[str, forms.BaseFormSet] | None = None) -> None:
    """Show a service's DomainError on the form: each message beside the input it names.

    A field the form has gets the message; `<group>-<index>-<field>` goes to that form of the formset named
    `<group>`; `<group>` alone to the formset's own errors; anything else to the form's non-field errors.
    """
    formsets = formsets or {}
    for name, message in error.errors:
        if name in form.fields:
            form.add_error(name, message)
            continue
        group, _, rest = (name or "").partition("-")
        formset = formsets.get(group)
        if formset is not None and not rest:
            formset.non_form_errors().append(message)
            continue
        index, _, field = rest.partition("-")
        if formset is not None and index.isdigit() and int(index) < len(formset.forms):
            child = formset.forms[int(index)]
            child.add_error(field if field in child.fields else None, message)
            continue
        form.add_error(None, message)


def run_service(form: forms.Form, service: Callable[..., Any], /, *,
                formsets: Mapping[str, forms.BaseFormSet] | None = None, **kwargs) -> Any:
    """Call `service(**kwargs)`. If it refuses (DomainError), show why on the form and return None."""
    try:
        return service(**kwargs)
    except DomainError as error:
        add_domain_errors(error, form, formsets)
        return None


class SignInForm(AuthenticationForm):
    """Django's sign-in form, saying which answer is missing in the GOV.UK way (not "This field is required." twice)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your user name"
        self.fields["password"].error_messages["required"] = "Enter your password"
