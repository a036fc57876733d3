"""The information request's clock with real processes: a Celery worker and beat against Redis and the test
database (the harness of tests/test_deadline_processes.py). Nobody calls the sweep: beat does. And two sweeps at
once over both clocked models record each escalation once."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from enquiries.models import InformationRequest
from enquiries.tests.helpers import open_enquiry, request_for, world
from mash import deadlines
from mash.models import Escalation, EscalationKind, Notification, SweepRun
from mash.tests.helpers import clocked_contact, shorten_window

from .test_deadline_processes import celery, wait_until  # noqa: F401 (the fixture, and the waiting helper)

pytestmark = [
    pytest.mark.processes,
    pytest.mark.xdist_group("processes"),
    pytest.mark.django_db(transaction=True),
]


def test_a_red_request_is_breached_and_partners_and_manager_told_by_worker_and_beat(personas, celery):  # noqa: F811
    # A Red request's window, shortened to 3.6 s.
    shorten_window(stage="information_request", rating="red", limit=Decimal("0.001"))
    w = world(personas, brag="red")
    celery.start_worker()
    celery.start_beat()
    wait_until(lambda: SweepRun.objects.exists(), 30, celery, "a first sweep")
    enquiry = open_enquiry(personas, w, agencies=(w.police,))
    police = request_for(enquiry, w.police)
    assert police.rating == "red" and police.due_at - police.clock_started_at < timedelta(seconds=4)

    def told(user):
        return Notification.objects.filter(recipient=user, kind="escalation.breach", escalation__target_id=police.pk,
                                           escalation__stage="information_request", sent_at__isnull=False).exists()

    wait_until(lambda: told(personas.police_partner) and told(personas.manager), 45, celery,
               "the police partner and the manager were not told of the request's breach")
    breach = Escalation.objects.get(stage="information_request", kind=EscalationKind.BREACH, target_id=police.pk)
    assert breach.rating == "red" and breach.target_url == f"/partner/requests/{police.pk}/"
    assert Escalation.objects.filter(stage="information_request", kind=EscalationKind.BREACH).count() == 1
    # The other agency's partner heard nothing; the e-mail carries no names.
    assert not Notification.objects.filter(recipient=personas.health_partner, kind__startswith="escalation").exists()
    note = Notification.objects.get(recipient=personas.police_partner, kind="escalation.breach")
    assert "Ava" not in note.subject + note.body and w.contact.reference in note.subject
    police.refresh_from_db()
    assert police.breached_at == breach.raised_at


def test_two_sweeps_at_once_over_both_models_record_each_escalation_once(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w)
    now = timezone.now()
    # Past the Amber limit of every request, and a Red contact breached too.
    contacts = [clocked_contact(personas.screener, started_at=now - timedelta(hours=5)) for _ in range(5)]
    later = now + timedelta(hours=25)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(deadlines.sweep(now=later, batch_size=2))
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
    request_ids = set(enquiry.requests.values_list("pk", flat=True))
    breached = Escalation.objects.filter(kind=EscalationKind.BREACH, stage="information_request")
    assert sorted(breached.values_list("target_id", flat=True)) == sorted(request_ids)
    assert Escalation.objects.filter(kind=EscalationKind.BREACH, target_id__in=[c.pk for c in contacts],
                                     stage="brag_response").count() == len(contacts)
    assert InformationRequest.objects.filter(breached_at__isnull=False).count() == 3
    assert deadlines.sweep(now=later).breaches == 0
