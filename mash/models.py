"""The shared kernel's records. `mash` depends on no app: targets are referenced by content type."""

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .clock import Unit
from .codes import WINDOW_RATING_CHOICES, Stage


class AuditAction(models.TextChoices):
    """The kernel's own audit actions. Each app registers its list with `mash.audit.register_actions`; the log
    accepts only registered actions, never made-up ones."""

    USER_LOGGED_IN = "user.logged_in", "Signed in"
    USER_LOGGED_OUT = "user.logged_out", "Signed out"
    USER_LOGIN_FAILED = "user.login_failed", "Sign-in failed"
    CLOCK_RESTARTED = "clock.restarted", "Clock restarted"
    CLOCK_WARNED = "clock.warned", "Past target: warning raised"
    CLOCK_BREACHED = "clock.breached", "Past limit: breach recorded"
    CLOCK_ESCALATED = "clock.escalated", "Breach escalated further"
    ESCALATION_ACKNOWLEDGED = "escalation.acknowledged", "Breach acknowledged"
    WINDOW_CHANGED = "window.changed", "Response window changed"
    CONFIG_ADDED = "config.added", "Configuration added in the admin"
    CONFIG_CHANGED = "config.changed", "Configuration changed in the admin"
    CONFIG_DELETED = "config.deleted", "Configuration deleted in the admin"
    AUDIT_SEARCHED = "audit.searched", "Audit log searched"


class AuditEvent(models.Model):
    """One thing that happened, written by the service that did it, in the same transaction.

    The actor's name is copied so the row keeps its meaning if the user is later deleted.
    A null actor with `actor_label="system"` is the system itself (the sweep, an import).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No single-column indexes on the two foreign keys: audit_actor_at and audit_target_at lead with them.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=64)  # a registered action (mash.audit), from the kernel or an app
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "at"], name="audit_target_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
            # The audit search (mash.audit_search): by kind, by the record's reference, newest first.
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["target_label", "at"], name="audit_label_at"),
        ]
        # Append-only in the database (PostgreSQL; django-pgtrigger): UPDATE and DELETE are refused, whoever asks,
        # the app's own code included. The one way past it is `audit_rewrite()` below, for the retention job's
        # destruction and the demo/bench seeders, never a page.
        triggers = [
            pgtrigger.Protect(name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        from .audit import action_label

        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {action_label(self.action)} {self.target_label}"


# --- Deadlines: response windows, the calendar's closure days, escalations, the outbox, the sweep's heartbeat ---


UNIT_CHOICES = [
    (Unit.CLOCK_HOURS.value, "clock hours"),
    (Unit.WORKING_HOURS.value, "working hours"),
    (Unit.WORKING_DAYS.value, "working days"),
]


class ResponseWindow(models.Model):
    """How long a stage may take, per rating: a target (warning) and a limit (breach).

    Versioned: a row is never edited in place once clocks may use it. Changing a window in the admin
    deactivates the row and inserts the next version; running clocks keep the row they started on
    (`Clocked.clock_window`), new clocks take the active one.
    """

    stage = models.CharField(max_length=32, choices=Stage.choices)
    rating = models.CharField(max_length=8, choices=WINDOW_RATING_CHOICES, blank=True, default="")
    target = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True,
        help_text="When a warning is raised, in the unit below. Leave empty for no warning.",
    )
    limit = models.DecimalField(
        max_digits=9, decimal_places=4, help_text="When the clock is breached, in the unit below."
    )
    unit = models.CharField(max_length=16, choices=UNIT_CHOICES)
    target_unit = models.CharField(
        max_length=16, choices=UNIT_CHOICES, blank=True, default="",
        help_text="The target's unit when it differs from the limit's (e.g. warn after 6 working hours of a "
        "1 working day limit). Empty: the same unit.",
    )
    day_start = models.TimeField(default="09:00", help_text="Start of the working day (working-hours unit only).")
    day_end = models.TimeField(default="17:00", help_text="End of the working day (working-hours unit only).")
    second_level_minutes = models.PositiveIntegerField(
        default=60, help_text="A breach not acknowledged within this many minutes escalates to the second level."
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    active = models.BooleanField(default=True, editable=False)
    effective_from = models.DateTimeField(default=timezone.now, editable=False)
    replaced_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["stage", "rating", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "rating"], condition=Q(active=True), name="window_one_active_per_stage_rating",
                violation_error_message="There is already an active window for this stage and rating: change it.",
            ),
            models.CheckConstraint(condition=Q(limit__gt=0), name="window_limit_positive",
                                   violation_error_message="The limit must be more than 0."),
            models.CheckConstraint(
                condition=Q(target__isnull=True) | (Q(target__gt=0) & (~Q(target_unit="") | Q(target__lt=F("limit")))),
                name="window_target_before_limit",
                violation_error_message="The target must be more than 0 and less than the limit.",
            ),
            models.CheckConstraint(condition=Q(day_start__lt=F("day_end")), name="window_day_start_before_end",
                                   violation_error_message="The working day must start before it ends."),
        ]

    def __str__(self):
        rating = self.get_rating_display() if self.rating else "any rating"
        target = ""
        if self.target is not None:
            target_unit = f" {self.target_unit.replace('_', ' ')}" if self.target_unit else ""
            target = f"target {self.target.normalize():f}{target_unit}, "
        return (
            f"{self.get_stage_display()} ({rating}): {target}limit {self.limit.normalize():f} "
            f"{self.unit.replace('_', ' ')} (v{self.version})"
        )

    def clean(self):
        from django.core.exceptions import ValidationError

        for field, unit in (("limit", self.unit), ("target", self.target_unit or self.unit)):
            amount = getattr(self, field)
            if unit == Unit.WORKING_DAYS and amount is not None and amount != amount.to_integral_value():
                raise ValidationError({field: "Working days must be a whole number."})


class ClosureDay(models.Model):
    """A day the service counts as closed (besides weekends and bank holidays): e.g. a council closure."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d %B %Y}: {self.reason}"


class EscalationKind(models.TextChoices):
    WARNING = "warning", "Warning: past target"
    BREACH = "breach", "Breach: past limit"
    SECOND_LEVEL = "second_level", "Escalated further: breach not acknowledged"


class Escalation(models.Model):
    """A warning, a breach or a further escalation of one clock run, recorded once by the sweep.

    `(target, stage, clock_started_at, kind)` is unique: however many sweeps run, each clock run is
    warned, breached and escalated further at most once. A restarted clock is a new run.
    """

    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False  # escalation_target leads with it
    )
    target_id = models.BigIntegerField()
    target_label = models.CharField(max_length=200)
    target_url = models.CharField(max_length=300, blank=True)
    stage = models.CharField(max_length=32, choices=Stage.choices)
    rating = models.CharField(max_length=8, choices=WINDOW_RATING_CHOICES, blank=True, default="")
    kind = models.CharField(max_length=16, choices=EscalationKind.choices)
    window = models.ForeignKey(
        ResponseWindow, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,  # windows are versioned, never deleted
    )
    clock_started_at = models.DateTimeField()
    deadline_at = models.DateTimeField(help_text="The target or limit this escalation is about.")
    raised_at = models.DateTimeField(default=timezone.now)
    # Breaches only: when the second level fires if nobody acknowledges; cleared once it fires or is moot.
    second_level_due_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "stage", "clock_started_at", "kind"],
                name="escalation_once_per_clock_run",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(acknowledgement_note=""),
                name="escalation_acknowledged_with_note",
            ),
        ]
        indexes = [
            models.Index(fields=["target_type", "target_id", "raised_at"], name="escalation_target"),
            # Breaches waiting for their second level, read by the deadline sweep (mash.deadlines.sweep).
            models.Index(
                fields=["second_level_due_at"],
                condition=Q(second_level_due_at__isnull=False, acknowledged_at__isnull=True),
                name="escalation_second_level_due",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.target_label} ({self.get_stage_display()})"

    @property
    def acknowledgeable(self) -> bool:
        return self.kind in (EscalationKind.BREACH, EscalationKind.SECOND_LEVEL) and self.acknowledged_at is None


class Notification(models.Model):
    """The outbox. In-app for a user always; also e-mailed when there is an address.

    A row is written in the same transaction as whatever caused it; `mash.tasks.deliver_notifications`
    sends the e-mail and sets `sent_at` (rows without an e-mail are marked sent at once).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications",
        db_index=False,  # notification_recipient leads with it
    )
    email = models.EmailField(blank=True, help_text="Address at the time of queueing; empty: in-app only.")
    kind = models.CharField(max_length=64)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    escalation = models.ForeignKey(Escalation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(recipient__isnull=False) | ~Q(email=""), name="notification_has_recipient_or_email"
            ),
        ]
        indexes = [
            # Unsent rows, read by deliver_notifications (mash.notify.deliver_pending).
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="notification_unsent",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            # The unread count in every page's header.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self):
        return f"{self.subject} → {self.recipient or self.email}"


class SweepRun(models.Model):
    """The sweep's heartbeat: one row per pass, so a dead beat is itself noticed."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    warnings = models.PositiveIntegerField(default=0)
    breaches = models.PositiveIntegerField(default=0)
    second_level = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    hostname = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"

    def __str__(self):
        return f"Sweep at {self.started_at:%Y-%m-%d %H:%M:%S} ({self.duration_ms} ms)"



class NamedLock(models.Model):
    """A lock by name (mash.locks.named_lock), on SQLite only: writing the row takes the database's write lock
    until the transaction ends. PostgreSQL uses an advisory lock instead and never writes here."""

    name = models.CharField(max_length=200, primary_key=True)
    taken_at = models.DateTimeField()

    def __str__(self):
        return self.name


class Stamp(models.Model):
    """A version number per scope of data ("contacts", "deadlines", "user:<id>"), raised after every commit that
    changes something in that scope (mash.polling.stamp_bump). A page that refreshes itself compares the versions
    it was drawn from with these, in one indexed query, and answers "nothing new" without drawing anything."""

    key = models.CharField(max_length=100, primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.key}: {self.version}"
