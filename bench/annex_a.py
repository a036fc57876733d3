"""Benchmark: Ofsted's Annex A export streams in constant memory, however many contacts (issue 12).

    .venv/bin/python -m bench.annex_a                       # 10,000 and 100,000 contacts
    BENCH_FULL=1 .venv/bin/python -m bench.annex_a          # adds 1,000,000
    BENCH_ANNEX_SIZES=10000 .venv/bin/python -m bench.annex_a

For each size it rebuilds its own PostgreSQL database's contacts with `manage.py seed_bench --reset`
(BENCH_ANNEX_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/mash_bench_annex), makes every child of a
contact sent to a section 17 or section 47 assessment a referral (one INSERT ... SELECT, as
reports.services.referrals_record would have), and runs VACUUM ANALYZE. Then the export runs as the worker runs it
(reports.exports.export_run: the task's body, progress updates included) over the longest period a manager may ask
for (two years), in a fresh process each time, so that process's figures are the export's alone:

- time: wall time of export_run, and the file's size and rows;
- peak RSS: the process's ru_maxrss (Django and the libraries loaded, then the export), next to the same process's
  RSS just before the export started: the difference is what the export added;
- Python peak: tracemalloc's peak during the export, in a second run of its own (tracemalloc slows Python down,
  so that run is not timed). BENCH_ANNEX_TRACEMALLOC=0 leaves it out.

Constant memory means the peak does not grow with N: the writers read rows in chunks (reports.annex_a.CHUNK) and
openpyxl's write-only workbook streams each sheet to a temporary file. Results are merged into bench/results.json
(case "annex_a") and the section between the annex_a markers of bench/README.md.
"""

import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = os.environ.get("BENCH_FULL") == "1"
SIZES = [int(s) for s in os.environ.get("BENCH_ANNEX_SIZES", "10000,100000").split(",")]
if FULL and 1_000_000 not in SIZES:
    SIZES.append(1_000_000)
# BENCH_REUSE=1: a database already seeded with exactly N contacts (by any bench) is used as it is.
REUSE = os.environ.get("BENCH_REUSE") == "1"
DB_URL = os.environ.get("BENCH_ANNEX_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mash_bench_annex")
TRACEMALLOC = os.environ.get("BENCH_ANNEX_TRACEMALLOC", "1") == "1"
START, END = "<!-- annex_a:start -->", "<!-- annex_a:end -->"

os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")
os.environ.pop("REDIS_URL", None)  # no broker: the export is run here, not sent to a worker


def create_database() -> None:
    """Create the bench database if it is missing (never dropped: seed_bench --reset empties the contacts)."""
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def rss_kib() -> int:
    """The process's resident set now (KiB), from /proc (ru_maxrss is only the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def build(n: int) -> dict:
    """N contacts (seed_bench), their statutory-assessment outcomes made referrals. Returns the row counts."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from contacts.codes import CHILD_ROLES
    from reports.models import Referral

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    from contacts.models import Contact

    if not (REUSE and Contact.objects.count() == n):
        call_command("seed_bench", contacts=n, reset=True, seed=1, verbosity=0)
    referral = Referral._meta.db_table
    roles = ", ".join(f"'{role}'" for role in sorted(CHILD_ROLES))
    with connection.cursor() as cursor:
        # The seed writes outcomes directly (COPY), so the referrals the outcome service would record are made here,
        # one row per child on each contact sent to statutory assessment, dated the day of its outcome.
        cursor.execute(f"""
            INSERT INTO {referral} (contact_id, person_id, referral_date, source, route, primary_need, nfa,
                                    created_at)
            SELECT c.id, s.person_id, (o.decided_at AT TIME ZONE 'Europe/London')::date, c.referral_source, o.kind,
                   CASE WHEN o.kind = 'strategy_s47' THEN 'N1' ELSE 'N0' END, false, now()
            FROM contacts_outcome o JOIN contacts_contact c ON c.id = o.contact_id
            JOIN contacts_contactsubject s ON s.contact_id = c.id
            WHERE o.kind IN ('s17_assessment', 'strategy_s47') AND s.role IN ({roles})
            ON CONFLICT DO NOTHING""")  # noqa: S608 (the model's own table and role codes)
        cursor.execute("VACUUM ANALYZE")
    return {"seed_seconds": round(time.perf_counter() - started, 1),
            "referrals": Referral.objects.count()}


def child(mode: str) -> None:
    """In a fresh process: one export of the longest period, as the worker makes it; prints its figures (JSON)."""
    import django

    django.setup()
    import tempfile
    import tracemalloc
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from agencies.models import User
    from reports import exports, rules
    from reports.models import ExportJob

    settings.EXPORTS_DIR = Path(tempfile.mkdtemp(prefix="bench-annex-"))
    today = timezone.localdate()
    manager = User.objects.get(username="bench_manager")
    job = ExportJob.objects.create(kind="annex_a", requested_by=manager, request_key=f"bench-{time.time_ns()}",
                                   parameters={"start": (today - timedelta(days=rules.MAX_PERIOD_DAYS)).isoformat(),
                                               "end": today.isoformat()})
    before_kib = rss_kib()
    if mode == "tracemalloc":
        tracemalloc.start()
    started = time.perf_counter()
    state = exports.export_run(job.pk)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if mode == "tracemalloc" else None
    job.refresh_from_db()
    assert state == "done", job.error
    size = exports.file_path(job).stat().st_size
    exports.file_path(job).unlink()
    ExportJob.objects.filter(pk=job.pk).delete()
    print(json.dumps({"seconds": round(seconds, 2), "rss_before_mib": round(before_kib / 1024, 1),
                      "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "python_peak_mib": round(peak / 2**20, 2) if peak is not None else None,
                      "list1": job.counts["list1"], "list3": job.counts["list3"],
                      "file_mib": round(size / 2**20, 1)}))


def run_child(*args: str) -> dict:
    """`python -m bench.annex_a ARGS` in a process of its own; the JSON it prints last. This process stays small
    (no Django): Linux keeps ru_maxrss across fork and exec, so a child's peak is never below its parent's."""
    out = subprocess.run([sys.executable, "-m", "bench.annex_a", *args], cwd=ROOT, env=os.environ.copy(),
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"bench.annex_a {' '.join(args)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpus = os.cpu_count()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpus} CPUs, {mem:.0f} GB, {datetime.now(UTC):%Y-%m-%d}"


def write_results(rows: list[dict]) -> None:
    path = ROOT / "bench" / "results.json"
    existing = json.loads(path.read_text()) if path.exists() and path.read_text().strip() else []
    done = {(r["case"], r["contacts"]) for r in rows}
    kept = [r for r in existing if (r.get("case"), r.get("contacts")) not in done]
    path.write_text(json.dumps(kept + rows, indent=2) + "\n")


def write_readme(rows: list[dict]) -> None:
    path = ROOT / "bench" / "README.md"
    text = path.read_text()
    existing = {}
    if START in text:
        for line in text[text.index(START):text.index(END)].splitlines():
            if line.startswith("| ") and line[2].isdigit():
                existing[int(line.split("|")[1].strip().replace(",", ""))] = line
    for row in rows:
        python_peak = f"{row['python_peak_mib']}" if row["python_peak_mib"] is not None else "–"
        existing[row["contacts"]] = (
            f"| {row['contacts']:,} | {row['list1']:,} | {row['list3']:,} | {row['seconds']} | {row['file_mib']} "
            f"| {row['rss_before_mib']} | {row['peak_rss_mib']} | {python_peak} | {row['machine']} |")
    lines = [
        START,
        "## annex_a: Ofsted's Annex A export in constant memory (`python -m bench.annex_a`, `BENCH_FULL=1` adds 1M)",
        "",
        "Data from `manage.py seed_bench --contacts N --reset`, every child on a contact sent to a section 17 or 47",
        "assessment made a referral. The export is the worker's (reports.exports.export_run) over two years, in a",
        "fresh process: time is its wall time; RSS before is the process (Django loaded) just before it started,",
        "peak RSS the process's ru_maxrss after; Python peak is tracemalloc's peak during the export (a second,",
        "untimed run). Constant memory: the peaks do not grow with N.",
        "",
        "| contacts | List 1 rows | List 3 rows | seconds | file MiB | RSS before MiB | peak RSS MiB | Python peak MiB "
        "| machine |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        *[existing[n] for n in sorted(existing)],
        END,
    ]
    section = "\n".join(lines)
    if START in text:
        text = text[:text.index(START)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


def main() -> None:
    create_database()
    rows = []
    for n in SIZES:
        print(f"annex_a: seeding {n:,} contacts ...", flush=True)
        built = run_child("--build", str(n))
        timed = run_child("--child", "timed")
        traced = run_child("--child", "tracemalloc") if TRACEMALLOC else {"python_peak_mib": None}
        row = {"case": "annex_a", "contacts": n, **timed, "python_peak_mib": traced["python_peak_mib"], **built,
               "machine": machine(), "python": platform.python_version()}
        rows.append(row)
        print(f"  {n:>9,} contacts: {row['list1']:,} + {row['list3']:,} rows in {row['seconds']} s, "
              f"{row['file_mib']} MiB; RSS {row['rss_before_mib']} -> peak {row['peak_rss_mib']} MiB; "
              f"Python peak {row['python_peak_mib']} MiB", flush=True)
    write_results(rows)
    write_readme(rows)
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        grown = large["peak_rss_mib"] - small["peak_rss_mib"]
        print(f"annex_a: {large['contacts'] // small['contacts']}x the contacts, peak RSS {grown:+.1f} MiB")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--build":
        print(json.dumps(build(int(sys.argv[2]))))
    else:
        main()
