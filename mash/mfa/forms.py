from django import forms


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=32, strip=True,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false",
                                      "class": "govuk-input--width-10", "autocapitalize": "none"}),
        error_messages={"required": "Enter the code your authenticator app shows, or a recovery code"},
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label="Code from your app", max_length=10, strip=True,
        help_text="The 6-digit code the app shows for this service",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "class": "govuk-input--width-10"}),
        error_messages={"required": "Enter the 6-digit code your authenticator app shows"},
    )
