"""The outbox: queue notifications inside your transaction; a Celery task delivers them after commit.

    notification_queue(recipient=user, kind="outcome", subject=..., body=..., link=...)
    notification_queue(recipient=None, email="referrer@school.example", kind="referrer_outcome", ...)

A notification to a user is in-app always (the notifications page) and is also e-mailed when the user
has an address. `deliver_pending()` (run by `mash.tasks.deliver_notifications`) claims unsent rows one
at a time with `select_for_update(skip_locked=True)`, sends, and marks `sent_at` before the claim's
transaction commits, so two workers never send the same row. A failure records the attempt and the
error and tries again later with backoff; after NOTIFICATION_MAX_ATTEMPTS it gives up (`failed_at`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


def notification_queue(
    *, recipient=None, email: str | None = None, kind: str, subject: str, body: str = "", link: str = "",
    escalation=None,
) -> Notification:
    """Add a notification to the outbox, inside the caller's transaction; delivery follows the commit.

    email: defaults to the recipient's address; give it with recipient=None to e-mail someone who is not
    a user (a referrer).
    """
    if email is None:
        email = (recipient.email or "") if recipient is not None else ""
    if recipient is None and not email:
        raise ValueError("a notification needs a recipient or an e-mail address")
    now = timezone.now()
    notification = Notification.objects.create(
        recipient=recipient, email=email, kind=kind, subject=subject[:200], body=body, link=link,
        escalation=escalation, created_at=now, next_attempt_at=now,
    )
    deliver_soon()
    return notification


def _enqueue_delivery() -> None:
    from .tasks import deliver_notifications

    deliver_notifications.delay()


def deliver_soon() -> None:
    """Ask a worker to deliver once the current transaction commits (beat's safety net catches a miss)."""
    transaction.on_commit(_enqueue_delivery, robust=True)


@dataclass
class DeliveryResult:
    sent: int = 0
    in_app: int = 0
    failed: int = 0
    gave_up: int = 0


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(settings.NOTIFICATION_RETRY_SECONDS * 2 ** (attempts - 1), 3600))


def _absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return settings.SITE_URL.rstrip("/") + link if settings.SITE_URL else link


def _send(notification: Notification) -> None:
    body = notification.body
    if notification.link:
        body = f"{body}\n\n{_absolute(notification.link)}".strip()
    EmailMessage(subject=notification.subject, body=body, to=[notification.email]).send()


def deliver_pending(*, limit: int = 200, now: datetime | None = None) -> DeliveryResult:
    """Send what is due in the outbox. Each row is claimed, sent and marked in its own transaction."""
    result = DeliveryResult()
    for _ in range(limit):
        at = now or timezone.now()
        with transaction.atomic():
            notification = (
                Notification.objects.filter(sent_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=at)
                .order_by("next_attempt_at", "id")
                .select_for_update(skip_locked=True)
                .first()
            )
            if notification is None:
                break
            notification.attempts += 1
            if not notification.email:
                notification.sent_at = at  # in-app only: nothing to send
                result.in_app += 1
            else:
                try:
                    _send(notification)
                except Exception as error:  # the mail server's failure, whatever its type
                    logger.warning("notification %s: sending failed: %s", notification.pk, error)
                    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
                    if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                        notification.failed_at = at
                        result.gave_up += 1
                    else:
                        notification.next_attempt_at = at + _backoff(notification.attempts)
                        result.failed += 1
                else:
                    notification.sent_at = at
                    result.sent += 1
            notification.save(update_fields=["attempts", "sent_at", "failed_at", "last_error", "next_attempt_at"])
    return result


# --- reading -----------------------------------------------------------------------------------------


def notifications_for(user):
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when ids is None)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
