"""The outbox: in-app always, e-mail when there is an address; failures retried, nothing sent twice."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from mash import notify
from mash.models import Notification
from mash.tests.mailers import FlakySMTPBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def flaky_smtp(settings):
    settings.MAILERS = {"default": {"BACKEND": "mash.tests.mailers.FlakySMTPBackend"}}
    FlakySMTPBackend.failures = 0
    FlakySMTPBackend.attempts = 0
    return FlakySMTPBackend


def test_a_users_notification_is_in_app_and_e_mailed_once(personas):
    n = notify.notification_queue(recipient=personas.manager, kind="test", subject="Breach: C-1", body="Look",
                                  link="/contacts/C-1/")
    assert n.email == "manager@example.gov.uk"
    result = notify.deliver_pending()
    assert result.sent == 1
    assert len(mail.outbox) == 1
    # Issue 13: the e-mail says what kind of item, its reference and "sign in", never more (test_email_privacy.py)
    assert mail.outbox[0].to == ["manager@example.gov.uk"] and mail.outbox[0].subject == "MASH front door: Test C-1"
    assert "/contacts/C-1/" in mail.outbox[0].body and "Sign in" in mail.outbox[0].body
    assert "Look" not in mail.outbox[0].body
    n.refresh_from_db()
    assert n.sent_at is not None and n.attempts == 1 and n.read_at is None
    assert notify.deliver_pending().sent == 0
    assert len(mail.outbox) == 1


def test_a_user_without_an_address_gets_it_in_app_only(personas):
    personas.screener.email = ""
    personas.screener.save()
    n = notify.notification_queue(recipient=personas.screener, kind="test", subject="Due soon")
    assert notify.deliver_pending().in_app == 1
    assert mail.outbox == []
    n.refresh_from_db()
    assert n.sent_at is not None
    assert notify.unread_count(personas.screener) == 1


def test_someone_who_is_not_a_user_can_be_e_mailed():
    notify.notification_queue(recipient=None, email="jo@school.example", kind="referrer_feedback", subject="Outcome")
    notify.deliver_pending()
    assert mail.outbox[0].to == ["jo@school.example"]
    with pytest.raises(ValueError):
        notify.notification_queue(recipient=None, email="", kind="x", subject="nobody")


def test_a_failure_is_retried_later_and_sent_once(personas, flaky_smtp):
    flaky_smtp.failures = 2
    n = notify.notification_queue(recipient=personas.manager, kind="test", subject="Breach")
    now = timezone.now()
    assert notify.deliver_pending(now=now).failed == 1
    n.refresh_from_db()
    assert n.sent_at is None and n.attempts == 1 and "SMTPServerDisconnected" in n.last_error
    assert n.next_attempt_at == now + timedelta(seconds=60)
    # Not due again yet: nothing is tried.
    assert notify.deliver_pending(now=now + timedelta(seconds=30)).failed == 0 and flaky_smtp.attempts == 1
    assert notify.deliver_pending(now=now + timedelta(seconds=61)).failed == 1
    n.refresh_from_db()
    assert n.next_attempt_at == now + timedelta(seconds=61 + 120)  # backoff doubles
    assert notify.deliver_pending(now=now + timedelta(minutes=10)).sent == 1
    assert notify.deliver_pending(now=now + timedelta(hours=1)).sent == 0
    assert len(mail.outbox) == 1 and flaky_smtp.attempts == 3
    n.refresh_from_db()
    assert n.sent_at is not None and n.attempts == 3


def test_delivery_gives_up_after_the_last_attempt(personas, flaky_smtp, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    flaky_smtp.failures = 10
    n = notify.notification_queue(recipient=personas.manager, kind="test", subject="Breach")
    now = timezone.now()
    notify.deliver_pending(now=now)
    assert notify.deliver_pending(now=now + timedelta(hours=1)).gave_up == 1
    n.refresh_from_db()
    assert n.failed_at is not None and n.sent_at is None
    assert notify.deliver_pending(now=now + timedelta(days=1)).failed == 0 and flaky_smtp.attempts == 2


def test_one_failing_address_does_not_hold_up_the_others(personas, flaky_smtp):
    flaky_smtp.failures = 1
    notify.notification_queue(recipient=personas.manager, kind="test", subject="First")
    notify.notification_queue(recipient=personas.screener, kind="test", subject="Second")
    result = notify.deliver_pending()
    assert (result.failed, result.sent) == (1, 1)
    assert Notification.objects.filter(sent_at__isnull=True).count() == 1


def test_mark_read_touches_only_your_own(personas):
    mine = notify.notification_queue(recipient=personas.manager, kind="t", subject="Mine")
    theirs = notify.notification_queue(recipient=personas.screener, kind="t", subject="Theirs")
    assert notify.notifications_mark_read(user=personas.manager, ids=[mine.pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert notify.unread_count(personas.manager) == 0 and notify.unread_count(personas.screener) == 1


def test_one_delivery_task_per_transaction_however_many_are_queued(personas, django_capture_on_commit_callbacks):
    """Services and the sweep queue through one function; a transaction that queues many sends one task."""
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        notify.notification_queue(recipient=personas.manager, kind="a", subject="One")
        notify.notifications_queue([notify.Message(kind="b", subject="Two", recipient_id=personas.screener.pk),
                                    notify.Message(kind="b", subject="Three", email="jo@school.example")])
        with transaction.atomic():  # a savepoint inside the same transaction
            notify.notification_queue(recipient=personas.screener2, kind="c", subject="Four")
    assert Notification.objects.count() == 4
    assert [c.__name__ for c in callbacks] == ["_enqueue_delivery"]


def test_a_rolled_back_savepoint_does_not_lose_the_delivery(personas, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                notify.notification_queue(recipient=personas.manager, kind="a", subject="Rolled back")
                raise RuntimeError
        except RuntimeError:
            pass
        notify.notification_queue(recipient=personas.screener, kind="b", subject="Kept")
    assert list(Notification.objects.values_list("subject", flat=True)) == ["Kept"]
    assert len(callbacks) == 1


def test_an_inactive_user_is_told_nothing(personas):
    personas.screener.is_active = False
    personas.screener.save()
    assert notify.notification_queue(recipient=personas.screener, kind="test", subject="Due soon") is None
    queued = notify.notifications_queue([notify.Message(kind="t", subject="s", recipient_id=personas.screener.pk),
                                         notify.Message(kind="t", subject="s", recipient_id=personas.manager.pk)])
    assert [n.recipient for n in queued] == [personas.manager]
    assert not Notification.objects.filter(recipient=personas.screener).exists()
