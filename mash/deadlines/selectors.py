"""Reads about clocks: the at-risk board, the sweep's health, and the access getter for an escalation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from ..access import is_mash_staff
from ..codes import brag_label, brag_rank, stage_label
from ..models import Escalation, EscalationKind, SweepRun
from .registry import RECORD_CLOCK_COLUMNS, registered, registration_for


@dataclass
class AtRiskItem:
    row: Any
    label: str
    url: str
    stage: str
    rating: str
    status: str  # "breached" or "warning"
    breach: Any = None  # the open breach (or second-level) Escalation, if recorded


AT_RISK_SHOWN = 25  # rows the whole board shows per rating (the most overdue first); the rest are counted
AT_RISK_PAGE = 50  # rows a page when one rating is shown in full


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
    light.sort(key=lambda x: (brag_rank(x[0]), x[2].clock_stage, x[2].due_at or far, x[2].pk))
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
    return {
        "groups": [
            {
                "rating": value,
                "rating_label": brag_label(value),
                "count": totals[value],
                "more": totals[value] - sum(len(v) for v in stages.values()),
                "stages": [
                    {"stage": stage, "stage_label": stage_label(stage), "items": stage_items,
                     "count": stage_totals[(value, stage)]}
                    for stage, stage_items in stages.items()
                ],
            }
            for value, stages in groups.items()
        ],
        "total": len(light),
        "rating": rating,
        "rating_label": brag_label(rating) if rating is not None else "",
        "page": pager,
    }


def sweep_health(now: datetime | None = None) -> dict:
    """When the sweep last ran and how long it took; stale when older than SWEEP_STALE_SECONDS."""
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



def get_escalation_for_user(user, escalation_id: int):
    """The access getter for an escalation: 404 for anyone outside the MASH or who may not see its record."""
    if not is_mash_staff(user):
        raise Http404("No escalation found")
    escalation = Escalation.objects.select_related("target_type", "acknowledged_by").filter(pk=escalation_id).first()
    if escalation is None:
        raise Http404("No escalation found")
    registration = registration_for(escalation.target_type.model_class())
    visible_to = registration.visible_to if registration is not None else None
    if visible_to is not None and not visible_to(user).filter(pk=escalation.target_id).exists():
        raise Http404("No escalation found")
    return escalation
