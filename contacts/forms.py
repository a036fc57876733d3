import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from agencies.models import Team
from mash.forms import GovukDateInput, GovukDateTimeInput, reject_markup

from . import identifiers
from .codes import (
    Brag,
    Channel,
    ConsentAnswer,
    OutcomeKind,
    PresentingFactor,
    Recommendation,
    ReferralSource,
    SubjectRole,
)
from .models import LevelOfNeed, ThresholdCriterion
from .services import SubjectInput


def normalise_postcode(value: str) -> str:
    try:
        return identifiers.normalise_postcode(value)
    except ValidationError as error:
        raise forms.ValidationError(error.messages[0], code="postcode") from None


class ContactForm(forms.Form):
    received_at = forms.DateTimeField(
        label="When was the contact received?",
        help_text="For example, 21/11/2026 14:30",
        widget=GovukDateTimeInput(),
        error_messages={"required": "Enter the date and time the contact was received"},
    )
    channel = forms.ChoiceField(
        label="How did the contact come in?",
        choices=Channel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the contact came in"},
    )
    referrer_name = forms.CharField(
        label="Referrer's name",
        max_length=200,
        validators=[reject_markup],
        error_messages={
            "required": "Enter the referrer's name (or 'Anonymous')",
            "max_length": "Referrer's name must be 200 characters or fewer",
        },
    )
    referrer_role = forms.CharField(label="Referrer's role", max_length=200, required=False, validators=[reject_markup])
    referrer_organisation = forms.CharField(
        label="Referrer's organisation", max_length=200, required=False, validators=[reject_markup]
    )
    referrer_phone = forms.CharField(
        label="Referrer's phone number", max_length=40, required=False, validators=[reject_markup],
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "type": "tel", "autocomplete": "off"}),
    )
    referrer_email = forms.EmailField(
        label="Referrer's e-mail address", required=False,
        help_text="The outcome (or, for a member of the public, an acknowledgement) is sent here",
        error_messages={"invalid": "Enter an e-mail address in the correct format, like name@example.com"},
    )
    referral_source = forms.ChoiceField(
        label="Referral source",
        help_text="The CIN census referral source code",
        choices=[("", "Select a referral source"), *ReferralSource.choices],
        error_messages={
            "required": "Select the referral source",
            "invalid_choice": "Select a referral source from the list",
        },
    )
    concern = forms.CharField(
        label="What is the concern?",
        help_text="What the referrer told you, in their words where you can",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        validators=[reject_markup],
        error_messages={
            "required": "Enter the concern",
            "max_length": "The concern must be 20,000 characters or fewer",
        },
    )
    presenting_factors = forms.MultipleChoiceField(
        label="Presenting factors",
        help_text="Select all that the referrer describes (CIN census factor codes)",
        choices=PresentingFactor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select presenting factors from the list"},
    )
    consent_answer = forms.ChoiceField(
        label="Do the parents know about this referral and agree to it?",
        choices=ConsentAnswer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the parents agreed to the referral"},
    )
    consent_detail = forms.CharField(
        label="About consent", required=False, max_length=2000, validators=[reject_markup],
        help_text="Why consent was refused or not asked, and who was asked",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["referrer_name"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean(self):
        data = super().clean()
        if data.get("consent_answer") in ("refused", "not_asked") and not data.get("consent_detail"):
            self.add_error("consent_detail", "Say why consent was refused or not asked")
        return data

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value > timezone.now():
            raise forms.ValidationError("The date and time received must be in the past", code="future")
        return value


class SubjectForm(forms.Form):
    """A person named on the contact. `match` says who they are: 'new', or the id of a candidate shown."""

    role = forms.ChoiceField(label="Role", error_messages={"required": "Select the person's role"})
    first_name = forms.CharField(
        label="First name",
        max_length=100,
        validators=[reject_markup],
        error_messages={
            "required": "Enter the first name (or 'Unborn' for an unborn child)",
            "max_length": "First name must be 100 characters or fewer",
        },
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=100,
        validators=[reject_markup],
        error_messages={
            "required": "Enter the last name",
            "max_length": "Last name must be 100 characters or fewer",
        },
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        required=False,
        widget=GovukDateInput(),
        error_messages={"invalid": "Enter the date of birth as a real date"},
    )
    expected_date_of_birth = forms.DateField(
        label="Expected date of birth (unborn child)",
        required=False,
        widget=GovukDateInput(),
        error_messages={"invalid": "Enter the expected date of birth as a real date"},
    )
    nhs_number = forms.CharField(
        label="NHS number", required=False, max_length=14,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"max_length": "Enter a valid 10-digit NHS number, like 943 476 5919"},
    )
    address = forms.CharField(
        label="Address",
        max_length=300,
        required=False,
        validators=[reject_markup],
        error_messages={"max_length": "Address must be 300 characters or fewer"},
    )
    postcode = forms.CharField(
        label="Postcode",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "autocomplete": "off"}),
        error_messages={"max_length": "Enter a real postcode, like SW1A 1AA"},
    )

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value is not None:
            if value > timezone.localdate():
                raise forms.ValidationError("Date of birth must be today or in the past", code="future")
            if value.year < timezone.localdate().year - 25:
                raise forms.ValidationError("Date of birth is too long ago for a child", code="too_old")
        return value

    def clean_expected_date_of_birth(self):
        value = self.cleaned_data.get("expected_date_of_birth")
        if value is not None:
            today = timezone.localdate()
            if value < today:
                raise forms.ValidationError(
                    "Expected date of birth must be today or later; if the baby is born, give the date of birth",
                    code="past",
                )
            if (value - today).days > 300:
                raise forms.ValidationError("Expected date of birth must be within 10 months", code="too_far")
        return value

    match = forms.CharField(required=False, widget=forms.HiddenInput)
    requires_birth_date = True

    def clean_postcode(self):
        return normalise_postcode(self.cleaned_data.get("postcode", ""))

    def clean_nhs_number(self):
        try:
            return identifiers.normalise_nhs_number(self.cleaned_data.get("nhs_number", ""))
        except ValidationError as error:
            raise forms.ValidationError(error.messages[0], code="nhs_number") from None

    def clean(self):
        data = super().clean()
        born, expected = data.get("date_of_birth"), data.get("expected_date_of_birth")
        if not self.has_error("date_of_birth") and not self.has_error("expected_date_of_birth"):
            if born and expected:
                self.add_error("expected_date_of_birth", "Give a date of birth or an expected date of birth, not both")
            elif self.requires_birth_date and not born and not expected:
                self.add_error("date_of_birth", "Enter the child's date of birth, or an expected date if unborn")
        return data

    def to_input(self, *, person_id: int | None = None) -> SubjectInput:
        d = self.cleaned_data
        return SubjectInput(
            role=d["role"],
            person_id=person_id,
            nhs_number=d.get("nhs_number", ""),
            first_name=d["first_name"],
            last_name=d["last_name"],
            date_of_birth=d.get("date_of_birth"),
            expected_date_of_birth=d.get("expected_date_of_birth"),
            address=d.get("address", ""),
            postcode=d.get("postcode", ""),
        )


class ChildForm(SubjectForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in (SubjectRole.SUBJECT_CHILD, SubjectRole.SIBLING)]
        self.fields["role"].initial = SubjectRole.SUBJECT_CHILD


class AdultForm(SubjectForm):
    requires_birth_date = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Select a role")] + [
            (r.value, r.label)
            for r in (SubjectRole.PARENT_CARER, SubjectRole.HOUSEHOLD_ADULT, SubjectRole.SOURCE_OF_HARM)
        ]
        self.fields["expected_date_of_birth"].widget = forms.HiddenInput()

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError("Date of birth must be today or in the past", code="future")
        return value


class BaseChildFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": "The list of children was incomplete: go back and try again",
        "too_many_forms": "A contact can name at most %(num)d children: record the rest on another contact",
        "too_few_forms": "Add at least one child",
    }

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not any(form.cleaned_data for form in self.forms):
            raise forms.ValidationError("Add at least one child", code="no_children")
        if not any(form.cleaned_data.get("role") == SubjectRole.SUBJECT_CHILD for form in self.forms):
            raise forms.ValidationError("At least one child must be a subject child", code="no_subject_child")


ChildFormSet = forms.formset_factory(
    ChildForm,
    formset=BaseChildFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=12,
    validate_max=True,
)


AdultFormSet = forms.formset_factory(AdultForm, extra=0, min_num=0, max_num=12, validate_max=True)


def _text(label, *, required=True, rows=4, max_length=10000, help_text="", required_message=""):
    return forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text, validators=[reject_markup],
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message or f"Enter {label[0].lower() + label[1:]}",
                        "max_length": f"{label} must be {max_length:,} characters or fewer"},
    )


class ScreeningForm(forms.Form):
    worries = _text("What are we worried about?", help_text="Past harm, future danger, complicating factors",
                    required_message="Enter what we are worried about")
    working_well = _text("What's working well?", help_text="Strengths and the safety already there",
                         required_message="Enter what is working well")
    needs_to_happen = _text("What needs to happen?", help_text="Safety goals and next steps",
                            required_message="Enter what needs to happen")
    danger_statements = _text("Danger statements", required=False, rows=3,
                              help_text="Who is worried, about what behaviour, and what could happen if nothing "
                              "changes")
    history_checked = forms.BooleanField(
        label="I have checked the history: previous contacts, open cases and allocation",
        error_messages={"required": "Check the history before proposing a rating"},
    )
    level = forms.ModelChoiceField(
        label="Level of need", queryset=None, widget=forms.RadioSelect, empty_label=None,
        error_messages={"required": "Select the level of need",
                        "invalid_choice": "Select a level of need from the list"},
    )
    criteria = forms.ModelMultipleChoiceField(
        label="Threshold criteria that match", queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the threshold criteria that match",
                        "invalid_choice": "Select criteria from the list",
                        "invalid_pk_value": "Select criteria from the list"},
    )
    proposed_brag = forms.ChoiceField(
        label="Proposed BRAG rating", choices=Brag.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select a BRAG rating", "invalid_choice": "Select a BRAG rating from the list"},
    )
    rationale = _text("Rationale for the rating", required_message="Enter the rationale for the rating")
    recommendation = forms.ChoiceField(
        label="Recommendation", choices=Recommendation.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select a recommendation"},
    )

    def __init__(self, *args, document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = document.levels.all() if document else LevelOfNeed.objects.none()
        self.fields["criteria"].queryset = (
            ThresholdCriterion.objects.filter(level__document=document).select_related("level")
            if document else ThresholdCriterion.objects.none()
        )
        self.fields["criteria"].label_from_instance = lambda c: f"Level {c.level.number}, {c.code}: {c.text}"


class RatingDecisionForm(forms.Form):
    brag = forms.ChoiceField(
        label="Rating", choices=Brag.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select the rating", "invalid_choice": "Select a rating from the list"},
    )
    reason = _text("Reason for changing the rating", required=False, rows=3,
                   help_text="Required if you change the proposed rating")

    def __init__(self, *args, proposed: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposed = proposed
        self.fields["brag"].initial = proposed

    def clean(self):
        data = super().clean()
        if data.get("brag") and data["brag"] != self.proposed and not data.get("reason", "").strip():
            self.add_error("reason", "Give the reason for changing the rating")
        return data


class ReturnForm(forms.Form):
    comments = _text("Comments for the screener", rows=3, required_message="Say what the screener needs to do")


class RevisionForm(forms.Form):
    proposed_brag = ScreeningForm.base_fields["proposed_brag"]
    level = forms.ModelChoiceField(label="Level of need", queryset=None, widget=forms.RadioSelect, empty_label=None,
                                   error_messages={"required": "Select the level of need"})
    rationale = _text("Why the rating should change", rows=3, required_message="Enter why the rating should change")

    def __init__(self, *args, document, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = document.levels.all() if document else LevelOfNeed.objects.none()


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(
        label="Outcome", widget=forms.RadioSelect,
        choices=[(k.value, k.label) for k in OutcomeKind if k != OutcomeKind.ALLOCATED_WORKER],
        error_messages={"required": "Select the outcome", "invalid_choice": "Select an outcome from the list"},
    )
    rationale = _text("Rationale", required_message="Enter the rationale for the outcome")
    receiving_team = forms.ModelChoiceField(
        label="Receiving team", queryset=Team.objects.filter(receives_outcomes=True).select_related("agency"),
        required=False, empty_label="No receiving team (advice or no further action)",
        error_messages={"invalid_choice": "Select a receiving team from the list"},
    )
    summary = _text("Summary for the receiving service", rows=5,
                    required_message="Enter a summary for the receiving service")

    def clean(self):
        data = super().clean()
        needs_team = {OutcomeKind.STRATEGY_S47, OutcomeKind.S17_ASSESSMENT, OutcomeKind.EARLY_HELP,
                      OutcomeKind.SUPPORTING_FAMILIES}
        if data.get("kind") in needs_team and not data.get("receiving_team"):
            self.add_error("receiving_team", "Select the team that will receive this case")
        return data


class PassToAllocatedForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, label="Child", widget=forms.RadioSelect, empty_label=None,
                                    error_messages={"required": "Select the child",
                                                    "invalid_choice": "Select a child who has an allocated worker"})
    note = _text("Note for the allocated worker", rows=3, required_message="Add a note for the allocated worker")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: f"{p} (allocated to {p.allocated_worker})"


class MergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(
        queryset=None, label="Which record is the same person?", widget=forms.RadioSelect, empty_label=None,
        error_messages={"required": "Select the duplicate record", "invalid_choice": "Select a record from the list"},
    )
    reason = _text("Why are these the same person?", rows=3, required_message="Say why these are the same person")

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
