"""The returns page's forms: they read the boxes; the rules are reports.rules, applied by the services."""

import secrets
from datetime import timedelta

from django import forms
from django.utils import timezone

from mash.forms import GovukDateField, GovukRadioSelect

from . import rules, services


class PeriodForm(forms.Form):
    start = GovukDateField(label="First day", help_text="For example, 1 6 2026", noun="First day")
    end = GovukDateField(label="Last day", help_text="For example, 30 11 2026", noun="Last day")

    @staticmethod
    def default_initial() -> dict:
        """The six months Ofsted asks for: from the same day six months ago to today."""
        today = timezone.localdate()
        return {"start": today - timedelta(days=183), "end": today}


class CensusYearForm(forms.Form):
    year = forms.TypedChoiceField(label="Census year", coerce=int, required=False,
                                  help_text="The year ending on 31 March: referrals made from 1 April the year before",
                                  error_messages={"invalid_choice": rules.YEAR_INVALID})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y - 1} to {y} (reference date 31 March {y})")
                                       for y in rules.census_years()]


def new_request_key() -> str:
    """A start form's one-time key (reports.services.export_start): sending the form twice starts one export."""
    return secrets.token_urlsafe(24)


class RequestKeyForm(forms.Form):
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


class AnnexAExportForm(RequestKeyForm, PeriodForm):
    pass


class CensusExportForm(RequestKeyForm, CensusYearForm):
    pass


class DownloadForm(forms.Form):
    destination = forms.ChoiceField(
        label="Who is this download for?", error_messages={"required": services.DESTINATION_MISSING},
        choices=[(services.LEAVES, "It leaves the MASH: it is for {recipient}"),
                 (services.STAYS, "It stays in the MASH: for checking it here first")],
        widget=GovukRadioSelect(hints={
            services.LEAVES: "Every child in the file is recorded as disclosed to them, on each child's record",
            services.STAYS: "Keep it inside the council's secure systems. Download it again, saying who it is for, "
                            "before it goes anywhere"}))

    def __init__(self, *args, recipient: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["destination"]
        field.choices = [(value, label.format(recipient=recipient)) for value, label in field.choices]
