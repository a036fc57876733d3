"""Sharing without consent: four eyes, a reason and a lawful basis always, and a snapshot of what was decided."""

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from conftest import Personas
from consent import selectors, services
from consent.models import LawfulBasis, SharingDecision, SharingReason
from mash.errors import DomainError
from mash.models import AuditEvent

from .helpers import basis, decide_share, family_contact, proposal_inputs, propose, reason

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(personas):
    return family_contact(personas.screener)


def audit_actions(contact):
    return list(AuditEvent.objects.filter(target_id=str(contact.pk)).values_list("action", flat=True))


def test_the_database_refuses_a_decider_who_proposed(personas, contact):
    decision = propose(personas.manager, contact, [personas.health])
    with pytest.raises(IntegrityError, match="sharing_decider_is_not_proposer"), transaction.atomic():
        SharingDecision.objects.filter(pk=decision.pk).update(
            state="approved", decided_by=personas.manager, decided_at=timezone.now(), lawful_basis=basis(),
            basis_text=basis().text)


def test_the_service_refuses_the_proposer_with_a_clear_message_and_writes_nothing(personas, contact):
    decision = propose(personas.manager, contact, [personas.health])
    before = audit_actions(contact)
    with pytest.raises(DomainError, match=r"You proposed this, so another manager must decide it \(four eyes\)"):
        decide_share(personas.manager, decision)
    decision.refresh_from_db()
    assert (decision.state, decision.decided_by, decision.lawful_basis) == ("proposed", None, None)
    assert audit_actions(contact) == before
    another = Personas._user("manager2", personas.social_care, Group.objects.get(name="manager"), "Max", "Other")
    assert decide_share(another, decision).state == "approved"


def test_a_proposal_without_a_reason_is_refused_and_writes_nothing(personas, contact):
    before = audit_actions(contact)
    with pytest.raises(DomainError) as refused:
        services.sharing_propose(actor=personas.screener, contact=contact,
                                 **proposal_inputs(contact, [personas.health], reason=None))
    assert refused.value.messages_for("reason") == ["Select the reason for sharing without consent"]
    assert not SharingDecision.objects.exists()
    assert audit_actions(contact) == before


def test_a_decision_to_share_without_a_lawful_basis_is_refused_and_writes_nothing(personas, contact):
    decision = propose(personas.screener, contact, [personas.health])
    before = audit_actions(contact)
    with pytest.raises(DomainError) as refused:
        services.sharing_decide(actor=personas.manager, decision=decision, outcome="share", lawful_basis=None)
    assert refused.value.messages_for("lawful_basis") == ["Select the lawful basis for sharing"]
    decision.refresh_from_db()
    assert decision.state == "proposed" and decision.decided_by is None
    assert audit_actions(contact) == before
    assert selectors.sharing_position(contact).for_agency(personas.health).status == "blocked"
    # The database refuses it too.
    with pytest.raises(IntegrityError, match="sharing_approved_has_lawful_basis"), transaction.atomic():
        SharingDecision.objects.filter(pk=decision.pk).update(
            state="approved", decided_by=personas.manager, decided_at=timezone.now())


def test_an_inactive_or_unknown_basis_or_reason_is_refused(personas, contact):
    retired = LawfulBasis.objects.create(name="Retired", article_6="Art 6(1)(e)", active=False)
    decision = propose(personas.screener, contact, [personas.health])
    for value in (retired.pk, 999999, "abc"):
        with pytest.raises(DomainError) as refused:
            services.sharing_decide(actor=personas.manager, decision=decision, outcome="share", lawful_basis=value)
        assert refused.value.messages_for("lawful_basis") == ["Select a lawful basis from the list"]
    for value in (999999, "x"):
        with pytest.raises(DomainError) as refused:
            propose(personas.screener, contact, [personas.police], reason=value)
        assert refused.value.messages_for("reason") == ["Select a reason from the list"]


def test_health_without_consent_needs_a_reason_recording_the_public_interest(personas, contact):
    with pytest.raises(DomainError) as refused:
        propose(personas.screener, contact, [personas.police, personas.health], reason=reason("undue_delay").pk)
    assert refused.value.messages_for("agencies") == [
        "Testshire Health can be asked without consent only for a reason that records the overriding public "
        "interest (such as a risk of significant harm): choose such a reason, or remove it"]
    # The same reason is fine for the police.
    assert propose(personas.screener, contact, [personas.police], reason=reason("undue_delay").pk)
    # An admin who changes a reason between proposal and decision cannot slip a health agency through.
    decision = propose(personas.screener, contact, [personas.health])
    SharingReason.objects.filter(code="risk_of_harm").update(overrides_confidentiality=False)
    with pytest.raises(DomainError, match="overriding public interest"):
        decide_share(personas.manager, decision)


def test_declining_needs_reasons(personas, contact):
    decision = propose(personas.screener, contact, [personas.health])
    with pytest.raises(DomainError) as refused:
        services.sharing_decide(actor=personas.manager, decision=decision, outcome="do_not_share", note="  ")
    assert refused.value.messages_for("note") == ["Say why you decided not to share"]
    services.sharing_decide(actor=personas.manager, decision=decision, outcome="do_not_share",
                            note="Ask the mother first: she has engaged before.")
    decision.refresh_from_db()
    assert decision.state == "declined" and decision.lawful_basis is None
    with pytest.raises(DomainError, match="already been decided"):
        decide_share(personas.manager, decision)


def test_a_decision_keeps_the_basis_and_reason_it_was_decided_on(personas, contact):
    decision = decide_share(personas.manager, propose(personas.screener, contact, [personas.health]))
    as_decided = basis().text
    assert decision.basis_text == as_decided
    assert "Article 6(1)(e)" in as_decided and "paragraph 18" in as_decided and "sections 17 and 47" in as_decided
    the_basis = basis()
    the_basis.statutory_power = "Something else entirely"
    the_basis.save()
    SharingReason.objects.filter(code="risk_of_harm").update(label="Renamed reason")
    decision.refresh_from_db()
    assert decision.basis_text == as_decided
    assert decision.reason_label == "Seeking consent would place the child at risk of significant harm"
    assert the_basis.history.first().statutory_power == "Something else entirely"  # the list keeps its history
    assert "Something else" not in str(selectors.sharing_position(contact).basis_for(personas.health,
                                                                                      decision.children_ids[0]))


def test_proposing_tells_the_managers_and_both_steps_are_on_the_timeline(personas, contact):
    decision = propose(personas.screener, contact, [personas.health])
    decide_share(personas.manager, decision)
    events = AuditEvent.objects.filter(target_id=str(contact.pk), action__startswith="sharing.").order_by("at", "id")
    assert [(e.action, e.actor_label) for e in events] == [("sharing.proposed", "screener"),
                                                           ("sharing.approved", "manager")]
    assert "Testshire Health" in events[1].changes["summary"]
    from mash.models import Notification

    assert Notification.objects.filter(recipient=personas.manager, kind="sharing_proposed").count() == 1
