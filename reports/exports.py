"""The national returns made in the background: a worker (reports.tasks.export_run) claims a queued ExportJob,
writes its file streaming into settings.EXPORTS_DIR (a temporary name, renamed once whole) and tells the job how
many rows it has written as it goes, so the progress page can show it. Memory does not grow with the file: the
writers read rows in chunks (reports.annex_a, reports.cin).

A duplicated message finds the job taken and does nothing; a message for a job whose worker died (no heartbeat for
EXPORT_STALE_SECONDS) takes it over and starts the file again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import annex_a, cin
from .models import ExportJob, ExportKind, ExportState

log = logging.getLogger(__name__)


def exports_dir() -> Path:
    folder = Path(settings.EXPORTS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_path(job: ExportJob) -> Path:
    return exports_dir() / job.file_name


def _claim(job_id: int) -> bool:
    """Take the job: queued, or running with a worker gone quiet. One UPDATE, so two workers never both take it."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.EXPORT_STALE_SECONDS)
    return bool(ExportJob.objects.filter(pk=job_id).filter(
        Q(state=ExportState.QUEUED) | Q(state=ExportState.RUNNING, heartbeat_at__lt=stale)
    ).update(state=ExportState.RUNNING, started_at=now, heartbeat_at=now, rows_done=0))


def _progress(job_id: int):
    def tell(rows: int) -> None:
        ExportJob.objects.filter(pk=job_id, state=ExportState.RUNNING).update(rows_done=rows,
                                                                             heartbeat_at=timezone.now())
    return tell


def _writer(job: ExportJob):
    """(rows the file will have, a function writing it to a binary file with progress) for the job's kind."""
    p = job.parameters
    if job.kind == ExportKind.ANNEX_A:
        period = annex_a.Period(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]))
        return annex_a.rows_total(period), lambda target, progress: vars(
            annex_a.annex_a_write(target, period, progress=progress))
    census = cin.CensusYear(p["year"])
    return cin.rows_total(census), lambda target, progress: vars(
        cin.cin_census_write(target, census, progress=progress))


def export_run(job_id: int) -> str:
    """Make the job's file, if it is this worker's to make. Returns the state it left the job in ("" if not taken)."""
    if not _claim(job_id):
        return ""
    job = ExportJob.objects.get(pk=job_id)
    suffix = ".xlsx" if job.kind == ExportKind.ANNEX_A else ".xml"
    name = f"{job.pk}-{secrets.token_hex(8)}{suffix}"
    partial = exports_dir() / f"{name}.part"
    try:
        total, write = _writer(job)
        ExportJob.objects.filter(pk=job.pk).update(rows_total=total)
        with partial.open("wb") as target:
            counts = write(target, _progress(job.pk))
        os.replace(partial, exports_dir() / name)
    except Exception as error:
        log.exception("export %s failed", job.pk)
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportState.FAILED, finished_at=timezone.now(),
            error=f"{type(error).__name__}: {error}"[:2000])
        return ExportState.FAILED
    done = sum(counts.values()) if job.kind == ExportKind.ANNEX_A else counts["referrals"]
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.DONE, finished_at=timezone.now(), file_name=name, counts=counts,
        file_size=(exports_dir() / name).stat().st_size, rows_done=done, rows_total=max(total, done))
    return ExportState.DONE


def exports_purge(now=None) -> int:
    """Delete the files of exports finished more than EXPORT_KEEP_HOURS ago (the job stays, saying its file has
    gone). Returns how many files went."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.EXPORT_KEEP_HOURS)
    gone = 0
    for job in ExportJob.objects.filter(finished_at__lt=cutoff).exclude(file_name=""):
        with contextlib.suppress(FileNotFoundError):
            file_path(job).unlink()
            gone += 1
        ExportJob.objects.filter(pk=job.pk).update(file_name="", state=ExportState.EXPIRED)
    return gone


def exports_resend(now=None) -> list[int]:
    """Send the worker again each job whose message was lost (queued for longer than EXPORT_STALE_SECONDS) or
    whose worker died mid-file (running with no heartbeat for as long): the message finds it stale and takes it
    over (_claim). Run by beat with the purge. Returns the jobs sent."""
    from .services import send_export

    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.EXPORT_STALE_SECONDS)
    jobs = list(ExportJob.objects.filter(Q(state=ExportState.QUEUED, requested_at__lt=stale)
                                         | Q(state=ExportState.RUNNING, heartbeat_at__lt=stale))
                .values_list("pk", flat=True))
    for job_id in jobs:
        send_export(job_id)
    return jobs
