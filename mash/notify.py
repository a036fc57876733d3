"""The outbox: queue notifications inside your transaction; one Celery task delivers them after the commit.

    notifications_queue([Message(kind="outcome", subject=..., recipient_id=user.pk, link=...), ...])
    notification_queue(recipient=user, kind="rating_returned", subject=..., link=...)      # one, the same way
    notification_queue(email="referrer@school.example", kind="referrer_feedback", subject=..., body=...)

Every service and the deadline sweep queue through `notifications_queue`, so one rule decides who gets what:
a notification to a user is in-app always (the notifications page) and also e-mailed when the user has an
address; an inactive user gets nothing; an address that is not a user (a referrer) gets the e-mail. However
many are queued in one transaction, one delivery task is sent, after the commit.

`deliver_pending()` (run by `mash.tasks.deliver_notifications`) claims unsent rows one at a time with
`select_for_update(skip_locked=True)`, sends, and marks `sent_at` before the claim's transaction commits, so
two workers never send the same row. A failure records the attempt and the error and tries again later with
backoff; after NOTIFICATION_MAX_ATTEMPTS it gives up (`failed_at`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

DELIVERY_TASK = "mash.tasks.deliver_notifications"


@dataclass(frozen=True)
class Message:
    """One notification to queue: to a user (`recipient_id`), or to an address that is not a user (`email`)."""

    kind: str
    subject: str
    body: str = ""
    link: str = ""
    recipient_id: int | None = None
    email: str = ""
    escalation_id: int | None = None


def notifications_queue(messages: Iterable[Message], *, at: datetime | None = None) -> list[Notification]:
    """Add notifications to the outbox, inside the caller's transaction: one query for the recipients'
    addresses, one insert, and one delivery task once the transaction commits."""
    messages = list(messages)
    user_ids = {m.recipient_id for m in messages if m.recipient_id is not None}
    active = dict(
        get_user_model().objects.filter(pk__in=user_ids, is_active=True).values_list("pk", "email")
    ) if user_ids else {}
    at = at or timezone.now()
    rows = []
    for message in messages:
        if message.recipient_id is not None:
            if message.recipient_id not in active:
                continue  # an inactive (or deleted) user is told nothing
            email = active[message.recipient_id] or ""
        elif message.email:
            email = message.email
        else:
            raise ValueError("a notification needs a recipient or an e-mail address")
        rows.append(Notification(
            recipient_id=message.recipient_id, email=email, kind=message.kind, subject=message.subject[:200],
            body=message.body, link=message.link[:300], escalation_id=message.escalation_id, created_at=at,
            next_attempt_at=at,
        ))
    if rows:
        rows = Notification.objects.bulk_create(rows)
        _inboxes_changed({row.recipient_id for row in rows if row.recipient_id is not None})
        deliver_soon()
    return rows


def _inboxes_changed(user_ids) -> None:
    """These users' unread counts changed: the cached ones are not read again (mash.principal)."""
    from .principal import bump, inbox_scope_of

    if user_ids:
        bump(*(inbox_scope_of(pk) for pk in user_ids))


def notification_queue(*, recipient=None, email: str = "", kind: str, subject: str, body: str = "",
                       link: str = "") -> Notification | None:
    """Queue one notification (see `notifications_queue`). None if the recipient is inactive."""
    queued = notifications_queue([Message(
        kind=kind, subject=subject, body=body, link=link, email=email,
        recipient_id=recipient.pk if recipient is not None else None,
    )])
    return queued[0] if queued else None


def _enqueue_delivery() -> None:
    # Sent by name: the outbox needs no import of the tasks module (which imports the sweep, which queues here).
    from celery import current_app

    current_app.send_task(DELIVERY_TASK)


def deliver_soon() -> None:
    """Ask a worker to deliver once the current transaction commits: once per transaction, however many
    notifications it queued (beat's safety net catches a lost message)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(func is _enqueue_delivery for _, func, _ in connection.run_on_commit):
        return
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


# --- what an e-mail says: no personal data (issue 13) ---------------------------------------------------------

_KIND_LABELS: dict[str, str] = {}
# A record's reference (C-2026-000123, E-2026-000004): not personal data, and what a person needs to find it.
_REFERENCE = re.compile(r"\b[A-Z]{1,4}-\d+(?:-\d+)?\b")


def register_kinds(labels: dict[str, str]) -> None:
    """Say what each kind of notification is called in e-mails ("Breach", "Rating returned"). Apps call it from
    their AppConfig.ready; a kind not registered is named from its code."""
    _KIND_LABELS.update(labels)


def kind_label(kind: str) -> str:
    return _KIND_LABELS.get(kind) or kind.replace("_", " ").capitalize()


def email_text(notification: Notification) -> tuple[str, str]:
    """The subject and body of the e-mail for `notification`. To a user of the service: only what kind of item it
    is, its reference(s) and "sign in" (the details, a child's name included, wait behind the sign-in and the
    second factor), whatever the in-app notification says. To an address outside the service (a referrer's),
    the service's own words, which name no one (contacts.services.outcome_decide)."""
    if notification.recipient_id is None:
        return notification.subject, notification.body
    label = kind_label(notification.kind)
    references = list(dict.fromkeys(_REFERENCE.findall(notification.subject)))
    about = f" {', '.join(references)}" if references else ""
    link = _absolute(notification.link) or settings.SITE_URL or "the service"
    subject = f"{settings.SERVICE_NAME}: {label}{about}"
    body = (f"There is something new for you in {settings.SERVICE_NAME}: {label}{about}.\n\n"
            f"Sign in to see it: {link}\n\n"
            "This e-mail does not say who it is about: the details are in the service, after you sign in.\n")
    return subject, body


def address_allowed(email: str) -> bool:
    """Whether e-mail may go to `email`: any address when NOTIFY_EMAIL_DOMAINS is empty, else only addresses in
    those domains (or their subdomains)."""
    domains = [d.lower().lstrip("@.") for d in settings.NOTIFY_EMAIL_DOMAINS]
    if not domains:
        return True
    domain = email.rpartition("@")[2].lower()
    return any(domain == d or domain.endswith("." + d) for d in domains)


class AddressNotAllowed(Exception):
    pass


def _send(notification: Notification) -> None:
    if not address_allowed(notification.email):
        raise AddressNotAllowed(f"{notification.email.rpartition('@')[2]} is not in NOTIFY_EMAIL_DOMAINS")
    subject, body = email_text(notification)
    EmailMessage(subject=subject, body=body, to=[notification.email]).send()


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
                    if isinstance(error, AddressNotAllowed) or (
                            notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS):
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


def unread_count(user, versions: dict | None = None) -> int:
    """The user's unread notifications. With the request's versions (mash.principal), from the cache while the
    version of their inbox stands (a notification queued or read raises it)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    from .principal import CACHE_SECONDS, inbox_scope_of

    version = (versions or {}).get(inbox_scope_of(user.pk))
    # The user's password hash in the key too: never a count kept for a user with the same id in another database
    # that shares the cache (a restored backup, a parallel test run).
    key = f"mash.unread:{user.pk}:{user.get_session_auth_hash()[:20]}:{version}"
    count = cache.get(key) if version is not None else None
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        if version is not None:
            cache.set(key, count, CACHE_SECONDS)
    return count


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when ids is None)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    marked = qs.update(read_at=timezone.now())
    if marked:
        _inboxes_changed({user.pk})
    return marked
