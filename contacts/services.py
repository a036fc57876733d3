"""Writes for contacts. Each service is one transaction that writes its own audit row."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from mash.audit import audit_record
from mash.clock import DEFAULT_CALENDAR
from mash.errors import DomainError
from mash.models import AuditAction

from .codes import ClockStage, ContactState, SubjectRole
from .models import Contact, ContactSubject, Person, ReferenceCounter


@dataclass(frozen=True)
class ChildInput:
    first_name: str
    last_name: str
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    address: str = ""
    postcode: str = ""


def contact_reference_next(*, year: int) -> str:
    """Take the next number for the year, under a row lock: two screeners never share a number."""
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"C-{year}-{counter.last:06d}"


def contact_decision_due(received_at: datetime) -> datetime:
    return DEFAULT_CALENDAR.add_working_days(received_at, settings.CONTACT_DECISION_WORKING_DAYS)


def contact_create(
    *,
    actor,
    received_at: datetime,
    channel: str,
    referrer_name: str,
    referrer_role: str = "",
    referrer_organisation: str = "",
    referral_source: str,
    concern: str,
    children: list[ChildInput],
    submission_key: uuid.UUID | None = None,
) -> Contact:
    """Record a contact with its children and start the decision clock (1 working day)."""
    if not children:
        raise DomainError("Add at least one child", field="children")
    if received_at > timezone.now():
        raise DomainError("The date and time received must be in the past", field="received_at")
    if submission_key is not None:
        existing = Contact.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            contact = Contact(
                reference=contact_reference_next(year=timezone.localdate().year),
                received_at=received_at,
                channel=channel,
                referrer_name=referrer_name,
                referrer_role=referrer_role,
                referrer_organisation=referrer_organisation,
                referral_source=referral_source,
                concern=concern,
                state=ContactState.AWAITING_SCREENING,
                created_by=actor,
                submission_key=submission_key,
            )
            contact.clock_start(
                stage=ClockStage.CONTACT_DECISION,
                started_at=received_at,
                due_at=contact_decision_due(received_at),
            )
            contact.full_clean(exclude=["created_by", "reference", "submission_key"])
            contact.save()
            for position, child in enumerate(children):
                person = Person.objects.create(
                    first_name=child.first_name,
                    last_name=child.last_name,
                    date_of_birth=child.date_of_birth,
                    expected_date_of_birth=child.expected_date_of_birth,
                    address=child.address,
                    postcode=child.postcode,
                )
                ContactSubject.objects.create(
                    contact=contact, person=person, role=SubjectRole.SUBJECT_CHILD, position=position
                )
            audit_record(
                actor=actor,
                action=AuditAction.CONTACT_CREATED,
                target=contact,
                changes={"children": len(children), "channel": channel, "referral_source": referral_source},
            )
    except IntegrityError:
        # A double submit that raced past the first check: the first submit's contact stands.
        if submission_key is not None:
            existing = Contact.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                return existing
        raise
    return contact


def contact_record_view(*, actor, contact: Contact) -> None:
    """Who looked at this child's record: every view of a contact page is audited."""
    audit_record(actor=actor, action=AuditAction.CONTACT_VIEWED, target=contact)
