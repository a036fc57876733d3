"""Writes about clocks that are not the sweep's: a manager acknowledges a breach; an admin revises a window."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..audit import audit_record
from ..errors import DomainError, Problems
from ..models import AuditAction, Escalation, EscalationKind, ResponseWindow
from ..polling import stamp_bump
from ..rules import Text
from .registry import STAMP

ACKNOWLEDGEMENT_NOTE = Text(
    "note", "What is being done about it", max_length=2000, rows=3,
    required_message="Enter a note saying what is being done about the breach",
    too_long_message="The note must be at most 2000 characters",
    help_text="For example: strategy discussion booked for 14:00 with police and health.",
)


def escalation_acknowledge(*, actor, escalation_id: int, note: str):
    """A manager acknowledges a breach with a note: no further escalation for this clock run."""
    problems = Problems()
    note = ACKNOWLEDGEMENT_NOTE.check(note, problems)
    problems.raise_if_any()
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update(of=("self",)).select_related("target_type").get(pk=escalation_id)
        )
        if escalation.kind not in (EscalationKind.BREACH, EscalationKind.SECOND_LEVEL):
            raise DomainError("Only a breach can be acknowledged")
        if escalation.acknowledged_at is not None:
            raise DomainError(f"This breach was already acknowledged by {escalation.acknowledged_by}")
        at = timezone.now()
        same_run = Escalation.objects.filter(
            target_type=escalation.target_type, target_id=escalation.target_id, stage=escalation.stage,
            clock_started_at=escalation.clock_started_at,
            kind__in=[EscalationKind.BREACH, EscalationKind.SECOND_LEVEL], acknowledged_at__isnull=True,
        )
        # The breach and its second level (if it fired) are acknowledged together; this stops escalation.
        stamp_bump(STAMP)
        same_run.update(acknowledged_by=actor, acknowledged_at=at, acknowledgement_note=note, second_level_due_at=None)
        escalation.refresh_from_db()
        model = escalation.target_type.model_class()
        target = model._default_manager.filter(pk=escalation.target_id).first() if model else None
        audit_record(
            actor=actor,
            action=AuditAction.ESCALATION_ACKNOWLEDGED,
            target=target or escalation,
            changes={"kind": escalation.kind, "stage": escalation.stage, "note": note},
        )
    return escalation



def window_revise(*, actor, window_id: int, values: dict):
    """Change a response window by adding its next version: running clocks keep the version they started
    on, new clocks take this one. The old version is deactivated in the same transaction."""
    editable = {"target", "target_unit", "limit", "unit", "day_start", "day_end", "second_level_minutes"}
    unknown = set(values) - editable
    if unknown:
        raise DomainError(f"These cannot be changed on a window: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        old = ResponseWindow.objects.select_for_update().get(pk=window_id)
        if not old.active:
            raise DomainError("Only the active version of a window can be changed")
        now = timezone.now()
        old.active = False
        old.replaced_at = now
        old.save()
        latest = ResponseWindow.objects.filter(stage=old.stage, rating=old.rating).order_by("-version").first()
        new = ResponseWindow(
            stage=old.stage, rating=old.rating, version=latest.version + 1, effective_from=now, active=True,
            **{name: getattr(old, name) for name in editable},
        )
        for name, value in values.items():
            setattr(new, name, value)
        new.full_clean()
        new.save()
        audit_record(
            actor=actor, action=AuditAction.WINDOW_CHANGED, target=new,
            changes={
                "from_version": old.version, "to_version": new.version,
                **{name: [str(getattr(old, name)), str(getattr(new, name))] for name in editable
                   if getattr(old, name) != getattr(new, name)},
            },
        )
    return new

