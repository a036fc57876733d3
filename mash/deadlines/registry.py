"""What each app tells the sweep and the at-risk board about its clocked model.

Apps register their Clocked models (`register`, from their AppConfig.ready); the kernel imports no app. The
registration says which columns the sweep reads, who hears of a warning, a breach or a second-level
escalation, and how a row is named, linked and rated: so an information request escalates to its agency's
partners, and a contact to the MASH managers, through the same sweep.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.urls import reverse

from .clocks import Clocked

# The polling scope of everything about clocks: registered rows, escalations, acknowledgements (mash.polling).
STAMP = "deadlines"

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
    rating_columns: tuple[str, ...] = ()
    # What a recipient who cannot acknowledge a breach (not a MASH manager: e.g. an agency's partner) can do about
    # one of `kind` ("breach", "second_level"), in words for their message; None or "": they are told a MASH manager
    # has it (mash.deadlines.messages).
    advice: Callable[[str], str] | None = None

    def rating_expression(self):
        """The rating `rating_of` gives, as SQL: the first of `rating_columns` not blank, else the rating of the
        window the clock runs on, else "" (the at-risk board counts and orders by it in the database)."""
        from django.db.models import F, Value
        from django.db.models.functions import Coalesce, NullIf

        parts = [NullIf(F(name), Value("")) for name in (*self.rating_columns, "clock_window__rating")]
        return Coalesce(*parts, Value(""), output_field=models.CharField())

    def rating_of(self, row, window_rating: str | None) -> str:
        """The row's own rating if the app gives one, else the rating of the window its clock runs on."""
        value = self.rating(row) if self.rating is not None else ""
        return value if isinstance(value, str) and value else window_rating or ""


_registry: dict[type[models.Model], Registration] = {}


def at_risk_url(kind: str = "") -> str:
    return reverse("at_risk")


def register(
    model: type[models.Model],
    *,
    fields: Sequence[str],
    responsible: Responsible,
    label: Callable[[Any], str],
    url: Callable[[Any], str],
    rating_from: Sequence[str] = (),
    digest_url: Callable[[str], str] = at_risk_url,
    related: Sequence[str] = (),
    visible_to: Callable[[Any], QuerySet] | None = None,
    assigned_to: str | None = None,
    advice: Callable[[str], str] | None = None,
) -> None:
    """Put a Clocked model under the sweep.

    fields -> the model's own columns (attnames, e.g. "reference", "assigned_screener_id") the callables
        read; the sweep loads these, the primary key as `pk` and the clock columns, nothing else.
    responsible(record, kind) -> ids of the users to notify; kind is "warning", "breach" or "second_level".
        Inactive users and duplicates are dropped by the sweep.
    label/url -> how the row is named and linked in escalations, notifications and the dashboard.
    rating_from -> the row's own rating columns (attnames, also in `fields`), in order: the first not blank is
        the row's BRAG rating; when all are blank (or none is given), the rating of the window its clock runs on.
        Columns rather than a callable, so the at-risk board can count by rating in the database.
    digest_url(kind) -> where a digest links (one message for many escalations of a kind in one pass); by
        default the at-risk board, which every recipient can open (a worker sees the rows assigned to them).
    related -> select_related() paths for the dashboard, which works on model instances.
    visible_to(user) -> the rows this user may see (the at-risk dashboard filters by it).
    assigned_to -> the foreign key naming the worker a row is assigned to: a worker's own at-risk board
        lists those rows (a model without one is left off it).
    advice(kind) -> what a recipient who cannot acknowledge a breach (only MASH managers can) should do about a
        "breach" or "second_level" of this row, in words (e.g. a partner: send the return, or say why not).
    """
    if not issubclass(model, Clocked):
        raise TypeError(f"{model.__name__} is not a Clocked model")
    columns = {f.attname for f in model._meta.concrete_fields}
    unknown = [name for name in fields if name not in columns]
    if unknown:
        raise ValueError(f"{model.__name__} has no column(s) {', '.join(unknown)}: give attnames, not paths")
    missing = [name for name in rating_from if name not in fields]
    if missing:
        raise ValueError(f"rating_from names {', '.join(missing)}: add them to fields too (the sweep reads them)")
    rating_from = tuple(rating_from)
    rating = _first_of(rating_from) if rating_from else None
    record = namedtuple(f"{model.__name__}Clock", ["pk", *RECORD_CLOCK_COLUMNS, *fields])
    # Pages drawn from clocks (the at-risk board) refresh when any registered clocked row changes (mash.polling).
    post_save.connect(_clocks_changed, sender=model, dispatch_uid=f"mash.deadlines.stamp.{model._meta.label}")
    post_delete.connect(_clocks_changed, sender=model, dispatch_uid=f"mash.deadlines.unstamp.{model._meta.label}")
    _registry[model] = Registration(
        model=model, fields=tuple(fields), responsible=responsible, label=label, url=url, rating=rating,
        digest_url=digest_url, related=tuple(related), visible_to=visible_to, assigned_to=assigned_to,
        record=record, rating_columns=rating_from, advice=advice,
    )


def _first_of(names: tuple[str, ...]) -> Callable[[Any], str]:
    def rating(row) -> str:
        return next((value for value in (getattr(row, name) for name in names) if value), "")

    return rating


def _clocks_changed(sender, **kwargs) -> None:
    from ..polling import stamp_bump

    stamp_bump(STAMP)


def registered() -> list[Registration]:
    return list(_registry.values())


def registration_for(model: type[models.Model] | None) -> Registration | None:
    return _registry.get(model) if model is not None else None


@contextlib.contextmanager
def registration_replaced(model: type[models.Model], **changes):
    """For tests: within the block, `model`'s registration has these attributes changed (e.g. a callable
    that fails, as an app's bug would); the app's own registration is put back afterwards."""
    original = _registry[model]
    _registry[model] = dataclasses.replace(original, **changes)
    try:
        yield _registry[model]
    finally:
        _registry[model] = original


@contextlib.contextmanager
def registrations_only(*models: type[models.Model]):
    """For benchmarks and tests: within the block, the sweep sees only these models' registrations (e.g. the
    single-model figure beside the sweep of every registered model, in the same run)."""
    saved = dict(_registry)
    _registry.clear()
    _registry.update({m: r for m, r in saved.items() if m in models})
    try:
        yield
    finally:
        _registry.clear()
        _registry.update(saved)


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


@contextlib.contextmanager
def members_cached():
    """Within the block, each group's members are looked up once (one sweep pass)."""
    token = _members_cache.set({})
    try:
        yield
    finally:
        _members_cache.reset(token)
