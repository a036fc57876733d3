"""The at-risk dashboard, acknowledging a breach, notifications and the sweep's health, per persona."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mash import deadlines, notify
from mash.models import Escalation, EscalationKind, Notification, SweepRun
from mash.tasks import sweep_deadlines
from mash.tests.helpers import clocked_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def breach(personas):
    """A Red contact past its limit, swept: (contact, its breach escalation)."""
    contact = clocked_contact(personas.screener, started_at=timezone.now() - timedelta(hours=5))
    deadlines.sweep()
    return contact, Escalation.objects.get(target_id=contact.pk, kind=EscalationKind.BREACH)


def fresh_heartbeat():
    now = timezone.now()
    SweepRun.objects.create(started_at=now, finished_at=now, duration_ms=12)


# --- who may open what ---------------------------------------------------------------------------------


def test_at_risk_is_for_managers_and_screeners(personas, client_for, breach):
    for user in (personas.manager, personas.screener):
        assert client_for(user).get("/at-risk/").status_code == 200, user
    for user in (personas.police_partner, personas.health_partner, personas.outsider, personas.admin):
        assert client_for(user).get("/at-risk/").status_code == 403, user
    assert client_for(personas.manager).post("/at-risk/").status_code == 405


def test_a_screener_sees_only_their_own_contacts_at_risk_and_cannot_acknowledge(personas, client_for):
    started = timezone.now() - timedelta(hours=5)
    mine = clocked_contact(personas.screener, started_at=started, assigned_screener=personas.screener2)
    theirs = clocked_contact(personas.screener, started_at=started, assigned_screener=personas.screener)
    nobodys = clocked_contact(personas.screener, started_at=started)
    deadlines.sweep()
    html = client_for(personas.screener2).get("/at-risk/").content.decode()
    assert "Your contacts at risk" in html and mine.reference in html
    assert theirs.reference not in html and nobodys.reference not in html
    assert 'data-testid="acknowledge-link"' not in html and 'data-testid="not-acknowledged"' in html
    manager_html = client_for(personas.manager).get("/at-risk/").content.decode()
    assert all(c.reference in manager_html for c in (mine, theirs, nobodys))
    assert manager_html.count('data-testid="acknowledge-link"') == 3


def test_escalation_page_404_outside_the_mash_403_for_screeners(personas, client_for, breach):
    _, escalation = breach
    url = f"/at-risk/{escalation.pk}/"
    for user in (personas.police_partner, personas.outsider):
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).post(f"{url}acknowledge/", {"note": "x"}).status_code == 404
    assert client_for(personas.screener).get(url).status_code == 403
    assert client_for(personas.screener).post(f"{url}acknowledge/", {"note": "x"}).status_code == 403
    assert client_for(personas.manager).get(url).status_code == 200
    assert client_for(personas.manager).get(f"{url}acknowledge/").status_code == 405
    assert client_for(personas.manager).get("/at-risk/999999/").status_code == 404
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None


def test_manager_acknowledges_with_a_note(personas, client_for, breach):
    contact, escalation = breach
    client = client_for(personas.manager)
    html = client.get("/at-risk/").content.decode()
    assert contact.reference in html and f"/at-risk/{escalation.pk}/" in html and "Breached" in html
    for note, message in (("", "Enter a note"), ("<script>alert(1)</script>", "Remove the HTML"),
                          ("x" * 2001, "at most 2000")):
        response = client.post(f"/at-risk/{escalation.pk}/acknowledge/", {"note": note})
        assert response.status_code == 400 and message in response.content.decode()
        assert "There is a problem" in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.acknowledged_at is None
    response = client.post(f"/at-risk/{escalation.pk}/acknowledge/", {"note": "Strategy discussion at 14:00"})
    assert response.status_code == 302 and response["Location"] == "/at-risk/"
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == personas.manager
    assert "Acknowledged by" in client.get("/at-risk/").content.decode()
    again = client.post(f"/at-risk/{escalation.pk}/acknowledge/", {"note": "twice"})
    assert again.status_code == 400 and "already acknowledged" in again.content.decode()
    # The contact's timeline says so.
    timeline = client.get(contact.get_absolute_url()).content.decode()
    assert "Breach acknowledged" in timeline and "Past limit: breach recorded" in timeline


def test_dashboard_htmx_refresh_returns_the_board_only(personas, client_for, breach):
    response = client_for(personas.manager).get("/at-risk/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="board"' in html and "<html" not in html


def test_dashboard_query_count_does_not_grow_with_rows(personas, client_for, settings):
    client = client_for(personas.manager)
    now = timezone.now()
    clocked_contact(personas.screener, started_at=now - timedelta(hours=5))
    deadlines.sweep()

    def queries():
        client.get("/at-risk/")  # warm caches (content types, session, the unread count the sweep changed)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/at-risk/").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for hours in range(20):
        clocked_contact(personas.screener, started_at=now - timedelta(hours=4, minutes=10 + hours))
        clocked_contact(personas.screener, started_at=now - timedelta(hours=30), rating="amber")
    deadlines.sweep()
    many = queries()
    # 1 the versions of who is asking and of what the board is drawn from (the user, their second-factor device,
    # roles, permissions, agency and unread count then come from the cache: mash.principal; the board's version is
    # its ETag: mash.polling), 2-4 the rows at risk counted by rating and stage, for each registered model
    # (contacts, proposed ratings' approval clocks and information requests), 5 the keys of the most overdue of each
    # rating of the model with rows at risk (contacts), 6 the rows drawn with their windows and assigned screeners,
    # 7 their breach escalations with who acknowledged, 8 the last sweep run; and the session, unless it is read
    # from the cache (with Redis: mash.sessions). The session is saved at most once a minute (mash.polling): not
    # by these.
    assert few == many == (8 if settings.SESSION_ENGINE == "mash.sessions" else 9)


def test_stale_sweep_banner(personas, client_for, breach):
    client = client_for(personas.manager)
    SweepRun.objects.all().delete()
    assert "The deadline check has never run" in client.get("/at-risk/").content.decode()
    old = timezone.now() - timedelta(minutes=6)
    SweepRun.objects.create(started_at=old, finished_at=old, duration_ms=5)
    assert "The deadline check last ran 6 minutes ago" in client.get("/at-risk/").content.decode()
    fresh_heartbeat()
    assert 'data-testid="sweep-stale"' not in client.get("/at-risk/").content.decode()


def test_sweep_health_page_and_command(personas, client_for):
    SweepRun.objects.all().delete()
    with pytest.raises(CommandError, match="never run"):
        call_command("sweep_status", stdout=StringIO())
    sweep_deadlines()  # the task itself writes the heartbeat
    out = StringIO()
    call_command("sweep_status", stdout=out)
    assert "Last ran" in out.getvalue() and "OK" in out.getvalue()
    for user in (personas.manager, personas.admin):
        response = client_for(user).get("/health/sweep/")
        assert response.status_code == 200 and "Deadline check status" in response.content.decode()
    assert client_for(personas.manager).get("/health/sweep/?format=json").json()["stale"] is False
    assert client_for(personas.screener).get("/health/sweep/").status_code == 403
    assert client_for(personas.police_partner).get("/health/sweep/").status_code == 403
    old = timezone.now() - timedelta(minutes=10)
    SweepRun.objects.update(started_at=old, finished_at=old)
    with pytest.raises(CommandError, match="STALE"):
        call_command("sweep_status", stdout=StringIO())
    assert client_for(personas.manager).get("/health/sweep/?format=json").status_code == 503


def test_notifications_page_shows_only_your_own_and_the_header_counts_unread(personas, client_for):
    mine = notify.notification_queue(recipient=personas.screener, kind="t", subject="Yours to see")
    theirs = notify.notification_queue(recipient=personas.manager, kind="t", subject="Not for you")
    client = client_for(personas.screener)
    html = client.get("/notifications/").content.decode()
    assert "Yours to see" in html and "Not for you" not in html
    assert 'data-testid="unread-count">1<' in html
    assert client.post("/notifications/read/", {"id": theirs.pk}).status_code == 404
    assert client.post("/notifications/read/", {"id": "abc"}).status_code == 404
    assert client.get("/notifications/read/").status_code == 405
    assert client.post("/notifications/read/", {"id": mine.pk}).status_code == 302
    assert 'data-testid="unread-count"' not in client.get("/notifications/").content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    notify.notification_queue(recipient=personas.screener, kind="t", subject="Two")
    notify.notification_queue(recipient=personas.screener, kind="t", subject="Three")
    client.post("/notifications/read/")
    assert not Notification.objects.filter(recipient=personas.screener, read_at__isnull=True).exists()
    assert client.post("/notifications/").status_code == 405


def test_navigation_shows_at_risk_to_mash_staff_and_notifications_to_everyone(personas, client_for):
    for user in (personas.manager, personas.screener):
        html = client_for(user).get("/notifications/").content.decode()
        assert 'href="/at-risk/"' in html and 'href="/notifications/"' in html, user
    partner_html = client_for(personas.police_partner).get("/notifications/").content.decode()
    assert 'href="/at-risk/"' not in partner_html and 'href="/notifications/"' in partner_html


def test_queue_and_contact_page_tag_breached_clocks(personas, client_for, breach):
    contact, _ = breach
    client = client_for(personas.manager)
    page = client.get(contact.get_absolute_url()).content.decode()
    assert 'data-clock-status="breached"' in page and "Overdue by" in page


def test_a_digest_on_the_notifications_page_lists_one_contact_a_line(personas, client_for):
    now = timezone.now()
    burst = [clocked_contact(personas.screener, started_at=now - timedelta(hours=5)) for _ in range(7)]
    deadlines.sweep(now=now)
    html = client_for(personas.manager).get("/notifications/").content.decode()
    assert 'href="/at-risk/">Breaches: 7 past their limit</a>' in html
    assert html.count("(brag response, Red): limit") == 7 and html.count("<br>") >= 6
    assert all(contact.reference in html for contact in burst)
    assert 'data-testid="unread-count">1<' in html


@pytest.mark.parametrize("hours_ago, kind", [(3.5, "warning"), (5, "breach")])
def test_every_digest_opens_for_its_recipient_and_lists_its_contacts_whatever_their_stage(
    personas, client_for, hours_ago, kind
):
    """Red: target 3 h, limit 4 h. Past target only, the screener and the duty manager are warned; past both
    (the sweep was down), the breach goes to the managers and, in place of its warning, to the screener.
    The contacts await their outcome: they are on no screening queue, and the digest must still find them."""
    from contacts.codes import ContactState

    started = timezone.now() - timedelta(hours=hours_ago)
    burst = [
        clocked_contact(personas.screener, started_at=started, assigned_screener=personas.screener2,
                        state=ContactState.AWAITING_OUTCOME)
        for _ in range(6)
    ]
    deadlines.sweep()
    for user in (personas.screener2, personas.manager):
        digest = Notification.objects.get(recipient=user, kind=f"escalation.{kind}.digest")
        response = client_for(user).get(digest.link)
        assert response.status_code == 200, (user, digest.link)
        html = response.content.decode()
        assert all(contact.reference in html for contact in burst), (user, digest.link)


def test_a_digest_link_that_fails_falls_back_to_the_board(personas):
    from contacts.models import Contact

    def broken(kind):
        raise RuntimeError("the app's digest_url is broken")

    now = timezone.now()
    with deadlines.registration_replaced(Contact, digest_url=broken):
        for _ in range(6):
            clocked_contact(personas.screener, started_at=now - timedelta(hours=5))
        result = deadlines.sweep(now=now)
    assert result.breaches == 6 and result.errors == 0
    digest = Notification.objects.get(recipient=personas.manager, kind="escalation.breach.digest")
    assert digest.link == "/at-risk/"
    with deadlines.registration_replaced(Contact, digest_url=lambda kind: "/" + "x" * 400):
        for _ in range(6):
            clocked_contact(personas.screener, started_at=now - timedelta(hours=5))
        deadlines.sweep(now=now)
    assert {n.link for n in Notification.objects.filter(kind="escalation.breach.digest")} == {"/at-risk/"}


def test_the_board_shows_the_most_overdue_of_each_rating_and_links_to_all(personas, client_for, monkeypatch):
    monkeypatch.setattr(deadlines.selectors, "AT_RISK_SHOWN", 2)
    monkeypatch.setattr(deadlines.selectors, "AT_RISK_PAGE", 2)
    now = timezone.now()
    greens = [clocked_contact(personas.screener, started_at=now - timedelta(days=20 + 7 * i), rating="green")
              for i in range(5)]
    deadlines.sweep()
    client = client_for(personas.manager)
    html = client.get("/at-risk/").content.decode()
    assert html.count('data-testid="at-risk-row"') == 2
    assert 'href="?rating=green">Show all 5 Green</a>' in html
    page3 = client.get("/at-risk/?rating=green&page=3").content.decode()
    assert page3.count('data-testid="at-risk-row"') == 1 and greens[0].reference in page3
    assert "Showing Green only: 5 to 5 of 5" in page3 and 'href="?rating=green&amp;page=2"' in page3
    # An unknown rating is the whole board, not an error.
    assert client.get("/at-risk/?rating=purple").status_code == 200
