"""Form rendering in the GOV.UK Design System, and the one place a service's DomainError becomes form errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting

from .errors import DomainError


class GovukFormRenderer(TemplatesSetting):
    """Every field renders through one GOV.UK field template (label, hint, error, input)."""

    form_template_name = "forms/govuk/form.html"
    field_template_name = "forms/govuk/field.html"


class GovukDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d")


class GovukDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input--width-20", **(attrs or {})}, format="%Y-%m-%dT%H:%M")


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
