"""Celery tasks of reports: the national returns made in the background. A lost or duplicated message changes
nothing: the job row says whether it still needs making (reports.exports)."""

from celery import shared_task

from . import exports


@shared_task(ignore_result=True)
def export_run(job_id: int) -> str:
    """Make an export's file (the progress page follows it)."""
    return exports.export_run(job_id)


@shared_task(ignore_result=True)
def purge_exports() -> int:
    """Delete export files kept past EXPORT_KEEP_HOURS (run by beat)."""
    return exports.exports_purge()
