"""The enquiry services: opening (who may be asked), the agency's side (claim, give, return, nil return, decline),
the manager's (withdraw, chase, close) and the outcome's feedback, each with its audit, notifications and
disclosures."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from consent.models import Disclosure
from contacts import services as contact_services
from enquiries import services
from enquiries.models import AgencyReturn, Enquiry, InformationRequest
from mash.errors import DomainError
from mash.models import AuditEvent, Notification

from .helpers import ask, open_enquiry, request_for, world

pytestmark = pytest.mark.django_db


def test_opening_asks_each_agency_with_its_own_clock_disclosure_and_notification(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w)
    requests = {r.agency_id: r for r in enquiry.requests.all()}
    assert set(requests) == {w.police.pk, w.health.pk, w.education.pk}
    police = requests[w.police.pk]
    assert police.state == "requested" and police.rating == "amber" and police.clock_stage == "information_request"
    # Amber: 24 clock hours.
    assert (police.due_at - police.clock_started_at).total_seconds() == 24 * 3600
    assert police.basis_kind == "consent" and requests[w.health.pk].basis_kind == "sharing_decision"
    assert list(police.people.all()) == [w.child]
    assert Disclosure.objects.filter(contact=w.contact, to_agency=w.health).count() == 1
    note = Notification.objects.get(recipient=personas.police_partner, kind="information_request")
    assert w.contact.reference in note.subject and "Ava" not in note.subject + note.body
    assert "hungry" not in (note.subject + note.body).lower()
    assert AuditEvent.objects.filter(action="enquiry.opened", target_id=str(w.contact.pk)).exists()


def test_health_without_a_basis_is_refused_on_its_field_and_nothing_is_written(personas):
    w = world(personas, health_basis=False)
    with pytest.raises(DomainError) as error:
        open_enquiry(personas, w)
    assert error.value.messages_for(f"people_{w.health.pk}")
    assert "health" in error.value.messages_for(f"people_{w.health.pk}")[0].lower()
    assert not Enquiry.objects.exists() and not InformationRequest.objects.exists()


def test_an_agency_that_did_not_sign_cannot_be_asked(personas):
    w = world(personas)
    w.education.isa_signatory = False
    w.education.save()
    with pytest.raises(DomainError) as error:
        open_enquiry(personas, w)
    assert error.value.messages_for("agencies")
    assert not Enquiry.objects.exists()


def test_a_contact_without_an_approved_rating_cannot_have_an_enquiry(personas):
    from consent.tests.helpers import family_contact

    contact = family_contact(personas.screener)
    child = contact.subjects.filter(role="subject_child").get().person
    with pytest.raises(DomainError) as error:
        services.enquiry_open(actor=personas.manager, contact=contact, reason="r", need_to_know="n",
                              asks=[ask(personas.police, child)])
    assert "approved rating" in error.value.messages_for(None)[0]


def test_people_must_be_named_on_the_contact_and_include_a_child(personas):
    w = world(personas)
    from consent.tests.helpers import family_contact

    other = family_contact(personas.screener, surname="Other").subjects.first().person
    with pytest.raises(DomainError) as error:
        services.enquiry_open(actor=personas.manager, contact=w.contact, reason="r", need_to_know="n",
                              asks=[ask(w.police, other), ask(w.education, w.mother)])
    assert error.value.messages_for(f"people_{w.police.pk}") == ["Select people named on this contact"]
    assert "child" in error.value.messages_for(f"people_{w.education.pk}")[0]


def test_one_open_enquiry_per_contact(personas):
    w = world(personas)
    open_enquiry(personas, w, agencies=(w.police,))
    with pytest.raises(DomainError):
        open_enquiry(personas, w, agencies=(w.education,))
    with pytest.raises(IntegrityError), transaction.atomic():
        Enquiry.objects.create(contact=w.contact, reason="r", need_to_know="n", opened_by=personas.manager,
                               opened_at=timezone.now())


def test_one_request_per_agency_per_enquiry(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w, agencies=(w.police,))
    with pytest.raises(DomainError) as error:
        services.enquiry_add_requests(actor=personas.manager, enquiry=enquiry, asks=[ask(w.police, w.child)])
    assert error.value.messages_for("agencies")
    police = request_for(enquiry, w.police)
    with pytest.raises(IntegrityError), transaction.atomic():
        InformationRequest.objects.create(
            enquiry=enquiry, agency=w.police, contact_reference="x", question="q", basis_kind="consent",
            consent_record=police.consent_record, requested_by=personas.manager, requested_at=timezone.now())
    added = services.enquiry_add_requests(actor=personas.manager, enquiry=enquiry, asks=[ask(w.education, w.child)])
    assert [r.agency for r in added] == [w.education]


def test_claim_give_return_and_the_submitted_return_is_frozen(personas):
    w = world(personas)
    police = request_for(open_enquiry(personas, w), w.police)
    services.request_claim(actor=personas.police_partner, request=police)
    police.refresh_from_db()
    assert (police.state, police.assigned_to) == ("in_progress", personas.police_partner)
    with pytest.raises(DomainError):  # another agency's partner
        services.request_claim(actor=personas.health_partner, request=police)
    headings = ["Incidents", "Intelligence", "Offences", "Domestic abuse history"]
    draft = services.return_save(actor=personas.police_partner, request=police, headings=headings,
                                 sections={"Incidents": "Two call-outs."}, brag="", submit=False)
    assert draft.status == "draft"
    with pytest.raises(DomainError) as error:
        services.return_save(actor=personas.police_partner, request=police, headings=headings,
                             sections={"Incidents": "Two call-outs."}, submit=True)
    assert error.value.messages_for("brag") and error.value.messages_for("brag_rationale")
    submitted = services.return_save(
        actor=personas.police_partner, request=police, headings=headings,
        sections={"Incidents": "Two call-outs.", "Intelligence": ""}, brag="red",
        brag_rationale="Violence at home.", sensitive="Intelligence: partner linked to a county line.", submit=True)
    assert submitted.pk == draft.pk and submitted.status == "submitted"
    police.refresh_from_db()
    assert police.state == "returned" and police.met_at is not None
    assert Notification.objects.filter(recipient=personas.manager, kind="agency_return").exists()
    # Never changed in place: the trigger refuses it even past the model's save().
    with pytest.raises(Exception, match="never changed"), transaction.atomic():
        AgencyReturn.objects.filter(pk=submitted.pk).update(brag="green")
    with pytest.raises(ValueError):
        submitted.save()
    # A correction is a new version, with a reason.
    with pytest.raises(DomainError) as error:
        services.return_save(actor=personas.police_partner, request=police, headings=headings,
                             sections={"Incidents": "Three call-outs."}, brag="red", brag_rationale="x", submit=True)
    assert error.value.messages_for("correction_reason")
    corrected = services.return_save(actor=personas.police_partner, request=police, headings=headings,
                                     sections={"Incidents": "Three call-outs."}, brag="red", brag_rationale="x",
                                     submit=True, correction_reason="Missed one.")
    assert corrected.version == 2 and AgencyReturn.objects.get(pk=submitted.pk).sections[0]["text"] == "Two call-outs."


def test_give_only_to_a_colleague_of_the_same_agency(personas):
    from .helpers import partner

    w = world(personas)
    police = request_for(open_enquiry(personas, w), w.police)
    colleague = partner("police2", w.police, "Pam", "Police")
    with pytest.raises(DomainError) as error:
        services.request_give(actor=personas.police_partner, request=police, to_user_id=personas.health_partner.pk)
    assert error.value.messages_for("to_user")
    services.request_give(actor=personas.police_partner, request=police, to_user_id=colleague.pk)
    police.refresh_from_db()
    assert police.assigned_to == colleague
    assert Notification.objects.filter(recipient=colleague, kind="information_request_given").exists()


def test_nil_return_decline_and_withdraw(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w)
    health, education, police = (request_for(enquiry, a) for a in (w.health, w.education, w.police))
    services.nil_return(actor=personas.health_partner, request=health)
    health.refresh_from_db()
    assert health.state == "nil_return" and health.returns.get().nil
    with pytest.raises(DomainError) as error:
        services.request_decline(actor=w.education_partner, request=education, reason="  ")
    assert error.value.messages_for("reason")
    services.request_decline(actor=w.education_partner, request=education, reason="Not our pupil.")
    education.refresh_from_db()
    assert education.state == "declined" and education.closed_reason == "Not our pupil."
    told = Notification.objects.get(recipient=personas.manager, kind="information_request_declined")
    assert "Not our pupil." in told.body
    with pytest.raises(DomainError):
        services.request_withdraw(actor=personas.manager, request=police, reason="")
    services.request_withdraw(actor=personas.manager, request=police, reason="Police already know.")
    police.refresh_from_db()
    assert police.state == "withdrawn" and police.met_at is not None
    with pytest.raises(DomainError):  # nothing more can be done to it
        services.request_claim(actor=personas.police_partner, request=police)


def test_the_outcome_tells_every_contributing_agency_and_withdraws_the_rest(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w)
    police, health, education = (request_for(enquiry, a) for a in (w.police, w.health, w.education))
    services.return_save(actor=personas.police_partner, request=police, headings=["Incidents"],
                         sections={"Incidents": "Call-outs."}, brag="red", brag_rationale="Violence.", submit=True)
    services.nil_return(actor=personas.health_partner, request=health)
    before = Disclosure.objects.count()
    contact_services.outcome_decide(actor=personas.manager, contact=w.contact, kind="nfa", rationale="No role.",
                                    summary="Nothing further.")
    education.refresh_from_db()
    enquiry.refresh_from_db()
    assert education.state == "withdrawn" and enquiry.state == "closed"
    assert Notification.objects.filter(recipient=w.education_partner, kind="information_request_withdrawn").exists()
    for partner in (personas.police_partner, personas.health_partner):
        told = Notification.objects.get(recipient=partner, kind="enquiry_outcome")
        assert "No further action" in told.body and "Call-outs" not in told.body
    assert not Notification.objects.filter(recipient=w.education_partner, kind="enquiry_outcome").exists()
    # The feedback to police and health, each a disclosure (with the outcome's own for the referrer).
    assert Disclosure.objects.filter(pk__gt=0, to_agency__in=[w.police, w.health]).count() >= 2
    assert Disclosure.objects.count() > before


def test_closing_the_enquiry_tells_contributors_once(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w, agencies=(w.police, w.education))
    services.nil_return(actor=personas.police_partner, request=request_for(enquiry, w.police))
    with pytest.raises(DomainError):
        services.enquiry_close(actor=personas.manager, enquiry=enquiry, reason="<script>x</script>")
    services.enquiry_close(actor=personas.manager, enquiry=enquiry, reason="Risk clarified.")
    assert Notification.objects.filter(recipient=personas.police_partner, kind="enquiry_outcome").count() == 1
    assert request_for(enquiry, w.education).state == "withdrawn"
    # A later outcome does not tell them again.
    contact_services.outcome_decide(actor=personas.manager, contact=w.contact, kind="nfa", rationale="r",
                                    summary="s")
    assert Notification.objects.filter(recipient=personas.police_partner, kind="enquiry_outcome").count() == 1


def test_a_withdrawn_consent_flags_requests_in_flight(personas):
    from consent import services as consent_services
    from consent.models import ConsentRecord

    w = world(personas)
    enquiry = open_enquiry(personas, w, agencies=(w.police,))
    record = ConsentRecord.objects.get(contact=w.contact)
    consent_services.consent_withdraw(actor=personas.screener, record=record, withdrawn_at=timezone.now(),
                                      method="phone")
    police = request_for(enquiry, w.police)
    assert police.basis_lost_at is not None
    assert Notification.objects.filter(recipient=personas.police_partner, kind="information_request_paused").exists()


def test_without_the_rating_policy_an_unrated_contact_can_be_asked_on_the_any_rating_window(personas, settings):
    from consent.tests.helpers import family_contact, give_consent

    settings.ENQUIRY_NEEDS_APPROVED_RATING = False
    contact = family_contact(personas.screener)
    give_consent(personas.screener, contact)
    child = contact.subjects.filter(role="subject_child").get().person
    enquiry = services.enquiry_open(actor=personas.manager, contact=contact, reason="r", need_to_know="n",
                                    asks=[ask(personas.police, child)])
    police = enquiry.requests.get()
    assert police.rating == "" and police.clock_window.rating == "" and police.clock_window.unit == "working_days"
