"""The contacts forms. They read what was typed (dates, choices, records chosen from a list) and render it the
GOV.UK way; the rules are the services' (`contacts.rules`), and a refusal is shown by `mash.forms.run_service`
beside the field it concerns. Labels and messages come from the same rules, so each is written once.
"""

import uuid

from django import forms

from agencies.models import Team
from mash.forms import GovukDateField, GovukDateTimeField, GovukRadioSelect

from . import census, rules
from .codes import Brag, PresentingFactor, Recommendation, SubjectRole
from .models import LevelOfNeed, ThresholdCriterion
from .services import SubjectInput


class ContactForm(forms.Form):
    received_at = GovukDateTimeField(
        label="When was the contact received?",
        help_text="For example, 21 11 2026 and 14 30 (24-hour clock)",
        noun="Date received", time_noun="Time received",
    )
    channel = rules.CHANNEL.form_field(widget=forms.RadioSelect)
    referrer_name = rules.REFERRER_NAME.form_field()
    referrer_role = rules.REFERRER_ROLE.form_field()
    referrer_organisation = rules.REFERRER_ORGANISATION.form_field()
    referrer_phone = rules.REFERRER_PHONE.form_field()
    referrer_email = forms.CharField(
        label="Referrer's e-mail address", required=False,
        help_text="The outcome (or, for a member of the public, an acknowledgement) is sent here",
    )
    referral_source = rules.REFERRAL_SOURCE.form_field(blank="Select a referral source",
                                                       help_text="The CIN census referral source code")
    concern = rules.CONCERN.form_field()
    presenting_factors = forms.MultipleChoiceField(
        label="Presenting factors",
        help_text="Select all that the referrer describes (CIN census factor codes)",
        choices=PresentingFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": rules.FACTORS_INVALID},
    )
    consent_answer = rules.CONSENT_ANSWER.form_field(widget=forms.RadioSelect)
    consent_detail = rules.CONSENT_DETAIL.form_field()
    immediate_risk = forms.BooleanField(
        label="Immediate risk: the child may be at risk of harm now", required=False,
        help_text="The contact goes to the top of every queue and the duty manager is told at once",
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)

    def clean(self):
        """The contact's own rules (the service's: `services.contact_check`), with what could be read, so that a
        date that is not one is shown with every other problem, not before them."""
        data = super().clean()
        names = ("received_at", "channel", "referrer_name", "referrer_role", "referrer_organisation", "referrer_phone",
                 "referrer_email", "referral_source", "concern", "presenting_factors", "consent_answer",
                 "consent_detail")
        for name, message in rule_problems({name: data.get(name) for name in names}):
            if name in self.fields:  # the people's are their forms' (BaseSubjectFormSet.clean)
                _show(self, name, message)
        return data


def rule_problems(inputs: dict) -> list[tuple[str, str]]:
    """Every problem the service's rules (`services.contact_check`) find with `inputs`: what one part of the page
    could read, the rest empty. Each part shows its own, so that an input that could not be read (a date that is
    not one) is shown with every other problem, not before them."""
    from mash.errors import DomainError

    from .services import contact_check

    try:
        contact_check(**{"received_at": None, "channel": "", "referrer_name": "", "referral_source": "",
                         "concern": "", "children": [], **inputs})
    except DomainError as error:
        return [(name or "", message) for name, message in error.errors]
    return []


def _show(form: forms.Form, field: str | None, message: str) -> None:
    """A rule's problem on `form`, unless the field already says it could not be read."""
    if not (field and form.has_error(field)):
        form.add_error(field, message)


class SubjectForm(forms.Form):
    """A person named on the contact. `match` says who they are: 'new', or the id of a candidate shown."""

    role = forms.ChoiceField(label="Role", required=False)
    first_name = rules.FIRST_NAME.form_field()
    last_name = rules.LAST_NAME.form_field()
    date_of_birth = GovukDateField(label="Date of birth", help_text="For example, 27 3 2019", noun="Date of birth")
    expected_date_of_birth = GovukDateField(
        label="Expected date of birth (unborn child)", help_text="For example, 14 9 2026",
        noun="Expected date of birth",
    )
    nhs_number = forms.CharField(
        label="NHS number", required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric", "autocomplete": "off"}),
    )
    address = rules.ADDRESS.form_field()
    postcode = forms.CharField(
        label="Postcode", required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}),
    )
    match = forms.CharField(required=False, widget=forms.HiddenInput)

    def to_input(self, *, person_id: int | None = None) -> SubjectInput:
        d = self.cleaned_data
        facts = {name: d.get(name, "") for name in INTAKE_FACTS if name in self.fields}
        return SubjectInput(
            **facts,
            role=d.get("role", ""),
            person_id=person_id,
            nhs_number=d.get("nhs_number", ""),
            first_name=d.get("first_name", ""),
            last_name=d.get("last_name", ""),
            date_of_birth=d.get("date_of_birth"),
            expected_date_of_birth=d.get("expected_date_of_birth"),
            address=d.get("address", ""),
            postcode=d.get("postcode", ""),
        )


def upn_field() -> forms.CharField:
    return forms.CharField(
        label="Unique pupil number (UPN)", required=False, help_text="13 characters, like A123456789012",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off",
                                      "spellcheck": "false"}))


# The census facts a screener may know at intake (all optional); the rest are on the child's record.
INTAKE_FACTS = ("sex", "ethnicity", "upn")


class ChildForm(SubjectForm):
    sex = census.SEX.form_field(widget=GovukRadioSelect, blank="Not known yet",
                                help_text="For the national returns, if known")
    ethnicity = census.ETHNICITY.form_field(blank="Not known yet", help_text="For the national returns, if known")
    upn = upn_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = list(rules.CHILD_ROLE.choices)
        self.fields["role"].initial = SubjectRole.SUBJECT_CHILD


class AdultForm(SubjectForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Select a role"), *rules.ADULT_ROLE.choices]
        del self.fields["expected_date_of_birth"]  # only an unborn child has one


class BaseSubjectFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": "The list of people was incomplete: go back and try again",
        "too_many_forms": rules.TOO_MANY_CHILDREN,
    }

    def filled(self) -> list[tuple[int, SubjectForm]]:
        """The forms someone filled in, with their position (a blank row added and left is ignored)."""
        return [(i, form) for i, form in enumerate(self.forms) if form.cleaned_data]

    def clean(self):
        """These people's rules (the service's), with what could be read: each problem beside its row's field, the
        list's own (no subject child) for the list."""
        super().clean()
        filled = [form for _, form in self.filled()]
        people = []
        for form in filled:
            choice = form.cleaned_data.get("match") or "new"
            people.append(form.to_input(person_id=int(choice) if choice.isdigit() else None))
        listed = []
        for name, message in rule_problems({self.prefix: people}):
            group, _, rest = name.partition("-")
            if group != self.prefix:
                continue  # the contact's, or the other list's: shown there
            if not rest:
                listed.append(message)
                continue
            index, _, field = rest.partition("-")
            form = filled[int(index)]
            _show(form, field if field in form.fields else None, message)
        if listed:
            raise forms.ValidationError(listed)


# absolute_max: the rows a posted TOTAL_FORMS can make us build. Django's default is max_num + 1000, so one post
# saying 2147483648 built and showed a thousand rows (a minute's work and a 12 MB page); more than max_num is refused
# with the same message either way.
ChildFormSet = forms.formset_factory(ChildForm, formset=BaseSubjectFormSet, extra=0, min_num=1,
                                     max_num=rules.MAX_CHILDREN, absolute_max=rules.MAX_CHILDREN, validate_max=True)


class AdultFormSet(forms.formset_factory(AdultForm, formset=BaseSubjectFormSet, extra=0, min_num=0,
                                         max_num=rules.MAX_ADULTS, absolute_max=rules.MAX_ADULTS, validate_max=True)):
    default_error_messages = {**BaseSubjectFormSet.default_error_messages, "too_many_forms": rules.TOO_MANY_ADULTS}


class ScreeningForm(forms.Form):
    worries = rules.WORRIES.form_field()
    working_well = rules.WORKING_WELL.form_field()
    needs_to_happen = rules.NEEDS_TO_HAPPEN.form_field()
    danger_statements = rules.DANGER_STATEMENTS.form_field()
    history_checked = forms.BooleanField(
        label="I have checked the history: previous contacts, open cases and allocation", required=False,
    )
    level = forms.ModelChoiceField(
        label="Level of need", queryset=None, widget=forms.RadioSelect, empty_label=None, required=False,
        error_messages={"invalid_choice": "Select a level of need from the list"},
    )
    criteria = forms.ModelMultipleChoiceField(
        label="Threshold criteria that match", queryset=None, widget=forms.CheckboxSelectMultiple, required=False,
        error_messages={"invalid_choice": "Select criteria from the list",
                        "invalid_pk_value": "Select criteria from the list"},
    )
    proposed_brag = rules.PROPOSED_BRAG.form_field(widget=GovukRadioSelect)
    differs_reason = rules.DIFFERS_REASON.form_field()
    rationale = rules.RATIONALE.form_field()
    recommendation = forms.ChoiceField(label="Recommendation", choices=Recommendation.choices,
                                       widget=forms.RadioSelect, required=False)

    def __init__(self, *args, document, rating_hints: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = document.levels.all() if document else LevelOfNeed.objects.none()
        self.fields["criteria"].queryset = (
            ThresholdCriterion.objects.filter(level__document=document).select_related("level")
            if document else ThresholdCriterion.objects.none()
        )
        self.fields["criteria"].label_from_instance = lambda c: f"Level {c.level.number}, {c.code}: {c.text}"
        self.fields["proposed_brag"].widget.hints = rating_hints or {}


class RatingDecisionForm(forms.Form):
    brag = rules.DECIDED_BRAG.form_field(widget=GovukRadioSelect)
    reason = rules.CHANGE_REASON.form_field()

    def __init__(self, *args, proposed: str, rating_hints: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brag"].initial = proposed
        self.fields["brag"].widget.hints = rating_hints or {}


class ReturnForm(forms.Form):
    comments = rules.RETURN_COMMENTS.form_field()


class RevisionForm(forms.Form):
    proposed_brag = rules.PROPOSED_BRAG.form_field(widget=GovukRadioSelect)
    level = forms.ModelChoiceField(label="Level of need", queryset=None, widget=forms.RadioSelect, empty_label=None,
                                   required=False,
                                   error_messages={"invalid_choice": "Select a level of need from the list"})
    rationale = rules.REVISION_RATIONALE.form_field()

    def __init__(self, *args, document, rating_hints: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = document.levels.all() if document else LevelOfNeed.objects.none()
        self.fields["proposed_brag"].widget.hints = rating_hints or {}


class OutcomeForm(forms.Form):
    kind = rules.OUTCOME_KIND.form_field(widget=forms.RadioSelect)
    rationale = rules.OUTCOME_RATIONALE.form_field()
    receiving_team = forms.ModelChoiceField(
        label="Receiving team", queryset=Team.objects.filter(receives_outcomes=True).select_related("agency"),
        required=False, empty_label="No receiving team (advice or no further action)",
        error_messages={"invalid_choice": "Select a receiving team from the list"},
    )
    summary = rules.OUTCOME_SUMMARY.form_field()


class PassToAllocatedForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, label="Child", widget=forms.RadioSelect, empty_label=None,
                                    error_messages={"required": "Select the child",
                                                    "invalid_choice": "Select a child who has an allocated worker"})
    note = rules.ALLOCATED_NOTE.form_field()

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: f"{p} (allocated to {p.allocated_worker})"


class MergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(
        queryset=None, label="Which record is the same person?", widget=forms.RadioSelect, empty_label=None,
        required=False, error_messages={"invalid_choice": "Select a record from the list"},
    )
    reason = rules.MERGE_REASON.form_field()

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].queryset = candidates
        self.fields["duplicate"].label_from_instance = lambda p: (
            f"{p}, born {p.date_of_birth:%d %B %Y}" if p.date_of_birth else str(p)
        )


class QueueFilterForm(forms.Form):
    brag = forms.ChoiceField(label="Rating", required=False, choices=[("", "Any rating"), *Brag.choices],
                             error_messages={"invalid_choice": "Select a rating from the list"})
    state = forms.ChoiceField(label="State", required=False, choices=[("", "Any state")],
                              error_messages={"invalid_choice": "Select a state from the list"})
    screener = forms.ModelChoiceField(label="Screener", required=False, queryset=None, empty_label="Anyone",
                                      error_messages={"invalid_choice": "Select a screener from the list"})
    overdue = forms.BooleanField(label="Overdue only", required=False)
    repeat = forms.BooleanField(label="Repeat contacts only", required=False)

    def __init__(self, *args, states, screeners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", "Any state"), *[(s.value, s.label) for s in states]]
        self.fields["screener"].queryset = screeners


class ChronologyFilterForm(forms.Form):
    """What a child's chronology shows: kinds of event, and a span of dates (GOV.UK date inputs)."""

    kinds = forms.MultipleChoiceField(
        label="Show", required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select kinds of event from the list"},
    )
    date_from = GovukDateField(label="From", help_text="For example, 1 4 2026", noun="The start date")
    date_to = GovukDateField(label="To", help_text="For example, 30 4 2026", noun="The end date")

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kinds"].choices = kinds

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data


class CensusFactsForm(forms.Form):
    """A child's facts for the national returns (contacts.census), all optional."""

    sex = census.SEX.form_field(widget=GovukRadioSelect, blank="Not known yet")
    ethnicity = census.ETHNICITY.form_field(blank="Not known yet")
    disabilities = forms.MultipleChoiceField(
        label="Disabilities", required=False, choices=census.Disability.choices,
        widget=forms.CheckboxSelectMultiple, help_text="Select all that apply, or 'No disability'",
        error_messages={"invalid_choice": census.DISABILITIES_INVALID},
    )
    upn = upn_field()
    upn_unknown = census.UPN_UNKNOWN.form_field(blank="Not applicable (UPN given) or not known yet",
                                                help_text="Only if the child has no UPN")
    la_child_id = forms.CharField(
        label="Local child ID", required=False, help_text="The council's own ID for the child: letters and digits",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "autocomplete": "off"}))
