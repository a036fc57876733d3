"""Passkeys and security keys (WebAuthn, django-otp-webauthn) as a second factor beside the authenticator app.

The library's own JSON views do the ceremonies; these subclasses add what the service asks of every write: adding a
passkey is one transaction with its audit row. A passkey is the second step only (the password comes first:
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is off), and it is added by someone already verified (with the app or another
passkey), so a stolen password cannot add one; the code step offers it to someone who has one.
"""

from django.db import transaction
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.models import WebAuthnCredential

from mash.audit import audit_record

from .actions import MfaAction


def passkeys_of(user):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk")


def has_passkey(user) -> bool:
    return passkeys_of(user).exists()


class RegistrationComplete(webauthn_views.CompleteCredentialRegistrationView):
    """The library's registration, with its audit row in the same transaction."""

    def post(self, *args, **kwargs):
        with transaction.atomic():
            response = super().post(*args, **kwargs)
            device = WebAuthnCredential.objects.get(pk=self._device_id(response), user=self.request.user)
            audit_record(actor=self.request.user, action=MfaAction.PASSKEY_ADDED, target=self.request.user,
                         changes={"device": device.name})
        return response

    @staticmethod
    def _device_id(response) -> int:
        import json

        return json.loads(response.content)["id"]


# The library's URL names, in its namespace (its template tags reverse them).
urlpatterns = [
    path("registration/begin/", webauthn_views.BeginCredentialRegistrationView.as_view(),
         name="credential-registration-begin"),
    path("registration/complete/", RegistrationComplete.as_view(), name="credential-registration-complete"),
    path("authentication/begin/", webauthn_views.BeginCredentialAuthenticationView.as_view(),
         name="credential-authentication-begin"),
    path("authentication/complete/", webauthn_views.CompleteCredentialAuthenticationView.as_view(),
         name="credential-authentication-complete"),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]
