"""The audit log is append-only in the database (django-pgtrigger): UPDATE and DELETE are refused, whoever asks,
the app's own ORM and raw SQL included; only `audit_rewrite()` (the retention job's and the seeders' path) passes."""

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from mash.audit import audit_record, audit_rewrite
from mash.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(personas):
    return audit_record(actor=personas.manager, action=AuditAction.WINDOW_CHANGED, changes={"was": 4})


def refused(statement) -> bool:
    try:
        with transaction.atomic():
            statement()
    except ProgrammingError as error:
        return "Cannot update or delete rows" in str(error)
    return False


def test_update_and_delete_fail_at_the_database(event):
    table = AuditEvent._meta.db_table
    assert refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(changes={"was": 5}))
    assert refused(lambda: AuditEvent.objects.filter(pk=event.pk).delete())
    assert refused(lambda: event.save())

    def raw(sql):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
        return run

    assert refused(raw(f"UPDATE {table} SET actor_label = 'someone else' WHERE id = %s"))  # noqa: S608
    assert refused(raw(f"DELETE FROM {table} WHERE id = %s"))  # noqa: S608
    event.refresh_from_db()
    assert event.changes == {"was": 4} and event.actor_label == "manager"


def test_new_rows_are_still_written(personas, event):
    audit_record(actor=personas.screener, action=AuditAction.WINDOW_CHANGED)
    assert AuditEvent.objects.count() == 2


def test_only_the_rewrite_path_passes(event):
    with audit_rewrite():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert not AuditEvent.objects.filter(pk=event.pk).exists()
