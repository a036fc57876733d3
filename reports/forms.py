"""The returns page's forms: they read the boxes; the rules are reports.rules, applied by the services."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from mash.forms import GovukDateField

from . import rules


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
