"""Celery tasks of the kernel. Beat runs both on a schedule (CELERY_BEAT_SCHEDULE in settings).

Tasks take no arguments and re-read the database: a lost, duplicated or late message changes nothing.
"""

import socket
import time
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import deadlines, notify
from .models import SweepRun

SWEEP_RUNS_KEPT = timedelta(days=2)


@shared_task(ignore_result=True)
def sweep_deadlines() -> dict:
    """One pass of the deadline sweep, with its heartbeat row (see `manage.py sweep_status`)."""
    started_at = timezone.now()
    clock = time.perf_counter()
    result = deadlines.sweep()
    duration_ms = int((time.perf_counter() - clock) * 1000)
    SweepRun.objects.create(
        started_at=started_at, finished_at=timezone.now(), duration_ms=duration_ms, warnings=result.warnings,
        breaches=result.breaches, second_level=result.second_level, errors=result.errors,
        hostname=socket.gethostname()[:200],
    )
    SweepRun.objects.filter(started_at__lt=started_at - SWEEP_RUNS_KEPT).delete()
    return {"duration_ms": duration_ms, **vars(result)}


@shared_task(ignore_result=True)
def deliver_notifications() -> dict:
    """Send what is waiting in the outbox (also run by beat as a safety net)."""
    return vars(notify.deliver_pending())
