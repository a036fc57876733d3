"""Celery tasks of retention, run by beat (CELERY_BEAT_SCHEDULE in settings). They take no arguments and re-read
the database: a lost, duplicated or late message changes nothing."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def list_due() -> int:
    """List the closed contacts past their retention rule for managers to review."""
    return services.reviews_list_due()
