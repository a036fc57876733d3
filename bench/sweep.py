"""Benchmark: one deadline sweep pass over many running clocks, and how long a breach waits to be recorded.

    .venv/bin/python -m bench.sweep            # 100,000 running clocks, 1,000 of them past their limit
    BENCH_FULL=1 .venv/bin/python -m bench.sweep   # 1,000,000

It uses its own PostgreSQL database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/mash_bench),
created and migrated here, and fills it with one INSERT ... SELECT over generate_series (copies of a contact
made by the real service). Each timed pass starts from the same state: the due rows un-breached, no escalations.
Results are merged into bench/results.json as case "sweep"; bench/README.md records them with the machine.

Breach latency: with BENCH_LATENCY=1 (default) a real Celery worker and beat run against the same database
and Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/11) with the sweep every BENCH_INTERVAL seconds
(default 20, the production default); clocks fall due at known moments and the time until each breach is
recorded is measured. The bound is one interval plus the pass time; the acceptance is interval + 5 s.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = os.environ.get("BENCH_FULL") == "1"
N = 1_000_000 if FULL else int(os.environ.get("BENCH_CONTACTS", 100_000))
DUE = 1_000
RUNS = int(os.environ.get("BENCH_RUNS", 20))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mash_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
INTERVAL = float(os.environ.get("BENCH_INTERVAL", 20))
LATENCY = os.environ.get("BENCH_LATENCY", "1") == "1"

os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")
os.environ.pop("REDIS_URL", None)


def create_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(now: datetime) -> dict:
    """N running Red clocks: DUE past their limit (already warned), the rest due tomorrow."""
    from django.contrib.auth.models import Group
    from django.db import connection

    from agencies.models import Agency, AgencyKind, User
    from contacts.models import Contact
    from contacts.tests.factories import make_contact
    from mash import deadlines

    agency = Agency.objects.create(name="Bench Social Care", kind=AgencyKind.SOCIAL_CARE)
    screener = User.objects.create_user("bench-screener", email="s@bench.example", agency=agency)
    screener.groups.add(Group.objects.get(name="screener"))
    for i in range(3):
        manager = User.objects.create_user(f"bench-manager-{i}", email=f"m{i}@bench.example", agency=agency)
        manager.groups.add(Group.objects.get(name="manager"))
    template = make_contact(screener)
    window = deadlines.window_for("brag_response", "red")
    columns = [f.column for f in Contact._meta.concrete_fields if not f.primary_key]
    computed = {
        "reference": "'B-' || g",
        "submission_key": "NULL",
        "clock_stage": "'brag_response'",
        "clock_window_id": str(window.pk),
        "assigned_screener_id": str(screener.pk),
        "clock_started_at": f"CASE WHEN g <= {DUE} THEN %(due)s - interval '4 hours' ELSE %(start)s END",
        "due_at": f"CASE WHEN g <= {DUE} THEN %(due)s ELSE %(start)s + interval '4 hours' END",
        "warn_at": f"CASE WHEN g <= {DUE} THEN %(due)s - interval '1 hour' ELSE %(start)s + interval '3 hours' END",
        "warned_at": f"CASE WHEN g <= {DUE} THEN %(due)s - interval '1 hour' ELSE NULL END",
        "met_at": "NULL",
        "breached_at": "NULL",
    }
    select = ", ".join(computed.get(c, f'c."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    # Column names come from the model; every value is a parameter.
    statement = f"INSERT INTO contacts_contact ({names}) SELECT {select} FROM contacts_contact c, "  # noqa: S608
    statement += "generate_series(1, %(n)s) g WHERE c.id = %(template)s"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            {"due": now - timedelta(minutes=1), "start": now + timedelta(hours=20), "n": N, "template": template.pk},
        )
        # The template itself is done with: its clock stops, so it is not one of the N.
        cursor.execute("UPDATE contacts_contact SET met_at = %s WHERE id = %s", [now, template.pk])
        cursor.execute("VACUUM ANALYZE contacts_contact")
        # Flush the build's WAL now, so the timed passes do not meet a checkpoint the build brought on.
        cursor.execute("CHECKPOINT")
    return {"build_seconds": round(time.perf_counter() - started, 1)}


REQUESTS_PER_CONTACT = 3


def build_requests(now: datetime) -> dict:
    """Issue 10: the second clocked model as a busy hub holds it, three information requests a contact (on the
    first 100,000 contacts: 300,000), none of them due in the timed passes: most returned (clock met), some open and
    due tomorrow, and a backlog of open requests long past their limit, already breached (a request stays open after
    its breach until the agency answers). A pass with every model registered has to find that none is due."""
    from django.contrib.auth.models import Group
    from django.db import connection

    from agencies.models import Agency, AgencyKind, User
    from consent.tests.helpers import family_contact, give_consent
    from mash import deadlines

    screener = User.objects.get(username="bench-screener")
    partner = User.objects.create_user("bench-partner", email="p@bench.example",
                                       agency=Agency.objects.create(name="Bench Police", kind=AgencyKind.POLICE,
                                                                    isa_signatory=True))
    partner.groups.add(Group.objects.get(name="partner"))
    agencies = [partner.agency_id] + [
        Agency.objects.create(name=name, kind=kind, isa_signatory=True).pk
        for name, kind in (("Bench Health", AgencyKind.HEALTH), ("Bench Schools", AgencyKind.EDUCATION))]
    family = family_contact(screener)
    consent = give_consent(screener, family)
    family.__class__.objects.filter(pk=family.pk).update(met_at=now)  # its own clock is not one of the N
    window = deadlines.window_for("information_request", "amber")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO enquiries_enquiry (contact_id, reason, need_to_know, state, opened_by_id, opened_at,
                                           close_reason)
            SELECT c.id, 'Bench enquiry.', 'Bench.', 'open', %(user)s, %(now)s - interval '3 days', ''
            FROM contacts_contact c WHERE c.reference LIKE 'B-%%' ORDER BY c.id LIMIT 100000""",
                       {"user": screener.pk, "now": now})  # 300,000 requests at 100k and at 1M alike
        # 95 in 100 returned, 3 open and due tomorrow, 2 open and breached two days ago (the backlog).
        cursor.execute("""
            INSERT INTO enquiries_informationrequest (
                enquiry_id, agency_id, contact_reference, rating, question, basis_kind, consent_record_id,
                basis_snapshot, state, requested_by_id, requested_at, shortened_reason, closed_reason, clock_stage,
                clock_window_id, clock_started_at, due_at, warn_at, met_at, warned_at, breached_at)
            SELECT e.id, a.id, c.reference, 'amber', 'Bench question.', 'consent', %(consent)s, '[]'::jsonb,
                   CASE WHEN e.id %% 100 < 95 THEN 'returned' ELSE 'requested' END,
                   %(user)s, t.started, '', '', 'information_request', %(window)s, t.started,
                   t.started + interval '24 hours', t.started + interval '18 hours',
                   CASE WHEN e.id %% 100 < 95 THEN t.started + interval '12 hours' END,
                   CASE WHEN e.id %% 100 >= 98 THEN t.started + interval '18 hours' END,
                   CASE WHEN e.id %% 100 >= 98 THEN t.started + interval '24 hours' END
            FROM enquiries_enquiry e JOIN contacts_contact c ON c.id = e.contact_id
            CROSS JOIN (SELECT unnest(%(agencies)s::bigint[]) AS id) a
            CROSS JOIN LATERAL (SELECT CASE WHEN e.id %% 100 BETWEEN 95 AND 97 THEN %(now)s - interval '4 hours'
                                            ELSE %(now)s - interval '3 days' END AS started) t""",
                       {"consent": consent.pk, "user": screener.pk, "window": window.pk, "now": now,
                        "agencies": agencies})
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE met_at IS NULL), "
                       "count(*) FILTER (WHERE breached_at IS NOT NULL AND met_at IS NULL) "
                       "FROM enquiries_informationrequest")
        total, running, backlog = cursor.fetchone()
        cursor.execute("VACUUM ANALYZE enquiries_enquiry, enquiries_informationrequest")
        cursor.execute("CHECKPOINT")
    return {"requests": total, "requests_running": running, "requests_breached_backlog": backlog,
            "requests_build_seconds": round(time.perf_counter() - started, 1)}


def reset() -> None:
    from django.db import connection

    from mash.audit import audit_rewrite

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM mash_notification")
        cursor.execute("DELETE FROM mash_escalation")
        with audit_rewrite():  # the audit table is append-only: only this path may delete the passes' rows
            cursor.execute("DELETE FROM mash_auditevent WHERE action LIKE 'clock.%%'")
        cursor.execute("UPDATE contacts_contact SET breached_at = NULL WHERE breached_at IS NOT NULL")
        cursor.execute("VACUUM ANALYZE contacts_contact, mash_escalation, mash_notification, mash_auditevent")


def time_passes(now: datetime) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mash import deadlines

    # The first pass after building 100k rows meets a cold cache and a checkpoint's full-page writes; it is
    # reported on its own ("first pass"), and the timed passes are the steady state beat runs in.
    reset()
    started = time.perf_counter()
    deadlines.sweep(now=now)
    first = (time.perf_counter() - started) * 1000
    timings, cpu, queries = [], [], None
    for _ in range(RUNS):
        reset()
        with CaptureQueriesContext(connection) as ctx:
            started, started_cpu = time.perf_counter(), time.process_time()
            result = deadlines.sweep(now=now)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        assert result.breaches == DUE and result.errors == 0, result
        queries = len(ctx.captured_queries)
    # The same burst with digests turned off: 3,000 messages of their own (three managers x 1,000).
    from django.conf import settings

    digest_after, settings.NOTIFICATION_DIGEST_AFTER = settings.NOTIFICATION_DIGEST_AFTER, 10**9
    per_message = []
    for _ in range(5):
        reset()
        started = time.perf_counter()
        assert deadlines.sweep(now=now).notifications == DUE * 3
        per_message.append((time.perf_counter() - started) * 1000)
    settings.NOTIFICATION_DIGEST_AFTER = digest_after
    # Issue 10: the same burst with only contacts registered (the single-model figure), interleaved pass by pass
    # with the sweep of every registered model, so both see the same machine: registering more clocked models
    # (proposed ratings, information requests) must not make the 1,000-breach pass slower.
    from contacts.models import Contact
    from mash.deadlines.registry import registrations_only

    single, every = [], []
    for _ in range(RUNS):
        for out, limit in ((single, True), (every, False)):
            reset()
            started = time.perf_counter()
            if limit:
                with registrations_only(Contact):
                    assert deadlines.sweep(now=now).breaches == DUE
            else:
                assert deadlines.sweep(now=now).breaches == DUE
            out.append((time.perf_counter() - started) * 1000)
    single.sort()
    every.sort()
    # The idle pass: nothing due any more (what beat runs almost every time).
    idle = []
    for _ in range(RUNS):
        started = time.perf_counter()
        assert deadlines.sweep(now=now).breaches == 0
        idle.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))], 1),
        "max_ms": round(max(timings), 1),
        "first_pass_ms": round(first, 1),
        "idle_p50_ms": round(statistics.median(idle), 1),
        # this process's CPU time: the Python side; the rest of a pass is PostgreSQL (and, on a busy
        # machine, waiting for a CPU)
        "python_cpu_p50_ms": round(statistics.median(cpu), 1),
        "per_message_p50_ms": round(statistics.median(per_message), 1),
        "single_model_p95_ms": round(single[min(len(single) - 1, round(0.95 * (len(single) - 1)))], 1),
        "all_models_p95_ms": round(every[min(len(every) - 1, round(0.95 * (len(every) - 1)))], 1),
        "queries": queries,
        "runs": RUNS,
    }


def measure_latency(count: int = 10) -> dict:
    """Real worker and beat: clocks fall due at known times; how long until each breach is recorded?"""
    import redis
    from django.db import connection
    from django.utils import timezone

    from contacts.models import Contact
    from mash.models import Escalation

    redis.Redis.from_url(REDIS_URL).flushdb()
    connection.close()
    env = {**os.environ, "DATABASE_URL": DB_URL, "REDIS_URL": REDIS_URL, "CELERY_BROKER_URL": REDIS_URL,
           "SWEEP_INTERVAL_SECONDS": str(INTERVAL), "VAR_DIR": str(ROOT / "var" / "bench"),
           "EMAIL_URL": "consolemail://", "CELERY_QUEUE": f"bench-{os.getpid()}"}  # no stray consumer takes it
    celery = str(ROOT / ".venv" / "bin" / "celery")
    logs = ROOT / "var" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    procs = [
        subprocess.Popen([celery, "-A", "mash", "worker", "-l", "WARNING", "--concurrency=2", "-n", "bench@%h",
                          "--without-gossip", "--without-mingle", "--without-heartbeat"], cwd=ROOT, env=env,
                         stdout=(logs / "worker.log").open("w"), stderr=subprocess.STDOUT),
        subprocess.Popen([celery, "-A", "mash", "beat", "-l", "WARNING", "-s", str(logs / "beat-schedule")],
                         cwd=ROOT, env=env, stdout=(logs / "beat.log").open("w"), stderr=subprocess.STDOUT),
    ]
    try:
        time.sleep(5)
        now = timezone.now()
        spread = INTERVAL * 2
        ids = []
        for i in range(count):
            due = now + timedelta(seconds=2 + spread * i / (count - 1))
            ids.append(Contact.objects.filter(met_at__isnull=True, breached_at__isnull=True, due_at__gt=now)
                       .order_by("-id").values_list("id", flat=True)[i])
            Contact.objects.filter(pk=ids[-1]).update(clock_started_at=due - timedelta(hours=4), due_at=due,
                                                       warn_at=None, warned_at=None)
        deadline = time.monotonic() + spread + INTERVAL * 2 + 30
        while time.monotonic() < deadline:
            if Escalation.objects.filter(target_id__in=ids, kind="breach").count() == count:
                break
            time.sleep(0.5)
        waits = []
        for contact in Contact.objects.filter(pk__in=ids):
            breach = Escalation.objects.filter(target_id=contact.pk, kind="breach").first()
            assert breach is not None, f"breach of {contact.pk} not recorded; see var/bench/*.log"
            waits.append((breach.raised_at - contact.due_at).total_seconds())
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    return {
        "interval_s": INTERVAL,
        "breach_wait_max_s": round(max(waits), 2),
        "breach_wait_mean_s": round(statistics.mean(waits), 2),
        "breach_wait_bound_s": INTERVAL + 5,
    }


def machine() -> dict:
    ram = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                ram = int(line.split()[1]) // 1024 // 1024
    return {"nproc": os.cpu_count(), "ram_gb": ram, "python": platform.python_version(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d")}


HEADER = (
    "| running clocks | due | pass p50 ms | pass p95 ms | max ms | first pass ms | Python CPU p50 ms "
    "| without digests p50 ms | every model / contacts alone p95 ms | idle pass p50 ms | queries "
    "| breach wait max s | machine |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
)


def record(entry: dict) -> None:
    results_path = ROOT / "bench" / "results.json"
    existing = json.loads(results_path.read_text()) if results_path.exists() else []
    existing = [e for e in existing if not (e.get("case") == "sweep" and e.get("contacts") == entry["contacts"])]
    existing.append(entry)
    results_path.write_text(json.dumps(existing, indent=2) + "\n")

    readme = ROOT / "bench" / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n\nRun them all with `make bench`.\n"
    start, end = "<!-- sweep:start -->", "<!-- sweep:end -->"
    rows = [e for e in existing if e.get("case") == "sweep"]
    table = "\n".join(
        f"| {e['contacts']:,} | {DUE:,} | {e['p50_ms']} | {e['p95_ms']} | {e['max_ms']} | "
        f"{e.get('first_pass_ms', '–')} | {e.get('python_cpu_p50_ms', '–')} | {e.get('per_message_p50_ms', '–')} | "
        f"{e.get('all_models_p95_ms', '–')} / {e.get('single_model_p95_ms', '–')} | "
        f"{e['idle_p50_ms']} | {e['queries']} | "
        f"{e.get('breach_wait_max_s', '–')} (interval {e.get('interval_s', '–')} s) | "
        f"{e['machine']['nproc']} CPUs, {e['machine']['ram_gb']} GB, {e['machine']['date']} |"
        for e in sorted(rows, key=lambda e: e["contacts"])
    )
    section = f"""{start}
## sweep: the deadline sweep (`python -m bench.sweep`, `BENCH_FULL=1` for 1M)

One pass of `mash.deadlines.sweep()` over N running clocks of which 1,000 are past their limit, timed
{RUNS} times from the same state (the first pass after building is reported on its own: cold cache,
checkpoint). The pass claims and marks the 1,000 in one `UPDATE ... WHERE id = ANY(ARRAY(SELECT ... FOR
UPDATE SKIP LOCKED)) RETURNING`, records 1,000 breaches and their 1,000 audit rows in one statement, and tells the
three managers: one digest each, since each is due more than NOTIFICATION_DIGEST_AFTER (5) in one batch.
"Without digests" is the same burst with one message per breach and manager (3,000 rows, bulk_create).
Target: ≤ 200 ms at 100k. "Every model / contacts alone": the same burst with every clocked model registered
(contacts, proposed ratings, information requests) and with contacts alone, interleaved pass by pass in the same
run: the first may be no slower than the second. Beside the contacts are three information requests a contact
(300,000 at 100k), none due: most returned, some open and due tomorrow, and 2% open long past their limit, already
breached (the backlog a busy hub has). A pass first asks, in one query of EXISTS probes, which model has anything
due (a registered model with nothing due costs one index probe there), and claims only for those.
"Idle" is the usual pass, with nothing newly due. Queries count savepoints.
Breach wait: real worker and beat, sweep every interval; time from a clock's limit to its breach being
recorded (bound: interval + 5 s).

{HEADER}
{table}

Where a 1,000-breach pass goes (100k): about 40% is the claim (PostgreSQL updating 1,000 rows and
their indexes; the contacts table keeps only the indexes its queries use), 20% the escalation and audit
insert, 15-25% the commit (foreign-key checks, WAL flush), 20-25% Python. The spread between p50 and max
is this shared 2-vCPU machine: the same pass's Python CPU time varies by 2x from run to run.
{end}"""  # noqa: S608 (prose about SQL, not a query)
    if start in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    readme.write_text(text)


def main() -> None:
    create_database()
    setup_django()
    from django.utils import timezone

    now = timezone.now()
    print(f"building {N:,} running clocks ({DUE:,} due) in {DB_URL}", flush=True)
    built = build(now)
    built.update(build_requests(now))
    print(f"{built['requests']:,} information requests ({built['requests_running']:,} running, "
          f"{built['requests_breached_backlog']:,} of them breached and still open)", flush=True)
    print(f"built in {built['build_seconds']} s; timing {RUNS} passes", flush=True)
    timings = time_passes(now + timedelta(seconds=1))
    print(json.dumps(timings), flush=True)
    entry = {"case": "sweep", "contacts": N, "due": DUE, **timings, **built, "machine": machine()}
    if LATENCY:
        print(f"measuring breach wait with a real worker and beat (interval {INTERVAL:g} s)", flush=True)
        entry.update(measure_latency())
        print(json.dumps({k: entry[k] for k in ("breach_wait_max_s", "breach_wait_mean_s")}), flush=True)
    record(entry)
    print(json.dumps(entry, indent=2))
    if entry["all_models_p95_ms"] > entry["single_model_p95_ms"] * 1.1:
        # 10% for the noise of a shared machine: every registered model with nothing due costs three queries.
        print(f"MISSED: the sweep of every registered model, p95 {entry['all_models_p95_ms']} ms, is slower than "
              f"contacts alone, p95 {entry['single_model_p95_ms']} ms", file=sys.stderr)
        if os.environ.get("BENCH_STRICT") == "1":
            sys.exit(1)
    if N <= 100_000 and entry["p95_ms"] > 200:
        # Recorded and reported; a benchmark measures. BENCH_STRICT=1 makes a missed target fail the run.
        print(f"MISSED: sweep pass p95 {entry['p95_ms']} ms > 200 ms at {N:,} clocks", file=sys.stderr)
        if os.environ.get("BENCH_STRICT") == "1":
            sys.exit(1)


if __name__ == "__main__":
    main()
