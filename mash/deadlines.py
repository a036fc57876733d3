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
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .clock import Calendar, Unit

logger = logging.getLogger(__name__)


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


# --- registration -------------------------------------------------------------------------------------

# The clock columns a sweep record carries (besides the primary key, as `pk`, and the app's own `fields`).
RECORD_CLOCK_COLUMNS = (
    "clock_stage", "clock_window_id", "clock_started_at", "warn_at", "due_at", "met_at", "warned_at",
)

Responsible = Callable[[Any, str], Iterable[int | None]]


@dataclass(frozen=True)
class Registration:
    """How the sweep and the dashboard treat one Clocked model.

    The sweep never builds model instances: it claims rows as light records (a named tuple with `pk`, the
    clock columns and the registration's `fields`), and `label`, `url`, `rating` and `responsible` read
    those attributes. The dashboard rates the same light records, and calls `label` and `url` with model
    instances (the rows it draws), which have the same attributes.
    """

    model: type[models.Model]
    fields: tuple[str, ...]
    responsible: Responsible
    label: Callable[[Any], str]
    url: Callable[[Any], str]
    rating: Callable[[Any], str] | None
    digest_url: Callable[[str], str]
    related: tuple[str, ...]
    visible_to: Callable[[Any], QuerySet] | None
    assigned_to: str | None
    record: type

    def rating_of(self, row, window_rating: str | None) -> str:
        """The row's own rating if the app gives one, else the rating of the window its clock runs on."""
        value = self.rating(row) if self.rating is not None else ""
        return value if isinstance(value, str) and value else window_rating or ""


_registry: dict[type[models.Model], Registration] = {}


def _at_risk_url(kind: str) -> str:
    from django.urls import reverse

    return reverse("at_risk")


def register(
    model: type[models.Model],
    *,
    fields: Sequence[str],
    responsible: Responsible,
    label: Callable[[Any], str],
    url: Callable[[Any], str],
    rating: Callable[[Any], str] | None = None,
    digest_url: Callable[[str], str] = _at_risk_url,
    related: Sequence[str] = (),
    visible_to: Callable[[Any], QuerySet] | None = None,
    assigned_to: str | None = None,
) -> None:
    """Put a Clocked model under the sweep.

    fields -> the model's own columns (attnames, e.g. "reference", "assigned_screener_id") the callables
        read; the sweep loads these, the primary key as `pk` and the clock columns, nothing else.
    responsible(record, kind) -> ids of the users to notify; kind is "warning", "breach" or "second_level".
        Inactive users and duplicates are dropped by the sweep.
    label/url -> how the row is named and linked in escalations, notifications and the dashboard.
    rating(record) -> the row's BRAG rating ("" if none; then the window's rating is used).
    digest_url(kind) -> where a digest links (one message for many escalations of a kind in one pass); by
        default the at-risk board, which every recipient can open (a worker sees the rows assigned to them).
    related -> select_related() paths for the dashboard, which works on model instances.
    visible_to(user) -> the rows this user may see (the at-risk dashboard filters by it).
    assigned_to -> the foreign key naming the worker a row is assigned to: a worker's own at-risk board
        lists those rows (a model without one is left off it).
    """
    from collections import namedtuple

    if not issubclass(model, Clocked):
        raise TypeError(f"{model.__name__} is not a Clocked model")
    columns = {f.attname for f in model._meta.concrete_fields}
    unknown = [name for name in fields if name not in columns]
    if unknown:
        raise ValueError(f"{model.__name__} has no column(s) {', '.join(unknown)}: give attnames, not paths")
    record = namedtuple(f"{model.__name__}Clock", ["pk", *RECORD_CLOCK_COLUMNS, *fields])
    _registry[model] = Registration(
        model=model, fields=tuple(fields), responsible=responsible, label=label, url=url, rating=rating,
        digest_url=digest_url, related=tuple(related), visible_to=visible_to, assigned_to=assigned_to,
        record=record,
    )


def registered() -> list[Registration]:
    return list(_registry.values())


# Members of a group, cached for the length of one sweep pass (no query per row for "all managers").
_members_cache: ContextVar[dict[str, list[int]] | None] = ContextVar("deadline_group_members", default=None)


def group_member_ids(name: str) -> list[int]:
    """Ids of the active users in the group `name`; within a sweep pass, looked up once."""
    cache = _members_cache.get()
    if cache is not None and name in cache:
        return cache[name]
    members = list(
        get_user_model().objects.filter(groups__name=name, is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    if cache is not None:
        cache[name] = members
    return members


# --- the calendar and windows -----------------------------------------------------------------------

def calendar(window=None) -> Calendar:
    """The working calendar: bank holidays plus the admin's closure days, in the window's working hours.

    Closure days are read afresh each time (a handful of rows, read when a clock starts): a day an admin adds
    counts from the moment it commits, in every process, and a change that rolls back never counted.
    """
    from .models import ClosureDay

    cal = Calendar(closures=frozenset(ClosureDay.objects.values_list("date", flat=True)))
    if window is not None:
        cal = dataclasses.replace(cal, day_start=window.day_start, day_end=window.day_end)
    return cal


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
    """One pass over every registered model: record breaches, then warnings, then second-level escalations.

    `now` freezes the moment for tests; by default each batch takes the current time.
    """
    from .models import EscalationKind

    batch_size = batch_size or settings.SWEEP_BATCH_SIZE
    result = SweepResult()
    token = _members_cache.set({})
    windows: dict[int, Any] = {}
    try:
        for registration in registered():
            # Breaches first: a clock past both its target and its limit is breached (and marked warned).
            for kind in (EscalationKind.BREACH, EscalationKind.WARNING):
                _sweep_claims(registration, kind, now=now, batch_size=batch_size, result=result, windows=windows)
        _sweep_second_level(now=now, batch_size=batch_size, result=result, windows=windows)
    finally:
        _members_cache.reset(token)
    return result


def _with_fallback(items: list, process: Callable[[list], list], what: str) -> tuple[list, list]:
    """Process a batch in one savepoint; if that fails, one item at a time, each in its own.

    Returns (what `process` returned for the items that went through, the items that failed). Failures are
    logged with their traceback.
    """
    try:
        with transaction.atomic():
            return process(items), []
    except Exception:
        if len(items) == 1:
            logger.exception("deadline sweep: skipped %s %s", what, getattr(items[0], "pk", items[0]))
            return [], items
        logger.exception("deadline sweep: a batch of %s failed; retrying one by one", what)
    done, failed = [], []
    for item in items:
        try:
            with transaction.atomic():
                done += process([item])
        except Exception:
            logger.exception("deadline sweep: skipped %s %s", what, getattr(item, "pk", item))
            failed.append(item)
    return done, failed


def _columns(model, names: Iterable[str]) -> list[str]:
    from django.db import connection

    get = model._meta.get_field
    return [connection.ops.quote_name(get(name).column) for name in names]


def _claim(registration: Registration, kind: str, *, at: datetime, limit: int, skipped: set) -> list:
    """Claim and mark, in one statement, up to `limit` clocks past their limit (kind "breach") or target
    ("warning"), soonest first, skipping rows another sweep holds. Returns them as records.

    The rows stay locked until the caller's transaction ends; marking them is what makes the next pass
    (or a concurrent one, once this commits) pass them by.
    """
    from django.db import connection

    from .models import EscalationKind

    model = registration.model
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    met, breached, warned, warn, due = _columns(model, ("met_at", "breached_at", "warned_at", "warn_at", "due_at"))
    moment = connection.ops.adapt_datetimefield_value(at)  # as the ORM writes it (SQLite compares text)
    if kind == EscalationKind.BREACH:
        # A breach also settles a warning never raised (the clock passed both since the last pass).
        assign, assign_params = f"{breached} = %s, {warned} = COALESCE({warned}, %s)", [moment, moment]
        where, where_params = f"{met} IS NULL AND {breached} IS NULL AND {due} <= %s", [moment]
        order = f"{due}, {pk}"
    else:
        # Past the target and not yet past the limit (a row past both is the breach claim's).
        assign, assign_params = f"{warned} = %s", [moment]
        where = f"{met} IS NULL AND {breached} IS NULL AND {warned} IS NULL AND {warn} <= %s AND {due} > %s"
        where_params, order = [moment, moment], f"{warn}, {pk}"
    if skipped:
        where += f" AND {pk} NOT IN ({', '.join(['%s'] * len(skipped))})"
        where_params += sorted(skipped)
    due_rows = f"SELECT {pk} FROM {table} WHERE {where} ORDER BY {order} LIMIT %s"  # noqa: S608 (see below)
    if connection.vendor == "postgresql":
        # ANY(ARRAY(...)): the claim runs once, then one index lookup per row (never a join over the table).
        chosen = f"{pk} = ANY(ARRAY({due_rows} FOR UPDATE SKIP LOCKED))"
    else:
        chosen = f"{pk} IN ({due_rows})"  # SQLite: one writer at a time, nothing to skip
    returning = ", ".join([pk, *_columns(model, (*RECORD_CLOCK_COLUMNS, *registration.fields))])
    # Every name above comes from the model's metadata, quoted; every value is a parameter.
    statement = f"UPDATE {table} SET {assign} WHERE {chosen} RETURNING {returning}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, [*assign_params, *where_params, limit])
        rows = cursor.fetchall()
    if rows and connection.vendor != "postgresql":
        # Other databases hand back raw column values: read the claimed rows again through the ORM's converters.
        return _records(registration, [row[0] for row in rows])
    return [registration.record(*row) for row in rows]


def _unclaim(registration: Registration, kind: str, records: list, *, at: datetime) -> None:
    """Take the mark off claimed rows whose escalation could not be recorded: the next pass tries again."""
    from .models import EscalationKind

    rows = registration.model._default_manager.filter(pk__in=[r.pk for r in records])
    if kind == EscalationKind.BREACH:
        rows.filter(warned_at=at).update(warned_at=None)  # warned by this claim, not before
        rows.update(breached_at=None)
    else:
        rows.update(warned_at=None)


def _records(registration: Registration, pks: Iterable, *, lock: bool = False) -> list:
    """The sweep's records of these rows. With `lock`, the rows are locked to the end of the transaction and
    rows someone else holds are left out (as are rows that no longer exist)."""
    names = ("pk", *RECORD_CLOCK_COLUMNS, *registration.fields)
    rows = registration.model._default_manager.filter(pk__in=list(pks)).order_by("pk")
    if lock:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return [registration.record(*row) for row in rows.values_list(*names)]


def _counted(kind: str, planned: list) -> SweepResult:
    from .models import EscalationKind

    field = {EscalationKind.WARNING: "warnings", EscalationKind.BREACH: "breaches",
             EscalationKind.SECOND_LEVEL: "second_level"}[kind]
    return SweepResult(**{field: len(planned)})


def _sweep_claims(registration: Registration, kind: str, *, now, batch_size: int, result: SweepResult,
                  windows: dict) -> None:
    skipped: set = set()
    while True:
        at = now or timezone.now()
        with transaction.atomic():
            records = _claim(registration, kind, at=at, limit=batch_size, skipped=skipped)
            if not records:
                return
            _load_windows({r.clock_window_id for r in records}, windows)
            planned, failed = _with_fallback(
                records, lambda chunk, at=at: _record(registration, kind, chunk, at=at, windows=windows),
                registration.model._meta.label,
            )
            if failed:
                _unclaim(registration, kind, failed, at=at)
                skipped.update(r.pk for r in failed)
            batch = _counted(kind, planned)
            batch.errors = len(failed)
            # Told once for the whole batch, also when it went through one by one: a digest stays a digest.
            batch.notifications = _notify(registration, kind, planned, at=at)
        result.add(batch)
        if len(records) < batch_size:
            return


def _load_windows(ids: set, windows: dict) -> None:
    from .models import ResponseWindow

    missing = {pk for pk in ids if pk and pk not in windows}
    if missing:
        windows.update(ResponseWindow.objects.in_bulk(missing))


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M on %a %-d %b %Y}"


@functools.cache
def _labels() -> tuple[dict, dict]:
    from .models import Rating, Stage

    return {k: str(v).lower() for k, v in Stage.choices}, {k: str(v) for k, v in Rating.choices if k}


def _what(escalation: dict) -> str:
    stages, ratings = _labels()
    stage = stages.get(escalation["stage"], escalation["stage"])
    rating = ratings.get(escalation["rating"])
    return f"{escalation['target_label']} ({stage}{', ' + rating if rating else ''})"


def _message(escalation: dict) -> tuple[str, str]:
    from .models import EscalationKind

    what, deadline = _what(escalation), _when(escalation["deadline_at"])
    if escalation["kind"] == EscalationKind.WARNING:
        return f"Due soon: {what}"[:200], f"{what} has passed its target ({deadline})."
    if escalation["kind"] == EscalationKind.BREACH:
        return (f"Breach: {what}"[:200],
                f"{what} has passed its limit ({deadline}). Acknowledge the breach with a note.")
    return f"Escalated: {what}"[:200], f"{what} breached its limit at {deadline} and nobody has acknowledged it."


DIGEST_LISTED = 20  # how many a digest names before "and N more"


def _digest(kind: str, escalations: list[dict]) -> tuple[str, str]:
    """One message for many escalations of one kind in one batch: a burst is one e-mail, not hundreds."""
    from .models import EscalationKind

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


def _insert_escalations(model, kind: str, escalations: list[dict], *, action: str) -> None:
    """Insert escalation rows of `kind` for rows of `model`, each with its audit row; set each dict's "id".

    On PostgreSQL one statement does both. What Python worked out (label, link, rating, the second-level
    wait, the deadline as the audit log writes it) goes in as one JSON document; the times come from the
    clocked rows themselves (locked by the caller), joined by key; the audit rows are made from the inserted
    escalations. A burst of a thousand is one round trip with no per-row ORM or driver work. Elsewhere
    (`make run`'s SQLite), bulk_create.
    """
    from django.db import connection

    from .models import AuditEvent, Escalation, EscalationKind

    if not escalations:
        return
    if connection.vendor != "postgresql":
        objs = Escalation.objects.bulk_create(
            Escalation(**{k: v for k, v in e.items() if k != "second_level_minutes"}) for e in escalations
        )
        for escalation, obj in zip(escalations, objs, strict=True):
            escalation["id"] = obj.pk
        AuditEvent.objects.bulk_create(
            AuditEvent(at=e["raised_at"], actor=None, actor_label="system", action=action,
                       target_type_id=e["target_type_id"], target_id=str(e["target_id"]),
                       target_label=e["target_label"],
                       changes={"stage": e["stage"], "rating": e["rating"], "deadline": e["deadline_at"].isoformat()})
            for e in escalations
        )
        return
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    escalation_table, audit_table = quote(Escalation._meta.db_table), quote(AuditEvent._meta.db_table)
    stage, window, started, warn, due = _columns(
        model, ("clock_stage", "clock_window_id", "clock_started_at", "warn_at", "due_at")
    )
    deadline = warn if kind == EscalationKind.WARNING else due
    rows = json.dumps([
        {"id": e["target_id"], "label": e["target_label"], "url": e["target_url"], "rating": e["rating"],
         "wait": e.get("second_level_minutes"), "deadline": e["deadline_at"].isoformat()}
        for e in escalations
    ])
    # Table and column names come from the models' metadata, quoted; every value is a parameter.
    statement = f"""
        WITH r AS MATERIALIZED (
            SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb)
                AS r(id bigint, label text, url text, rating text, wait integer, deadline text)
        ), e AS (
            INSERT INTO {escalation_table} (target_type_id, target_id, target_label, target_url, stage, rating,
                                            kind, window_id, clock_started_at, deadline_at, raised_at,
                                            second_level_due_at, acknowledgement_note)
            SELECT %(type)s, r.id, r.label, r.url, c.{stage}, r.rating, %(kind)s, c.{window},
                   COALESCE(c.{started}, c.{due}), c.{deadline}, %(at)s, %(at)s + r.wait * interval '1 minute', ''
            FROM r JOIN {table} c ON c.{pk} = r.id
            RETURNING id, target_id, target_label, stage, rating
        ), a AS (
            INSERT INTO {audit_table} (at, actor_id, actor_label, action, target_type_id, target_id, target_label,
                                       changes)
            SELECT %(at)s, NULL, 'system', %(action)s, %(type)s, e.target_id::text, e.target_label,
                   jsonb_build_object('stage', e.stage, 'rating', e.rating, 'deadline', r.deadline)
            FROM e JOIN r ON r.id = e.target_id
        )
        SELECT target_id, id FROM e"""  # noqa: S608
    first = escalations[0]
    with connection.cursor() as cursor:
        cursor.execute(statement, {"rows": rows, "action": action, "type": first["target_type_id"],
                                   "kind": first["kind"], "at": first["raised_at"]})
        ids = dict(cursor.fetchall())
    for escalation in escalations:
        escalation["id"] = ids[escalation["target_id"]]


def _record(registration: Registration, kind: str, records: list, *, at: datetime, windows: dict) -> list:
    """Record one escalation of `kind` per record, with its audit row.

    Returns [(escalation, ids of the users to tell)]. Everything the app's callables say about a row is
    asked here, inside the batch's savepoint, so a row they fail on is skipped without losing the rest.
    """
    from .models import AuditAction, EscalationKind

    content_type = ContentType.objects.get_for_model(registration.model)
    planned: list[tuple[dict, list[int]]] = []
    for record in records:
        window = windows.get(record.clock_window_id)
        escalation = {
            "target_type_id": content_type.pk,
            "target_id": record.pk,
            "target_label": str(registration.label(record))[:200],
            "target_url": str(registration.url(record) or "")[:300],
            "stage": record.clock_stage,
            "rating": registration.rating_of(record, window.rating if window is not None else ""),
            "window_id": window.pk if window is not None else None,
            "kind": str(kind),
            "clock_started_at": record.clock_started_at or record.due_at,
            "deadline_at": record.warn_at if kind == EscalationKind.WARNING else record.due_at,
            "raised_at": at,
            "second_level_due_at": None,
        }
        if kind == EscalationKind.BREACH:
            wait = window.second_level_minutes if window is not None else settings.DEADLINE_SECOND_LEVEL_MINUTES
            escalation["second_level_minutes"] = wait
            escalation["second_level_due_at"] = at + timedelta(minutes=wait)
        recipients = [u for u in dict.fromkeys(_recipients(registration, kind, record, at)) if u is not None]
        planned.append((escalation, recipients))
    action = {EscalationKind.WARNING: AuditAction.CLOCK_WARNED, EscalationKind.BREACH: AuditAction.CLOCK_BREACHED,
              EscalationKind.SECOND_LEVEL: AuditAction.CLOCK_ESCALATED}[kind]
    _insert_escalations(registration.model, kind, [escalation for escalation, _ in planned], action=action.value)
    return planned


def _recipients(registration: Registration, kind: str, record, at: datetime) -> Iterable[int | None]:
    from .models import EscalationKind

    users = list(registration.responsible(record, kind))
    if kind == EscalationKind.BREACH and record.warn_at is not None and record.warned_at == at:
        # Past its target and its limit since the last pass: its warning was never raised, so those it would
        # have gone to (the assigned screener) hear of the breach instead.
        users += registration.responsible(record, EscalationKind.WARNING)
    return users


def _digest_link(registration: Registration, kind: str) -> str:
    """Where a digest links. An app's callable that fails or overreaches must not cost the batch its
    notifications: the at-risk board is the fallback."""
    try:
        link = str(registration.digest_url(kind))
    except Exception:
        logger.exception("digest_url failed for %s; linking to the at-risk board", registration.model._meta.label)
        return _at_risk_url(kind)
    return link if len(link) <= 300 else _at_risk_url(kind)


def _notify(registration: Registration, kind: str, planned: list[tuple[dict, list[int]]], *, at: datetime) -> int:
    """Queue notifications for recorded escalations: one per escalation and person, or, for a person with
    more than NOTIFICATION_DIGEST_AFTER of this kind in this batch, one digest naming them."""
    from . import notify
    from .models import Notification

    by_user: dict[int, list[dict]] = defaultdict(list)
    for escalation, recipients in planned:
        for user_id in recipients:
            by_user[user_id].append(escalation)
    if not by_user:
        return 0
    emails = dict(
        get_user_model().objects.filter(pk__in=list(by_user), is_active=True).values_list("pk", "email")
    )
    notifications: list[Notification] = []
    for user_id, escalations in by_user.items():
        if user_id not in emails:
            continue
        common = {"recipient_id": user_id, "email": emails[user_id] or "", "created_at": at, "next_attempt_at": at}
        if len(escalations) > settings.NOTIFICATION_DIGEST_AFTER:
            subject, body = _digest(kind, escalations)
            notifications.append(Notification(**common, kind=f"escalation.{kind}.digest", subject=subject[:200],
                                              body=body, link=_digest_link(registration, kind)))
            continue
        for escalation in escalations:
            if "message" not in escalation:
                escalation["message"] = _message(escalation)
            subject, body = escalation["message"]
            notifications.append(Notification(**common, kind=f"escalation.{kind}", subject=subject, body=body,
                                              link=escalation["target_url"], escalation_id=escalation["id"]))
    Notification.objects.bulk_create(notifications)
    if notifications:
        notify.deliver_soon()
    return len(notifications)


def _sweep_second_level(*, now, batch_size: int, result: SweepResult, windows: dict) -> None:
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
                .order_by("second_level_due_at", "pk")
                .select_for_update(skip_locked=True)[:batch_size]
            )
            if not breaches:
                return
            busy: list = []
            fired, failed = _with_fallback(
                breaches,
                lambda chunk, at=at, busy=busy: _escalate_further(chunk, at=at, windows=windows, busy=busy),
                "breach",
            )
            skipped.update(e.pk for e in failed)
            skipped.update(busy)
            batch = SweepResult(second_level=len(fired), errors=len(failed))
            by_registration = defaultdict(list)
            for registration, escalation, recipients in fired:
                by_registration[registration].append((escalation, recipients))
            for registration, planned in by_registration.items():
                batch.notifications += _notify(registration, EscalationKind.SECOND_LEVEL, planned, at=at)
        result.add(batch)
        if len(breaches) < batch_size:
            return


def _escalate_further(breaches: list, *, at: datetime, windows: dict, busy: list) -> list:
    """Second level for breaches nobody acknowledged in time, if their clock is still the same open run.

    Returns [(registration, escalation, ids of the users to tell)] for those escalated. Breaches whose
    clocked row someone else holds locked are left for the next pass (their ids are added to `busy`).
    """
    from .models import Escalation, EscalationKind

    fired, moot, done = [], [], []
    by_type = defaultdict(list)
    for breach in breaches:
        by_type[breach.target_type_id].append(breach)
    for content_type_id, group in by_type.items():
        registration = _registry.get(ContentType.objects.get_for_id(content_type_id).model_class())
        if registration is None:
            moot += group
            continue
        # Locked, so the clock cannot stop or restart between this check and the escalation's insert.
        ids = [b.target_id for b in group]
        records = {r.pk: r for r in _records(registration, ids, lock=True)}
        exists = set(registration.model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))
        still_open = []
        for breach in group:
            record = records.get(breach.target_id)
            if record is None and breach.target_id in exists:
                busy.append(breach.pk)  # held by someone else: next pass
            elif (record is None or record.met_at is not None or record.clock_stage != breach.stage
                    or (record.clock_started_at or record.due_at) != breach.clock_started_at):
                moot.append(breach)  # the clock stopped or restarted since the breach: nothing to escalate
            else:
                still_open.append(record)
                fired.append(breach)
        if still_open:
            _load_windows({r.clock_window_id for r in still_open}, windows)
            planned = _record(registration, EscalationKind.SECOND_LEVEL, still_open, at=at, windows=windows)
            done += [(registration, escalation, recipients) for escalation, recipients in planned]
    if fired:
        Escalation.objects.filter(pk__in=[b.pk for b in fired]).update(second_level_due_at=None, escalated_at=at)
    if moot:
        Escalation.objects.filter(pk__in=[b.pk for b in moot]).update(second_level_due_at=None)
    return done


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
AT_RISK_SHOWN = 25  # rows the whole board shows per rating (the most overdue first); the rest are counted
AT_RISK_PAGE = 50  # rows a page when one rating is shown in full


def _rating_rank(rating: str) -> int:
    return RATING_ORDER.index(rating) if rating in RATING_ORDER else len(RATING_ORDER)


def at_risk(*, user, mine: bool = False, rating: str | None = None, page=1, now: datetime | None = None,
            shown: int | None = None, per_page: int | None = None) -> dict:
    """Every running clock past its target or limit that `user` may see, by rating then stage, most overdue
    first; with `mine`, only the rows assigned to `user` (a worker's own board).

    Everything at risk is counted, but what is drawn is bounded, so the page costs the same on a bad day:
    the whole board shows the `shown` most overdue of each rating (every rating keeps its place: a Red breach
    is never pushed off by a backlog of Greens); with `rating`, that rating alone, `per_page` rows a page.

    Queries, per registered model: the light rows at risk (clock columns, the app's fields, the window's
    rating); the rows drawn, with their window and related rows; their breach escalations.
    """
    from django.core.paginator import Paginator

    from .models import Escalation, EscalationKind, Rating, Stage

    now = now or timezone.now()
    shown = AT_RISK_SHOWN if shown is None else shown
    per_page = AT_RISK_PAGE if per_page is None else per_page
    light: list[tuple] = []  # (rating, registration, record)
    for registration in registered():
        model = registration.model
        base = registration.visible_to(user) if registration.visible_to else model._default_manager.all()
        if mine:
            if registration.assigned_to is None:
                continue
            base = base.filter(**{registration.assigned_to: user})
        for values in (
            base.filter(met_at__isnull=True)
            .filter(Q(due_at__lte=now) | Q(warn_at__lte=now) | Q(breached_at__isnull=False))
            .values_list("pk", *RECORD_CLOCK_COLUMNS, *registration.fields, "clock_window__rating")
        ):
            record = registration.record(*values[:-1])
            light.append((registration.rating_of(record, values[-1]), registration, record))
    far = datetime.max.replace(tzinfo=UTC)
    light.sort(key=lambda x: (_rating_rank(x[0]), x[2].clock_stage, x[2].due_at or far, x[2].pk))
    totals = Counter(x[0] for x in light)
    stage_totals = Counter((x[0], x[2].clock_stage) for x in light)

    pager = None
    if rating is not None:
        pager = Paginator([x for x in light if x[0] == rating], per_page).get_page(page)
        chosen = list(pager.object_list)
    else:
        drawn: Counter = Counter()
        chosen = []
        for x in light:
            if drawn[x[0]] < shown:
                drawn[x[0]] += 1
                chosen.append(x)

    rows: dict[tuple, Any] = {}
    breaches: dict[tuple, Any] = {}
    for registration in registered():
        ids = [x[2].pk for x in chosen if x[1] is registration]
        if not ids:
            continue
        model = registration.model
        for row in model._default_manager.filter(pk__in=ids).select_related("clock_window", *registration.related):
            rows[(model, row.pk)] = row
        for escalation in (
            Escalation.objects.filter(
                target_type=ContentType.objects.get_for_model(model), target_id__in=ids,
                kind__in=[EscalationKind.BREACH, EscalationKind.SECOND_LEVEL],
            )
            .select_related("acknowledged_by")
            .order_by("kind")  # "breach" before "second_level": the later one wins below
        ):
            breaches[(model, escalation.target_id, escalation.stage, escalation.clock_started_at)] = escalation

    groups: dict[str, dict[str, list[AtRiskItem]]] = {}
    for value, registration, record in chosen:
        row = rows.get((registration.model, record.pk))
        if row is None:  # closed or deleted between the two reads
            continue
        breached = row.due_at is not None and row.due_at <= now
        groups.setdefault(value, {}).setdefault(row.clock_stage, []).append(
            AtRiskItem(
                row=row, label=str(registration.label(row)), url=registration.url(row), stage=row.clock_stage,
                rating=value, status="breached" if breached else "warning",
                breach=breaches.get((registration.model, row.pk, row.clock_stage, row.clock_started_at)),
            )
        )
    stage_labels = dict(Stage.choices)
    rating_labels = dict(Rating.choices) | {"": "No rating"}
    return {
        "groups": [
            {
                "rating": value,
                "rating_label": rating_labels.get(value, value),
                "count": totals[value],
                "more": totals[value] - sum(len(v) for v in stages.values()),
                "stages": [
                    {"stage": stage, "stage_label": stage_labels.get(stage, stage), "items": stage_items,
                     "count": stage_totals[(value, stage)]}
                    for stage, stage_items in stages.items()
                ],
            }
            for value, stages in groups.items()
        ],
        "total": len(light),
        "rating": rating,
        "rating_label": rating_labels.get(rating, rating) if rating is not None else "",
        "page": pager,
    }


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
