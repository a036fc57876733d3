"""Feedback to the agencies that contributed (the outcome, or the enquiry closing) goes only where a basis stands
now: an agency whose consent was withdrawn after it answered is not told (no message, no disclosure) unless a new
basis covers it (a manager's decision to share), and the audit says who was not told and why."""

import pytest
from django.utils import timezone

from consent import services as consent_services
from consent.models import ConsentRecord, Disclosure
from consent.tests.helpers import decide_share, propose
from contacts import services as contact_services
from enquiries import services
from mash.models import AuditEvent, Notification

from .helpers import open_enquiry, request_for, world

pytestmark = pytest.mark.django_db


def answered_then_withdrawn(personas):
    """Police answered on the mother's consent, health on a manager's decision; then the consent is withdrawn."""
    w = world(personas)
    enquiry = open_enquiry(personas, w, agencies=(w.police, w.health))
    w.enquiry = enquiry
    w.police_request, w.health_request = request_for(enquiry, w.police), request_for(enquiry, w.health)
    services.return_save(actor=personas.police_partner, request=w.police_request, headings=["Incidents"],
                         sections={"Incidents": "Call-outs."}, brag="red", brag_rationale="Violence.", submit=True)
    services.nil_return(actor=personas.health_partner, request=w.health_request)
    record = ConsentRecord.objects.get(contact=w.contact)
    consent_services.consent_withdraw(actor=personas.screener, record=record, withdrawn_at=timezone.now(),
                                      method="phone")
    return w


def feedback_disclosures(agency):
    return Disclosure.objects.filter(to_agency=agency, summary="Feedback on the enquiry the agency contributed to")


def test_the_outcome_is_not_sent_to_an_agency_whose_consent_was_withdrawn(personas):
    w = answered_then_withdrawn(personas)
    told = contact_services.outcome_decide(actor=personas.manager, contact=w.contact, kind="nfa",
                                           rationale="No role.", summary="Nothing further.")
    assert told.kind == "nfa"
    assert not Notification.objects.filter(recipient=personas.police_partner, kind="enquiry_outcome").exists()
    assert not feedback_disclosures(w.police).exists()
    w.police_request.refresh_from_db()
    assert w.police_request.outcome_told_at is None
    # Health was asked on a manager's decision, which stands.
    assert Notification.objects.filter(recipient=personas.health_partner, kind="enquiry_outcome").count() == 1
    assert feedback_disclosures(w.health).get().basis_kind == "sharing_decision"
    audit = AuditEvent.objects.get(action="enquiry.outcome_shared", target_id=str(w.contact.pk))
    assert audit.changes["told"] == [str(w.health)]
    assert audit.changes["not_told"][0]["agency"] == str(w.police)
    assert "Consent withdrawn" in audit.changes["not_told"][0]["why"]
    assert "not told" in audit.changes["summary"] and str(w.police) in audit.changes["summary"]


def test_a_manager_s_decision_to_share_covers_the_feedback(personas):
    w = answered_then_withdrawn(personas)
    decision = decide_share(personas.manager, propose(personas.screener, w.contact, [w.police]))
    contact_services.outcome_decide(actor=personas.manager, contact=w.contact, kind="nfa", rationale="No role.",
                                    summary="Nothing further.")
    assert Notification.objects.filter(recipient=personas.police_partner, kind="enquiry_outcome").count() == 1
    disclosure = feedback_disclosures(w.police).get()
    assert disclosure.basis_kind == "sharing_decision" and disclosure.sharing_decision_id == decision.pk
    audit = AuditEvent.objects.get(action="enquiry.outcome_shared", target_id=str(w.contact.pk))
    assert audit.changes["not_told"] == []


def test_closing_the_enquiry_does_not_tell_an_agency_whose_consent_was_withdrawn(personas):
    w = answered_then_withdrawn(personas)
    services.enquiry_close(actor=personas.manager, enquiry=w.enquiry, reason="Risk clarified.")
    assert not Notification.objects.filter(recipient=personas.police_partner, kind="enquiry_outcome").exists()
    assert not feedback_disclosures(w.police).exists()
    assert Notification.objects.filter(recipient=personas.health_partner, kind="enquiry_outcome").count() == 1
    audit = AuditEvent.objects.get(action="enquiry.closed", target_id=str(w.contact.pk))
    assert [n["agency"] for n in audit.changes["not_told"]] == [str(w.police)]
    assert "Consent withdrawn" in audit.changes["summary"]
