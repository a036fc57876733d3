"""Two sweeps at once on the same rows (two threads, two database connections) record each escalation once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from mash import deadlines
from mash.models import Escalation, EscalationKind, Notification
from mash.tests.helpers import clocked_contact

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_sweeps_record_each_escalation_once(personas):
    now = timezone.now()
    contacts = [clocked_contact(personas.screener, started_at=now - timedelta(hours=5)) for _ in range(60)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(deadlines.sweep(now=now, batch_size=7))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(r.breaches for r in results) == 60
    assert sum(r.warnings for r in results) == 60
    breaches = list(Escalation.objects.filter(kind=EscalationKind.BREACH).values_list("target_id", flat=True))
    assert sorted(breaches) == sorted(c.pk for c in contacts)
    # each breach told the one manager once
    assert Notification.objects.filter(kind="escalation.breach").count() == 60
    assert deadlines.sweep(now=now).breaches == 0
