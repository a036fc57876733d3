"""A real Celery worker for the national returns' exports (reports.tasks.export_run), as operators run it
(`celery -A mash worker`), on this test run's database and broker, with a queue of its own (a stray consumer on the
same broker cannot take its messages) and the test's exports folder. The process tests' Celery helper starts it."""

import contextlib
import time
import uuid

from tests.test_deadline_processes import Celery


@contextlib.contextmanager
def export_worker(settings, tmp_path, *, start: bool = True):
    """The worker (started unless `start` is False: then the caller calls .start_worker())."""
    queue = f"exports-test-{uuid.uuid4().hex}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue  # where reports.services sends its jobs
    settings.EXPORTS_DIR = tmp_path / "exports"
    procs = Celery(tmp_path)
    procs.env.update({"CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "CELERY_QUEUE": queue,
                      "EXPORTS_DIR": str(settings.EXPORTS_DIR)})
    if start:
        procs.start_worker()
    try:
        yield procs
    finally:
        procs.stop_all()


def wait_for_job(job, seconds: float, procs) -> None:
    """Until the worker has finished the job (made it or failed), or fail with the worker's log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return
        time.sleep(0.25)
    raise AssertionError(f"export {job.pk} still {job.state} after {seconds}s\n{procs.logs()}")
