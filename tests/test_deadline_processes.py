"""The deadline sweep with real processes: a Celery worker and Celery beat against Redis and the test database.

Faults: the worker killed with SIGKILL and restarted, Redis flushed, beat stopped for a while. After each,
every clock that fell due is escalated, and exactly once.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import time
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection
from django.utils import timezone

from mash.deadlines.messages import DIGEST_LISTED
from mash.models import Escalation, EscalationKind, Notification, SweepRun
from mash.tests.helpers import clocked_contact, shorten_window, times_told

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(ROOT / ".venv" / "bin" / "celery")
REDIS_URL = "redis://127.0.0.1:6379/13"
INTERVAL = 1  # seconds between sweeps in these tests

pytestmark = [
    pytest.mark.processes,
    pytest.mark.xdist_group("processes"),
    pytest.mark.django_db(transaction=True),
]


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def die_with_parent() -> None:
    """In the child before exec: the kernel kills it if pytest dies (an interrupted run leaves no orphans)."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


class Celery:
    """A worker and beat as operators run them (`celery -A mash worker` / `beat`), each in its own session."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        self.env.update({
            "DATABASE_URL": database_url(), "REDIS_URL": REDIS_URL, "CELERY_BROKER_URL": REDIS_URL,
            "SWEEP_INTERVAL_SECONDS": str(INTERVAL), "DELIVERY_INTERVAL_SECONDS": str(INTERVAL),
            "VAR_DIR": str(tmp_path / "var"), "EMAIL_URL": "consolemail://", "CONN_MAX_AGE": "0",
            # A queue of this test's own: a stray consumer on the same Redis database (a worker orphaned by an
            # interrupted run, another checkout's tests) cannot take its messages.
            "CELERY_QUEUE": f"deadlines-test-{uuid.uuid4().hex}",
        })
        self.procs: dict[str, subprocess.Popen] = {}
        self.starts = 0

    def _spawn(self, name: str, args: list[str]) -> None:
        self.starts += 1
        log = (self.tmp_path / f"{name}-{self.starts}.log").open("w")
        self.procs[name] = subprocess.Popen(
            [CELERY, "-A", "mash", *args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=die_with_parent,
        )

    def start_worker(self) -> None:
        self._spawn("worker", ["worker", "-l", "INFO", "--concurrency=2", "-n", f"deadlines-{uuid.uuid4().hex[:8]}@%h",
                               "--without-gossip", "--without-mingle", "--without-heartbeat"])

    def start_beat(self) -> None:
        self._spawn("beat", ["beat", "-l", "INFO", "-s", str(self.tmp_path / f"beat-schedule-{self.starts}")])

    def stop(self, name: str, sig=signal.SIGTERM) -> None:
        proc = self.procs.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name, signal.SIGKILL)  # the test is over: no need for a warm shutdown

    def logs(self) -> str:
        tail = int(os.environ.get("PROCESS_LOG_TAIL", "3000"))
        return "\n".join(f"--- {p.name}\n{p.read_text()[-tail:]}" for p in sorted(self.tmp_path.glob("*.log")))


@pytest.fixture
def celery(tmp_path):
    redis.Redis.from_url(REDIS_URL).flushdb()
    procs = Celery(tmp_path)
    yield procs
    procs.stop_all()


@pytest.fixture
def red_in_seconds(personas):
    """Red clocks run out after 0.001 clock hours (3.6 s); no target, so only breaches happen."""
    shorten_window(limit=Decimal("0.001"))
    return personas


def due_contacts(personas, count: int, *, first_in: float, spread: float):
    """`count` Red contacts whose limits fall from `first_in` seconds from now, over `spread` seconds.

    At most DIGEST_LISTED: a digest names that many and says "and N more" of the rest, so if one sweep (late after a
    fault on a slow machine) breached them all at once, `times_told` could not find the others named.
    """
    assert count <= DIGEST_LISTED
    now = timezone.now()
    contacts = []
    for i in range(count):
        due = now + timedelta(seconds=first_in + spread * i / max(count - 1, 1))
        contacts.append(clocked_contact(personas.screener, started_at=due - timedelta(seconds=3.6)))
    return contacts


def wait_until(condition, seconds: float, celery: Celery, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"{what} within {seconds}s\n{celery.logs()}")


def breaches_of(contacts) -> dict[int, int]:
    ids = [c.pk for c in contacts]
    counts = dict.fromkeys(ids, 0)
    for target_id in Escalation.objects.filter(kind=EscalationKind.BREACH, target_id__in=ids).values_list(
        "target_id", flat=True
    ):
        counts[target_id] += 1
    return counts


def assert_each_breached_once(contacts, manager, celery: Celery, seconds: float = 30):
    wait_until(lambda: all(breaches_of(contacts).values()), seconds, celery, "every due clock breached")
    time.sleep(INTERVAL * 2.5)  # a few more sweeps: nothing may be recorded twice
    assert set(breaches_of(contacts).values()) == {1}
    # The one manager, told once per breach (in a message of its own or named in a digest).
    assert set(times_told(manager, "breach", contacts).values()) == {1}


def test_red_contact_is_breached_and_a_manager_notified_by_worker_and_beat(red_in_seconds, celery):
    personas = red_in_seconds
    celery.start_worker()
    celery.start_beat()
    wait_until(lambda: SweepRun.objects.exists(), 30, celery, "a first sweep")
    # "Approved" now: the Red window (shortened to 3.6 s) starts. Nobody calls anything after this.
    contact = clocked_contact(personas.screener, started_at=timezone.now())

    def notified():
        return Notification.objects.filter(
            recipient=personas.manager, kind="escalation.breach", escalation__target_id=contact.pk,
            sent_at__isnull=False,
        ).exists()

    wait_until(notified, 45, celery, "the manager was not notified of the breach")
    breach = Escalation.objects.get(target_id=contact.pk, kind=EscalationKind.BREACH)
    contact.refresh_from_db()
    assert contact.breached_at == breach.raised_at
    # A breach waits at most one sweep interval plus 5 s to be recorded.
    assert timedelta(0) <= breach.raised_at - contact.due_at <= timedelta(seconds=INTERVAL + 5)
    assert SweepRun.objects.exists()
    assert "Breach: " in celery.logs()  # the e-mail went through the configured backend (console here)


def test_worker_killed_mid_run_and_restarted(red_in_seconds, celery):
    contacts = due_contacts(red_in_seconds, DIGEST_LISTED, first_in=1, spread=6)
    celery.start_worker()
    celery.start_beat()
    wait_until(lambda: any(breaches_of(contacts).values()), 30, celery, "the first breaches")
    # Catch a sweep mid-run: while this connection holds a SHARE lock on the escalation table, a sweep claims
    # and marks its rows, then waits at its INSERT, inside its transaction.
    table = Escalation._meta.db_table
    with psycopg.connect(database_url()) as blocker:
        blocker.execute(f'LOCK TABLE "{table}" IN SHARE MODE')
        wait_until(lambda: waiting_on(blocker.info.backend_pid), 30, celery, "a sweep waiting mid-transaction")
        celery.stop("worker", signal.SIGKILL)  # kill -9, the whole process group, with that sweep in flight
        blocker.rollback()  # the orphaned transaction may now run on, but it can never commit
    time.sleep(2)
    celery.start_worker()
    assert_each_breached_once(contacts, red_in_seconds.manager, celery)


def waiting_on(pid: int) -> bool:
    """Whether some session (here a sweep: nothing else writes escalations) is blocked by backend `pid`.

    Asked from a connection of its own: a transaction sees pg_stat_activity as it was when it first looked.
    """
    with psycopg.connect(database_url(), autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid]
        ).fetchone()[0] > 0


def test_redis_flushed(red_in_seconds, celery):
    before = due_contacts(red_in_seconds, 10, first_in=1, spread=3)
    celery.start_worker()
    celery.start_beat()
    wait_until(lambda: any(breaches_of(before).values()), 30, celery, "the first breaches")
    redis.Redis.from_url(REDIS_URL).flushdb()
    after = due_contacts(red_in_seconds, 10, first_in=1, spread=3)
    assert_each_breached_once(before + after, red_in_seconds.manager, celery)


def test_beat_stopped_for_a_while(red_in_seconds, celery):
    celery.start_worker()
    celery.start_beat()
    wait_until(lambda: SweepRun.objects.exists(), 30, celery, "a first sweep")
    celery.stop("beat")
    # A sweep beat sent just before it stopped may still be queued (it expires after one interval) or
    # running, later on a loaded machine: wait until no sweep has finished for 3 intervals before any clock
    # falls due, so only sweeps after beat restarts can see them.
    runs, quiet_since, give_up = SweepRun.objects.count(), time.monotonic(), time.monotonic() + 60
    while time.monotonic() - quiet_since < 3 * INTERVAL and time.monotonic() < give_up:
        time.sleep(0.25)
        if (now_runs := SweepRun.objects.count()) != runs:
            runs, quiet_since = now_runs, time.monotonic()
    contacts = due_contacts(red_in_seconds, 12, first_in=0.5, spread=1.5)
    time.sleep(4)
    runs = list(SweepRun.objects.order_by("started_at").values_list("started_at", "finished_at", "breaches"))
    assert not any(breaches_of(contacts).values()), f"nothing sweeps while beat is down: {runs}\n{celery.logs()}"
    celery.start_beat()
    assert_each_breached_once(contacts, red_in_seconds.manager, celery)
