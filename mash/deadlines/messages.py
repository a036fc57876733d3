"""What people are told when a clock warns, breaches or escalates further, and to whom it goes.

One message per escalation and person; or, for a person due more than NOTIFICATION_DIGEST_AFTER of one kind in
one sweep batch, one digest naming them (a burst is one e-mail, not hundreds). Everything goes out through the
outbox's one bulk function (`mash.notify.notifications_queue`), which applies the e-mail rule for everyone.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from .. import notify
from ..access import Role
from ..codes import Brag, stage_label
from ..models import EscalationKind
from .registry import Registration, at_risk_url, group_member_ids

logger = logging.getLogger(__name__)

DIGEST_LISTED = 20  # how many a digest names before "and N more"


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M on %a %-d %b %Y}"


def _what(escalation: dict) -> str:
    stage = stage_label(escalation["stage"]).lower()
    rating = Brag(escalation["rating"]).label if escalation["rating"] in Brag.values else ""
    return f"{escalation['target_label']} ({stage}{', ' + rating if rating else ''})"


ACKNOWLEDGE = "Acknowledge the breach with a note."
MANAGER_HAS_IT = "The MASH managers have been told."


def message(escalation: dict, *, advice: str | None = None) -> tuple[str, str]:
    """(subject, body) of the message about one escalation. `advice`: None for someone who can acknowledge a
    breach (a MASH manager); otherwise what this recipient can do instead, in words (the registration's `advice`),
    or "" when it gives none."""
    what, deadline = _what(escalation), _when(escalation["deadline_at"])
    if escalation["kind"] == EscalationKind.WARNING:
        return f"Due soon: {what}"[:200], f"{what} has passed its target ({deadline})."
    if escalation["kind"] == EscalationKind.BREACH:
        action = ACKNOWLEDGE if advice is None else (advice or MANAGER_HAS_IT)
        return f"Breach: {what}"[:200], f"{what} has passed its limit ({deadline}). {action}"
    body = f"{what} breached its limit at {deadline} and nobody has acknowledged it."
    return f"Escalated: {what}"[:200], f"{body} {advice}" if advice else body


def acknowledger_ids() -> set[int]:
    """Who can acknowledge a breach (the at-risk board's acknowledge page): the active MASH managers. Looked up
    once a sweep pass (group_member_ids)."""
    return set(group_member_ids(Role.MANAGER.value))


def advice_for(registration: Registration, kind: str) -> str:
    """What someone who cannot acknowledge is told to do about a `kind` escalation of this registration's rows. An
    app's callable that fails must not cost the batch its notifications: then nothing (they are told the managers
    have it)."""
    if registration.advice is None or kind == EscalationKind.WARNING:
        return ""
    try:
        return str(registration.advice(kind) or "")[:500]
    except Exception:
        logger.exception("advice failed for %s", registration.model._meta.label)
        return ""


def digest(kind: str, escalations: list[dict]) -> tuple[str, str]:
    """(subject, body) of one message for many escalations of one kind in one batch."""
    count = len(escalations)
    subject = {
        EscalationKind.WARNING: f"Due soon: {count:,} past their target",
        EscalationKind.BREACH: f"Breaches: {count:,} past their limit",
        EscalationKind.SECOND_LEVEL: f"Escalated: {count:,} breaches nobody has acknowledged",
    }[kind]
    deadline = {EscalationKind.WARNING: "target"}.get(kind, "limit")
    lines = [f"{_what(e)}: {deadline} {_when(e['deadline_at'])}" for e in escalations[:DIGEST_LISTED]]
    if count > DIGEST_LISTED:
        lines.append(f"and {count - DIGEST_LISTED:,} more.")
    return subject, "\n".join(lines)


def digest_link(registration: Registration, kind: str) -> str:
    """Where a digest links. An app's callable that fails or overreaches must not cost the batch its
    notifications: the at-risk board is the fallback."""
    try:
        link = str(registration.digest_url(kind))
    except Exception:
        logger.exception("digest_url failed for %s; linking to the at-risk board", registration.model._meta.label)
        return at_risk_url(kind)
    return link if len(link) <= 300 else at_risk_url(kind)


def escalations_notify(registration: Registration, kind: str, planned: list[tuple[dict, list[int]]], *,
                       at: datetime) -> int:
    """Queue the notifications for recorded escalations (each with the ids of the users to tell). Returns how
    many were queued (inactive users are told nothing)."""
    by_user: dict[int, list[dict]] = defaultdict(list)
    for escalation, recipients in planned:
        for user_id in recipients:
            by_user[user_id].append(escalation)
    messages: list[notify.Message] = []
    acknowledgers = acknowledger_ids() if kind != EscalationKind.WARNING else set()
    advice = advice_for(registration, kind)
    for user_id, escalations in by_user.items():
        # A MASH manager is asked to acknowledge; anyone else (an agency's partner) is told what they can do.
        theirs = None if kind == EscalationKind.WARNING or user_id in acknowledgers else advice
        if len(escalations) > settings.NOTIFICATION_DIGEST_AFTER:
            subject, body = digest(kind, escalations)
            if theirs:
                body = f"{body}\n\n{theirs}"
            messages.append(notify.Message(kind=f"escalation.{kind}.digest", subject=subject, body=body,
                                           link=digest_link(registration, kind), recipient_id=user_id))
            continue
        key = "message" if theirs is None else "message_advised"
        for escalation in escalations:
            if key not in escalation:
                escalation[key] = message(escalation, advice=theirs)
            subject, body = escalation[key]
            messages.append(notify.Message(kind=f"escalation.{kind}", subject=subject, body=body,
                                           link=escalation["target_url"], recipient_id=user_id,
                                           escalation_id=escalation["id"]))
    return len(notify.notifications_queue(messages, at=at)) if messages else 0
