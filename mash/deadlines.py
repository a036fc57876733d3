"""Deadlines are columns on the row that owns them.

A clocked row carries the stage its clock is timing, when the clock started, when it warns
(`warn_at`, the target), when it breaches (`due_at`, the limit), and when it was met, warned or
breached. The service that changes the row's state starts, stops or restarts the clock in the same
transaction. Each concrete model adds a named partial index over running clocks (met_at is null).
"""

from datetime import datetime

from django.db import models
from django.utils import timezone


class Clocked(models.Model):
    clock_stage = models.CharField(max_length=32, blank=True)
    clock_started_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def clock_start(self, *, stage: str, started_at: datetime, due_at: datetime, warn_at: datetime | None = None):
        """(Re)start the clock. The caller saves the row inside its transaction."""
        self.clock_stage = stage
        self.clock_started_at = started_at
        self.due_at = due_at
        self.warn_at = warn_at
        self.met_at = None
        self.warned_at = None
        self.breached_at = None

    def clock_stop(self, *, at: datetime | None = None):
        self.met_at = at or timezone.now()

    @property
    def clock_running(self) -> bool:
        return self.due_at is not None and self.met_at is None

    def time_left(self, now: datetime | None = None):
        """Signed time until the limit: negative when overdue. None when no clock runs."""
        if not self.clock_running:
            return None
        return self.due_at - (now or timezone.now())

    def clock_status(self, now: datetime | None = None) -> str:
        """'overdue', 'warning', 'on_time' or '' (no clock running)."""
        if not self.clock_running:
            return ""
        now = now or timezone.now()
        if self.due_at <= now:
            return "overdue"
        if self.warn_at is not None and self.warn_at <= now:
            return "warning"
        return "on_time"
