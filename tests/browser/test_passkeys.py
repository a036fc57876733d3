"""Passkeys in Chromium (issue 13): someone signed in with their app adds a passkey from the Passkeys page, and the
next sign-in's second step is that passkey. Chromium's virtual authenticator (the DevTools WebAuthn domain) stands
in for a phone or a security key: a real authenticator, answering the real ceremonies. axe on every page."""

import re
from base64 import b32encode

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from mash.mfa.actions import MfaAction

from .conftest import assert_accessible
from .test_second_factor import code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_mfa]


def sign_in_with_password(page, url):
    page.goto(f"{url}/sign-in/")
    page.get_by_label("Username").fill("screener")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/two-factor/"))


def test_add_a_passkey_then_sign_in_with_it(browser, live, personas, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp_webauthn.models import WebAuthnCredential

    from mash.models import AuditEvent

    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live.url]
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    device = TOTPDevice.objects.create(user=personas.screener, name="Authenticator app", confirmed=True)
    secret = b32encode(device.bin_key).decode()

    context = browser.new_context()
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable", {"enableUI": False})
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})

    sign_in_with_password(page, live.url)
    # No passkey yet: the code step offers none.
    expect(page.get_by_role("button", name="Use a passkey or security key")).to_have_count(0)
    page.get_by_label("Code").fill(code(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/contacts/mine/$"))

    page.get_by_role("link", name="Passkeys").click()
    expect(page).to_have_url(re.compile(r"/two-factor/passkeys/$"))
    expect(page.get_by_test_id("no-passkeys")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Add a passkey or security key").click()
    expect(page.get_by_test_id("passkeys").locator("tbody tr")).to_have_count(1)
    assert_accessible(page)
    passkey = WebAuthnCredential.objects.get(user=personas.screener)
    assert passkey.confirmed and passkey.last_used_at is None
    assert AuditEvent.objects.filter(action=MfaAction.PASSKEY_ADDED, actor=personas.screener).count() == 1

    page.get_by_role("button", name="Sign out").first.click()
    sign_in_with_password(page, live.url)
    assert_accessible(page)
    page.get_by_role("button", name="Use a passkey or security key").click()
    expect(page).to_have_url(re.compile(r"/contacts/mine/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    context.close()
