"""A contact becomes a referral, in the DfE's terms, in the same transaction as the outcome that sends it to
statutory assessment; other outcomes make none."""

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from agencies.models import Team
from contacts import services as contact_services
from contacts.models import Outcome
from mash.errors import DomainError
from mash.models import AuditEvent
from reports.actions import ReportAction
from reports.models import Referral
from reports.services import referral_nfa_record

from .helpers import contact_awaiting_outcome, contact_to_outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(personas):
    return Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)


@pytest.mark.parametrize("kind", ["s17_assessment", "strategy_s47"])
def test_statutory_assessment_makes_one_referral_per_child(personas, team, kind):
    contact = contact_to_outcome(personas, kind=kind, team=team, children=2, referral_source="6")
    referrals = list(Referral.objects.filter(contact=contact).order_by("person__first_name"))
    assert [r.person.first_name for r in referrals] == ["Child0", "Child1"]
    for referral in referrals:
        assert referral.referral_date == timezone.localdate(contact.outcome.decided_at)
        assert (referral.source, referral.route, referral.nfa, referral.allocated_team) == ("6", kind, False, team)
    event = AuditEvent.objects.get(action=ReportAction.REFERRAL_RECORDED)
    assert event.target_id == str(contact.pk) and event.actor == personas.manager
    assert event.changes["route"] == kind


@pytest.mark.parametrize("kind", ["early_help", "nfa", "universal_advice"])
def test_other_outcomes_make_no_referral(personas, team, kind):
    contact_to_outcome(personas, kind=kind, team=team if kind == "early_help" else None)
    assert not Referral.objects.exists()
    assert not AuditEvent.objects.filter(action=ReportAction.REFERRAL_RECORDED).exists()


def test_the_councils_policy_can_add_an_outcome(personas, team, settings):
    settings.REFERRAL_OUTCOMES = ["s17_assessment", "strategy_s47", "early_help"]
    contact_to_outcome(personas, kind="early_help", team=team)
    assert Referral.objects.get().route == "early_help"


def test_no_outcome_without_its_referral(personas, team):
    """The referral is written inside the outcome's transaction: if it fails, the outcome is not recorded."""
    contact = contact_awaiting_outcome(personas)
    with connection.cursor() as cursor:  # the database now refuses every referral
        cursor.execute("ALTER TABLE reports_referral ADD CONSTRAINT test_no_rows CHECK (false) NOT VALID")
    with pytest.raises(DatabaseError):
        contact_services.outcome_decide(actor=personas.manager, contact=contact, kind="strategy_s47",
                                        rationale="r", summary="s", receiving_team=team)
    assert not Outcome.objects.filter(contact=contact).exists()
    contact.refresh_from_db()
    assert contact.state == "awaiting_outcome"


def test_a_referral_ends_nfa_once(personas, team):
    contact = contact_to_outcome(personas, kind="s17_assessment", team=team)
    referral = Referral.objects.get(contact=contact)
    referral_nfa_record(actor=personas.manager, referral=referral)
    referral.refresh_from_db()
    assert referral.nfa and referral.nfa_recorded_by == personas.manager and referral.nfa_recorded_at
    with pytest.raises(DomainError):
        referral_nfa_record(actor=personas.manager, referral=referral)
    assert AuditEvent.objects.filter(action=ReportAction.REFERRAL_NFA).count() == 1


def test_the_contact_page_shows_the_referral_and_a_manager_records_nfa(personas, client_for, team):
    contact = contact_to_outcome(personas, kind="s17_assessment", team=team, children=2)
    referral = Referral.objects.filter(contact=contact).order_by("person__first_name").first()
    manager = client_for(personas.manager)
    page = manager.get(contact.get_absolute_url()).content.decode()
    assert 'data-testid="referral-panel"' in page and "Record no further action" in page
    response = manager.post(f"/reports/referrals/{referral.pk}/nfa/")
    assert response.status_code == 302 and response["Location"] == contact.get_absolute_url()
    referral.refresh_from_db()
    assert referral.nfa and not Referral.objects.filter(contact=contact, nfa=True).exclude(pk=referral.pk).exists()
    page = manager.get(contact.get_absolute_url()).content.decode()
    assert "Ended with no further action (recorded by Mo Manager" in page
    # Twice: refused with a message, nothing more recorded.
    manager.post(f"/reports/referrals/{referral.pk}/nfa/")
    assert AuditEvent.objects.filter(action=ReportAction.REFERRAL_NFA).count() == 1


def test_a_screener_sees_the_referral_but_cannot_record_nfa(personas, client_for, team):
    contact = contact_to_outcome(personas, kind="s17_assessment", team=team)
    referral = Referral.objects.get(contact=contact)
    screener = client_for(personas.screener)
    page = screener.get(contact.get_absolute_url()).content.decode()
    assert 'data-testid="referral-panel"' in page and "Record no further action" not in page
    assert screener.post(f"/reports/referrals/{referral.pk}/nfa/").status_code == 403
    assert client_for(personas.police_partner).post(f"/reports/referrals/{referral.pk}/nfa/").status_code == 404
    referral.refresh_from_db()
    assert not referral.nfa


def test_no_panel_when_the_contact_made_no_referral(personas, client_for):
    contact = contact_to_outcome(personas, kind="nfa")
    assert 'data-testid="referral-panel"' not in client_for(personas.manager).get(
        contact.get_absolute_url()).content.decode()
