"""Deadlines are columns on the row that owns them, and one sweep enforces them all.

    clocks.py     the Clocked columns, response windows, clock_start / clock_restart / clock_stop
    registry.py   what each app registers about its clocked model (recipients, labels, links, visibility)
    sweep.py      the sweep: warnings, breaches and second-level escalations, recorded once each
    messages.py   what people are told about escalations, queued through the outbox
    services.py   acknowledging a breach; revising a window (a new version)
    selectors.py  the at-risk board, the sweep's health, the escalation getter

Other apps import these names from `mash.deadlines`.
"""

from .clocks import (
    DEFAULT_WINDOWS,
    Clocked,
    calendar,
    clock_restart,
    clock_start,
    clock_stop,
    window_deadlines,
    window_for,
    windows_ensure_defaults,
)
from .registry import (
    Registration,
    group_member_ids,
    register,
    registered,
    registration_for,
    registration_replaced,
)
from .selectors import AT_RISK_PAGE, AT_RISK_SHOWN, AtRiskItem, at_risk, get_escalation_for_user, sweep_health
from .services import ACKNOWLEDGEMENT_NOTE, escalation_acknowledge, window_revise
from .sweep import SweepResult, sweep

__all__ = [
    "ACKNOWLEDGEMENT_NOTE",
    "AT_RISK_PAGE",
    "AT_RISK_SHOWN",
    "DEFAULT_WINDOWS",
    "AtRiskItem",
    "Clocked",
    "Registration",
    "SweepResult",
    "at_risk",
    "calendar",
    "clock_restart",
    "clock_start",
    "clock_stop",
    "escalation_acknowledge",
    "get_escalation_for_user",
    "group_member_ids",
    "register",
    "registered",
    "registration_for",
    "registration_replaced",
    "sweep",
    "sweep_health",
    "window_deadlines",
    "window_for",
    "window_revise",
    "windows_ensure_defaults",
]
