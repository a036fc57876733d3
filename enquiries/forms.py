"""Forms parse; the services hold the rules (mash.forms.run_service shows their errors beside each input)."""

from django import forms

from mash.codes import Brag
from mash.forms import GovukDateTimeField

from . import services


class AskForm(forms.Form):
    """Which agencies to ask, each with its question and the people it concerns.

    For each agency `position` lists (an AgencyPosition of consent's sharing position), the form has
    `question_<id>` and `people_<id>`; `agencies` says which are asked. Blocked agencies are shown with why,
    and cannot be chosen.
    """

    def __init__(self, data=None, *, subjects, position, asked=(), with_reason=True, **kwargs):
        super().__init__(data, **kwargs)
        self.rows = []
        if with_reason:
            self.fields["reason"] = services.REASON.form_field()
            self.fields["need_to_know"] = services.NEED_TO_KNOW.form_field()
        choices = []
        people = [(str(s.person_id), f"{s.person} ({s.get_role_display().lower()})") for s in subjects]
        for agency_position in position.agencies:
            agency = agency_position.agency
            if agency.pk in asked:
                continue
            choices.append((str(agency.pk), agency.name))
            self.fields[f"question_{agency.pk}"] = services.QUESTION.form_field(label=f"Question for {agency.name}")
            self.fields[f"people_{agency.pk}"] = forms.MultipleChoiceField(
                label=f"Who {agency.name} is asked about", choices=people, required=False,
                widget=forms.CheckboxSelectMultiple)
            self.rows.append({"position": agency_position, "question": f"question_{agency.pk}",
                              "people": f"people_{agency.pk}"})
        self.fields["agencies"] = forms.MultipleChoiceField(
            label="Agencies to ask", choices=choices, required=False, widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": "Select agencies from the list"})

    def bound_rows(self):
        return [{"position": r["position"], "question": self[r["question"]], "people": self[r["people"]],
                 "checked": str(r["position"].agency.pk) in (self.data.getlist("agencies") if self.is_bound else [])}
                for r in self.rows]

    def asks(self) -> list:
        data = self.cleaned_data
        asks = []
        for value in data.get("agencies") or []:
            pk = int(value)
            asks.append(services.AskInput(
                agency_id=pk, question=data.get(f"question_{pk}", ""),
                people=tuple(int(p) for p in data.get(f"people_{pk}") or [])))
        return asks


class ReasonForm(forms.Form):
    def __init__(self, data=None, *, rule, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["reason"] = rule.form_field()


class GiveForm(forms.Form):
    to_user = forms.ChoiceField(label="Give it to", required=False)

    def __init__(self, data=None, *, colleagues, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["to_user"].choices = [("", "Choose a colleague")] + [(str(u.pk), str(u)) for u in colleagues]
        self.fields["to_user"].error_messages["invalid_choice"] = "Select a colleague in your agency"


class ReturnForm(forms.Form):
    """One textarea per heading (`section_<n>`), the agency's BRAG view and why, and the sensitive section."""

    def __init__(self, data=None, *, headings, correcting=False, **kwargs):
        super().__init__(data, **kwargs)
        self.headings = list(headings)
        for index, heading in enumerate(self.headings):
            self.fields[f"section_{index}"] = services.SECTION.form_field(label=heading)
        self.fields["brag"] = forms.ChoiceField(
            label="Your agency's BRAG view", choices=Brag.choices, required=False, widget=forms.RadioSelect,
            error_messages={"invalid_choice": "Select your agency's BRAG view"})
        self.fields["brag_rationale"] = services.BRAG_RATIONALE.form_field()
        self.fields["sensitive"] = services.SENSITIVE.form_field(
            help_text="For example police intelligence or health detail. Only MASH managers can read it, and every "
                      "read is recorded.")
        if correcting:
            self.fields["correction_reason"] = services.CORRECTION_REASON.form_field()

    def section_fields(self):
        return [self[f"section_{i}"] for i in range(len(self.headings))]

    def service_inputs(self) -> dict:
        data = self.cleaned_data
        return {
            "headings": self.headings,
            "sections": {h: data.get(f"section_{i}", "") for i, h in enumerate(self.headings)},
            "brag": data.get("brag", ""), "brag_rationale": data.get("brag_rationale", ""),
            "sensitive": data.get("sensitive", ""), "correction_reason": data.get("correction_reason", ""),
        }


class ShortenForm(forms.Form):
    due_at = GovukDateTimeField(label="New deadline", noun="The new deadline", time_noun="The new deadline's time",
                                help_text="For example, 27 3 2026 and 14 30")

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["reason"] = services.SHORTEN_REASON.form_field()
