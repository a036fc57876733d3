"""Signing in: the GOV.UK page, lockout after repeated failures, the idle timeout, the audit."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import PASSWORD
from mash.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def sign_in(client, username, password):
    return client.post("/sign-in/", {"username": username, "password": password})


def test_sign_in_and_out_are_audited(personas, client):
    response = sign_in(client, "screener", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(action=AuditAction.USER_LOGGED_IN, actor=personas.screener).count() == 1
    client.post("/sign-out/")
    assert AuditEvent.objects.filter(action=AuditAction.USER_LOGGED_OUT, actor=personas.screener).count() == 1
    assert client.get("/contacts/").status_code == 302


def test_wrong_password_shows_a_message(personas, client):
    response = sign_in(client, "screener", "wrong")
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "Please enter a correct username and password" in html
    assert AuditEvent.objects.filter(action=AuditAction.USER_LOGIN_FAILED).count() == 1


def test_an_empty_sign_in_says_which_answer_is_missing(personas, client):
    html = client.post("/sign-in/", {"username": "", "password": ""}).content.decode()
    assert "Enter your user name" in html and "Enter your password" in html
    assert "This field is required." not in html


def test_account_locks_after_repeated_failures(personas, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT_PER_ACCOUNT):
        sign_in(client, "screener", "wrong")
    # Even the right password is refused while locked.
    response = sign_in(client, "screener", PASSWORD)
    assert response.status_code == 429
    assert "Your account is locked" in response.content.decode()
    assert client.get("/contacts/").status_code == 302
    # After the cool-off the right password works again.
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        assert sign_in(client, "screener", PASSWORD).status_code == 302


def test_idle_session_times_out(personas, client, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client, "screener", PASSWORD)
    # Active every 20 minutes: still signed in after an hour.
    for minutes in (20, 40, 60):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/contacts/").status_code == 200
    # Then 31 minutes idle: signed out.
    with time_machine.travel(start + timedelta(minutes=91), tick=False):
        response = client.get("/contacts/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_sign_in_page_is_gov_uk_and_hides_demo_logins_outside_demo_mode(client, settings):
    html = client.get("/sign-in/").content.decode()
    assert "govuk-generic-header" in html and settings.COUNCIL_NAME in html
    assert "demo-password-123" not in html
    settings.DEMO_MODE = True
    assert "demo-password-123" in client.get("/sign-in/").content.decode()


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/sign-in/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
