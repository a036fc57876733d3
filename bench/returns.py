"""Benchmark: the performance dashboard (issue 12) at 10k and 100k contacts (1M with BENCH_FULL=1).

    .venv/bin/python -m bench.returns
    BENCH_FULL=1 .venv/bin/python -m bench.returns          # adds 1,000,000 contacts
    BENCH_RETURNS_SIZES=10000 .venv/bin/python -m bench.returns

For each size it rebuilds its own PostgreSQL database's contacts with `manage.py seed_bench --reset`
(BENCH_RETURNS_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/mash_bench_returns: not the other
benchmarks' databases, so they can run side by side), adds what the dashboard counts that the seed has not (the
referrals of the seeded contacts whose outcome was a statutory assessment, and bench.pages' information requests:
about 3 a contact, answered on the closed ones), then builds the summaries as a deployment would after a bulk load
(`manage.py performance_refresh --all`: timed) and runs VACUUM ANALYZE. It then times, in-process through the
Django test client as a logged-in user: a manager's dashboard (this month so far, against the month before), the
same for the last quarter, and a partner's (police: their sources only); and beat's refresh of one day (today's
figures recomputed from the work, as after a decision). Server time is the wall time around each request; queries are
counted with CaptureQueriesContext. Results are merged into bench/results.json and the section between the returns
markers of bench/README.md.

Targets: the manager's dashboard p95 <= 200 ms at the largest size (1M with BENCH_FULL), and every case's query count
the same at every size.
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = os.environ.get("BENCH_FULL") == "1"
SIZES = [int(s) for s in os.environ.get("BENCH_RETURNS_SIZES", "10000,100000").split(",")]
if FULL and 1_000_000 not in SIZES:
    SIZES.append(1_000_000)
# BENCH_REUSE=1: a database already seeded with exactly N contacts (by any bench) is used as it is.
REUSE = os.environ.get("BENCH_REUSE") == "1"
DB_URL = os.environ.get("BENCH_RETURNS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mash_bench_returns")
# bench.pages reads its database from the environment when imported: point it at this benchmark's own.
os.environ["BENCH_PAGES_DATABASE_URL"] = DB_URL

from bench import pages  # noqa: E402 (after the database is chosen)

CASES = ["dashboard_manager", "dashboard_manager_quarter", "dashboard_partner", "refresh_one_day"]
TARGETS = {"dashboard_manager": 200}
START, END = "<!-- returns:start -->", "<!-- returns:end -->"


def seed_referrals() -> int:
    """The seeded contacts whose outcome sent them to statutory assessment became referrals, one row per child (as
    reports.services.referrals_record makes them), in one statement."""
    from django.conf import settings
    from django.db import connection

    from contacts.codes import CHILD_ROLES
    from reports.models import Referral

    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO reports_referral (contact_id, person_id, referral_date, source, route, primary_need, nfa,
                                          created_at)
            SELECT c.id, s.person_id, (o.decided_at AT TIME ZONE %s)::date, c.referral_source, o.kind,
                   CASE WHEN o.kind = 'strategy_s47' THEN 'N1' ELSE 'N0' END, false, now()
            FROM contacts_outcome o
            JOIN contacts_contact c ON c.id = o.contact_id
            JOIN contacts_contactsubject s ON s.contact_id = c.id AND s.role = ANY(%s)
            WHERE o.kind = ANY(%s)
            ON CONFLICT DO NOTHING""", [settings.TIME_ZONE, list(CHILD_ROLES), list(settings.REFERRAL_OUTCOMES)])
        cursor.execute("ANALYZE reports_referral")
    return Referral.objects.count()


def bench_size(n: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from contacts.models import Contact
    from reports import summaries
    from reports.models import DailyFigure

    started = time.monotonic()
    if REUSE and Contact.objects.count() == n:
        print(f"  reusing the {n:,} contacts already seeded (BENCH_REUSE=1)", flush=True)
    else:
        call_command("seed_bench", contacts=n, reset=True)
    seeded = time.monotonic() - started
    references = pages.open_contacts_with_history(limit=1)
    pages.seed_consent(references)  # the agencies, and the consent record the requests are made on
    print(f"  {pages.seed_requests():,} information requests, {seed_referrals():,} referrals", flush=True)
    started = time.monotonic()
    # Reusing a database whose summaries were rebuilt already (BENCH_REUSE=1): bring them up to date as beat would.
    call_command("performance_refresh", all=not (REUSE and DailyFigure.objects.exists()))
    rebuilt = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    rows = DailyFigure.objects.count()
    print(f"  seeded in {seeded:.1f} s; summaries rebuilt in {rebuilt:.1f} s ({rows:,} rows)", flush=True)

    User = get_user_model()
    manager = pages.client_for(User.objects.get(username="bench_manager"))
    partner = pages.client_for(User.objects.get(username="bench_police"))
    today = timezone.localdate()
    quarter_start = today - timedelta(days=91)
    quarter = (f"/reports/performance/?start-day={quarter_start.day}&start-month={quarter_start.month}"
               f"&start-year={quarter_start.year}&end-day={today.day}&end-month={today.month}&end-year={today.year}")

    def page(client, url, marker='data-testid="table-conversion"'):
        def call():
            response = client.get(url)
            if response.status_code != 200 or marker not in response.content.decode():
                raise SystemExit(f"GET {url} answered {response.status_code} without its tables")
        return call

    def refresh_one_day():
        summaries.rebuild(today, today)

    calls = {
        "dashboard_manager": page(manager, "/reports/performance/"),
        "dashboard_manager_quarter": page(manager, quarter),
        "dashboard_partner": page(partner, "/reports/performance/"),
        "refresh_one_day": refresh_one_day,
    }
    results = []
    for case in CASES:
        times, queries = pages.measure(calls[case], runs=pages.RUNS if case != "refresh_one_day" else 20)
        row = pages.summarise(case, n, times, queries)
        row.update(seed_seconds=round(seeded, 1), rebuild_seconds=round(rebuilt, 1), summary_rows=rows)
        results.append(row)
        print(f"  {case:26} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  queries {row['queries']}",
              flush=True)
    return results


def write_readme(rows: list[dict], info: dict) -> None:
    path = ROOT / "bench" / "README.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n\nRun them all with `make bench`.\n"
    lines = [
        START,
        "## returns: the performance dashboard (`python -m bench.returns`, `BENCH_FULL=1` adds 1M)",
        "",
        "Data from `manage.py seed_bench --contacts N --reset`, with the referrals of its contacts sent to statutory",
        "assessment (one a child) and bench.pages' information requests (about 3 a contact); the summaries built",
        "by `manage.py performance_refresh --all` (its time: rebuild s), then VACUUM ANALYZE. The dashboard is timed",
        f"in-process through the Django test client ({pages.RUNS} requests after {pages.WARMUP} warm-up): a manager's",
        "(this month so far against the month before), a manager's last quarter, a partner's (police: their sources).",
        "It sums the period's day-by-day summaries (reports.summaries): one query, whatever N. refresh_one_day is",
        "what beat's refresh costs for each day the audited work changed (today's figures recomputed from the",
        "work). Target: the manager's dashboard p95 ≤ 200 ms at 1M contacts, query counts the same at every N.",
        "",
        "| case | contacts | p50 ms | p95 ms | queries | summary rows | rebuild s | target p95 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(rows, key=lambda r: (CASES.index(r["case"]), r["contacts"])):
        target = TARGETS.get(row["case"], "–")
        lines.append(f"| {row['case']} | {row['contacts']:,} | {row['p50_ms']} | {row['p95_ms']} | {row['queries']} "
                     f"| {row['summary_rows']:,} | {row['rebuild_seconds']} | {target} |")
    lines += [
        "",
        f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram_gb']} GB RAM; PostgreSQL {info['postgres']}; "
        f"Python {info['python']}; {info['date']}.",
        END,
    ]
    section = "\n".join(lines)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


def check(rows: list[dict]) -> list[str]:
    """The target at the largest size (1M with BENCH_FULL), and query counts that stay put as N grows."""
    failures = []
    by = {(r["case"], r["contacts"]): r for r in rows}
    for case, target in TARGETS.items():
        n = max(SIZES)
        if by[(case, n)]["p95_ms"] > target:
            failures.append(f"{case} at {n:,}: p95 {by[(case, n)]['p95_ms']} ms > {target} ms")
    for case in CASES:
        counts = [by[(case, n)]["queries"] for n in SIZES]
        if len(set(counts)) > 1:
            failures.append(f"{case}: query count changes with N: {counts}")
    return failures


def main() -> int:
    pages.create_database()
    import django

    django.setup()
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench.returns needs PostgreSQL")
    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        info = pages.machine(cursor.fetchone()[0].split()[0])
    rows = []
    for n in SIZES:
        print(f"{n:,} contacts", flush=True)
        rows += bench_size(n)
    pages.write_results(rows)
    write_readme(rows, info)
    failures = check(rows)
    for failure in failures:
        print("MISSED:", failure)
    return 1 if failures and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
