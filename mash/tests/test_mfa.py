"""The second factor (mash.mfa): a password alone reaches nothing, the admin included; enrolment with a QR code and
recovery codes; a code or a recovery code (once each) verifies; a manager resets someone's device, audited."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from contacts.tests.factories import make_contact
from mash.mfa.middleware import PASSKEY_UNVERIFIED_ALLOWED, UNVERIFIED_ALLOWED
from mash.mfa.services import recovery_codes_replace
from mash.models import AuditEvent
from tests.test_access import all_app_paths

pytestmark = [pytest.mark.django_db, pytest.mark.real_mfa]

ROLES = ("screener", "manager", "police_partner", "health_partner", "admin", "outsider")


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_for(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def verified(client, user):
    """Signed in with a code given (as conftest's sessions are, outside `real_mfa` tests)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrolled(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def password_only(client, user):
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response


@pytest.mark.parametrize("who", ROLES)
def test_a_stolen_password_alone_reaches_no_page(personas, client, who):
    user = getattr(personas, who)
    enrolled(user)
    contact = make_contact(personas.screener)
    password_only(client, user)
    code_step = UNVERIFIED_ALLOWED | {f"otp_webauthn:{name}" for name in PASSKEY_UNVERIFIED_ALLOWED}
    paths = {**{name: path for name, path in all_app_paths(contact.reference).items() if name not in code_step},
             "admin": "/admin/", "admin users": "/admin/agencies/user/",
             "admin contacts": "/admin/contacts/contact/"}
    for name, path in paths.items():
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code == 302, f"{method.upper()} {name} {path}: {response.status_code}"
            assert response["Location"].startswith("/two-factor/"), f"{name}: {response['Location']}"
    # a page's background refresh is sent to the code step as a whole page
    poll = client.get("/notifications/", headers={"HX-Request": "true", "MASH-Poll": "background"})
    assert poll.status_code == 204 and poll["HX-Redirect"] == "/two-factor/"
    assert client.get("/two-factor/").status_code == 200


def test_a_code_from_the_app_verifies_the_session_once(personas, client):
    device = enrolled(personas.screener)
    password_only(client, personas.screener)
    response = client.get("/contacts/")
    assert response["Location"] == "/two-factor/?next=%2Fcontacts%2F"
    wrong = client.post("/two-factor/", {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "The code is not right" in wrong.content.decode()
    assert AuditEvent.objects.filter(actor=personas.screener, action="mfa.verify_failed").count() == 1
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code's wait is django-otp's throttling: not what this tests
    device.throttling_failure_timestamp = None
    device.save()
    code = code_for(device)
    response = client.post("/two-factor/", {"code": code, "next": "/contacts/"})
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert client.get("/contacts/").status_code == 200
    # the same code cannot be replayed in another session
    client.post("/sign-out/")
    password_only(client, personas.screener)
    assert client.post("/two-factor/", {"code": code}).status_code == 400
    assert client.get("/contacts/").status_code == 302


def test_an_offsite_next_is_ignored(personas, client):
    device = enrolled(personas.screener)
    password_only(client, personas.screener)
    response = client.post("/two-factor/", {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_recovery_codes_work_once_each(personas, client):
    enrolled(personas.manager)
    codes = recovery_codes_replace(user=personas.manager)
    assert len(codes) == 10 and len(set(codes)) == 10
    password_only(client, personas.manager)
    assert client.post("/two-factor/", {"code": codes[0].upper()}).status_code == 302
    assert client.get("/contacts/").status_code == 200
    assert AuditEvent.objects.filter(action="mfa.recovery_code_used", actor=personas.manager).exists()
    client.post("/sign-out/")
    password_only(client, personas.manager)
    assert client.post("/two-factor/", {"code": codes[0]}).status_code == 400  # used up
    assert client.get("/contacts/").status_code == 302
    for device in StaticDevice.objects.filter(user=personas.manager):
        device.throttling_failure_count = 0
        device.throttling_failure_timestamp = None
        device.save()
    assert client.post("/two-factor/", {"code": codes[1]}).status_code == 302
    assert client.get("/contacts/").status_code == 200


def test_first_sign_in_sets_up_the_app_with_a_qr_code_and_shows_recovery_codes_once(personas, client):
    user = personas.screener2
    password_only(client, user)
    assert client.get("/contacts/")["Location"] == "/two-factor/set-up/"
    assert client.get("/two-factor/")["Location"] == "/two-factor/set-up/"
    page = client.get("/two-factor/set-up/").content.decode()
    qr = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    from base64 import b64decode

    assert b64decode(qr).startswith(b"<svg") and b"<script" not in b64decode(qr)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    from base64 import b32encode

    assert b32encode(device.bin_key).decode() == secret
    # reloading shows the same key (the code scanned stays good)
    assert secret.encode() in client.get("/two-factor/set-up/").content.replace(b" ", b"")
    assert client.post("/two-factor/set-up/", {"code": "12345x"}).status_code == 400
    assert client.get("/contacts/").status_code == 302  # still not verified
    response = client.post("/two-factor/set-up/", {"code": code_for(device)})
    assert response["Location"] == "/two-factor/recovery-codes/"
    shown = client.get("/two-factor/recovery-codes/").content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", shown)
    assert len(codes) == 10
    assert client.get("/two-factor/recovery-codes/")["Location"] == "/"  # shown once
    assert client.get("/contacts/").status_code == 200
    assert AuditEvent.objects.filter(action="mfa.enrolled", actor=user).exists()
    # set up already: the set-up page cannot replace the device
    client.post("/sign-out/")
    password_only(client, user)
    assert client.get("/two-factor/set-up/")["Location"] == "/two-factor/"


def test_a_manager_resets_a_colleagues_second_factor_audited(personas, client):
    for user in (personas.manager, personas.screener, personas.police_partner):
        enrolled(user)
    recovery_codes_replace(user=personas.screener)
    verified(client, personas.manager)
    page = client.get("/two-factor/people/").content.decode()
    assert personas.screener.username in page and personas.police_partner.username not in page
    assert client.post(f"/two-factor/people/{personas.police_partner.pk}/reset/").status_code == 404  # not theirs
    assert client.post(f"/two-factor/people/{personas.manager.pk}/reset/").status_code == 404  # not their own
    assert client.post(f"/two-factor/people/{personas.screener.pk}/reset/").status_code == 302
    assert not TOTPDevice.objects.filter(user=personas.screener).exists()
    assert not StaticDevice.objects.filter(user=personas.screener).exists()
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.actor == personas.manager and event.target_id == str(personas.screener.pk)
    assert event.changes == {"devices_removed": 2, "passkeys_removed": 0}
    # the screener's next sign-in sets up a new one
    other = type(client)()
    password_only(other, personas.screener)
    assert other.get("/contacts/")["Location"] == "/two-factor/set-up/"


def test_a_screener_cannot_reset_anyone(personas, client):
    verified(client, personas.screener)
    assert client.get("/two-factor/people/").status_code == 403
    assert client.post(f"/two-factor/people/{personas.screener2.pk}/reset/").status_code == 403


def test_a_reset_ends_a_session_already_verified(personas, client):
    device = enrolled(personas.screener)
    password_only(client, personas.screener)
    client.post("/two-factor/", {"code": code_for(device)})
    assert client.get("/contacts/").status_code == 200
    from mash.mfa.services import mfa_reset

    mfa_reset(actor=personas.manager, user=personas.screener)
    assert client.get("/contacts/")["Location"].startswith("/two-factor/set-up/")


def test_the_code_step_shows_no_navigation(personas, client):
    enrolled(personas.manager)
    password_only(client, personas.manager)
    page = client.get("/two-factor/").content.decode()
    assert "At risk" not in page and "Second factors" not in page and "Enter your code" in page


def a_passkey(user, name="Security key"):
    from hashlib import sha256

    from django_otp_webauthn.models import WebAuthnCredential

    credential_id = f"{user.pk}-{name}".encode()
    return WebAuthnCredential.objects.create(
        user=user, name=name, confirmed=True, credential_id=credential_id, public_key=b"not a real key",
        credential_id_sha256=sha256(credential_id).hexdigest(), sign_count=0, aaguid="")


def test_a_stolen_password_cannot_add_a_passkey(personas, client):
    """Adding a passkey needs a verified session: with a password alone, the library's registration is not
    reached (else a thief could add their own key and pass the second step with it)."""
    enrolled(personas.screener)
    password_only(client, personas.screener)
    for step in ("begin", "complete"):
        response = client.post(f"/two-factor/passkeys/api/registration/{step}/")
        assert response.status_code == 302 and response["Location"] == "/two-factor/", step
    assert client.get("/two-factor/passkeys/")["Location"].startswith("/two-factor/")


def test_the_code_step_offers_a_passkey_to_someone_who_has_one(personas, client):
    enrolled(personas.screener)
    password_only(client, personas.screener)
    assert "Use a passkey or security key" not in client.get("/two-factor/").content.decode()
    a_passkey(personas.screener)
    page = client.get("/two-factor/").content.decode()
    assert 'id="passkey-verification-button"' in page and "otp_webauthn_auth.js" in page
    # begun with a password alone (the code step's own call), for this user's keys only
    begun = client.post("/two-factor/passkeys/api/authentication/begin/")
    assert begun.status_code == 200 and len(begun.json()["allowCredentials"]) == 1
    # a made-up answer verifies nothing
    client.post("/two-factor/passkeys/api/authentication/complete/", {"id": "x"}, content_type="application/json")
    assert client.get("/contacts/")["Location"].startswith("/two-factor/")


def test_someone_with_only_a_passkey_is_asked_for_it_not_sent_to_set_up_an_app(personas, client):
    a_passkey(personas.screener)
    password_only(client, personas.screener)
    assert client.get("/contacts/")["Location"] == "/two-factor/?next=%2Fcontacts%2F"
    assert client.get("/two-factor/set-up/")["Location"] == "/two-factor/"


def test_a_reset_removes_passkeys_too_audited(personas, client):
    from django_otp_webauthn.models import WebAuthnCredential

    enrolled(personas.screener)
    a_passkey(personas.screener)
    a_passkey(personas.screener, "Phone")
    a_passkey(personas.screener2)
    verified(client, personas.manager)
    page = client.get("/two-factor/people/").content.decode()
    assert "with a passkey" in page
    assert client.post(f"/two-factor/people/{personas.screener.pk}/reset/").status_code == 302
    assert not WebAuthnCredential.objects.filter(user=personas.screener).exists()
    assert WebAuthnCredential.objects.filter(user=personas.screener2).count() == 1
    event = AuditEvent.objects.get(action="mfa.reset")
    assert event.changes == {"devices_removed": 3, "passkeys_removed": 2}
