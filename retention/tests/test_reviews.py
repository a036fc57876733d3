"""The schedule: the beat job lists closed contacts past their rule (not held ones, not twice), managers review
them with four eyes, a legal hold stops a destruction, a screener decides nothing, and every decision is
audited."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from contacts.models import Contact
from mash.errors import DomainError
from mash.models import AuditEvent, Notification
from reports.tests.helpers import contact_to_outcome
from retention import selectors, services, tasks
from retention.models import DestructionLog, DestructionReview, RetentionRule

from .helpers import manager2

pytestmark = pytest.mark.django_db


def closed(personas, *, kind="nfa", years_ago=11, **kwargs):
    if kind == "s17_assessment":
        from agencies.models import Team

        kwargs["team"], _ = Team.objects.get_or_create(agency=personas.social_care, name="Assessment team",
                                                       defaults={"receives_outcomes": True})
    contact = contact_to_outcome(personas, kind=kind, **kwargs)
    Contact.objects.filter(pk=contact.pk).update(closed_at=timezone.now() - timedelta(days=365 * years_ago + 5))
    contact.refresh_from_db()
    return contact


def listed() -> set[int]:
    return set(DestructionReview.objects.values_list("contact_id", flat=True))


def test_the_beat_job_lists_contacts_past_their_rule(personas):
    old_nfa = closed(personas, kind="nfa", years_ago=11)  # NFA: 10 years after closure
    recent_nfa = closed(personas, kind="nfa", years_ago=9)
    advice = closed(personas, kind="universal_advice", years_ago=7)  # advice: 6 years
    # A child in need born in 2018: kept until 18 plus 3 years, however long ago it closed.
    young_cin = closed(personas, kind="s17_assessment", years_ago=11)
    held = closed(personas, kind="nfa", years_ago=12)
    services.hold_place(actor=personas.manager, person=held.subjects.first().person, reason="A claim.")
    open_contact = contact_to_outcome(personas, kind="nfa")  # closed today

    assert tasks.list_due() == 2  # what beat runs
    assert listed() == {old_nfa.pk, advice.pk}
    assert services.reviews_list_due() == 0  # nothing twice
    review = DestructionReview.objects.get(contact=old_nfa)
    assert review.rule.outcome == "nfa"
    assert review.due_on == selectors.years_after(timezone.localdate(old_nfa.closed_at), 10)
    # Managers are told how many: no name, no reference.
    told = Notification.objects.filter(kind="retention.due")
    assert {n.recipient for n in told} == {personas.manager}
    assert all(old_nfa.reference not in n.subject + n.body and "Child0" not in n.body for n in told)
    assert AuditEvent.objects.filter(action="retention.listed", actor=None).count() == 1
    assert recent_nfa.pk not in listed() and open_contact.pk not in listed() and young_cin.pk not in listed()
    # By 2040 the child in need is 21 (and the NFAs are 10 years closed); the held one is never listed.
    assert services.reviews_list_due(today=date(2040, 1, 2)) == 3
    assert listed() == {old_nfa.pk, advice.pk, young_cin.pk, recent_nfa.pk, open_contact.pk}


def test_the_schedule_is_in_beat(personas):
    entry = settings.CELERY_BEAT_SCHEDULE["list-retention-due"]
    assert entry["task"] == tasks.list_due.name == "retention.tasks.list_due"


def test_an_inactive_rule_lists_nothing_and_any_other_outcome_has_a_fallback(personas):
    nfa = closed(personas, kind="nfa", years_ago=11)
    RetentionRule.objects.filter(outcome="nfa").update(active=False)
    # The fallback ("any other outcome", 10 years) covers an outcome whose own rule is off.
    assert services.reviews_list_due() == 1
    assert DestructionReview.objects.get(contact=nfa).rule.outcome == ""
    RetentionRule.objects.filter(outcome="").update(active=False)
    DestructionReview.objects.all().delete()
    assert services.reviews_list_due() == 0


def test_four_eyes_and_who_may_decide(personas):
    contact = closed(personas)
    services.reviews_list_due()
    review = DestructionReview.objects.get(contact=contact)
    for who in (personas.screener, personas.admin, personas.police_partner):
        with pytest.raises(DomainError, match="Only a MASH manager"):
            services.review_approve(actor=who, review=review)
    with pytest.raises(DomainError, match="approve this destruction first"):
        services.destruction_confirm(actor=personas.manager, review=review)
    services.review_approve(actor=personas.manager, review=review)
    with pytest.raises(DomainError, match="Another manager"):
        services.destruction_confirm(actor=personas.manager, review=review)
    with pytest.raises(DomainError, match="Only a MASH manager"):
        services.destruction_confirm(actor=personas.screener, review=review)
    assert Contact.objects.filter(pk=contact.pk).exists() and not DestructionLog.objects.exists()
    services.destruction_confirm(actor=manager2(personas), review=review)
    assert not Contact.objects.filter(pk=contact.pk).exists() and DestructionLog.objects.count() == 1


def test_a_legal_hold_stops_a_destruction(personas):
    contact = closed(personas)
    services.reviews_list_due()
    review = DestructionReview.objects.get(contact=contact)
    services.review_approve(actor=personas.manager, review=review)
    hold = services.hold_place(actor=personas.manager, contact=contact, reason="Subject access request.")
    second = manager2(personas)
    with pytest.raises(DomainError, match="legal hold"):
        services.destruction_confirm(actor=second, review=review)
    assert Contact.objects.filter(pk=contact.pk).exists() and not DestructionLog.objects.exists()
    # A hold on someone named on it holds it too.
    services.hold_lift(actor=personas.manager, hold=hold, reason="Answered.")
    person_hold = services.hold_place(actor=personas.manager, person=contact.subjects.first().person,
                                      reason="A claim.")
    with pytest.raises(DomainError, match="legal hold"):
        services.destruction_confirm(actor=second, review=review)
    services.hold_lift(actor=personas.manager, hold=person_hold, reason="Settled.")
    services.destruction_confirm(actor=second, review=review)
    assert DestructionLog.objects.count() == 1
    actions = list(AuditEvent.objects.filter(action__startswith="retention.hold").values_list("action", flat=True))
    assert sorted(actions) == ["retention.hold_lifted"] * 2 + ["retention.hold_placed"] * 2


def test_keeping_a_record_lists_it_again_later(personas):
    contact = closed(personas)
    services.reviews_list_due()
    review = DestructionReview.objects.get(contact=contact)
    with pytest.raises(DomainError):
        services.review_keep(actor=personas.manager, review=review, reason="", years="x")
    services.review_keep(actor=personas.manager, review=review, reason="A sibling's case is open.", years=2)
    review.refresh_from_db()
    assert review.state == "kept" and review.keep_until == selectors.years_after(timezone.localdate(), 2)
    event = AuditEvent.objects.get(action="retention.kept")
    assert event.actor == personas.manager and event.changes["reason"] == "A sibling's case is open."
    assert services.reviews_list_due() == 0
    assert services.reviews_list_due(today=review.keep_until) == 1
    review.refresh_from_db()
    assert review.state == "due"


def test_a_rule_lengthened_after_listing_stops_the_destruction(personas):
    contact = closed(personas)
    services.reviews_list_due()
    review = DestructionReview.objects.get(contact=contact)
    services.review_approve(actor=personas.manager, review=review)
    RetentionRule.objects.filter(outcome="nfa").update(years=20)
    with pytest.raises(DomainError, match="schedule has changed"):
        services.destruction_confirm(actor=manager2(personas), review=review)
    assert Contact.objects.filter(pk=contact.pk).exists() and not DestructionLog.objects.exists()
