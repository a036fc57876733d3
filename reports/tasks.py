"""Celery tasks of reports, run by beat (CELERY_BEAT_SCHEDULE in settings). They take no arguments and re-read the
database: a lost, duplicated or late message changes nothing."""

from celery import shared_task

from . import summaries


@shared_task(ignore_result=True)
def refresh_performance() -> int:
    """Bring the performance dashboard's summaries up to date with the work audited since the last refresh."""
    return summaries.refresh()
