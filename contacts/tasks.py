"""Celery tasks of the contacts app, run by beat (CELERY_BEAT_SCHEDULE in settings). They take no arguments and
re-read the database: a lost, duplicated or late message changes nothing."""

from celery import shared_task

from . import drafts


@shared_task(ignore_result=True)
def purge_drafts() -> int:
    """Delete drafts kept past DRAFT_KEEP_DAYS or about a closed contact."""
    return drafts.drafts_purge()
