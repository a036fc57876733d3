"""A manager's chase sends one reminder: a second within CHASE_INTERVAL of the last (a double click, a colleague's)
is refused with when to chase again, and sends nothing; after the interval it is a new reminder."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from enquiries import services
from mash.errors import DomainError
from mash.models import AuditEvent, Notification

from .helpers import open_enquiry, request_for, world

pytestmark = pytest.mark.django_db


def reminders(user):
    return Notification.objects.filter(recipient=user, kind="information_request_chased").count()


def test_a_second_chase_within_the_interval_is_refused_saying_when(personas):
    w = world(personas)
    health = request_for(open_enquiry(personas, w, agencies=(w.health,)), w.health)
    first = timezone.now()
    with time_machine.travel(first, tick=False):
        services.request_chase(actor=personas.manager, request=health)
    with time_machine.travel(first + timedelta(seconds=1), tick=False), pytest.raises(DomainError) as error:
        services.request_chase(actor=personas.manager, request=health)
    at, again = timezone.localtime(first), timezone.localtime(first + services.CHASE_INTERVAL)
    assert error.value.messages_for(None) == [
        f"{w.health} was chased at {at:%H:%M}; chase again after {again:%H:%M}"]
    assert reminders(personas.health_partner) == 1
    assert AuditEvent.objects.filter(action="enquiry.request_chased").count() == 1
    health.refresh_from_db()
    assert health.chased_at == first
    with time_machine.travel(first + services.CHASE_INTERVAL + timedelta(seconds=1), tick=False):
        services.request_chase(actor=personas.manager, request=health)
    assert reminders(personas.health_partner) == 2


def test_chasing_twice_from_the_page_sends_one_reminder(personas):
    w = world(personas)
    health = request_for(open_enquiry(personas, w, agencies=(w.health,)), w.health)
    client = Client()
    client.force_login(personas.manager)
    url = f"/enquiries/requests/{health.pk}/chase/"
    assert client.post(url).status_code == 302
    response = client.post(url, follow=True)
    said = [str(m) for m in get_messages(response.wsgi_request)] or [response.content.decode()]
    assert any(f"{w.health} was chased at" in text and "chase again after" in text for text in said), said
    assert reminders(personas.health_partner) == 1


def test_a_paused_request_is_not_chased(personas):
    from consent import services as consent_services
    from consent.models import ConsentRecord

    w = world(personas)
    police = request_for(open_enquiry(personas, w, agencies=(w.police,)), w.police)
    consent_services.consent_withdraw(actor=personas.screener, record=ConsentRecord.objects.get(contact=w.contact),
                                      withdrawn_at=timezone.now(), method="phone")
    police.refresh_from_db()
    with pytest.raises(DomainError) as error:
        services.request_chase(actor=personas.manager, request=police)
    assert "paused" in error.value.messages_for(None)[0]
    assert reminders(personas.police_partner) == 0
