"""Clocks: the columns a clocked row carries, the response windows they run on, and starting, restarting
and stopping them.

A clocked row carries the stage its clock is timing, the response window version it started on
(`clock_window`), when the clock started, when it warns (`warn_at`, the target), when it breaches
(`due_at`, the limit), and when it was met, warned or breached. The service that changes the row's state
starts, restarts or stops the clock in the same transaction (`clock_start`, `clock_restart`, `clock_stop`);
the caller saves the row. Each concrete model adds a named partial index over its running clocks.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal

from django.db import models
from django.utils import timezone

from ..clock import Calendar, Unit
from ..codes import Brag, Stage
from ..errors import DomainError


class Clocked(models.Model):
    clock_stage = models.CharField(max_length=32, blank=True)
    clock_window = models.ForeignKey(
        "mash.ResponseWindow", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        db_index=False,  # windows are versioned, never deleted: no lookup by it worth an index on every write
        help_text="The response window version this clock started on: a running clock keeps it.",
    )
    clock_started_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def clock_start(self, *, stage: str, started_at: datetime, due_at: datetime, warn_at: datetime | None = None):
        """(Re)start the clock with explicit times. The caller saves the row inside its transaction.

        Prefer `mash.deadlines.clock_start(row, stage=..., started_at=...)`, which takes the times from
        the configured response window and remembers which window version was used.
        """
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

# --- the calendar and windows -----------------------------------------------------------------------

def calendar(window=None) -> Calendar:
    """The working calendar: bank holidays plus the admin's closure days, in the window's working hours.

    Closure days are read afresh each time (a handful of rows, read when a clock starts): a day an admin adds
    counts from the moment it commits, in every process, and a change that rolls back never counted.
    """
    from ..models import ClosureDay

    cal = Calendar(closures=frozenset(ClosureDay.objects.values_list("date", flat=True)))
    if window is not None:
        cal = dataclasses.replace(cal, day_start=window.day_start, day_end=window.day_end)
    return cal


# The defaults a fresh installation starts with (the data migrations seed the same). Admins change them.
DEFAULT_WINDOWS: list[dict] = [
    # Contact decision: due 1 working day from receipt; warn after 6 working hours.
    {"stage": Stage.CONTACT_DECISION, "rating": "", "target": Decimal(6), "target_unit": Unit.WORKING_HOURS,
     "limit": Decimal(1), "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
    # BRAG response, from the manager's approval until the outcome.
    {"stage": Stage.BRAG_RESPONSE, "rating": Brag.RED, "target": Decimal(3), "limit": Decimal(4),
     "unit": Unit.CLOCK_HOURS, "second_level_minutes": 30},
    {"stage": Stage.BRAG_RESPONSE, "rating": Brag.AMBER, "target": Decimal(24), "limit": Decimal(36),
     "unit": Unit.CLOCK_HOURS, "second_level_minutes": 60},
    {"stage": Stage.BRAG_RESPONSE, "rating": Brag.GREEN, "target": Decimal(8), "limit": Decimal(10),
     "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
    {"stage": Stage.BRAG_RESPONSE, "rating": Brag.BLUE, "target": Decimal(8), "limit": Decimal(10),
     "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
    # Information requests to agencies: warn at 2, breach at 3 working days.
    {"stage": Stage.INFORMATION_REQUEST, "rating": "", "target": Decimal(2), "limit": Decimal(3),
     "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
    # Per rating (issue 10; seeded by enquiries' migration): Red 3 clock hours (warn at 2), Amber 24 clock hours
    # (warn at 18), Green and Blue 5 working days (warn at 4). The any-rating window serves an unrated contact.
    {"stage": Stage.INFORMATION_REQUEST, "rating": Brag.RED, "target": Decimal(2), "limit": Decimal(3),
     "unit": Unit.CLOCK_HOURS, "second_level_minutes": 30},
    {"stage": Stage.INFORMATION_REQUEST, "rating": Brag.AMBER, "target": Decimal(18), "limit": Decimal(24),
     "unit": Unit.CLOCK_HOURS, "second_level_minutes": 60},
    {"stage": Stage.INFORMATION_REQUEST, "rating": Brag.GREEN, "target": Decimal(4), "limit": Decimal(5),
     "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
    {"stage": Stage.INFORMATION_REQUEST, "rating": Brag.BLUE, "target": Decimal(4), "limit": Decimal(5),
     "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
    # A manager's decision on a proposed rating, from the proposal: Red 30 clock minutes (warn at 15), Amber 2
    # working hours (warn at 1), Green and Blue 1 working day (warn after 4 working hours).
    {"stage": Stage.RATING_APPROVAL, "rating": Brag.RED, "target": Decimal("0.25"), "limit": Decimal("0.5"),
     "unit": Unit.CLOCK_HOURS, "second_level_minutes": 15},
    {"stage": Stage.RATING_APPROVAL, "rating": Brag.AMBER, "target": Decimal(1), "limit": Decimal(2),
     "unit": Unit.WORKING_HOURS, "second_level_minutes": 30},
    {"stage": Stage.RATING_APPROVAL, "rating": Brag.GREEN, "target": Decimal(4), "target_unit": Unit.WORKING_HOURS,
     "limit": Decimal(1), "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
    {"stage": Stage.RATING_APPROVAL, "rating": Brag.BLUE, "target": Decimal(4), "target_unit": Unit.WORKING_HOURS,
     "limit": Decimal(1), "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
]


def windows_ensure_defaults() -> int:
    """Create a default window for each (stage, rating) that has no active one. Returns how many were made.

    The data migration seeds them; the test fixtures call this to put them back where a test flushed the
    tables. Nothing calls it at run time: a missing window is a configuration error, said plainly.
    """
    from ..models import ResponseWindow

    made = 0
    for spec in DEFAULT_WINDOWS:
        if not ResponseWindow.objects.filter(stage=spec["stage"], rating=spec["rating"], active=True).exists():
            ResponseWindow.objects.create(**spec)
            made += 1
    return made


def window_for(stage: str, rating: str = ""):
    """The active window for a stage and rating, else the stage's any-rating window."""
    from ..models import ResponseWindow

    candidates = list(ResponseWindow.objects.filter(stage=stage, rating__in={rating or "", ""}, active=True))
    candidates.sort(key=lambda w: w.rating != (rating or ""))
    if not candidates:
        raise DomainError(f"No response window is configured for {stage} ({rating or 'any rating'}): "
                          "ask an administrator to add one")
    return candidates[0]


def window_deadlines(window, started_at: datetime, cal: Calendar | None = None) -> tuple[datetime | None, datetime]:
    """(warn_at, due_at) for a clock starting at `started_at` on `window`."""
    cal = cal or calendar(window)
    due_at = cal.add(started_at, window.limit, window.unit)
    warn_at = None
    if window.target is not None:
        warn_at = cal.add(started_at, window.target, window.target_unit or window.unit)
        if warn_at >= due_at:
            warn_at = None  # a target at or after the limit is no warning at all
    return warn_at, due_at


def clock_start(row: Clocked, *, stage: str, started_at: datetime, rating: str = ""):
    """Start `row`'s clock on the active window for (stage, rating). The caller saves, in its transaction."""
    window = window_for(stage, rating)
    warn_at, due_at = window_deadlines(window, started_at)
    row.clock_start(stage=stage, started_at=started_at, due_at=due_at, warn_at=warn_at)
    row.clock_window = window
    return window


def clock_restart(row: Clocked, *, stage: str | None = None, started_at: datetime, rating: str = "", actor=None):
    """Restart `row`'s clock from `started_at` (e.g. a rating changed from Amber to Red) and say so in the
    timeline, with one audit action whatever the model. The caller saves the row, in the same transaction."""
    from ..audit import audit_record
    from ..models import AuditAction

    before = {
        "stage": row.clock_stage,
        "rating": row.clock_window.rating if row.clock_window_id else "",
        "due_at": row.due_at.isoformat() if row.due_at else None,
    }
    window = clock_start(row, stage=stage or row.clock_stage, started_at=started_at, rating=rating)
    audit_record(
        actor=actor,
        action=AuditAction.CLOCK_RESTARTED,
        target=row,
        changes={
            "from": before,
            "to": {"stage": row.clock_stage, "rating": window.rating, "due_at": row.due_at.isoformat(),
                   "window": window.pk, "window_version": window.version},
        },
    )
    return window


def clock_stop(row: Clocked, *, at: datetime | None = None) -> None:
    """Stop the clock: the stage is done. The caller saves, in its transaction."""
    row.clock_stop(at=at or timezone.now())
