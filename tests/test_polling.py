"""Refreshes that cost nothing when nothing changed, and that are not a person (mash.polling)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts import services
from contacts.tests.factories import make_contact
from mash.polling import POLL_HEADER, stamp_bump, stamp_versions

# Real commits: versions rise after a commit (on_commit), as in production.
pytestmark = pytest.mark.django_db(transaction=True)

POLL = {"HX-Request": "true", POLL_HEADER: "background"}


def poll(client, path, etag, **headers):
    return client.get(path, headers={**POLL, "If-None-Match": etag, "HX-Current-URL": f"http://testserver{path}",
                                     **headers})


@pytest.mark.parametrize("path", ["/contacts/", "/contacts/manage/", "/contacts/mine/", "/at-risk/"])
def test_an_unchanged_poll_is_204_from_one_query_without_drawing(personas, client_for, path):
    make_contact(personas.screener)
    client = client_for(personas.manager)
    first = client.get(path)
    assert first.status_code == 200 and first["ETag"]
    assert f"If-None-Match&quot;: &quot;\\&quot;{first['ETag'][1:-1]}" in first.content.decode()  # in hx-headers
    with CaptureQueriesContext(connection) as ctx:
        unchanged = poll(client, path, first["ETag"])
    assert unchanged.status_code == 204 and unchanged.content == b""
    # session, user, the access check (permissions or roles), the versions: nothing drawn, nothing saved
    assert len(ctx.captured_queries) <= 5, [q["sql"][:80] for q in ctx.captured_queries]
    assert [q["sql"] for q in ctx.captured_queries if "mash_stamp" in q["sql"]]
    assert not [q for q in ctx.captured_queries if "UPDATE" in q["sql"]]
    # Something changes: the next poll draws the fragment, with a new version.
    make_contact(personas.screener)
    changed = poll(client, path, first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert b"<html" not in changed.content
    # Any other client asking the same gets 304 Not Modified.
    plain = client.get(path, headers={"If-None-Match": changed["ETag"]})
    assert plain.status_code == 304


def test_versions_rise_after_commit_once_a_transaction(personas):
    before = stamp_versions(["contacts", "deadlines"])
    with transaction.atomic():
        contact = make_contact(personas.screener)  # a contact, its people, its subjects: many rows
        stamp_bump("contacts")
        assert stamp_versions(["contacts"]) == {"contacts": before["contacts"]}  # not before the commit
        # One bump of the shared scopes, one of the contact's page and its people's, however many rows.
        assert sorted(f.__qualname__ for _, f, _ in connection.run_on_commit) == [
            "_resolve_later.<locals>.bump", "stamp_bump.<locals>.bump"]
        page = [f"contact:{contact.reference}", *(f"person:{s.person_id}" for s in contact.subjects.all())]
        assert set(stamp_versions(page).values()) == {0}
    after = stamp_versions(["contacts", "deadlines"])
    assert after["contacts"] > before["contacts"] and after["deadlines"] > before["deadlines"]
    assert 0 not in stamp_versions(page).values()
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)
    assert stamp_versions(["contacts"])["contacts"] > after["contacts"]


def test_the_version_is_per_user_and_address(personas, client_for):
    client = client_for(personas.manager)
    etag = client.get("/contacts/manage/")["ETag"]
    assert client.get("/contacts/manage/?brag=red")["ETag"] != etag
    other = client_for(personas.screener).get("/contacts/")["ETag"]
    client_for(personas.manager)
    assert poll(client, "/contacts/", other).status_code == 200  # someone else's version is not mine


def test_an_idle_session_with_the_queue_polling_ends_on_time(personas, client, settings):
    settings.SESSION_COOKIE_AGE = 30 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(personas.screener)
        etag = client.get("/contacts/")["ETag"]
    # The screener reads the queue at 10 minutes: a person's request keeps the session alive to 40 minutes.
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        assert client.get("/contacts/").status_code == 200
    # Then nothing but the page polling every 30 s: none of it keeps the session alive.
    minute = 10.5
    while minute < 39.5:
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            assert poll(client, "/contacts/", etag).status_code == 204
        minute += 0.5
    # At 40 minutes (30 idle) the session has ended: the next poll sends the browser to sign in, as a page.
    with time_machine.travel(start + timedelta(minutes=40, seconds=1), tick=False):
        ended = poll(client, "/contacts/", etag)
    assert ended.status_code == 204
    assert ended["HX-Redirect"] == "/sign-in/?next=/contacts/"
    with time_machine.travel(start + timedelta(minutes=41), tick=False):
        assert client.get("/contacts/")["Location"].startswith("/sign-in/")


def test_a_persons_own_htmx_request_still_keeps_the_session_alive(personas, client, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(personas.screener)
    with time_machine.travel(start + timedelta(minutes=25), tick=False):
        # Not a background poll (no MASH-Poll header): e.g. the person paging the queue.
        assert client.get("/contacts/", headers={"HX-Request": "true"}).status_code == 200
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        assert client.get("/contacts/").status_code == 200


def test_a_region_is_drawn_once_a_version_and_a_minute(personas, client_for, settings):
    settings.POLL_REGION_CACHE_SECONDS = 90
    make_contact(personas.screener)
    client = client_for(personas.screener)
    start = timezone.now().replace(second=5)
    with time_machine.travel(start, tick=False):
        client.get("/contacts/")
        with CaptureQueriesContext(connection) as again:
            assert b"1 contact<" in client.get("/contacts/").content
    # the region came from the cache: no count, no page of contacts, no subjects
    assert not [q for q in again.captured_queries if "contacts_contact" in q["sql"]]
    make_contact(personas.screener)  # a new version: drawn afresh
    with time_machine.travel(start, tick=False):
        assert b"2 contacts<" in client.get("/contacts/").content
    with time_machine.travel(start + timedelta(minutes=1), tick=False), \
            CaptureQueriesContext(connection) as next_minute:
        client.get("/contacts/")
    assert [q for q in next_minute.captured_queries if "contacts_contact" in q["sql"]]  # the clocks' words move on


def test_a_session_is_written_at_most_once_a_minute(personas, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(personas.screener)
        client.get("/contacts/")
    with time_machine.travel(start + timedelta(seconds=30), tick=False), CaptureQueriesContext(connection) as soon:
        client.get("/contacts/")
    assert not [q for q in soon.captured_queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]
    with time_machine.travel(start + timedelta(seconds=61), tick=False), CaptureQueriesContext(connection) as later:
        client.get("/contacts/")
    assert [q for q in later.captured_queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]
