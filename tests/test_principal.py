"""Who is asking, read from the cache while it has not changed (mash.principal), and the unchanged background poll
answered before authentication (mash.polling.UnchangedPollMiddleware): cheaper, and exactly as safe."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import services as agency_services
from mash import notify
from mash.polling import POLL_HEADER

pytestmark = pytest.mark.django_db

POLL = {"HX-Request": "true", POLL_HEADER: "background"}
# What reading who is asking costs without the cache: the user, their device, groups, permissions, agency, unread.
WHO = {
    "user": 'FROM "agencies_user" WHERE "agencies_user"."id" =',
    "device": 'FROM "otp_totp_totpdevice"',
    "groups": 'INNER JOIN "agencies_user_groups"',
    "permissions": 'FROM "auth_permission"',
    "agency": 'FROM "agencies_agency" WHERE "agencies_agency"."id" =',
    "unread": 'FROM "mash_notification"',
}


def tables_read(ctx) -> set[str]:
    return {name for name, sql in WHO.items() for q in ctx.captured_queries if sql in q["sql"]}


def poll(client, path, etag):
    return client.get(path, headers={**POLL, "If-None-Match": etag, "HX-Current-URL": f"http://testserver{path}"})


def test_a_page_reads_who_is_asking_from_the_cache(personas, client_for):
    client = client_for(personas.screener)
    assert client.get("/contacts/search/").status_code == 200  # the first: the database, then kept
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/contacts/search/")
    assert page.status_code == 200
    assert "Sam Screener" in page.content.decode()  # the header still names them, and their agency
    assert personas.social_care.name.replace("'", "&#x27;") in page.content.decode()
    # The user, their device, groups, permissions, agency and unread count come from the cache.
    assert tables_read(ctx) == set(), [q["sql"][:90] for q in ctx.captured_queries]


def test_a_deactivated_user_is_signed_out_at_once(personas, client_for):
    client = client_for(personas.screener)
    assert client.get("/contacts/").status_code == 200
    agency_services.user_active_set(actor=personas.admin, user=personas.screener, active=False)  # an UPDATE
    response = client.get("/contacts/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_roles_taken_away_apply_at_once(personas, client_for):
    client = client_for(personas.screener)
    assert client.get("/contacts/").status_code == 200
    personas.screener.groups.clear()
    assert client.get("/contacts/").status_code == 403


def test_a_permission_taken_from_a_role_applies_at_once(personas, client_for):
    client = client_for(personas.screener)
    assert client.get("/contacts/").status_code == 200
    group = personas.screener.groups.get(name="screener")
    group.permissions.remove(Permission.objects.get(codename="view_contact", content_type__app_label="contacts"))
    assert client.get("/contacts/").status_code == 403


def test_a_password_changed_elsewhere_ends_the_session(personas, client_for):
    client = client_for(personas.screener)
    assert client.get("/contacts/").status_code == 200
    personas.screener.set_password("another-long-password-1")
    personas.screener.save()
    response = client.get("/contacts/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_a_second_factor_removed_is_asked_for_again(personas, client_for):
    client = client_for(personas.screener)
    assert client.get("/contacts/").status_code == 200
    TOTPDevice.objects.filter(user=personas.screener).delete()
    response = client.get("/contacts/")
    assert response.status_code == 302 and response["Location"].startswith("/two-factor/")


def test_the_unread_count_follows_the_inbox(personas, client_for):
    client = client_for(personas.screener)
    assert 'data-testid="unread-count"' not in client.get("/contacts/").content.decode()
    notify.notification_queue(recipient=personas.screener, kind="escalation.warning", subject="Due soon")
    assert 'data-testid="unread-count">1<' in client.get("/contacts/").content.decode()
    notify.notifications_mark_read(user=personas.screener)
    assert 'data-testid="unread-count"' not in client.get("/contacts/").content.decode()


# --- the unchanged background poll, answered before authentication ---------------------------------------------


def test_an_unchanged_poll_is_answered_from_the_session_and_the_versions(personas, client_for):
    client = client_for(personas.manager)
    etag = client.get("/contacts/manage/")["ETag"]
    with CaptureQueriesContext(connection) as ctx:
        response = poll(client, "/contacts/manage/", etag)
    assert response.status_code == 204 and response.content == b""
    assert response["ETag"] == etag and "no-store" in response["Cache-Control"]
    # No user, device, groups or permissions read: the session (from the cache with Redis) and the versions.
    assert tables_read(ctx) == set() and len(ctx.captured_queries) <= 2


def test_an_etag_is_good_only_for_the_user_it_was_given_to(personas, client, client_for):
    manager = client_for(personas.manager)
    etag = manager.get("/contacts/").get("ETag")
    client.logout()
    screener = client_for(personas.screener)
    assert poll(screener, "/contacts/", etag).status_code == 200  # drawn for them, with their own ETag


def test_an_etag_cannot_be_made_without_the_secret(personas, client_for):
    """A partner may not see the queue: they are never given its ETag, and one made up is not believed."""
    import hashlib

    from django.utils.http import quote_etag

    from mash.polling import stamp_versions

    partner = client_for(personas.police_partner)
    versions = stamp_versions(["contacts", "deadlines", f"user:{personas.police_partner.pk}", "roles"])
    raw = "|".join([str(personas.police_partner.pk), "/contacts/", *(f"{k}={v}" for k, v in sorted(versions.items()))])
    made_up = quote_etag(hashlib.blake2b(raw.encode(), digest_size=12).hexdigest())
    assert poll(partner, "/contacts/", made_up).status_code == 403


def test_a_poll_after_the_roles_changed_is_checked_again(personas, client_for):
    client = client_for(personas.manager)
    etag = client.get("/contacts/manage/")["ETag"]
    personas.manager.groups.clear()
    assert poll(client, "/contacts/manage/", etag).status_code == 403


def test_a_poll_after_signing_out_is_sent_to_sign_in(personas, client_for):
    client = client_for(personas.manager)
    etag = client.get("/contacts/manage/")["ETag"]
    session = client.session
    session.flush()  # signed out elsewhere (or the session ended)
    response = poll(client, "/contacts/manage/", etag)
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/sign-in/")
