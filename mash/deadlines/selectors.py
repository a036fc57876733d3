"""Reads about clocks: the at-risk board, the sweep's health, and the access getter for an escalation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from ..access import is_mash_staff
from ..codes import brag_label, brag_rank, stage_label
from ..models import Escalation, EscalationKind, SweepRun
from .registry import registered, registration_for


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

    Counting is the database's (by rating and stage), and only the rows drawn are read: per registered model,
    the counts; the most overdue `shown` of each rating (a window function), or with `rating` the rows up to
    the end of the page, with their windows and related rows; their breach escalations. Nothing is read per row
    at risk, so the board costs what its page costs, however long the backlog.
    """
    now = now or timezone.now()
    shown = AT_RISK_SHOWN if shown is None else shown
    per_page = AT_RISK_PAGE if per_page is None else per_page
    at_risk_rows = []  # (registration, its rows at risk, each with `at_risk_rating`), for models with any
    totals: Counter = Counter()
    stage_totals: Counter = Counter()
    for registration in registered():
        model = registration.model
        base = registration.visible_to(user) if registration.visible_to else model._default_manager.all()
        if mine:
            if registration.assigned_to is None:
                continue
            base = base.filter(**{registration.assigned_to: user})
        rows = (base.filter(met_at__isnull=True)
                .filter(Q(due_at__lte=now) | Q(warn_at__lte=now) | Q(breached_at__isnull=False))
                .annotate(at_risk_rating=registration.rating_expression()))
        counted: Counter = Counter()  # this model's rows at risk, by rating
        for value, stage, n in (rows.order_by().values("at_risk_rating", "clock_stage")
                                .annotate(n=Count("pk")).values_list("at_risk_rating", "clock_stage", "n")):
            totals[value] += n
            stage_totals[(value, stage)] += n
            counted[value] += n
        if rating is not None:
            rows = rows.filter(at_risk_rating=rating)
        if counted[rating] if rating is not None else counted:  # none of this model at risk: nothing to draw
            at_risk_rows.append((registration, rows))

    pager = None
    if rating is not None:
        pager = Paginator(_Merged(at_risk_rows, totals[rating]), per_page).get_page(page)
        chosen = _drawn(list(pager.object_list))
    else:
        # The most overdue `shown` of each rating of each model, as keys only (a window function over the rows at
        # risk, in the database); then the board's own choice across models; then only those rows are read.
        candidates = []
        for registration, rows in at_risk_rows:
            ranked = rows.annotate(at_risk_rank=Window(
                RowNumber(), partition_by=[F("at_risk_rating")], order_by=_MOST_OVERDUE,
            )).filter(at_risk_rank__lte=shown)
            candidates += [(registration, *key) for key in ranked.values_list(*_KEY)]
        candidates.sort(key=_overdue_key)
        drawn: Counter = Counter()
        keys = []
        for item in candidates:
            if drawn[item[1]] < shown:
                drawn[item[1]] += 1
                keys.append(item)
        chosen = _drawn(keys)

    breaches: dict[tuple, Any] = {}
    for registration in registered():
        ids = [row.pk for r, row in chosen if r is registration]
        if not ids:
            continue
        model = registration.model
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
    for registration, row in chosen:
        value = row.at_risk_rating
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
        "total": sum(totals.values()),
        "rating": rating,
        "rating_label": brag_label(rating) if rating is not None else "",
        "page": pager,
    }


# Most overdue first, within a rating: by stage, then the limit (none last), then the row.
_MOST_OVERDUE = [F("clock_stage").asc(), F("due_at").asc(nulls_last=True), F("pk").asc()]
_KEY = ("at_risk_rating", "clock_stage", "due_at", "pk")
_FAR = datetime.max.replace(tzinfo=UTC)


def _overdue_key(item) -> tuple:
    """The board's order of (registration, rating, stage, due_at, pk): rating, stage, most overdue, row."""
    _, value, stage, due_at, pk = item
    return brag_rank(value), stage, due_at or _FAR, pk


def _drawn(keys: list) -> list:
    """The rows for these keys, in their order, read with their windows and related rows (one query a model);
    a row closed or deleted since it was counted is left out."""
    by_registration: dict = {}
    for registration, *_, pk in keys:
        by_registration.setdefault(registration, []).append(pk)
    rows = {}
    for registration, pks in by_registration.items():
        model = registration.model
        for row in (model._default_manager.filter(pk__in=pks).order_by()
                    .select_related("clock_window", *registration.related)):
            rows[(registration.model, row.pk)] = row
    chosen = []
    for registration, value, *_, pk in keys:
        row = rows.get((registration.model, pk))
        if row is not None:
            row.at_risk_rating = value
            chosen.append((registration, row))
    return chosen


class _Merged:
    """One rating's rows at risk of every registered model, in the board's order, as a Paginator reads them (keys
    only): a page reads, from each model, the keys up to the end of the page (cost grows with the page number, not
    the backlog), and merges them."""

    def __init__(self, sources: list, total: int):
        self.sources, self.total = sources, total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, window: slice) -> list:
        merged = []
        for registration, rows in self.sources:
            merged += [(registration, *key) for key in rows.order_by(*_MOST_OVERDUE).values_list(*_KEY)[: window.stop]]
        merged.sort(key=_overdue_key)
        return merged[window]


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
