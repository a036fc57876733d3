"""Configuration changed in the Django admin is audited (who, what, each changed value before and after), and
administrators search the audit log by who, when, what kind and which record, a page at a time; the search is
itself audited."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from mash import audit_search
from mash.audit import audit_record
from mash.models import AuditAction, AuditEvent, ClosureDay

pytestmark = pytest.mark.django_db


def test_adding_changing_and_deleting_a_closure_day_in_the_admin_is_audited(personas, client_for):
    client = client_for(personas.admin)
    added = client.post("/admin/mash/closureday/add/", {"date": "2026-12-29", "reason": "Council closure"})
    assert added.status_code == 302, added.content.decode()[:2000]
    day = ClosureDay.objects.get()
    row = AuditEvent.objects.get(action="config.added")
    assert row.actor == personas.admin and row.target_id == str(day.pk)
    assert row.changes == {"model": "mash.closureday",
                           "fields": {"date": [None, "2026-12-29"], "reason": [None, "Council closure"]}}
    changed = client.post(f"/admin/mash/closureday/{day.pk}/change/", {"date": "2026-12-29",
                                                                       "reason": "Council closure (all day)"})
    assert changed.status_code == 302
    row = AuditEvent.objects.get(action="config.changed")
    assert row.changes == {"model": "mash.closureday",
                           "fields": {"reason": ["Council closure", "Council closure (all day)"]}}
    deleted = client.post(f"/admin/mash/closureday/{day.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and not ClosureDay.objects.exists()
    row = AuditEvent.objects.get(action="config.deleted")
    assert row.actor == personas.admin and row.changes == {"model": "mash.closureday", "id": str(day.pk)}


def test_only_administrators_search_the_audit(personas, client_for):
    assert client_for(personas.admin).get("/audit/").status_code == 200
    for user in (personas.manager, personas.screener, personas.police_partner, personas.outsider):
        assert client_for(user).get("/audit/").status_code == 403


def test_the_search_filters_by_user_kind_record_and_dates_and_is_audited(personas, client_for):
    from contacts.tests.factories import make_contact

    contact = make_contact(personas.screener)
    client = client_for(personas.manager)
    client.get(contact.get_absolute_url())  # a contact.viewed row by the manager
    admin = client_for(personas.admin)
    response = admin.get("/audit/", {"username": "manager", "kind": "contact.viewed"})
    rows = response.context["page"].rows
    assert response.status_code == 200 and rows and {(r.actor_id, r.action) for r in rows} == {
        (personas.manager.pk, "contact.viewed")}
    by_record = admin.get("/audit/", {"reference": contact.reference}).context["page"].rows
    assert by_record and {r.target_label for r in by_record} == {contact.reference}
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    future = admin.get("/audit/", {"date_from-day": tomorrow.day, "date_from-month": tomorrow.month,
                                   "date_from-year": tomorrow.year}).context["page"].rows
    assert future == []
    searched = AuditEvent.objects.filter(action="audit.searched", actor=personas.admin)
    assert searched.count() == 3
    assert searched.order_by("id").first().changes["user"] == personas.manager.pk
    # bad input: a clear message, nothing searched
    assert admin.get("/audit/", {"username": "no-such-person"}).status_code == 400
    wrong_way = {"date_from-day": 2, "date_from-month": 1, "date_from-year": 2026,
                 "date_to-day": 1, "date_to-month": 1, "date_to-year": 2026}
    assert admin.get("/audit/", wrong_way).status_code == 400
    assert admin.get("/audit/", {"after": "not-a-page"}).status_code == 400
    assert searched.count() == 3


def test_pages_follow_on_without_repeating_or_missing_a_row(personas):
    for i in range(7):
        audit_record(actor=personas.screener, action=AuditAction.USER_LOGIN_FAILED, changes={"n": i})
    seen, after = [], None
    while True:
        page = audit_search.audit_search(actor=personas.admin, kind="user.login_failed", after=after, page_size=3)
        seen += [row.changes["n"] for row in page.rows]
        if not page.next_after:
            break
        at, _, pk = page.next_after.partition("|")
        from datetime import datetime

        after = (datetime.fromisoformat(at), int(pk))
    assert seen == [6, 5, 4, 3, 2, 1, 0]


def test_a_page_is_one_query_for_its_rows_however_long_the_log(personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(60):
        audit_record(actor=personas.screener, action=AuditAction.USER_LOGGED_IN)
    with CaptureQueriesContext(connection) as queries:
        page = audit_search.audit_search(actor=personas.admin, user=personas.screener, date_from=date(2020, 1, 1))
    # the page's rows (with actor and record type), and the search's own audit row (its content type is cached)
    assert len(page.rows) == audit_search.PAGE_SIZE and page.next_after
    assert len(queries.captured_queries) <= 2
