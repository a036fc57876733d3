"""Benchmark: the pages under real HTTP load, as production serves them (gunicorn), driven by wrk.

    .venv/bin/python -m bench.http                  # 100,000 contacts
    BENCH_FULL=1 .venv/bin/python -m bench.http     # 1,000,000 contacts
    BENCH_HTTP_CONTACTS=10000 .venv/bin/python -m bench.http

It uses the page benchmark's PostgreSQL database (BENCH_PAGES_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/mash_bench_pages) and seeds it with `manage.py seed_bench` unless it already
holds the size asked for (bench.pages leaves its largest size there), then VACUUM ANALYZE. It starts gunicorn as
the Dockerfile does (3 sync workers, access log on) with DEBUG off and Redis as production has it
(BENCH_HTTP_REDIS_URL, default redis://127.0.0.1:6379/14: the cache, and the sessions read from it), signs the
bench users in (a session each, as the sign-in page would make), and runs wrk (Debian's package;
`bin/ensure-wrk` installs it) with 8 connections for BENCH_HTTP_SECONDS (default 15) per case, after a warm-up:

    health          GET /healthz: the floor (no session, one query)
    queue_page      GET /contacts/ as a screener: the screening queue, drawn in full
    queue_poll      the same address as htmx's background refresh when nothing changed: 204 from the versions
    manager_page    GET /contacts/manage/ as a manager: the approvals queue (Red first, the approval clocks)
    contact_page    GET /contacts/<reference>/ as a manager, cycling over 200 open contacts, each opened once before
                    and unchanged since: the access check, the audit row, the page kept drawn (contacts.views)
    contact_page_drawn  the same over the other open contacts, none asked for before: every page drawn afresh,
                    as the first view after a change to what it shows is

Requests/s and p99 come from wrk's own report (--latency). Results are merged into bench/results.json and the
section between the http markers of bench/README.md. Targets: unchanged polls >= 1,000/s; the queue page
>= 150/s with p99 <= 150 ms; the contact page >= 150/s.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = os.environ.get("BENCH_FULL") == "1"
N = 1_000_000 if FULL else int(os.environ.get("BENCH_HTTP_CONTACTS", 100_000))
SECONDS = int(os.environ.get("BENCH_HTTP_SECONDS", 15))
CONNECTIONS = 8
THREADS = 2
WORKERS = int(os.environ.get("BENCH_HTTP_WORKERS", 3))  # as the Dockerfile runs gunicorn
DB_URL = os.environ.get("BENCH_PAGES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mash_bench_pages")
# Production runs with Redis (the cache, sessions read from it, Celery's broker): so does gunicorn here.
REDIS_URL = os.environ.get("BENCH_HTTP_REDIS_URL", "redis://127.0.0.1:6379/14")
SECRET = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
CASES = ["health", "queue_page", "queue_poll", "manager_page", "contact_page", "contact_page_drawn"]
TARGETS = {"queue_poll": {"rps": 1000}, "queue_page": {"rps": 150, "p99_ms": 150}, "contact_page": {"rps": 150}}
START, END = "<!-- http:start -->", "<!-- http:end -->"

os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DEBUG", "1")  # this process only (seeding); gunicorn runs with DEBUG off
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")
os.environ.pop("REDIS_URL", None)
os.environ["SECRET_KEY"] = SECRET  # the sessions made here are signed as the server will check them


def seed() -> float:
    """Seed N contacts unless the database holds them already. Returns the seconds it took (0 when reused)."""
    from django.core.management import call_command
    from django.db import connection

    from contacts.models import Contact

    call_command("migrate", verbosity=0, interactive=False)
    if Contact.objects.count() == N and Contact.objects.filter(state="awaiting_screening").exists():
        # Reused: migrations since the seed may have added columns (a restricted flag) with no statistics, and other
        # benches may have added rows; without them PostgreSQL plans the restricted-record filter as a scan (the
        # contact page took 5 s at 1M instead of 40 ms).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return 0.0
    started = time.monotonic()
    call_command("seed_bench", contacts=N, reset=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.monotonic() - started


def session_cookie(username: str) -> str:
    """A signed-in session for a bench user, as the sign-in page makes one."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    # ...and its second factor given (mash.mfa), as the code step leaves it
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Bench device", confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    # ...and when it began, as signing in records it (mash.session_timeout)
    from mash.session_timeout import SIGNED_IN_AT

    session[SIGNED_IN_AT] = int(time.time())
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "DEBUG": "0", "DEMO_MODE": "0", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "127.0.0.1",
           "DATABASE_URL": DB_URL, "REDIS_URL": REDIS_URL}
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "mash.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--access-logfile", "-"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"gunicorn did not start: {proc.stderr.read().decode()[-2000:]}")


def fetch(url: str, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own server on 127.0.0.1)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            found = dict(response.headers)
            found["Set-Cookie"] = response.headers.get_all("Set-Cookie") or []
            return response.status, found
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def with_csrf_cookie(base: str, cookie: str) -> str:
    """The session cookie and the CSRF cookie the first page sets, as a browser sends them on every request after
    (the queue's forms carry a token for it)."""
    _, headers = fetch(f"{base}/contacts/", {"Cookie": cookie})
    csrf = [c.split(";", 1)[0] for c in headers["Set-Cookie"] if c.startswith("csrftoken=")]
    return "; ".join([cookie, *csrf])


def wrk(url: str, *, headers: dict, script: str | None = None, seconds: int = SECONDS) -> dict:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99[2]]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {"rps": round(rps, 1), "p99_ms": round(float(p99[1]) * scale, 1), "non_2xx": int(bad[1]) if bad else 0,
            "requests": int(re.search(r"(\d+) requests in", output)[1])}


def contact_script(references: list[str]) -> str:
    """A wrk script that asks for each contact's page in turn (wrk's own request hook), each of its threads starting
    at its own place in the list (so that with more contacts than one run asks for, no two requests ask for the
    same page)."""
    lines = ",".join(f'"/contacts/{ref}/"' for ref in references)
    path = Path(tempfile.mkstemp(suffix=".lua")[1])
    path.write_text(f"""
paths = {{{lines}}}
counter = 0
local threads = 0
setup = function(thread)
  thread:set("counter", threads * math.floor(#paths / {THREADS}))
  threads = threads + 1
end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
""")
    return str(path)


def run() -> list[dict]:
    import django

    django.setup()
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.db import connection

    from contacts.models import Contact

    if connection.vendor != "postgresql":
        raise SystemExit("bench.http needs PostgreSQL")
    seeded = seed()
    screener, manager = session_cookie("bench_screener"), session_cookie("bench_manager")
    references = list(Contact.objects.filter(state__in=["awaiting_approval", "awaiting_outcome"])
                      .order_by("id").values_list("reference", flat=True)[:200])
    # Every other open contact, for the page drawn at each request: never asked for before, so none is kept.
    others = list(Contact.objects.exclude(state="closed").exclude(reference__in=references)
                  .order_by("id").values_list("reference", flat=True))
    connection.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port)
    try:
        screener, manager = with_csrf_cookie(base, screener), with_csrf_cookie(base, manager)
        status, headers = fetch(f"{base}/contacts/", {"Cookie": screener})
        if status != 200 or "ETag" not in headers:
            raise SystemExit(f"the queue answered {status} without an ETag: is the session valid?")
        poll = {"Cookie": screener, "HX-Request": "true", "MASH-Poll": "background", "If-None-Match": headers["ETag"],
                "HX-Current-URL": f"{base}/contacts/"}
        status, _ = fetch(f"{base}/contacts/", poll)
        if status != 204:
            raise SystemExit(f"an unchanged poll answered {status}, not 204")
        script = contact_script(references)
        half = len(others) // 2
        # The warm-up asks for the first half, the run for the second: every page the run asks for is drawn.
        drawn_warm_up, drawn = contact_script(others[:half]), contact_script(others[half:])
        cases = {
            "health": (f"{base}/healthz", {}, None),
            "queue_page": (f"{base}/contacts/", {"Cookie": screener}, None),
            "queue_poll": (f"{base}/contacts/", poll, None),
            "manager_page": (f"{base}/contacts/manage/", {"Cookie": manager}, None),
            "contact_page": (base, {"Cookie": manager}, script),
            "contact_page_drawn": (base, {"Cookie": manager}, drawn),
        }
        rows = []
        for case in CASES:
            url, case_headers, case_script = cases[case]
            if case == "contact_page":  # each page opened once just before (kept for POLL_REGION_CACHE_SECONDS)
                for reference in references:
                    fetch(f"{base}/contacts/{reference}/", {"Cookie": manager})
            warm_up = drawn_warm_up if case == "contact_page_drawn" else case_script
            wrk(url, headers=case_headers, script=warm_up, seconds=3)  # warm-up: workers, caches, connections
            result = wrk(url, headers=case_headers, script=case_script)
            row = {"case": f"http_{case}", "contacts": N, **result, "connections": CONNECTIONS, "workers": WORKERS,
                   "seconds": SECONDS, "seed_seconds": round(seeded, 1)}
            rows.append(row)
            print(f"  {case:14} {row['rps']:9.1f} req/s  p99 {row['p99_ms']:7.1f} ms  non-2xx {row['non_2xx']}",
                  flush=True)
        return rows
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def write_results(rows: list[dict]) -> None:
    path = ROOT / "bench" / "results.json"
    existing = json.loads(path.read_text()) if path.exists() and path.read_text().strip() else []
    done = {(r["case"], r["contacts"]) for r in rows}
    kept = [r for r in existing if (r.get("case"), r.get("contacts")) not in done]
    path.write_text(json.dumps(kept + rows, indent=2) + "\n")


def write_readme(rows: list[dict], info: dict) -> None:
    path = ROOT / "bench" / "README.md"
    text = path.read_text()
    lines = [
        START,
        "## http: the pages under load (`python -m bench.http`, `BENCH_FULL=1` for 1M contacts)",
        "",
        f"gunicorn as the Dockerfile runs it ({WORKERS} sync workers, access log on, DEBUG off) on the page",
        "benchmark's database, driven by wrk (Debian's package) with 8 connections and 2 threads for "
        f"{SECONDS} s a case after a",
        "3 s warm-up, all on this one machine (wrk, gunicorn and PostgreSQL share its CPUs). `queue_poll` is the",
        "queue's background refresh when nothing changed (htmx headers and the version the page was drawn from):",
        "204 from the session (Redis) and one query on the versions, before authentication (mash.polling).",
        "`contact_page` is a manager opening 200 open contacts in turn, each opened before and unchanged since: the",
        "access check, its people and their versions in one statement, the audit row, then the page kept drawn",
        "under those versions (contacts.views). `contact_page_drawn` opens other contacts, none asked for before:",
        "every page drawn afresh, as the first view after a change to anything it shows is.",
        "Targets: unchanged polls >= 1,000/s; the queue page >= 150/s with p99 <= 150 ms; the contact page >= 150/s.",
        "",
        "| case | contacts | requests/s | p99 ms | non-2xx | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        case = row["case"].removeprefix("http_")
        target = TARGETS.get(case, {})
        said = ", ".join(f"{'≥' if k == 'rps' else '≤'} {v} {'/s' if k == 'rps' else 'ms'}" for k, v in target.items())
        lines.append(f"| {case} | {row['contacts']:,} | {row['rps']:,} | {row['p99_ms']} | {row['non_2xx']} | "
                     f"{said or 'floor' if case == 'health' else said or '-'} |")
    lines += ["", f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['ram_gb']} GB RAM; PostgreSQL "
                  f"{info['postgres']}; Python {info['python']}; {info['date']}.", END]
    section = "\n".join(lines)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)


def check(rows: list[dict]) -> list[str]:
    failures = []
    by = {row["case"].removeprefix("http_"): row for row in rows}
    for case, target in TARGETS.items():
        row = by[case]
        if row["rps"] < target.get("rps", 0):
            failures.append(f"{case}: {row['rps']} requests/s < {target['rps']}")
        if "p99_ms" in target and row["p99_ms"] > target["p99_ms"]:
            failures.append(f"{case}: p99 {row['p99_ms']} ms > {target['p99_ms']} ms")
        if row["non_2xx"] and case != "health":
            failures.append(f"{case}: {row['non_2xx']} responses were not 2xx or 3xx")
    return failures


def main() -> int:
    subprocess.run([str(ROOT / "bin" / "ensure-wrk")], check=True)
    from bench.pages import create_database, machine

    create_database()
    print(f"{N:,} contacts", flush=True)
    rows = run()
    import django  # noqa: F401 (set up by run)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        info = machine(cursor.fetchone()[0].split()[0])
    write_results(rows)
    write_readme(rows, info)
    failures = check(rows)
    for failure in failures:
        print("MISSED:", failure)
    return 1 if failures and os.environ.get("BENCH_STRICT") == "1" else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
