"""A request whose basis was lost (consent withdrawn while it was open) is paused: the agency may send nothing (no
return, no nil return, no correction) until a new basis covers it, and its pages say so instead of offering the
return. A manager's decision to share without consent re-bases it."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consent import services as consent_services
from consent.models import ConsentRecord
from consent.tests.helpers import decide_share, propose
from enquiries import services
from enquiries.models import AgencyReturn
from mash.errors import DomainError

from .helpers import open_enquiry, request_for, world

pytestmark = pytest.mark.django_db

SECTIONS = {"Incidents": "Two call-outs in May."}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def withdraw_consent(personas, w):
    record = ConsentRecord.objects.get(contact=w.contact)
    consent_services.consent_withdraw(actor=personas.screener, record=record, withdrawn_at=timezone.now(),
                                      method="phone")


@pytest.fixture
def paused(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w, agencies=(w.police, w.health))
    withdraw_consent(personas, w)
    w.enquiry = enquiry
    w.police_request = request_for(enquiry, w.police)
    assert w.police_request.basis_lost_at is not None
    return w


def submit(personas, request, **kwargs):
    return services.return_save(actor=personas.police_partner, request=request, headings=["Incidents"],
                                sections=SECTIONS, brag="amber", brag_rationale="Call-outs.", submit=True, **kwargs)


def test_a_return_on_a_lost_basis_is_refused_and_nothing_is_written(personas, paused):
    police = paused.police_request
    with pytest.raises(DomainError) as error:
        submit(personas, police)
    assert "send nothing" in error.value.messages_for(None)[0]
    with pytest.raises(DomainError) as error:
        services.nil_return(actor=personas.police_partner, request=police)
    assert "send nothing" in error.value.messages_for(None)[0]
    police.refresh_from_db()
    assert police.state == "requested" and not AgencyReturn.objects.filter(request=police).exists()
    assert police.met_at is None  # the clock still runs: the MASH decides what happens to it
    # A draft is not sent: the partner may keep working on it.
    services.return_save(actor=personas.police_partner, request=police, headings=["Incidents"], sections=SECTIONS)
    assert AgencyReturn.objects.get(request=police).status == "draft"
    # Health was asked on a manager's decision, which stands: its return is taken.
    health = request_for(paused.enquiry, paused.health)
    assert health.basis_lost_at is None
    services.nil_return(actor=personas.health_partner, request=health)


def test_a_manager_s_decision_to_share_re_bases_the_request(personas, paused):
    decide_share(personas.manager, propose(personas.screener, paused.contact, [paused.police]))
    police = paused.police_request
    police.refresh_from_db()
    agency_return = submit(personas, police)
    assert agency_return.status == "submitted"
    html = signed_in(personas.police_partner).get(police.get_partner_url()).content.decode()
    assert 'data-testid="basis-paused"' not in html


def test_a_correction_after_the_consent_is_withdrawn_is_refused(personas):
    w = world(personas)
    police = request_for(open_enquiry(personas, w, agencies=(w.police,)), w.police)
    submit(personas, police)
    withdraw_consent(personas, w)
    police.refresh_from_db()
    with pytest.raises(DomainError) as error:
        submit(personas, police, correction_reason="A date was wrong.")
    assert "send nothing" in error.value.messages_for(None)[0]
    assert AgencyReturn.objects.filter(request=police).count() == 1
    page = signed_in(personas.police_partner)
    assert "Submit a correction" not in page.get(police.get_partner_url()).content.decode()
    response = page.get(reverse("enquiries:return", args=[police.pk]))
    assert response.status_code == 302 and response["Location"] == police.get_partner_url()


def test_the_partner_s_pages_do_not_offer_the_return_and_say_why(personas, paused):
    police = paused.police_request
    url = reverse("enquiries:return", args=[police.pk])
    p = signed_in(personas.police_partner)
    html = p.get(police.get_partner_url()).content.decode()
    assert 'data-testid="basis-paused"' in html and "send nothing" in html
    assert f'href="{url}"' not in html and "Make a return" not in html
    assert reverse("enquiries:nil_return", args=[police.pk]) not in html
    # The partner is not told who withdrew consent.
    assert "Jane" not in html
    form = p.get(url).content.decode()
    assert 'data-testid="basis-paused"' in form and "Submit the return" not in form
    response = p.post(url, {"section_0": "Two call-outs.", "brag": "amber", "brag_rationale": "Call-outs.",
                            "action": "submit"})
    assert response.status_code == 400
    assert "send nothing" in " ".join(response.context["form"].non_field_errors())
    assert p.post(reverse("enquiries:nil_return", args=[police.pk])).status_code == 302
    police.refresh_from_db()
    assert police.state == "requested" and not AgencyReturn.objects.filter(request=police).exists()
    # The MASH's own page says what the agency is waiting for.
    staff = signed_in(personas.manager).get(police.get_absolute_url()).content.decode()
    assert 'data-testid="basis-paused"' in staff and "new basis" in staff
