"""Today's flows write the disclosure ledger in the outcome's own transaction: the outcome summary to the receiving
team, the outcome (or an acknowledgement) to the referrer, the contact passed to an allocated social worker."""

import pytest
from django.db import DatabaseError, connection

from agencies.models import Team, User
from consent.models import Disclosure
from contacts import services as contact_services
from contacts.models import ContactSubject, LevelOfNeed, Outcome, ThresholdCriterion
from mash.models import AuditEvent, Notification

from .helpers import family_contact

pytestmark = pytest.mark.django_db


def approved(personas, **kwargs):
    contact = family_contact(personas.screener, **kwargs)
    level = LevelOfNeed.objects.get(document__active=True, number=3)
    contact_services.screening_submit(
        actor=personas.screener, contact=contact, worries="w", working_well="ww", needs_to_happen="n",
        history_checked=True, level=level, criteria=list(ThresholdCriterion.objects.filter(level=level)[:1]),
        proposed_brag="amber", rationale="r", recommendation="route")
    contact_services.rating_decide(actor=personas.manager, contact=contact, brag="amber")
    return contact


@pytest.fixture
def team(personas):
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    User.objects.create_user(username="assessor", agency=personas.social_care, team=team, first_name="Ash")
    return team


def decide(personas, contact, team):
    return contact_services.outcome_decide(actor=personas.manager, contact=contact, kind="s17_assessment",
                                           rationale="Needs an assessment.", summary="Hungry; mother struggling.",
                                           receiving_team=team)


def test_the_outcome_writes_a_disclosure_to_the_team_and_to_the_referrer(personas, team):
    contact = approved(personas)
    outcome = decide(personas, contact, team)
    people = set(ContactSubject.objects.filter(contact=contact).values_list("person_id", flat=True))
    to_team, to_referrer = Disclosure.objects.filter(contact=contact).order_by("id")
    assert (to_team.basis_kind, to_team.to_team, to_team.to_agency) == (
        "outcome_to_receiving_team", team, personas.social_care)
    assert "Hungry; mother struggling." in to_team.content
    assert set(to_team.about.values_list("pk", flat=True)) == people
    assert to_referrer.basis_kind == "referrer_feedback"
    assert to_referrer.to_person == "Jo Teacher, jo.teacher@school.example (the referrer)"
    assert to_referrer.field_names == ["contact.reference", "outcome.kind", "outcome.receiving_team"]
    assert "Section 17 child-in-need assessment" in to_referrer.content
    assert set(to_referrer.about.values_list("pk", flat=True)) == people
    assert {d.disclosed_by for d in (to_team, to_referrer)} == {personas.manager}
    assert outcome.referrer_feedback == "outcome"
    # Each is on the contact's timeline.
    assert AuditEvent.objects.filter(target_id=str(contact.pk), action="disclosure.recorded").count() == 2


def test_a_team_with_nobody_active_was_sent_nothing_and_nothing_is_logged_as_shared_with_it(personas, team):
    """Found walking the demo: its teams had no members; the preview said "Nothing: the team has no active members",
    yet the child's "What has been shared" page listed the summary as shared with the team."""
    team.members.update(is_active=False)
    contact = approved(personas)
    decide(personas, contact, team)
    assert list(Disclosure.objects.filter(contact=contact).values_list("basis_kind", flat=True)) == [
        "referrer_feedback"]
    assert not Notification.objects.filter(kind="outcome_received").exists()


def test_a_member_of_the_public_gets_an_acknowledgement_and_it_is_recorded_as_such(personas):
    contact = approved(personas, referral_source="1B", referrer_name="Nora Neighbour",
                       referrer_email="nora@example.org")
    contact_services.outcome_decide(actor=personas.manager, contact=contact, kind="nfa", rationale="No concern.",
                                    summary="Nothing further.")
    [ack] = Disclosure.objects.filter(contact=contact)
    assert ack.basis_kind == "referrer_feedback" and "no outcome shared" in ack.summary
    assert ack.field_names == ["contact.reference"]


def test_no_address_no_e_mail_no_disclosure(personas):
    contact = approved(personas, referrer_email="")
    contact_services.outcome_decide(actor=personas.manager, contact=contact, kind="nfa", rationale="No concern.",
                                    summary="Nothing further.")
    assert not Disclosure.objects.filter(contact=contact).exists()


def test_passing_to_the_allocated_worker_is_a_disclosure_to_them(personas):
    contact = family_contact(personas.screener, referrer_email="")
    ava = contact.subjects.get(person__first_name="Ava").person
    ava.allocated_worker = personas.screener2
    ava.save()
    contact_services.contact_pass_to_allocated_worker(actor=personas.screener, contact=contact, person=ava,
                                                      note="New concern from school.")
    [passed] = Disclosure.objects.filter(contact=contact)
    assert passed.basis_kind == "allocated_worker" and passed.to_person == "Sol Second (allocated social worker)"
    assert passed.content == "New concern from school."


def test_a_failure_writing_the_ledger_rolls_the_outcome_back(personas, team):
    contact = approved(personas)
    # A real failure of the ledger's insert, in the database itself: no mock.
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE FUNCTION consent_test_refuse() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'ledger unavailable'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER consent_test_refuse BEFORE INSERT ON consent_disclosure
            FOR EACH ROW EXECUTE FUNCTION consent_test_refuse();
        """)
    notifications = Notification.objects.count()
    with pytest.raises(DatabaseError, match="ledger unavailable"):
        decide(personas, contact, team)
    contact.refresh_from_db()
    assert contact.state == "awaiting_outcome" and contact.closed_at is None
    assert not Outcome.objects.filter(contact=contact).exists()
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(target_id=str(contact.pk), action="outcome.decided").exists()
    assert Notification.objects.count() == notifications  # the referrer's e-mail was never queued
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER consent_test_refuse ON consent_disclosure; DROP FUNCTION consent_test_refuse();")
    decide(personas, contact, team)
    assert Disclosure.objects.filter(contact=contact).count() == 2
