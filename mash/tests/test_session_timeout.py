"""The idle timeout as a person meets it: every page says when the session ends (counted from that page's own
request), "Stay signed in" starts the idle time again, and the sign-in page says why someone was signed out."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, username="screener"):
    return client.post("/sign-in/", {"username": username, "password": PASSWORD})


def test_a_page_says_when_its_session_ends_and_has_the_warning(personas, client, settings):
    settings.SESSION_COOKIE_AGE = 20 * 60
    settings.SESSION_TIMEOUT_WARNING_SECONDS = 90
    sign_in(client)
    now = timezone.now()
    html = client.get("/contacts/").content.decode()
    assert 'data-expires-in="1200"' in html and 'data-warn-seconds="90"' in html
    expires_at = re.search(r'data-expires-at="([^"]+)"', html).group(1)
    assert abs((timezone.datetime.fromisoformat(expires_at) - (now + timedelta(minutes=20))).total_seconds()) < 5
    assert 'data-keep-alive-url="/session/keep-alive/"' in html
    assert 'aria-labelledby="app-timeout-title"' in html and "Stay signed in" in html
    assert 'id="app-sign-out-form"' in html
    # Nobody is signed in on the sign-in page: nothing to warn about.
    client.post("/sign-out/")
    assert "app-timeout-dialog" not in client.get("/sign-in/").content.decode()


def test_stay_signed_in_starts_the_idle_time_again(personas, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    with time_machine.travel(start + timedelta(minutes=28), tick=False):
        response = client.post("/session/keep-alive/")
        assert response.status_code == 200
        assert response.json()["expires_in"] == 30 * 60
    with time_machine.travel(start + timedelta(minutes=55), tick=False):
        assert client.get("/contacts/").status_code == 200  # 27 minutes after "Stay signed in"


def test_without_staying_the_session_ends_and_keep_alive_cannot_revive_it(personas, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.post("/session/keep-alive/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert client.get("/session/keep-alive/").status_code == 302  # signed out before the method is checked


def test_the_sign_in_page_says_why_someone_was_signed_out(client, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    html = client.get("/sign-in/?timed_out=1").content.decode()
    assert 'data-testid="timed-out"' in html
    assert "You were signed out because you did nothing for 30 minutes." in html
    assert "saved as a draft" in html
    assert 'data-testid="timed-out"' not in client.get("/sign-in/").content.decode()


def test_the_sign_in_page_lists_every_demo_user(client, settings):
    from contacts.management.commands.seed_demo import USERS

    settings.DEMO_MODE = True
    html = client.get("/sign-in/").content.decode()
    listed = re.findall(r"<li><code>([^<]+)</code>:", html[html.index('data-testid="demo-sign-ins"'):])
    assert listed == [user[0] for user in USERS]
    assert len(listed) >= 7 and {"screener2", "school"} <= set(listed)  # the ones the page used to forget
