"""The shared kernel's records. `mash` depends on no app: targets are referenced by content type."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    """The fixed list of things the audit log records. A new action is added here, never made up."""

    USER_LOGGED_IN = "user.logged_in", "Signed in"
    USER_LOGGED_OUT = "user.logged_out", "Signed out"
    USER_LOGIN_FAILED = "user.login_failed", "Sign-in failed"
    CONTACT_CREATED = "contact.created", "Contact recorded"
    CONTACT_VIEWED = "contact.viewed", "Contact viewed"
    QUEUE_VIEWED = "queue.viewed", "Queue viewed"


class AuditEvent(models.Model):
    """One thing that happened, written by the service that did it, in the same transaction.

    The actor's name is copied so the row keeps its meaning if the user is later deleted.
    A null actor with `actor_label="system"` is the system itself (the sweep, an import).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "at"], name="audit_target_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.target_label}"
