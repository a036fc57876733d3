"""The consent forms. They read what was typed and render it the GOV.UK way; the rules are the services'
(`consent.rules`): people, agencies, reasons and bases are offered as lists, but whether a chosen id is acceptable
(named on this contact, an agency that exists) is for the service to say, beside the field.
"""

from django import forms
from django.utils import timezone

from agencies.models import AgencyKind
from mash.forms import GovukDateField, GovukDateTimeField

from . import rules
from .aid import QUESTIONS
from .codes import Explained, InfoKind


class OpenChoiceField(forms.ChoiceField):
    """Offers its choices, and parses only: whether the value is acceptable is the service's rule."""

    def validate(self, value):
        forms.Field.validate(self, value)


class OpenMultipleChoiceField(forms.MultipleChoiceField):
    def validate(self, value):
        forms.Field.validate(self, value)


def _radios(label, choices, **kwargs):
    return OpenChoiceField(label=label, choices=choices, required=False, widget=forms.RadioSelect, **kwargs)


def _choice(rule):
    """A rule's list as radios; the service says whether the value is on it (so every problem shows at once)."""
    return _radios(rule.label, list(rule.choices))


def _checkboxes(label, choices, **kwargs):
    return OpenMultipleChoiceField(label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple,
                                   **kwargs)


def _when(label, *, noun, time_noun, **kwargs):
    return GovukDateTimeField(label=label, noun=noun, time_noun=time_noun, **kwargs)


def _person_label(subject) -> str:
    person = subject.person
    born = f", born {person.date_of_birth:%d %B %Y}" if person.date_of_birth else ""
    return f"{person} ({subject.get_role_display().lower()}{born})"


class ConsentForm(forms.Form):
    state = _choice(rules.STATE)
    given_by = _radios(rules.GIVEN_BY_LABEL, [])
    capacity = _choice(rules.CAPACITY)
    competence_note = rules.COMPETENCE_NOTE.form_field()
    children = _checkboxes(rules.CHILDREN_LABEL, [], help_text="Consent for one child never covers another: "
                           "select each child it covers. Someone deciding for themselves covers only themselves.")
    agency_kinds = _checkboxes(rules.AGENCY_KINDS_LABEL, AgencyKind.choices,
                               help_text="For a refusal: the agencies they do not want asked")
    agencies = _checkboxes(rules.AGENCIES_LABEL, [])
    info_kinds = _checkboxes(rules.INFO_KINDS_LABEL, InfoKind.choices,
                             help_text="A health agency may be asked only if this includes health information")
    purpose = rules.PURPOSE.form_field()
    method = _choice(rules.METHOD)
    explained = _checkboxes(rules.EXPLAINED_LABEL, Explained.choices,
                            help_text="Consent is informed only if you explained all four")
    understood = _choice(rules.UNDERSTOOD)
    obtained_by = rules.OBTAINED_BY.form_field()
    obtained_at = _when("When were they asked?", noun="The date they were asked", time_noun="The time they were asked",
                        help_text="For example, 21 11 2026, 14 30")
    notes = rules.NOTES.form_field()

    def __init__(self, *args, subjects, agencies, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_by"].choices = [(s.person_id, _person_label(s)) for s in subjects]
        self.fields["children"].choices = [(s.person_id, _person_label(s)) for s in subjects if s.is_child]
        self.fields["agencies"].choices = [(a.pk, a.name) for a in agencies]
        self.fields["obtained_by"].initial = user.get_full_name() or user.get_username()
        self.fields["obtained_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class WithdrawForm(forms.Form):
    withdrawn_at = _when("When did they withdraw it?", noun="The date they withdrew it",
                         time_noun="The time they withdrew it", help_text="For example, 21 11 2026, 14 30")
    method = _choice(rules.WITHDRAWAL_METHOD)
    note = rules.WITHDRAWAL_NOTE.form_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["withdrawn_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class ProposalForm(forms.Form):
    children = _checkboxes(rules.CHILDREN_LABEL, [])
    agencies = _checkboxes(rules.DECISION_AGENCIES_LABEL, [],
                           help_text="Only the agencies named here may be asked under this decision")
    threshold = _choice(rules.THRESHOLD)
    reason = _radios(rules.REASON_LABEL, [])
    narrative = rules.NARRATIVE.form_field()
    purpose = rules.DECISION_PURPOSE.form_field()
    advice = rules.ADVICE.form_field()
    family_told = _choice(rules.FAMILY_TOLD)
    family_told_on = GovukDateField(label="When were they, or will they be, told?",
                                    noun="The date the family is told")
    family_not_told_reason = rules.FAMILY_NOT_TOLD_REASON.form_field()

    def __init__(self, *args, subjects, agencies, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].choices = [(s.person_id, _person_label(s)) for s in subjects if s.is_child]
        self.fields["agencies"].choices = [
            (a.pk, f"{a.name} (health: needs a reason recording the overriding public interest)" if a.is_health
             else a.name) for a in agencies]
        self.fields["reason"].choices = [
            (r.pk, f"{r.label} (records the overriding public interest)" if r.overrides_confidentiality else r.label)
            for r in reasons]


class DecideForm(forms.Form):
    outcome = _choice(rules.OUTCOME)
    lawful_basis = _radios(rules.LAWFUL_BASIS_LABEL, [], help_text="Needed to share. The decision keeps this text "
                           "as it stands today, whatever later changes to the list.")
    note = rules.DECISION_NOTE.form_field()

    def __init__(self, *args, bases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lawful_basis"].choices = [(b.pk, b.text.replace("\n", ": ", 1).replace("\n", "; "))
                                               for b in bases]


class ClearFlagForm(forms.Form):
    note = rules.CLEAR_NOTE.form_field()


class AnonymityForm(forms.Form):
    note = rules.ANONYMITY_NOTE.form_field()


class DecisionAidForm(forms.Form):
    """The decision aid's questions: answered with GET, never written anywhere."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.name] = forms.ChoiceField(
                label=question.text, help_text=question.hint, choices=question.choices, widget=forms.RadioSelect,
                error_messages={"required": question.required_message,
                                "invalid_choice": question.required_message})
