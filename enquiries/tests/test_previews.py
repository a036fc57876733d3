"""The outcome's "check what will be sent" page previews what each contributing agency is sent (composed by the code
that sends it, through mash.site's previews: contacts imports nothing of enquiries), who is not told and why; the
close page says its reason goes to each contributing agency word for word."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from consent import services as consent_services
from consent.models import ConsentRecord
from contacts.models import Outcome
from enquiries import services
from mash.models import Notification

from .helpers import open_enquiry, request_for, world

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


OUTCOME = {"kind": "nfa", "rationale": "No role for social care.", "receiving_team": "",
           "summary": "Nothing further."}


@pytest.fixture
def answered(personas):
    """Police returned (on consent), health made a nil return (on a manager's decision), education still open."""
    w = world(personas)
    enquiry = open_enquiry(personas, w)
    w.enquiry = enquiry
    police = request_for(enquiry, w.police)
    services.return_save(actor=personas.police_partner, request=police, headings=["Incidents"],
                         sections={"Incidents": "Call-outs."}, brag="red", brag_rationale="Violence.", submit=True)
    services.nil_return(actor=personas.health_partner, request=request_for(enquiry, w.health))
    return w


def section(html, testid):
    start = html.index(f'data-testid="{testid}"')
    return html[start:html.index("</section>", start)]


def test_the_outcome_preview_shows_each_agency_s_message_as_it_is_sent(personas, answered,
                                                                       django_capture_on_commit_callbacks):
    w = answered
    client = signed_in(personas.manager)
    url = reverse("contacts:outcome", args=[w.contact.reference])
    response = client.post(url, OUTCOME)
    assert response.status_code == 200
    html = response.content.decode()
    preview = section(html, "agency-feedback-preview")
    assert str(w.police) in preview and str(w.health) in preview
    assert str(personas.police_partner) in preview
    assert "withdrawn" in preview and str(w.education) in preview  # the open request it withdraws
    assert not Notification.objects.filter(kind="enquiry_outcome").exists() and not Outcome.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**OUTCOME, "confirm": "1"}).status_code == 302
    sent = Notification.objects.filter(kind="enquiry_outcome")
    assert {n.recipient for n in sent} == {personas.police_partner, personas.health_partner}
    for note in sent:  # word for word what the preview showed
        assert escape(note.subject) in preview and escape(note.body) in preview


def test_the_outcome_preview_names_who_will_not_be_told_and_why(personas, answered):
    w = answered
    record = ConsentRecord.objects.get(contact=w.contact)
    consent_services.consent_withdraw(actor=personas.screener, record=record, withdrawn_at=timezone.now(),
                                      method="phone")
    html = signed_in(personas.manager).post(reverse("contacts:outcome", args=[w.contact.reference]),
                                            OUTCOME).content.decode()
    not_told = html[html.index('data-testid="agency-not-told"'):]
    not_told = not_told[:not_told.index("</ul>")]
    assert str(w.police) in not_told and "Consent withdrawn" in not_told
    told = section(html, "agency-feedback-preview").split('data-testid="agency-not-told"')[0]
    assert 'data-testid="agency-told"' in told and str(w.health) in told and str(w.police) not in told


def test_the_close_page_says_the_reason_goes_word_for_word_to_each_contributor(personas, answered):
    w = answered
    html = signed_in(personas.manager).get(reverse("enquiries:close", args=[w.enquiry.pk])).content.decode()
    assert "sent word for word to each agency that contributed" in html
    preview = section(html, "agency-feedback-preview")
    assert str(w.police) in preview and str(w.health) in preview
    assert escape(services.CLOSE_REASON_PLACEHOLDER) in preview
    assert f"Information request {w.contact.reference}: the enquiry has closed" in preview
