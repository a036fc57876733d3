"""The proposed rating's approval clock with real processes: a Celery worker and beat against Redis and the test
database (the harness of tests/test_deadline_processes.py). Nobody calls the sweep: beat does."""

from datetime import timedelta
from decimal import Decimal

import pytest

from contacts import services
from contacts.models import LevelOfNeed, Rating, ThresholdCriterion
from contacts.tests.factories import make_contact
from mash.models import Escalation, EscalationKind, Notification, SweepRun
from mash.tests.helpers import shorten_window

from .test_deadline_processes import celery, wait_until  # noqa: F401 (the fixture, and the waiting helper)

pytestmark = [
    pytest.mark.processes,
    pytest.mark.xdist_group("processes"),
    pytest.mark.django_db(transaction=True),
]


def test_an_undecided_red_proposal_is_swept_and_escalated_by_worker_and_beat(personas, celery):  # noqa: F811
    # A Red proposal's approval window, shortened to 3.6 s, escalating further at once if nobody acknowledges.
    shorten_window(stage="rating_approval", rating="red", limit=Decimal("0.001"), second_level_minutes=0)
    celery.start_worker()
    celery.start_beat()
    wait_until(lambda: SweepRun.objects.exists(), 30, celery, "a first sweep")
    contact = make_contact(personas.screener)
    level = LevelOfNeed.objects.get(document__active=True, number=4)
    rating = services.screening_submit(
        actor=personas.screener, contact=contact, worries="Bruise to the cheek.", working_well="Grandmother.",
        needs_to_happen="Strategy discussion.", history_checked=True, level=level,
        criteria=list(ThresholdCriterion.objects.filter(level=level)[:1]), proposed_brag="red",
        rationale="Disclosure of physical harm.", recommendation="route",
    )
    assert rating.clock_stage == "rating_approval" and rating.due_at - rating.clock_started_at < timedelta(seconds=4)

    def told(kind):
        return Notification.objects.filter(recipient=personas.manager, kind=f"escalation.{kind}",
                                           escalation__target_id=rating.pk, escalation__stage="rating_approval",
                                           sent_at__isnull=False).exists()

    wait_until(lambda: told("breach"), 45, celery, "the manager was not told of the approval breach")
    breach = Escalation.objects.get(stage="rating_approval", kind=EscalationKind.BREACH, target_id=rating.pk)
    assert (breach.rating, breach.target_url) == ("red", f"/contacts/{contact.reference}/decide/")
    rating.refresh_from_db()
    assert rating.breached_at == breach.raised_at
    # Nobody acknowledged it: the next sweeps escalate it further, to the second level, once.
    wait_until(lambda: told("second_level"), 45, celery, "the breach was not escalated further")
    assert Escalation.objects.filter(stage="rating_approval", target_id=rating.pk).count() == 2
    # A manager's decision stops the clock; nothing more is raised about it.
    services.rating_decide(actor=personas.manager, contact=contact, brag="red")
    assert Rating.objects.get(pk=rating.pk).met_at is not None
