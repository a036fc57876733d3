"""Two sweeps at once on the same rows (two threads, two database connections) record each escalation once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from mash import deadlines
from mash.models import Escalation, EscalationKind
from mash.tests.helpers import clocked_contact, times_told

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_sweeps_record_each_escalation_once(personas):
    now = timezone.now()
    contacts = [clocked_contact(personas.screener, started_at=now - timedelta(hours=5)) for _ in range(60)]
    # Past the target, not the limit: warnings.
    warned = [clocked_contact(personas.screener, started_at=now - timedelta(hours=3, minutes=30)) for _ in range(40)]
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
    assert sum(r.warnings for r in results) == 40
    warnings = Escalation.objects.filter(kind=EscalationKind.WARNING).values_list("target_id", flat=True)
    assert sorted(warnings) == sorted(c.pk for c in warned)
    breaches = list(Escalation.objects.filter(kind=EscalationKind.BREACH).values_list("target_id", flat=True))
    assert sorted(breaches) == sorted(c.pk for c in contacts)
    # Each breach told the one manager once: in a message of its own or named in a digest (batches of 7).
    assert set(times_told(personas.manager, "breach", contacts).values()) == {1}
    assert deadlines.sweep(now=now).breaches == 0


def run_together(*jobs):
    """Run each job in its own thread (own database connection), started together; re-raise any error."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(i, job):
        try:
            barrier.wait(timeout=10)
            results[i] = job()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_concurrent_second_levels_escalate_each_breach_once(personas):
    now = timezone.now()
    contacts = [clocked_contact(personas.screener, started_at=now - timedelta(hours=5)) for _ in range(30)]
    assert deadlines.sweep(now=now).breaches == 30
    later = now + timedelta(hours=1)
    results = run_together(*[lambda: deadlines.sweep(now=later, batch_size=4)] * 2)
    assert sum(r.second_level for r in results) == 30 and sum(r.errors for r in results) == 0
    further = Escalation.objects.filter(kind=EscalationKind.SECOND_LEVEL).values_list("target_id", flat=True)
    assert sorted(further) == sorted(c.pk for c in contacts)


def test_a_breach_whose_record_someone_holds_waits_for_the_next_pass(personas):
    """The second level skips a row another transaction holds (no waiting, no deadlock) and is not moot."""
    from contacts.models import Contact

    now = timezone.now()
    held = clocked_contact(personas.screener, started_at=now - timedelta(hours=5))
    free = clocked_contact(personas.screener, started_at=now - timedelta(hours=5))
    deadlines.sweep(now=now)
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Contact.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        result = deadlines.sweep(now=now + timedelta(hours=1))
    finally:
        release.set()
        holder.join(timeout=30)
    assert (result.second_level, result.errors) == (1, 0)
    breach = Escalation.objects.get(target_id=held.pk, kind=EscalationKind.BREACH)
    assert breach.second_level_due_at is not None and breach.escalated_at is None  # still waiting, not moot
    assert Escalation.objects.filter(target_id=free.pk, kind=EscalationKind.SECOND_LEVEL).exists()
    assert deadlines.sweep(now=now + timedelta(hours=1)).second_level == 1  # released: escalated now
