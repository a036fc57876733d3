"""Sessions (issue 13): an absolute lifetime however busy the person; no page stored by a browser; a placeholder or
short SECRET_KEY stops production start-up. (A background refresh not keeping a session alive: tests/test_polling.py,
test_an_idle_session_with_the_queue_polling_ends_on_time.)"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from contacts.tests.factories import make_contact
from tests.test_operations import PRODUCTION, run_manage

pytestmark = pytest.mark.django_db


def test_a_busy_session_still_ends_at_its_absolute_lifetime(personas, client, settings):
    settings.SESSION_ABSOLUTE_HOURS = 2
    settings.SESSION_COOKIE_AGE = 30 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(personas.screener)
    minutes = 0
    while minutes < 119:  # a page every 20 minutes: never idle
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/contacts/").status_code == 200, minutes
        minutes += 20
    with time_machine.travel(start + timedelta(hours=2, seconds=1), tick=False):
        response = client.get("/contacts/")
        assert response.status_code == 302 and response["Location"] == "/sign-in/?next=/contacts/"
        # signed out for good: the next page asks again
        assert client.get("/").status_code == 302
        # a background refresh is sent to sign in as a page
    with time_machine.travel(start + timedelta(hours=2, minutes=1), tick=False):
        client.force_login(personas.screener)  # signing in again starts a new lifetime
        assert client.get("/contacts/").status_code == 200


def test_the_default_lifetime_is_ten_hours():
    from django.conf import settings

    assert settings.SESSION_ABSOLUTE_HOURS == 10


def test_a_refresh_of_an_old_session_is_sent_to_sign_in_as_a_page(personas, client, settings):
    settings.SESSION_ABSOLUTE_HOURS = 1
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(personas.screener)
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        response = client.get("/contacts/", headers={"HX-Request": "true", "MASH-Poll": "background",
                                                     "HX-Current-URL": "http://testserver/contacts/"})
    assert response.status_code == 204 and response["HX-Redirect"] == "/sign-in/?next=/contacts/"


@pytest.mark.parametrize("path", ["/contacts/", "contact", "person", "/contacts/search/?q=Smith", "/notifications/",
                                  "/at-risk/", "/sign-in/"])
def test_no_page_is_stored_by_a_browser(personas, client_for, client, path):
    contact = make_contact(personas.screener)
    path = {"contact": contact.get_absolute_url(),
            "person": f"/contacts/people/{contact.subjects.first().person_id}/"}.get(path, path)
    if path != "/sign-in/":
        client = client_for(personas.screener)
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_an_unchanged_refresh_is_not_stored_either(personas, client_for):
    client = client_for(personas.screener)
    etag = client.get("/contacts/")["ETag"]
    again = client.get("/contacts/", headers={"HX-Request": "true", "MASH-Poll": "background",
                                              "If-None-Match": etag})
    assert again.status_code == 204 and "no-store" in again["Cache-Control"]


@pytest.mark.parametrize("key", ["change-me-to-50-random-characters", "short-but-random-Zq81",
                                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                 "django-insecure-local-development-only-key-do-not-deploy-xyz"])
def test_a_placeholder_or_short_secret_key_stops_production_start_up(key):
    result = run_manage("check", env_overrides={**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY is a placeholder or too short" in result.stderr


def test_a_real_secret_key_starts():
    result = run_manage("check", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_check_deploy_refuses_smtp_without_tls():
    from tests.test_operations import PRODUCTION

    result = run_manage("check", "--deploy", env_overrides={**PRODUCTION, "EMAIL_URL": "smtp://smtp.anytown.gov.uk:25"})
    assert result.returncode != 0 and "mash.E001" in result.stderr
