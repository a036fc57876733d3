"""Tests sign in with a second factor already given, centrally, so a test about something else need not type codes.

`install()` connects a receiver to Django's `user_logged_in`: every sign-in (the test client's `force_login`, a
password posted to the sign-in page, a browser signing in on the live server) verifies its session with the user's
confirmed TOTP device (made for them when they have none), just as entering a code would. conftest.py installs it
around every test but those marked `real_mfa`, which meet the second step as a person does; the SQLite check
scripts install it themselves. Nothing in the app imports this module.
"""

from django.contrib.auth.signals import user_logged_in

UID = "tests.verified_sessions"


def _verify(sender, request, user, **kwargs):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test device", confirmed=True)
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    if getattr(request, "user", None) is not None:
        request.user.otp_device = device


def install() -> None:
    user_logged_in.connect(_verify, dispatch_uid=UID)


def uninstall() -> None:
    user_logged_in.disconnect(dispatch_uid=UID)
