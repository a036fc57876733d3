"""Deadlines are columns on the row that owns them, and one sweep enforces them all.

A clocked row carries the stage its clock is timing, the response window version it started on
(`clock_window`), when the clock started, when it warns (`warn_at`, the target), when it breaches
(`due_at`, the limit), and when it was met, warned or breached. The service that changes the row's
state starts, stops or restarts the clock in the same transaction (`clock_start`, `clock_restart`,
`clock_stop` below). Each concrete model adds a named partial index over running clocks.

Apps register their clocked models here (`register`, from their AppConfig.ready); `mash` imports no app.
`sweep()` is run by Celery beat (`mash.tasks.sweep_deadlines`): per registered model it claims rows past
their target or limit with `select_for_update(skip_locked=True)`, records each warning and breach once as
an `Escalation`, queues `Notification`s and marks the row, all in one transaction; then it escalates
breaches nobody acknowledged in time to the second level. The database is the truth: if a worker or
Redis dies, the next pass finds everything still due. Running it twice, or in two workers at once,
records each escalation exactly once (row locks, plus a unique constraint as the backstop).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time as _time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .clock import Calendar, Unit

logger = logging.getLogger(__name__)


class Clocked(models.Model):
    clock_stage = models.CharField(max_length=32, blank=True)
    clock_window = models.ForeignKey(
        "mash.ResponseWindow", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
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


# --- registration -------------------------------------------------------------------------------------

Responsible = Callable[[Any, str], Iterable[Any]]


@dataclass(frozen=True)
class Registration:
    model: type[models.Model]
    responsible: Responsible
    rating: Callable[[Any], str] | None
    label: Callable[[Any], str]
    url: Callable[[Any], str]
    related: tuple[str, ...]
    visible_to: Callable[[Any], QuerySet] | None
    fields: tuple[str, ...] | None = None

    def rating_of(self, row) -> str:
        """The row's own rating if the app gives one, else the rating of the window its clock runs on."""
        value = self.rating(row) if self.rating is not None else ""
        if not isinstance(value, str) or not value:
            window = getattr(row, "clock_window", None) if row.clock_window_id else None
            value = window.rating if window is not None else ""
        return value


_registry: dict[type[models.Model], Registration] = {}


def register(
    model: type[models.Model],
    *,
    responsible: Responsible,
    rating: Callable[[Any], str] | None = None,
    label: Callable[[Any], str] = str,
    url: Callable[[Any], str] = lambda r: r.get_absolute_url(),
    related: Sequence[str] = (),
    visible_to: Callable[[Any], QuerySet] | None = None,
    fields: Sequence[str] | None = None,
) -> None:
    """Put a Clocked model under the sweep.

    responsible(row, kind) -> users to notify, kind being "warning", "breach" or "second_level".
    rating(row) -> the row's BRAG rating ("" if none; then the window's rating is used).
    label/url -> how the row is named and linked in escalations, notifications and the dashboard.
    related -> select_related() paths the callables use (so the sweep makes no query per row).
    visible_to(user) -> the rows this user may see (the at-risk dashboard filters by it).
    fields -> if given, the sweep loads only these (plus the clock columns): the fields the callables read.
    """
    if not issubclass(model, Clocked):
        raise TypeError(f"{model.__name__} is not a Clocked model")
    _registry[model] = Registration(
        model=model, responsible=responsible, rating=rating, label=label, url=url,
        related=tuple(related), visible_to=visible_to, fields=tuple(fields) if fields is not None else None,
    )


def registered() -> list[Registration]:
    return list(_registry.values())


# Members of a group, cached for the length of one sweep pass (no query per row for "all managers").
_members_cache: ContextVar[dict[str, list] | None] = ContextVar("deadline_group_members", default=None)


def group_members(name: str) -> list:
    """Active users in the group `name`; within a sweep pass, looked up once."""
    cache = _members_cache.get()
    if cache is not None and name in cache:
        return cache[name]
    members = list(get_user_model().objects.filter(groups__name=name, is_active=True).order_by("pk"))
    if cache is not None:
        cache[name] = members
    return members


# --- the calendar and windows -----------------------------------------------------------------------

CALENDAR_TTL_SECONDS = 60
_closures: tuple[float, frozenset] | None = None


def calendar(window=None) -> Calendar:
    """The working calendar: bank holidays plus admin closure days (cached briefly), in the window's hours."""
    global _closures
    if _closures is None or _time.monotonic() - _closures[0] > CALENDAR_TTL_SECONDS:
        from .models import ClosureDay

        _closures = (_time.monotonic(), frozenset(ClosureDay.objects.values_list("date", flat=True)))
    cal = Calendar(closures=_closures[1])
    if window is not None:
        cal = dataclasses.replace(cal, day_start=window.day_start, day_end=window.day_end)
    return cal


def calendar_clear() -> None:
    """Forget cached closure days (done on every ClosureDay change in this process; other processes wait the TTL)."""
    global _closures
    _closures = None


@receiver([post_save, post_delete], sender="mash.ClosureDay", dispatch_uid="mash.deadlines.closures_changed")
def _closures_changed(**kwargs):
    calendar_clear()


# The defaults a fresh installation starts with (the 0002 data migration seeds the same). Admins change them.
DEFAULT_WINDOWS: list[dict] = [
    # Contact decision: due 1 working day from receipt; warn after 6 working hours.
    {"stage": "contact_decision", "rating": "", "target": Decimal(6), "target_unit": Unit.WORKING_HOURS,
     "limit": Decimal(1), "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
    # BRAG response, from the manager's approval until the outcome.
    {"stage": "brag_response", "rating": "red", "target": Decimal(3), "limit": Decimal(4),
     "unit": Unit.CLOCK_HOURS, "second_level_minutes": 30},
    {"stage": "brag_response", "rating": "amber", "target": Decimal(24), "limit": Decimal(36),
     "unit": Unit.CLOCK_HOURS, "second_level_minutes": 60},
    {"stage": "brag_response", "rating": "green", "target": Decimal(8), "limit": Decimal(10),
     "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
    {"stage": "brag_response", "rating": "blue", "target": Decimal(8), "limit": Decimal(10),
     "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
    # Information requests to agencies (a later issue): warn at 2, breach at 3 working days.
    {"stage": "information_request", "rating": "", "target": Decimal(2), "limit": Decimal(3),
     "unit": Unit.WORKING_DAYS, "second_level_minutes": 60},
]


def windows_ensure_defaults() -> int:
    """Create a default window for each (stage, rating) that has no active one. Returns how many were made.

    The data migration seeds them; this puts them back where a test run flushed the tables.
    """
    from .models import ResponseWindow

    made = 0
    for spec in DEFAULT_WINDOWS:
        if not ResponseWindow.objects.filter(stage=spec["stage"], rating=spec["rating"], active=True).exists():
            ResponseWindow.objects.create(**spec)
            made += 1
    return made


def window_for(stage: str, rating: str = ""):
    """The active window for a stage and rating, else the stage's any-rating window."""
    from .errors import DomainError
    from .models import ResponseWindow

    for attempt in range(2):
        candidates = list(ResponseWindow.objects.filter(stage=stage, rating__in={rating or "", ""}, active=True))
        candidates.sort(key=lambda w: w.rating != (rating or ""))
        if candidates:
            return candidates[0]
        if attempt == 0 and not windows_ensure_defaults():
            break
    raise DomainError(f"No response window is configured for {stage} ({rating or 'any rating'})")


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
    timeline. The caller saves the row, in the same transaction."""
    from .audit import audit_record
    from .models import AuditAction

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
    row.clock_stop(at=at)


# --- the sweep ---------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    second_level: int = 0
    notifications: int = 0
    errors: int = 0

    def add(self, other: SweepResult) -> None:
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))


def sweep(*, now: datetime | None = None, batch_size: int | None = None) -> SweepResult:
    """One pass over every registered model: record warnings and breaches, then second-level escalations.

    `now` freezes the moment for tests; by default each batch takes the current time.
    """
    batch_size = batch_size or settings.SWEEP_BATCH_SIZE
    result = SweepResult()
    token = _members_cache.set({})
    windows: dict[int, Any] = {}
    try:
        for registration in registered():
            _sweep_model(registration, now=now, batch_size=batch_size, result=result, windows=windows)
        _sweep_second_level(now=now, batch_size=batch_size, result=result)
    finally:
        _members_cache.reset(token)
    return result


def _with_fallback(items: list, process: Callable[[list], SweepResult], what: str) -> tuple[SweepResult, list]:
    """Process a batch in one savepoint; if that fails, one item at a time. Returns (result, skipped items)."""
    try:
        with transaction.atomic():
            return process(items), []
    except Exception:
        if len(items) == 1:
            logger.exception("deadline sweep: skipped %s %s", what, getattr(items[0], "pk", items[0]))
            return SweepResult(errors=1), items
        logger.exception("deadline sweep: a batch of %s failed; retrying one by one", what)
    total, skipped = SweepResult(), []
    for item in items:
        try:
            with transaction.atomic():
                total.add(process([item]))
        except Exception:
            logger.exception("deadline sweep: skipped %s %s", what, getattr(item, "pk", item))
            total.errors += 1
            skipped.append(item)
    return total, skipped


CLOCK_FIELDS = ("clock_stage", "clock_window", "clock_started_at", "warn_at", "due_at", "met_at", "warned_at",
                "breached_at")


def _claims(model, at: datetime):
    """What a pass claims, in order: rows past their limit, then rows past their target.

    Two queries rather than one OR, so each can use its own partial index over running clocks.
    """
    running = model._default_manager.filter(met_at__isnull=True, breached_at__isnull=True)
    return running.filter(due_at__lte=at), running.filter(warn_at__lte=at, warned_at__isnull=True)


def _sweep_model(registration: Registration, *, now, batch_size: int, result: SweepResult, windows: dict) -> None:
    model = registration.model
    skipped: set = set()
    for claim in range(2):
        while True:
            at = now or timezone.now()
            with transaction.atomic():
                qs = _claims(model, at)[claim].exclude(pk__in=skipped).order_by("due_at", "pk")
                if registration.related:
                    qs = qs.select_related(*registration.related)
                if registration.fields is not None:
                    qs = qs.only(*CLOCK_FIELDS, *registration.fields)
                rows = list(qs.select_for_update(skip_locked=True, of=("self",))[:batch_size])
                if not rows:
                    break
                _load_windows(rows, windows)
                batch, bad = _with_fallback(
                    rows, lambda chunk, at=at: _escalate(registration, chunk, at=at, windows=windows),
                    model._meta.label,
                )
                skipped.update(row.pk for row in bad)
            result.add(batch)
            if len(rows) < batch_size:
                break


def _load_windows(rows: list, windows: dict) -> None:
    from .models import ResponseWindow

    missing = {row.clock_window_id for row in rows if row.clock_window_id and row.clock_window_id not in windows}
    if missing:
        windows.update(ResponseWindow.objects.in_bulk(missing))
    for row in rows:
        if row.clock_window_id:
            row.clock_window = windows[row.clock_window_id]


def _default_second_level() -> timedelta:
    return timedelta(minutes=settings.DEADLINE_SECOND_LEVEL_MINUTES)


def _users(users: Iterable) -> list:
    seen, out = set(), []
    for user in users or ():
        if user is not None and user.pk not in seen and getattr(user, "is_active", True):
            seen.add(user.pk)
            out.append(user)
    return out


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M on %a %-d %b %Y}"


@functools.cache
def _labels() -> tuple[dict, dict]:
    from .models import Rating, Stage

    return {k: str(v).lower() for k, v in Stage.choices}, {k: str(v) for k, v in Rating.choices if k}


def _message(escalation: dict) -> tuple[str, str]:
    from .models import EscalationKind

    stages, ratings = _labels()
    stage = stages.get(escalation["stage"], escalation["stage"])
    rating = ratings.get(escalation["rating"])
    what = f"{escalation['target_label']} ({stage}{', ' + rating if rating else ''})"
    deadline = _when(escalation["deadline_at"])
    if escalation["kind"] == EscalationKind.WARNING:
        return f"Due soon: {what}"[:200], f"{what} has passed its target ({deadline})."
    if escalation["kind"] == EscalationKind.BREACH:
        return (f"Breach: {what}"[:200],
                f"{what} has passed its limit ({deadline}). Acknowledge the breach with a note.")
    return f"Escalated: {what}"[:200], f"{what} breached its limit at {deadline} and nobody has acknowledged it."


def _fast_insert(model, records: list[dict], *, with_ids: bool = False) -> list[int]:
    """Insert plain records (column -> value; missing columns take the field default) in one statement.

    On PostgreSQL this is COPY (ids, when wanted, taken from the sequence first): the sweep writes
    thousands of rows a pass and the ORM's per-object work would dominate. Elsewhere, bulk_create.
    """
    from django.db import connection

    if not records:
        return []
    fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    defaults = {f.column: f.get_default() for f in fields if not f.primary_key}
    json_columns = {f.column for f in fields if isinstance(f, models.JSONField)}
    if connection.vendor != "postgresql":
        objs = model._default_manager.bulk_create(
            [model(**{f.attname: record.get(f.column, defaults.get(f.column)) for f in fields if not f.primary_key})
             for record in records]
        )
        for record, obj in zip(records, objs, strict=True):
            record[model._meta.pk.column] = obj.pk
        return [obj.pk for obj in objs]
    import json

    from psycopg import sql

    ids: list[int] = []
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, len(records)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            for record, pk in zip(records, ids, strict=True):
                record[model._meta.pk.column] = pk
        columns = [f.column for f in fields]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        for record in records:
            for column in json_columns:
                if record.get(column) is not None:
                    record[column] = json.dumps(record[column])
        plain = [(c, json.dumps(defaults[c]) if c in json_columns else defaults.get(c)) for c in columns]
        with cursor.copy(statement) as copy:
            for record in records:
                copy.write_row([record.get(c, d) for c, d in plain])
    return ids


def _escalate(registration: Registration, rows: list, *, at: datetime, windows: dict) -> SweepResult:
    """Record the warnings and breaches of locked rows, queue their notifications, mark the rows."""
    from . import notify
    from .models import AuditAction, AuditEvent, Escalation, EscalationKind, Notification

    content_type = ContentType.objects.get_for_model(registration.model)
    planned: list[tuple[Any, dict]] = []
    for row in rows:
        window = windows.get(row.clock_window_id) if row.clock_window_id else None
        common = {
            "target_type_id": content_type.pk,
            "target_id": row.pk,
            "target_label": str(registration.label(row))[:200],
            "target_url": str(registration.url(row) or "")[:300],
            "stage": row.clock_stage,
            "rating": registration.rating_of(row),
            "window_id": window.pk if window is not None else None,
            "clock_started_at": row.clock_started_at or row.due_at,
            "raised_at": at,
        }
        past_target = row.warn_at is not None and row.warn_at <= at
        if row.warned_at is None and row.breached_at is None and past_target:
            planned.append((row, {**common, "kind": EscalationKind.WARNING.value, "deadline_at": row.warn_at}))
        if row.breached_at is None and row.due_at is not None and row.due_at <= at:
            wait = window.second_level_after if window is not None else _default_second_level()
            planned.append((row, {**common, "kind": EscalationKind.BREACH.value, "deadline_at": row.due_at,
                                  "second_level_due_at": at + wait}))
    _fast_insert(Escalation, [escalation for _, escalation in planned], with_ids=True)

    notifications = []
    for row, escalation in planned:
        subject, body = _message(escalation)
        for user in _users(registration.responsible(row, escalation["kind"])):
            notifications.append({
                "recipient_id": user.pk, "email": user.email or "", "kind": f"escalation.{escalation['kind']}",
                "subject": subject, "body": body, "link": escalation["target_url"],
                "escalation_id": escalation["id"], "created_at": at, "next_attempt_at": at,
            })
    _fast_insert(Notification, notifications)

    warned = {row.pk for row, e in planned if e["kind"] == EscalationKind.WARNING}
    # A breach also settles a warning that was never raised (the clock passed both since the last pass).
    warned |= {row.pk for row, e in planned if e["kind"] == EscalationKind.BREACH and row.warned_at is None}
    breached = [row.pk for row, e in planned if e["kind"] == EscalationKind.BREACH]
    manager = registration.model._default_manager
    if warned:
        manager.filter(pk__in=warned).update(warned_at=at)
    if breached:
        manager.filter(pk__in=breached).update(breached_at=at)

    actions = {EscalationKind.WARNING: AuditAction.CLOCK_WARNED, EscalationKind.BREACH: AuditAction.CLOCK_BREACHED}
    _fast_insert(AuditEvent, [
        {"at": at, "actor_id": None, "actor_label": "system", "action": actions[e["kind"]].value,
         "target_type_id": content_type.pk, "target_id": str(e["target_id"]), "target_label": e["target_label"],
         "changes": {"stage": e["stage"], "rating": e["rating"], "deadline": e["deadline_at"].isoformat()}}
        for _, e in planned
    ])
    if notifications:
        notify.deliver_soon()
    return SweepResult(
        warnings=sum(e["kind"] == EscalationKind.WARNING for _, e in planned),
        breaches=len(breached),
        notifications=len(notifications),
    )


def _sweep_second_level(*, now, batch_size: int, result: SweepResult) -> None:
    from .models import Escalation, EscalationKind

    skipped: set = set()
    while True:
        at = now or timezone.now()
        with transaction.atomic():
            breaches = list(
                Escalation.objects.filter(
                    kind=EscalationKind.BREACH, acknowledged_at__isnull=True, second_level_due_at__lte=at
                )
                .exclude(pk__in=skipped)
                .select_related("target_type", "window")
                .order_by("second_level_due_at", "pk")
                .select_for_update(skip_locked=True, of=("self",))[:batch_size]
            )
            if not breaches:
                return
            batch, bad = _with_fallback(breaches, lambda chunk, at=at: _escalate_further(chunk, at=at), "breach")
            skipped.update(e.pk for e in bad)
        result.add(batch)
        if len(breaches) < batch_size:
            return


def _escalate_further(breaches: list, *, at: datetime) -> SweepResult:
    """Second level for breaches nobody acknowledged in time, if their clock is still the same open run."""
    from . import notify
    from .models import AuditAction, AuditEvent, Escalation, EscalationKind, Notification

    by_type = defaultdict(list)
    for breach in breaches:
        by_type[breach.target_type].append(breach)
    fired, moot, new, notifications = [], [], [], []
    for content_type, group in by_type.items():
        model = content_type.model_class()
        registration = _registry.get(model)
        if registration is None:
            moot += group
            continue
        qs = model._default_manager.filter(pk__in=[b.target_id for b in group])
        if registration.related:
            qs = qs.select_related(*registration.related)
        rows = qs.in_bulk()
        for breach in group:
            row = rows.get(breach.target_id)
            still_open = (
                row is not None and row.met_at is None and row.clock_stage == breach.stage
                and row.clock_started_at == breach.clock_started_at
            )
            if not still_open:
                moot.append(breach)
                continue
            further = Escalation(
                target_type=content_type, target_id=breach.target_id, target_label=breach.target_label,
                target_url=breach.target_url, stage=breach.stage, rating=breach.rating, window=breach.window,
                kind=EscalationKind.SECOND_LEVEL, clock_started_at=breach.clock_started_at,
                deadline_at=breach.deadline_at, raised_at=at,
            )
            new.append((row, registration, further))
            fired.append(breach)
    Escalation.objects.bulk_create([e for _, _, e in new])
    for row, registration, further in new:
        subject, body = _message({"target_label": further.target_label, "stage": further.stage,
                                  "rating": further.rating, "kind": further.kind, "deadline_at": further.deadline_at})
        for user in _users(registration.responsible(row, EscalationKind.SECOND_LEVEL)):
            notifications.append(
                Notification(
                    recipient=user, email=user.email or "", kind="escalation.second_level", subject=subject,
                    body=body, link=further.target_url, escalation=further, created_at=at, next_attempt_at=at,
                )
            )
    Notification.objects.bulk_create(notifications)
    if fired:
        Escalation.objects.filter(pk__in=[b.pk for b in fired]).update(second_level_due_at=None, escalated_at=at)
    if moot:
        # The clock stopped or restarted since the breach: nothing left to escalate.
        Escalation.objects.filter(pk__in=[b.pk for b in moot]).update(second_level_due_at=None)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            at=at, actor=None, actor_label="system", action=AuditAction.CLOCK_ESCALATED,
            target_type=e.target_type, target_id=str(e.target_id), target_label=e.target_label,
            changes={"stage": e.stage, "rating": e.rating, "deadline": e.deadline_at.isoformat()},
        )
        for _, _, e in new
    )
    if notifications:
        notify.deliver_soon()
    return SweepResult(second_level=len(new), notifications=len(notifications))


# --- acknowledging, and what managers see ----------------------------------------------------------------


def escalation_acknowledge(*, actor, escalation_id: int, note: str):
    """A manager acknowledges a breach with a note: no further escalation for this clock run."""
    from .audit import audit_record
    from .errors import DomainError
    from .models import AuditAction, Escalation, EscalationKind

    note = (note or "").strip()
    if not note:
        raise DomainError("Enter a note saying what is being done about the breach", field="note")
    with transaction.atomic():
        escalation = Escalation.objects.select_for_update().select_related("target_type").get(pk=escalation_id)
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


@dataclass
class AtRiskItem:
    row: Any
    label: str
    url: str
    stage: str
    rating: str
    status: str  # "breached" or "warning"
    breach: Any = None  # the open breach (or second-level) Escalation, if recorded


RATING_ORDER = ["red", "amber", "green", "blue", ""]


def at_risk(*, user, now: datetime | None = None, limit: int = 500) -> list[dict]:
    """Every running clock past its target or limit that `user` may see, grouped by rating then stage.

    Queries, per registered model: the rows (with their window), the breach escalations of those rows.
    """
    from .models import Escalation, EscalationKind, Rating, Stage

    now = now or timezone.now()
    items: list[AtRiskItem] = []
    for registration in registered():
        model = registration.model
        base = registration.visible_to(user) if registration.visible_to else model._default_manager.all()
        rows = list(
            base.filter(met_at__isnull=True)
            .filter(Q(due_at__lte=now) | Q(warn_at__lte=now) | Q(breached_at__isnull=False))
            .select_related("clock_window", *registration.related)
            .order_by("due_at", "pk")[:limit]
        )
        if not rows:
            continue
        content_type = ContentType.objects.get_for_model(model)
        breaches = {}
        for escalation in (
            Escalation.objects.filter(
                target_type=content_type, target_id__in=[r.pk for r in rows],
                kind__in=[EscalationKind.BREACH, EscalationKind.SECOND_LEVEL],
            )
            .select_related("acknowledged_by")
            .order_by("kind")  # "breach" before "second_level": the later one wins below
        ):
            breaches[(escalation.target_id, escalation.stage, escalation.clock_started_at)] = escalation
        for row in rows:
            breached = row.due_at is not None and row.due_at <= now
            items.append(
                AtRiskItem(
                    row=row, label=str(registration.label(row)), url=registration.url(row), stage=row.clock_stage,
                    rating=registration.rating_of(row), status="breached" if breached else "warning",
                    breach=breaches.get((row.pk, row.clock_stage, row.clock_started_at)),
                )
            )
    groups: dict[str, dict[str, list[AtRiskItem]]] = {}
    for item in sorted(items, key=lambda i: (RATING_ORDER.index(i.rating) if i.rating in RATING_ORDER else 9,
                                             i.stage, i.row.due_at)):
        groups.setdefault(item.rating, {}).setdefault(item.stage, []).append(item)
    stage_labels = dict(Stage.choices)
    rating_labels = dict(Rating.choices) | {"": "No rating"}
    return [
        {
            "rating": rating,
            "rating_label": rating_labels.get(rating, rating),
            "count": sum(len(v) for v in stages.values()),
            "stages": [
                {"stage": stage, "stage_label": stage_labels.get(stage, stage), "items": stage_items}
                for stage, stage_items in stages.items()
            ],
        }
        for rating, stages in groups.items()
    ]


def sweep_health(now: datetime | None = None) -> dict:
    """When the sweep last ran and how long it took; stale when older than SWEEP_STALE_SECONDS."""
    from .models import SweepRun

    now = now or timezone.now()
    last = SweepRun.objects.order_by("-started_at", "-id").first()
    stale_after = timedelta(seconds=settings.SWEEP_STALE_SECONDS)
    return {
        "last": last,
        "stale": last is None or now - last.finished_at > stale_after,
        "stale_after": stale_after,
        "age": (now - last.finished_at) if last else None,
        "interval_seconds": settings.SWEEP_INTERVAL_SECONDS,
    }


def window_revise(*, actor, window_id: int, values: dict):
    """Change a response window by adding its next version: running clocks keep the version they started
    on, new clocks take this one. The old version is deactivated in the same transaction."""
    from .audit import audit_record
    from .errors import DomainError
    from .models import AuditAction, ResponseWindow

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


def get_escalation_for_user(user, escalation_id: int):
    """The access getter for an escalation: 404 for anyone outside the MASH or who may not see its record."""
    from django.http import Http404

    from .access import Role, user_roles
    from .models import Escalation

    if not user_roles(user) & {Role.SCREENER, Role.MANAGER}:
        raise Http404("No escalation found")
    escalation = Escalation.objects.select_related("target_type", "acknowledged_by").filter(pk=escalation_id).first()
    if escalation is None:
        raise Http404("No escalation found")
    registration = _registry.get(escalation.target_type.model_class())
    visible_to = registration.visible_to if registration is not None else None
    if visible_to is not None and not visible_to(user).filter(pk=escalation.target_id).exists():
        raise Http404("No escalation found")
    return escalation
