"""Celery tasks of reports: the national returns made in the background, and the performance summaries kept up to
date by beat. A lost or duplicated message changes nothing: the job row says whether it still needs making
(reports.exports); a refresh re-reads the audit log from where the last one got to (reports.summaries)."""

from celery import shared_task

from . import exports, summaries


@shared_task(ignore_result=True)
def export_run(job_id: int) -> str:
    """Make an export's file (the progress page follows it)."""
    return exports.export_run(job_id)


@shared_task(ignore_result=True)
def purge_exports() -> int:
    """Delete export files kept past EXPORT_KEEP_HOURS, and send again the jobs whose message or worker was lost
    (run by beat)."""
    exports.exports_resend()
    return exports.exports_purge()


@shared_task(ignore_result=True)
def refresh_performance() -> int:
    """Bring the performance dashboard's summaries up to date with the work audited since the last refresh."""
    return summaries.refresh()
