"""Form rendering in the GOV.UK Design System, through Django's own form renderer."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


class GovukFormRenderer(TemplatesSetting):
    """Every field renders through one GOV.UK field template (label, hint, error, input)."""

    form_template_name = "forms/govuk/form.html"
    field_template_name = "forms/govuk/field.html"


def reject_markup(value: str) -> None:
    """Free text is shown escaped anyway; we still refuse markup so nobody pastes a script in."""
    if value and _MARKUP.search(value):
        raise ValidationError(
            "Remove the HTML tags (text inside < and > brackets)", code="markup"
        )


class GovukDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input--width-10", **(attrs or {})}, format="%Y-%m-%d")


class GovukDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "govuk-input--width-20", **(attrs or {})}, format="%Y-%m-%dT%H:%M")
