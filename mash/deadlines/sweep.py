"""The sweep: one pass over every registered clocked model, run by Celery beat (`mash.tasks.sweep_deadlines`).

Per registered model it claims rows past their limit, then rows past their target, with one
`UPDATE ... RETURNING` over `SELECT ... FOR UPDATE SKIP LOCKED`, records each warning and breach once as an
`Escalation` (with its audit row), queues the notifications and marks the row, all in one transaction; then
it escalates breaches nobody acknowledged in time to the second level. The database is the truth: if a worker
or Redis dies, the next pass finds everything still due. Running it twice, or in two workers at once, records
each escalation exactly once (row locks, plus a unique constraint as the backstop). One bad row is logged and
skipped; it never stalls the loop.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from ..models import AuditAction, AuditEvent, Escalation, EscalationKind, ResponseWindow
from ..polling import stamp_bump
from .messages import escalations_notify
from .registry import RECORD_CLOCK_COLUMNS, STAMP, Registration, members_cached, registered, registration_for

logger = logging.getLogger(__name__)


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
    batch_size = batch_size or settings.SWEEP_BATCH_SIZE
    result = SweepResult()
    windows: dict[int, Any] = {}
    registrations = registered()
    due, second_level = _due(registrations, at=now or timezone.now())
    with members_cached():
        for registration in registrations:
            # Breaches first: a clock past both its target and its limit is breached (and marked warned).
            for kind in (EscalationKind.BREACH, EscalationKind.WARNING):
                if (registration.model, kind) in due:
                    _sweep_claims(registration, kind, now=now, batch_size=batch_size, result=result,
                                  windows=windows)
        if second_level or result.breaches:  # a breach recorded now may be due at once (a wait of 0 minutes)
            _sweep_second_level(now=now, batch_size=batch_size, result=result, windows=windows)
    return result


def _due(registrations: list[Registration], *, at: datetime) -> tuple[set, bool]:
    """What this pass has to do, in one query: {(model, kind)} with a clock past its limit ("breach") or target
    ("warning") and not yet marked, and whether a breach awaits its second level.

    A registered model with nothing due then costs the pass one EXISTS (an index probe) in this query, not a
    transaction and a claim per kind: registering more clocked models does not slow the pass. What falls due after
    this query waits for the next pass, as it would have had it fallen due just after the claim.
    """
    quote = connection.ops.quote_name
    moment = connection.ops.adapt_datetimefield_value(at)  # as the ORM writes it (SQLite compares text)
    probes, params, keys = [], [], []
    for registration in registrations:
        model = registration.model
        table = quote(model._meta.db_table)
        met, breached, warned, warn, due = _columns(model, ("met_at", "breached_at", "warned_at", "warn_at", "due_at"))
        # The claims' conditions (_claim), without their order and limit. Names from the model, quoted.
        probes.append(f"SELECT 1 FROM {table} WHERE {met} IS NULL AND {breached} IS NULL AND {due} <= %s")  # noqa: S608
        params.append(moment)
        keys.append((model, EscalationKind.BREACH))
        # Past the target, not yet warned: the claim also asks that the limit is still ahead, left out here so the
        # probe is exactly the not-yet-warned index's range (a row past both is breached first; its warning claim
        # then finds nothing).
        probes.append(f"SELECT 1 FROM {table} WHERE {met} IS NULL AND {breached} IS NULL "  # noqa: S608
                      f"AND {warned} IS NULL AND {warn} <= %s")
        params.append(moment)
        keys.append((model, EscalationKind.WARNING))
    escalations = quote(Escalation._meta.db_table)
    kind, acknowledged, second = (quote(Escalation._meta.get_field(name).column)
                                  for name in ("kind", "acknowledged_at", "second_level_due_at"))
    probes.append(f"SELECT 1 FROM {escalations} WHERE {kind} = %s AND {acknowledged} IS NULL "  # noqa: S608
                  f"AND {second} <= %s")
    params += [EscalationKind.BREACH.value, moment]
    statement = "SELECT " + ", ".join(f"EXISTS({probe})" for probe in probes)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        found = [bool(value) for value in cursor.fetchone()]
    return {key for key, yes in zip(keys, found[:-1], strict=True) if yes}, found[-1]


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
    get = model._meta.get_field
    return [connection.ops.quote_name(get(name).column) for name in names]


def _claim(registration: Registration, kind: str, *, at: datetime, limit: int, skipped: set) -> list:
    """Claim and mark, in one statement, up to `limit` clocks past their limit (kind "breach") or target
    ("warning"), soonest first, skipping rows another sweep holds. Returns them as records.

    The rows stay locked until the caller's transaction ends; marking them is what makes the next pass
    (or a concurrent one, once this commits) pass them by.
    """
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
            stamp_bump(STAMP)  # the rows' marks change what the queues and the at-risk board show
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
            batch.notifications = escalations_notify(registration, kind, planned, at=at)
        result.add(batch)
        if len(records) < batch_size:
            return


def _load_windows(ids: set, windows: dict) -> None:
    missing = {pk for pk in ids if pk and pk not in windows}
    if missing:
        windows.update(ResponseWindow.objects.in_bulk(missing))



def _insert_escalations(model, kind: str, escalations: list[dict], *, action: str) -> None:
    """Insert escalation rows of `kind` for rows of `model`, each with its audit row; set each dict's "id".

    On PostgreSQL one statement does both. What Python worked out (label, link, rating, the second-level
    wait, the deadline as the audit log writes it) goes in as one JSON document; the times come from the
    clocked rows themselves (locked by the caller), joined by key; the audit rows are made from the inserted
    escalations. A burst of a thousand is one round trip with no per-row ORM or driver work. Elsewhere
    (`make run`'s SQLite), bulk_create.
    """
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
    users = list(registration.responsible(record, kind))
    if kind == EscalationKind.BREACH and record.warn_at is not None and record.warned_at == at:
        # Past its target and its limit since the last pass: its warning was never raised, so those it would
        # have gone to (the assigned screener) hear of the breach instead.
        users += registration.responsible(record, EscalationKind.WARNING)
    return users


def _sweep_second_level(*, now, batch_size: int, result: SweepResult, windows: dict) -> None:
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
            stamp_bump(STAMP)
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
                batch.notifications += escalations_notify(registration, EscalationKind.SECOND_LEVEL, planned, at=at)
        result.add(batch)
        if len(breaches) < batch_size:
            return


def _escalate_further(breaches: list, *, at: datetime, windows: dict, busy: list) -> list:
    """Second level for breaches nobody acknowledged in time, if their clock is still the same open run.

    Returns [(registration, escalation, ids of the users to tell)] for those escalated. Breaches whose
    clocked row someone else holds locked are left for the next pass (their ids are added to `busy`).
    """
    fired, moot, done = [], [], []
    by_type = defaultdict(list)
    for breach in breaches:
        by_type[breach.target_type_id].append(breach)
    for content_type_id, group in by_type.items():
        registration = registration_for(ContentType.objects.get_for_id(content_type_id).model_class())
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

