"""A breach of an information request tells each recipient what they can do: a MASH manager acknowledges it with a
note; an agency's partner (who cannot: the at-risk board is the MASH's) sends the return or says why not."""

from datetime import timedelta

import pytest

from mash import deadlines
from mash.models import Notification

from .helpers import open_enquiry, request_for, world

pytestmark = pytest.mark.django_db


def test_a_partner_s_breach_message_says_what_they_can_do(personas, client_for):
    w = world(personas)
    police = request_for(open_enquiry(personas, w, agencies=(w.police,)), w.police)
    deadlines.sweep(now=police.due_at + timedelta(minutes=1))
    to_partner = Notification.objects.get(recipient=personas.police_partner, kind="escalation.breach")
    assert "Acknowledge" not in to_partner.body
    assert "Send your agency's return now" in to_partner.body and "why not" in to_partner.body
    # Where it links, the partner can do what it says.
    page = client_for(personas.police_partner).get(to_partner.link).content.decode()
    assert "Make a return" in page and "Decline the request" in page
    to_manager = Notification.objects.get(recipient=personas.manager, kind="escalation.breach")
    assert "Acknowledge the breach with a note." in to_manager.body
    assert "Send your agency's return" not in to_manager.body


def test_the_second_level_tells_partners_what_they_can_do_too(personas, settings):
    w = world(personas)
    police = request_for(open_enquiry(personas, w, agencies=(w.police,)), w.police)
    deadlines.sweep(now=police.due_at + timedelta(minutes=1))
    # Unacknowledged past DEADLINE_SECOND_LEVEL_MINUTES: escalated further, the agency's partners told again.
    deadlines.sweep(now=police.due_at + timedelta(minutes=settings.DEADLINE_SECOND_LEVEL_MINUTES + 2))
    escalated = Notification.objects.get(recipient=personas.police_partner, kind="escalation.second_level")
    assert "nobody has acknowledged it" in escalated.body and "Send your agency's return now" in escalated.body
    to_manager = Notification.objects.get(recipient=personas.manager, kind="escalation.second_level")
    assert "Send your agency's return" not in to_manager.body


def test_a_partner_s_digest_says_what_they_can_do(personas, settings):
    from consent.tests.helpers import family_contact, give_consent
    from enquiries import services

    from .helpers import approve, ask

    settings.NOTIFICATION_DIGEST_AFTER = 1
    w = world(personas)
    police = request_for(open_enquiry(personas, w, agencies=(w.police,)), w.police)
    other = family_contact(personas.screener, surname="Other")
    approve(other, personas)
    give_consent(personas.screener, other)
    child = other.subjects.filter(role="subject_child").get().person
    services.enquiry_open(actor=personas.manager, contact=other, reason="r", need_to_know="n",
                          asks=[ask(w.police, child)])
    deadlines.sweep(now=police.due_at + timedelta(hours=1))
    digest = Notification.objects.get(recipient=personas.police_partner, kind="escalation.breach.digest")
    assert "Send your agency's return now" in digest.body
    assert "Send your agency's return" not in Notification.objects.get(
        recipient=personas.manager, kind="escalation.breach.digest").body
