import re
import uuid

from django import forms
from django.utils import timezone

from mash.forms import GovukDateInput, GovukDateTimeInput, reject_markup

from .codes import Channel, ReferralSource
from .services import ChildInput

POSTCODE_RE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ]([0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?) ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(value: str) -> str:
    """Upper-case, one space before the last three characters; '' stays ''. Raises on a bad format."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not compact:
        return ""
    if not POSTCODE_RE.match(compact):
        raise forms.ValidationError("Enter a real postcode, like SW1A 1AA", code="postcode")
    return f"{compact[:-3]} {compact[-3:]}"


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
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["referrer_name"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value > timezone.now():
            raise forms.ValidationError("The date and time received must be in the past", code="future")
        return value


class ChildForm(forms.Form):
    first_name = forms.CharField(
        label="First name",
        max_length=100,
        validators=[reject_markup],
        error_messages={
            "required": "Enter the child's first name (or 'Unborn' for an unborn child)",
            "max_length": "First name must be 100 characters or fewer",
        },
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=100,
        validators=[reject_markup],
        error_messages={
            "required": "Enter the child's last name",
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

    def clean_postcode(self):
        return normalise_postcode(self.cleaned_data.get("postcode", ""))

    def clean(self):
        data = super().clean()
        born, expected = data.get("date_of_birth"), data.get("expected_date_of_birth")
        if not self.has_error("date_of_birth") and not self.has_error("expected_date_of_birth"):
            if born and expected:
                self.add_error("expected_date_of_birth", "Give a date of birth or an expected date of birth, not both")
            elif not born and not expected:
                self.add_error("date_of_birth", "Enter the child's date of birth, or an expected date if unborn")
        return data

    def to_input(self) -> ChildInput:
        d = self.cleaned_data
        return ChildInput(
            first_name=d["first_name"],
            last_name=d["last_name"],
            date_of_birth=d.get("date_of_birth"),
            expected_date_of_birth=d.get("expected_date_of_birth"),
            address=d.get("address", ""),
            postcode=d.get("postcode", ""),
        )


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


ChildFormSet = forms.formset_factory(
    ChildForm,
    formset=BaseChildFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=12,
    validate_max=True,
)
