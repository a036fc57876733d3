"""The 'awaiting screening' queue: decision clocks, order, marking, paging, and a pinned query count."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Contact

from .factories import make_contact

pytestmark = pytest.mark.django_db


def rows(html: str) -> list[str]:
    import re

    return re.findall(r'data-testid="queue-row" data-reference="([^"]+)"', html)


def test_queue_sorted_by_time_left_with_overdue_first_and_marked(personas, client_for):
    now = timezone.now()
    # Received 3 working days ago: overdue. Received just now: most time left.
    old = make_contact(personas.screener, received_at=now - timedelta(days=5))
    fresh = make_contact(personas.screener, received_at=now - timedelta(minutes=5))
    middle = make_contact(personas.screener, received_at=now - timedelta(hours=20))
    html = client_for(personas.screener).get("/contacts/").content.decode()
    order = rows(html)
    expected = [c.reference for c in sorted([old, fresh, middle], key=lambda c: c.due_at)]
    assert order == expected
    assert order[0] == old.reference
    assert "Overdue by" in html and "govuk-tag--red" in html
    assert "app-row--overdue" in html
    assert " left" in html


def test_queue_time_left_counts_working_days(personas, client_for):
    # Friday 16:00 in London: due Monday 16:00. On Saturday at noon, 2 days 4 hours are left.
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # GMT in November: London = UTC
    with time_machine.travel(friday + timedelta(minutes=1), tick=False):
        contact = make_contact(personas.screener, received_at=friday)
    assert contact.due_at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 11, 21, 12, 0, tzinfo=UTC), tick=False):
        html = client_for(personas.screener).get("/contacts/").content.decode()
    assert "2 days 4 hours left" in html


def test_queue_is_paginated(personas, client_for, settings):
    settings.QUEUE_PAGE_SIZE = 5
    for i in range(12):
        make_contact(personas.screener, received_at=timezone.now() - timedelta(hours=i))
    client = client_for(personas.screener)
    page1, page3 = client.get("/contacts/"), client.get("/contacts/?page=3")
    assert len(rows(page1.content.decode())) == 5
    assert len(rows(page3.content.decode())) == 2
    assert "12 contacts" in page1.content.decode()
    assert 'rel="next"' in page1.content.decode()
    # A page past the end shows the last page rather than an error.
    assert len(rows(client.get("/contacts/?page=99").content.decode())) == 2


def test_queue_query_count_does_not_grow_with_rows(personas, client_for, settings):
    settings.QUEUE_PAGE_SIZE = 25
    client = client_for(personas.screener)
    make_contact(personas.screener, children=2)
    client.get("/contacts/")  # warm caches (content types, sessions)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/contacts/").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for _ in range(20):
        make_contact(personas.screener, children=3)
    many = queries()
    # 1 the versions of who is asking and of what the page is drawn from (the user, their second-factor device,
    # roles, permissions, agency and unread count then come from the cache: mash.principal; the page's version is
    # its ETag: mash.polling), 2 count, 3 the page of contacts, 4 their subjects with people, 5 the audit rows of
    # the contacts shown (one INSERT), 6 the screeners in the filter; and the session, unless it is read from the
    # cache (with Redis: mash.sessions). The session is saved at most once a minute
    # (mash.polling.SessionActivityMiddleware): not by these.
    assert few == many == (6 if settings.SESSION_ENGINE == "mash.sessions" else 7)


def test_closed_contacts_leave_the_queue(personas, client_for):
    open_contact = make_contact(personas.screener)
    closed = make_contact(personas.screener)
    Contact.objects.filter(pk=closed.pk).update(state="closed")
    order = rows(client_for(personas.screener).get("/contacts/").content.decode())
    assert order == [open_contact.reference]


def test_htmx_refresh_returns_only_the_queue(personas, client_for):
    make_contact(personas.screener)
    response = client_for(personas.screener).get("/contacts/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue"')
    assert "<html" not in html


def test_queue_filters(personas, client_for):
    from contacts.models import Contact as C

    now = timezone.now()
    overdue = make_contact(personas.screener, received_at=now - timedelta(days=6))
    fresh = make_contact(personas.screener, received_at=now - timedelta(minutes=5))
    repeat = make_contact(personas.screener, received_at=now - timedelta(minutes=9))
    C.objects.filter(pk=repeat.pk).update(repeat_flag=True, assigned_screener=personas.screener2)
    client = client_for(personas.screener)
    assert rows(client.get("/contacts/?overdue=on").content.decode()) == [overdue.reference]
    assert rows(client.get("/contacts/?repeat=on").content.decode()) == [repeat.reference]
    assert rows(client.get(f"/contacts/?screener={personas.screener2.pk}").content.decode()) == [repeat.reference]
    assert set(rows(client.get("/contacts/").content.decode())) == {overdue.reference, fresh.reference,
                                                                     repeat.reference}
    bad = client.get("/contacts/?brag=purple")
    assert bad.status_code == 400 and "Select a rating from the list" in bad.content.decode()
    # Manager queue: filter by state and approved rating.
    from contacts import services
    from contacts.models import LevelOfNeed

    lvl = LevelOfNeed.objects.get(document__active=True, number=2)
    for c, brag in ((overdue, "green"), (fresh, "blue")):
        services.screening_submit(actor=personas.screener, contact=c, worries="w", working_well="w",
                                  needs_to_happen="n", history_checked=True, level=lvl,
                                  criteria=list(lvl.criteria.all()[:1]),
                                  proposed_brag=brag, rationale="r", recommendation="route",
                                  differs_reason="Advice only: no services needed.")
    services.rating_decide(actor=personas.manager, contact=overdue, brag="green")
    manager = client_for(personas.manager)
    assert rows(manager.get("/contacts/manage/?brag=green").content.decode()) == [overdue.reference]
    assert rows(manager.get("/contacts/manage/?state=awaiting_approval").content.decode()) == [fresh.reference]
