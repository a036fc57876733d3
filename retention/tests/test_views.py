"""The managers' pages, through the client: the list names records by reference only; one manager approves,
another confirms; holds are placed by reference and lifted with a reason; an admin's change of a rule is kept in
its history and audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Contact
from mash.models import AuditEvent
from reports.tests.helpers import contact_to_outcome
from retention import services
from retention.models import DestructionLog, DestructionReview, LegalHold, RetentionRule

from .helpers import manager2

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(personas):
    contact = contact_to_outcome(personas, kind="nfa")
    Contact.objects.filter(pk=contact.pk).update(closed_at=timezone.now() - timedelta(days=365 * 11))
    services.reviews_list_due()
    return DestructionReview.objects.select_related("contact").get(contact=contact)


def test_one_manager_approves_another_confirms(personas, client, review):
    reference = review.contact.reference
    client.force_login(personas.manager)
    page = client.get("/retention/").content.decode()
    assert reference in page and "Child0" not in page and "No further action" in page
    assert AuditEvent.objects.filter(action="retention.viewed", actor=personas.manager).exists()
    detail = client.get(f"/retention/reviews/{review.pk}/").content.decode()
    assert "Approve destruction" in detail and "Confirm destruction" not in detail
    assert client.post(f"/retention/reviews/{review.pk}/approve/").status_code == 302
    detail = client.get(f"/retention/reviews/{review.pk}/").content.decode()
    assert "another manager must confirm" in detail and "Confirm destruction" not in detail
    # The approver's own confirmation is refused, and says why.
    client.post(f"/retention/reviews/{review.pk}/destroy/")
    assert Contact.objects.filter(reference=reference).exists()
    assert "Another manager must confirm" in client.get(f"/retention/reviews/{review.pk}/").content.decode()

    client.force_login(manager2(personas))
    assert "Confirm destruction" in client.get(f"/retention/reviews/{review.pk}/").content.decode()
    response = client.post(f"/retention/reviews/{review.pk}/destroy/")
    assert response.status_code == 302 and response["Location"] == "/retention/"
    assert not Contact.objects.filter(reference=reference).exists()
    log = DestructionLog.objects.get()
    assert log.reference == reference and log.confirmed_by.username == "manager2"
    assert reference in client.get("/retention/").content.decode()  # the destruction log's table


def test_a_screener_is_refused(personas, client, review):
    client.force_login(personas.screener)
    assert client.get("/retention/").status_code == 403
    assert client.post(f"/retention/reviews/{review.pk}/approve/").status_code == 403
    review.refresh_from_db()
    assert review.state == "due"


def test_keep_with_bad_input_writes_nothing(personas, client, review):
    client.force_login(personas.manager)
    response = client.post(f"/retention/reviews/{review.pk}/keep/", {"reason": "", "years": "lots"})
    assert response.status_code == 400 and "Say why the record is kept" in response.content.decode()
    review.refresh_from_db()
    assert review.state == "due"
    response = client.post(f"/retention/reviews/{review.pk}/keep/", {"reason": "Sibling open.", "years": "3"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.state == "kept" and review.kept_by == personas.manager


def test_holds_are_placed_by_reference_and_lifted_with_a_reason(personas, client, review):
    client.force_login(personas.manager)
    response = client.post("/retention/holds/", {"reference": "C-1999-000001", "reason": "A claim."})
    assert response.status_code == 400 and "No contact has that reference" in response.content.decode()
    assert not LegalHold.objects.exists()
    response = client.post("/retention/holds/", {"reference": review.contact.reference.lower(), "reason": "Claim."})
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.contact, hold.placed_by, hold.reason) == (review.contact, personas.manager, "Claim.")
    assert "Legal hold" in client.get("/retention/").content.decode()
    assert "cannot be destroyed" in client.get(f"/retention/reviews/{review.pk}/").content.decode()
    client.post(f"/retention/holds/{hold.pk}/lift/", {"lift_reason": ""})
    hold.refresh_from_db()
    assert hold.active
    client.post(f"/retention/holds/{hold.pk}/lift/", {"lift_reason": "Settled."})
    hold.refresh_from_db()
    assert not hold.active and hold.lifted_by == personas.manager


def test_an_admin_sets_a_rule_with_history_and_audit(personas, client):
    rule = RetentionRule.objects.get(outcome="nfa")
    versions = rule.history.count()
    client.force_login(personas.admin)
    form = client.get(f"/admin/retention/retentionrule/{rule.pk}/change/")
    assert form.status_code == 200
    response = client.post(f"/admin/retention/retentionrule/{rule.pk}/change/", {
        "record_kind": "contact", "outcome": "nfa", "trigger": "closed", "years": "12",
        "rationale": "Our schedule: 12 years.", "active": "on"})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.years == 12 and rule.history.count() == versions + 1
    event = AuditEvent.objects.get(action="retention.rule_changed")
    assert event.actor == personas.admin and event.changes["years"] == "12"
    assert client.get(f"/admin/retention/retentionrule/{rule.pk}/delete/").status_code == 403


def test_a_manager_holds_a_person_from_their_page_and_the_contact_page_shows_it(personas, client, review):
    person = review.contact.subjects.first().person
    client.force_login(personas.screener)
    assert "Place a legal hold" not in client.get(review.contact.get_absolute_url()).content.decode()
    assert client.post(f"/retention/holds/person/{person.pk}/", {"reason": "A claim."}).status_code == 403
    client.force_login(personas.manager)
    assert "Place a legal hold" in client.get(f"/contacts/people/{person.pk}/").content.decode()
    client.post(f"/retention/holds/person/{person.pk}/", {"reason": ""})
    assert not LegalHold.objects.exists()
    response = client.post(f"/retention/holds/person/{person.pk}/", {"reason": "A claim."})
    assert response.status_code == 302 and response["Location"] == f"/contacts/people/{person.pk}/"
    hold = LegalHold.objects.get()
    assert (hold.person, hold.contact, hold.placed_by) == (person, None, personas.manager)
    page = client.get(review.contact.get_absolute_url()).content.decode()
    assert 'data-testid="legal-hold"' in page and "A claim." in page
    assert AuditEvent.objects.filter(action="retention.hold_placed", actor=personas.manager).count() == 1


def test_a_restricted_contacts_review_is_only_for_managers_granted_it(personas, client, review):
    from contacts import services as contact_services

    other = manager2(personas)
    contact_services.contact_restrict(actor=personas.manager, contact=review.contact, reason="Staff family.",
                                      users=[])
    client.force_login(other)
    assert review.contact.reference not in client.get("/retention/").content.decode()
    assert client.get(f"/retention/reviews/{review.pk}/").status_code == 404
    assert client.post(f"/retention/reviews/{review.pk}/approve/").status_code == 404
    client.force_login(personas.manager)  # restricted it: granted
    assert review.contact.reference in client.get("/retention/").content.decode()
    assert client.get(f"/retention/reviews/{review.pk}/").status_code == 200
