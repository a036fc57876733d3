"""Writing the audit log. Services call `audit_record` inside their own transaction.

The log accepts only registered actions: the kernel's own (`AuditAction`), and each app's list,
registered with `register_actions` when the app's actions module is imported.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditAction, AuditEvent

SYSTEM = "system"
_ACTIONS: dict[str, str] = dict(AuditAction.choices)


def register_actions(choices: type[models.TextChoices]) -> None:
    for value, label in choices.choices:
        if _ACTIONS.get(value, label) != label:
            raise ValueError(f"Audit action {value!r} registered twice with different labels")
        _ACTIONS[value] = label


def registered_actions() -> dict[str, str]:
    """Every registered action and its label (the audit search's kinds)."""
    return dict(_ACTIONS)


def action_label(value: str) -> str:
    return _ACTIONS.get(value, value)


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    if action not in _ACTIONS:
        raise ValueError(f"Unregistered audit action {action!r}")
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_person else None,
        actor_label=actor.get_username() if is_person else SYSTEM,
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        changes=changes or {},
    )


def audit_record_many(*, actor, action: str, targets, changes: dict[str, Any] | None = None) -> None:
    """One row for each of `targets` (all of one model), in one INSERT: a queue or a search result showing many
    children records a look at each, so "who has looked at this child" finds it by the child's own key."""
    targets = list(targets)
    if not targets:
        return
    if action not in _ACTIONS:
        raise ValueError(f"Unregistered audit action {action!r}")
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    target_type = ContentType.objects.get_for_model(targets[0])
    AuditEvent.objects.bulk_create(
        AuditEvent(actor=actor if is_person else None, actor_label=actor.get_username() if is_person else SYSTEM,
                   action=action, target_type=target_type, target_id=str(target.pk),
                   target_label=str(target)[:200], changes=changes or {})
        for target in targets
    )


def audit_trail(target: models.Model):
    """Everything recorded about one record, newest first."""
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).select_related("actor")


AUDIT_TRIGGER = "mash.AuditEvent:audit_append_only"


def audit_rewrite():
    """A context in which audit rows may be changed or deleted (django-pgtrigger's ignore, this connection and
    transaction only). For the retention job's destruction and the demo and bench seeders: nothing a person's
    request reaches. Everything else is refused by the database."""
    import pgtrigger

    return pgtrigger.ignore(AUDIT_TRIGGER)
