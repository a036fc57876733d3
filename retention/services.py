"""Writes for retention: listing records due, a manager's review (approve, keep, confirm the destruction), legal
holds and the rules. Each is one transaction and audited; a refusal (DomainError) writes nothing."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from contacts.codes import ContactState
from contacts.models import Contact, Outcome, Person
from mash import deadlines, notify
from mash.access import Role, has_role
from mash.audit import audit_record
from mash.errors import DomainError, Problems
from mash.polling import stamp_bump

from . import rules, selectors
from .actions import RetentionAction
from .codes import RecordKind, ReviewState
from .destruction import destroy_contact
from .models import DestructionLog, DestructionReview, LegalHold, RetentionRule

MAX_KEEP_YEARS = 50
HELD = "A legal hold is on this record or on someone named on it: it cannot be destroyed until the hold is lifted"
ONLY_MANAGERS = "Only a MASH manager decides what happens to a record past its retention period"


# --- the beat job ------------------------------------------------------------------------------------------------


def reviews_list_due(*, today: date | None = None) -> int:
    """List the closed contacts past their rule (and those kept until a day now past) for managers to review, and
    tell the managers how many (no names, no references). Run by beat (retention.tasks.list_due); running it twice
    lists nothing twice."""
    today = today or timezone.localdate()
    with transaction.atomic():
        relisted = (DestructionReview.objects.filter(state=ReviewState.KEPT, keep_until__lte=today)
                    .update(state=ReviewState.DUE, listed_at=timezone.now()))
        due = selectors.due_contacts(today=today, limit=settings.RETENTION_LIST_BATCH)
        created = DestructionReview.objects.bulk_create(
            [DestructionReview(contact=contact, rule=rule, due_on=due_on) for contact, rule, due_on in due],
            ignore_conflicts=True)
        listed = len(created) + relisted
        if listed:
            audit_record(actor=None, action=RetentionAction.REVIEWS_LISTED,
                         changes={"listed": len(created), "relisted": relisted})
            notify.notifications_queue(
                notify.Message(recipient_id=manager_id, kind="retention.due",
                               subject=f"{listed} record{'s' if listed != 1 else ''} due for a retention review",
                               body="Records past their retention period are waiting for a manager's review. "
                                    "Sign in to review them.",
                               link=reverse("retention:reviews"))
                for manager_id in deadlines.group_member_ids(settings.DEADLINE_MANAGER_GROUP))
    return listed


# --- a manager's review ------------------------------------------------------------------------------------------


def _lock(review: DestructionReview) -> DestructionReview:
    try:
        return DestructionReview.objects.select_for_update().select_related("rule").get(pk=review.pk)
    except DestructionReview.DoesNotExist:
        raise DomainError("This record has already been destroyed") from None


def _refuse_unless_manager(actor) -> None:
    if not has_role(actor, Role.MANAGER):
        raise DomainError(ONLY_MANAGERS)


def review_approve(*, actor, review: DestructionReview) -> DestructionReview:
    """The first manager approves destroying the record; a second manager confirms (four eyes)."""
    _refuse_unless_manager(actor)
    with transaction.atomic():
        review = _lock(review)
        if review.state != ReviewState.DUE:
            raise DomainError("This record is not waiting for a first decision")
        if selectors.is_held(review.contact):
            raise DomainError(HELD)
        review.state, review.approved_by, review.approved_at = ReviewState.APPROVED, actor, timezone.now()
        review.save(update_fields=["state", "approved_by", "approved_at"])
        audit_record(actor=actor, action=RetentionAction.DESTRUCTION_APPROVED, target=review,
                     changes={"rule": review.rule_id, "due_on": review.due_on.isoformat()})
    return review


def review_keep(*, actor, review: DestructionReview, reason: str, years) -> DestructionReview:
    """Keep the record past its period, for a reason, until a later review (the beat job lists it again then)."""
    _refuse_unless_manager(actor)
    problems = Problems()
    reason = rules.KEEP_REASON.check(reason, problems)
    try:
        years = int(years)
    except (TypeError, ValueError):
        years = None
    if years is None or not 1 <= years <= MAX_KEEP_YEARS:
        problems.add("years", f"Enter a whole number of years from 1 to {MAX_KEEP_YEARS}")
    problems.raise_if_any()
    with transaction.atomic():
        review = _lock(review)
        if review.state == ReviewState.KEPT:
            raise DomainError("This record has already been kept")
        review.state, review.kept_by, review.kept_at = ReviewState.KEPT, actor, timezone.now()
        review.keep_reason, review.keep_until = reason, selectors.years_after(timezone.localdate(), years)
        review.approved_by = review.approved_at = None  # a later review starts afresh
        review.save()
        audit_record(actor=actor, action=RetentionAction.RECORD_KEPT, target=review,
                     changes={"until": review.keep_until.isoformat(), "reason": reason})
    return review


def destruction_confirm(*, actor, review: DestructionReview) -> DestructionLog:
    """A second manager confirms an approved destruction: in one transaction the record goes (retention.destruction)
    and one DestructionLog row says what kind, which reference, under which rule, who approved, who confirmed and
    when."""
    _refuse_unless_manager(actor)
    with transaction.atomic():
        review = _lock(review)
        if review.state != ReviewState.APPROVED:
            raise DomainError("A manager must approve this destruction first")
        if review.approved_by_id == actor.pk:
            raise DomainError("Another manager must confirm a destruction you approved")
        contact = Contact.objects.select_for_update().get(pk=review.contact_id)
        if contact.state != ContactState.CLOSED:
            raise DomainError("Only a closed contact is destroyed")
        if selectors.is_held(contact):
            raise DomainError(HELD)
        outcome = Outcome.objects.filter(contact=contact).first()
        # The schedule may have changed since the record was listed: it goes only if still past its rule.
        _rule, due_now = selectors.contact_due_on(contact, outcome.kind if outcome else "")
        if due_now is None or due_now > timezone.localdate():
            raise DomainError("The retention schedule has changed: this record is not past its period now"
                              + (f" (it is kept until {due_now:%d %B %Y})" if due_now else ""))
        snapshot = {
            "record_kind": RecordKind.CONTACT, "reference": contact.reference,
            "outcome": outcome.kind if outcome else "", "rule": review.rule,
            "rule_text": f"{review.rule.get_outcome_display()}: {review.rule.describe()}"[:300],
            "closed_on": timezone.localdate(contact.closed_at) if contact.closed_at else None,
            "due_on": review.due_on, "approved_by": review.approved_by, "approved_at": review.approved_at,
        }
        destroyed = destroy_contact(contact)
        log = DestructionLog.objects.create(**snapshot, confirmed_by=actor, destroyed_at=timezone.now(),
                                            counts=dict(sorted(destroyed.counts.items())))
        audit_record(actor=actor, action=RetentionAction.RECORD_DESTROYED, target=log,
                     changes={"rule": review.rule_id, "approved_by": review.approved_by.get_username(),
                              "counts": log.counts})
        stamp_bump("contacts", "deadlines")  # queues and boards drawn with it are drawn again
    return log


# --- legal holds -------------------------------------------------------------------------------------------------


def hold_place(*, actor, reason: str, contact: Contact | None = None, person: Person | None = None) -> LegalHold:
    """Hold a contact, or a person (every contact naming them), from destruction, for a reason."""
    _refuse_unless_manager(actor)
    problems = Problems()
    reason = rules.HOLD_REASON.check(reason, problems)
    if (contact is None) == (person is None):
        problems.add("reference", "Name the contact to hold")
    problems.raise_if_any()
    with transaction.atomic():
        hold = LegalHold.objects.create(contact=contact, person=person, reason=reason, placed_by=actor)
        audit_record(actor=actor, action=RetentionAction.HOLD_PLACED, target=hold,
                     changes={"on": "contact" if contact else "person",
                              "record": (contact or person).pk, "reason": reason})
    return hold


def hold_lift(*, actor, hold: LegalHold, reason: str) -> LegalHold:
    _refuse_unless_manager(actor)
    problems = Problems()
    reason = rules.LIFT_REASON.check(reason, problems)
    problems.raise_if_any()
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise DomainError("This hold has already been lifted")
        hold.lifted_by, hold.lifted_at, hold.lift_reason = actor, timezone.now(), reason
        hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
        audit_record(actor=actor, action=RetentionAction.HOLD_LIFTED, target=hold, changes={"reason": reason})
    return hold


# --- the rules (set in the admin) --------------------------------------------------------------------------------


def rule_save(*, actor, rule: RetentionRule, changed: list[str]) -> RetentionRule:
    """An admin sets a rule: saved with its history (simple-history) and audited (what changed, to what)."""
    with transaction.atomic():
        rule.full_clean()
        rule.save()
        audit_record(actor=actor, action=RetentionAction.RULE_CHANGED, target=rule,
                     changes={name: str(getattr(rule, name)) for name in changed})
    return rule
