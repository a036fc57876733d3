"""The information request's clock under the kernel's sweep, as a plain function: windows per rating, who hears of
a warning and a breach, a stopped clock never escalates, and a second pass changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse

from enquiries import services
from mash import deadlines
from mash.models import Escalation, Notification

from .helpers import open_enquiry, partner, request_for, world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("brag, hours", [("red", 3), ("amber", 24)])
def test_the_window_follows_the_contact_s_rating(personas, brag, hours):
    w = world(personas, brag=brag)
    police = request_for(open_enquiry(personas, w, agencies=(w.police,)), w.police)
    assert police.clock_window.rating == brag
    assert police.due_at - police.clock_started_at == timedelta(hours=hours)


def test_green_is_five_working_days(personas):
    w = world(personas, brag="green")
    police = request_for(open_enquiry(personas, w, agencies=(w.police,)), w.police)
    assert (police.clock_window.limit, police.clock_window.unit) == (5, "working_days")
    assert police.due_at - police.clock_started_at >= timedelta(days=5)


def test_warning_to_the_agency_and_breach_to_the_agency_and_managers(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w, agencies=(w.police, w.health))
    police, health = request_for(enquiry, w.police), request_for(enquiry, w.health)
    colleague = partner("police2", w.police, "Pam", "Police")
    services.request_claim(actor=personas.police_partner, request=police)
    services.nil_return(actor=personas.health_partner, request=health)  # stopped: never escalates
    warned_at = police.clock_started_at + timedelta(hours=19)  # past the Amber target of 18 hours
    result = deadlines.sweep(now=warned_at)
    assert (result.warnings, result.breaches) == (1, 0)
    warned = set(Notification.objects.filter(kind="escalation.warning").values_list("recipient_id", flat=True))
    assert warned == {personas.police_partner.pk, colleague.pk}
    result = deadlines.sweep(now=police.clock_started_at + timedelta(hours=25))
    assert result.breaches == 1
    breached = set(Notification.objects.filter(kind="escalation.breach").values_list("recipient_id", flat=True))
    assert breached == {personas.police_partner.pk, colleague.pk, personas.manager.pk}
    escalation = Escalation.objects.get(kind="breach")
    assert escalation.target_id == police.pk and escalation.stage == "information_request"
    assert escalation.target_label == f"Information request {w.contact.reference}"
    assert deadlines.sweep(now=police.clock_started_at + timedelta(hours=26)).breaches == 0


def test_a_partner_following_the_escalation_link_sees_the_request_and_a_manager_is_sent_on(personas, client_for):
    w = world(personas)
    police = request_for(open_enquiry(personas, w, agencies=(w.police,)), w.police)
    deadlines.sweep(now=police.due_at + timedelta(minutes=1))
    link = Escalation.objects.get(kind="breach").target_url
    assert client_for(personas.police_partner).get(link).status_code == 200
    response = client_for(personas.manager).get(link)
    assert response.status_code == 302 and response["Location"] == police.get_absolute_url()


def test_the_child_s_chronology_shows_the_requests(personas, client_for):
    w = world(personas)
    enquiry = open_enquiry(personas, w, agencies=(w.police, w.education))
    services.request_decline(actor=w.education_partner, request=request_for(enquiry, w.education),
                             reason="Not our pupil.")
    html = client_for(personas.manager).get(reverse("contacts:chronology", args=[w.child.pk])).content.decode()
    assert "Information request sent to Testshire Police" in html
    assert "Information request declined: Testshire Schools" in html
    sibling = client_for(personas.manager).get(reverse("contacts:chronology", args=[w.sibling.pk])).content.decode()
    assert "Information request sent" not in sibling  # the sibling was not named in any request


def test_a_digest_of_many_request_breaches_links_where_a_partner_can_go(personas, client_for, settings):
    from .helpers import ask

    settings.NOTIFICATION_DIGEST_AFTER = 1
    w = world(personas)
    enquiry = open_enquiry(personas, w, agencies=(w.police,))
    services.enquiry_add_requests(actor=personas.manager, enquiry=enquiry, asks=[ask(w.education, w.child)])
    from consent.tests.helpers import family_contact, give_consent

    from .helpers import approve

    other = family_contact(personas.screener, surname="Other")
    approve(other, personas)
    give_consent(personas.screener, other)
    child = other.subjects.filter(role="subject_child").get().person
    services.enquiry_open(actor=personas.manager, contact=other, reason="r", need_to_know="n",
                          asks=[ask(w.police, child)])
    deadlines.sweep(now=request_for(enquiry, w.police).due_at + timedelta(hours=1))
    digest = Notification.objects.get(recipient=personas.police_partner, kind="escalation.breach.digest")
    assert client_for(personas.police_partner).get(digest.link).status_code == 200
    manager_digest = Notification.objects.get(recipient=personas.manager, kind="escalation.breach.digest")
    assert client_for(personas.manager).get(manager_digest.link).status_code == 302
