"""Benchmark: the pages people wait on, at 10k and 100k contacts (1M with BENCH_FULL=1).

    .venv/bin/python -m bench.pages
    BENCH_FULL=1 .venv/bin/python -m bench.pages      # adds 1,000,000 contacts
    BENCH_PAGES_SIZES=10000 .venv/bin/python -m bench.pages

For each size it rebuilds its own PostgreSQL database's contacts with `manage.py seed_bench --reset`
(BENCH_PAGES_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/mash_bench_pages: not the sweep's
database, so the two benchmarks can run side by side), runs VACUUM ANALYZE, then times in-process, through
the Django test client with logged-in users: the screening queue, the manager queue, an open contact's page
(children with history, candidates shown, and the consent panel: each benchmarked contact has a consent given, a
consent withdrawn with its flag, and a manager's decision to share with health), the same page without the
consent panel (measured interleaved with it, request by request, so the two see the same machine), the person
match (contacts.matching.find_candidates, a function rather than a page), the at-risk board (a manager's:
every open clock past target or limit, the most overdue 25 of each rating drawn; a screener's: the contacts
assigned to them), the partner's inbox and the manager's enquiry board (issue 10: about 3 information
requests a contact) and the Django admin changelist of contacts (the baseline a quick build would use).
Server time is the wall time around each request; queries are counted with CaptureQueriesContext.
Results are merged into bench/results.json and the section between the pages markers of bench/README.md.
"""

import functools
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = os.environ.get("BENCH_FULL") == "1"
SIZES = [int(s) for s in os.environ.get("BENCH_PAGES_SIZES", "10000,100000").split(",")]
if FULL and 1_000_000 not in SIZES:
    SIZES.append(1_000_000)
RUNS = int(os.environ.get("BENCH_PAGES_RUNS", 50))
WARMUP = 5
DB_URL = os.environ.get("BENCH_PAGES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mash_bench_pages")
TARGETS = {"screening_queue": 100, "manager_queue": 100, "contact_page": 100, "person_match": 20,
           "fuzzy_match": 20, "person_search": 50, "at_risk_manager": 100, "at_risk_screener": 100,
           "partner_inbox": 50, "enquiry_board": 50}
CASES = ["screening_queue", "screening_queue_drawn", "screening_queue_unrestricted", "screening_queue_changed",
         "manager_queue",
         "manager_queue_drawn", "contact_page", "contact_page_without_consent", "contact_page_consent_changed",
         "contact_page_kept",
         "person_match", "fuzzy_match",
         "person_search", "at_risk_manager", "at_risk_screener", "partner_inbox", "enquiry_board", "admin_changelist"]
# BENCH_PAGES_CASES=a,b: only these (and what they are paired with); BENCH_PAGES_WRITE=0: print, write nothing.
ONLY = [c for c in os.environ.get("BENCH_PAGES_CASES", "").split(",") if c]
WRITE = os.environ.get("BENCH_PAGES_WRITE", "1") != "0"
# Restricted records in each seeded database (issue 13): a few contacts and people restricted, none granted to the
# benchmarked users, so every list leaves them out as it would in service.
RESTRICTED_CONTACTS, RESTRICTED_PEOPLE = 50, 50
# Queries each may make, whatever N (issue 11: one or two for a search or a match; the user's roles are read
# once a request, by the access checks, before either).
MAX_QUERIES = {"person_match": 2, "fuzzy_match": 2, "person_search": 3}
# The consent panel may cost the contact page at most 10% (p50, at 100k and above): issue 9. The restricted-record
# filter may cost the screening queue (drawn afresh) at most 10% against the same queue without it: issue 13.
RATIOS = {("contact_page", "contact_page_without_consent"): 1.10,
          ("screening_queue_drawn", "screening_queue_unrestricted"): 1.10}
PAIRS = {"contact_page": "contact_page_without_consent", "screening_queue_drawn": "screening_queue_unrestricted"}
BENCH_AGENCIES = [("Bench Police", "police"), ("Bench NHS Trust", "health"), ("Bench Schools", "education"),
                  ("Bench Probation", "probation"), ("Bench Homes", "housing"), ("Bench Early Help", "early_help")]
START, END = "<!-- pages:start -->", "<!-- pages:end -->"

os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")
os.environ.pop("REDIS_URL", None)  # no broker: nothing here should reach Celery


def create_database() -> None:
    """Create the bench database if it is missing (never dropped: seed_bench --reset empties the contacts)."""
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def machine(pg_version: str) -> dict:
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
               platform.processor() or platform.machine())
    return {"nproc": os.cpu_count(), "ram_gb": round(kb / 1024 / 1024), "cpu": cpu, "postgres": pg_version,
            "python": platform.python_version(), "date": datetime.now(UTC).date().isoformat()}


def summarise(case: str, n: int, times: list[float], queries: list[int]) -> dict:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {"case": case, "contacts": n, "p50_ms": round(statistics.median(times), 1), "p95_ms": round(cuts[94], 1),
            "queries": max(queries), "runs": len(times)}


def measure(call, runs: int = RUNS) -> tuple[list[float], list[int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        _prepare(call)
        call()
    times, queries = [], []
    for _ in range(runs):
        _prepare(call)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
    return times, queries


def client_for(user):
    from django.test import Client

    from tests import verified_sessions

    verified_sessions.install()  # signed in with the second factor given, as the code step leaves a session
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return client


def get(client, url: str):
    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        return response

    return call


def _prepare(call) -> None:
    """What a call needs done before it is timed (`call.prepare`, e.g. a change to the data it draws), untimed."""
    prepare = getattr(call, "prepare", None)
    if prepare is not None:
        prepare()


def measure_pair(call_a, call_b, runs: int = RUNS):
    """Two calls timed alternately (a, b, a, b, ...), so a comparison between them is not a comparison between two
    moments of a shared machine."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        for call in (call_a, call_b):
            _prepare(call)
            call()
    out = {"a": ([], []), "b": ([], [])}
    for _ in range(runs):
        for key, call in (("a", call_a), ("b", call_b)):
            _prepare(call)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                call()
                out[key][0].append((time.perf_counter() - started) * 1000)
            out[key][1].append(len(captured.captured_queries))
    return out["a"], out["b"]


def without_consent_panel(call):
    """The call, with the consent panel taken off the contact page for its duration (the page as it was before)."""
    from mash import site

    @functools.wraps(call)
    def wrapped():
        saved = list(site._PANELS)
        site._PANELS[:] = [p for p in saved if not p.template.startswith("consent/")]
        try:
            return call()
        finally:
            site._PANELS[:] = saved

    return wrapped


def without_restricted_filter(call):
    """The call with the restricted-record filter taken out of every list for its duration (contacts.selectors
    .visible_through lets every contact through): the queue as it was before issue 13."""
    from django.db.models import Q

    from contacts import selectors

    @functools.wraps(call)
    def wrapped():
        saved = selectors.visible_through
        selectors.visible_through = lambda user, path, **kwargs: Q()
        try:
            return call()
        finally:
            selectors.visible_through = saved

    return wrapped


def seed_restricted(references: list[str]) -> None:
    """A few contacts and people restricted, granted to nobody benchmarked (as a staff member's family would be):
    never the benchmarked contacts or anyone named on them, whose pages are timed."""
    from contacts.models import Contact, ContactSubject, Person

    contacts = list(Contact.objects.exclude(reference__in=references).order_by("?")
                    .values_list("pk", flat=True)[:RESTRICTED_CONTACTS])
    Contact.objects.filter(pk__in=contacts).update(restricted=True, restricted_reason="Bench")
    named = ContactSubject.objects.filter(contact__reference__in=references).values("person_id")
    people = list(Person.objects.exclude(pk__in=named).order_by("?").values_list("pk", flat=True)[:RESTRICTED_PEOPLE])
    Person.objects.filter(pk__in=people).update(restricted=True, restricted_reason="Bench")


def seed_consent(references: list[str]) -> None:
    """What a busy case's consent panel shows, for each benchmarked contact, through the consent services: the
    parent's consent to police and education, an earlier consent (housing) withdrawn with its flag raised, and a
    screener's proposal to ask health without consent, decided by a manager. Agencies that signed the agreement are
    created first (the bench seed has none)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from agencies.models import Agency
    from consent import services
    from consent.models import LawfulBasis, SharingReason
    from contacts.models import Contact

    User = get_user_model()
    screener, manager = User.objects.get(username="bench_screener"), User.objects.get(username="bench_manager")
    for name, kind in BENCH_AGENCIES:
        Agency.objects.get_or_create(name=name, defaults={"kind": kind, "isa_signatory": True})
    health = list(Agency.objects.filter(kind="health", isa_signatory=True, active=True).values_list("pk", flat=True))
    reason = SharingReason.objects.get(code="risk_of_harm").pk
    basis = LawfulBasis.objects.get(name="Public task: safeguarding children").pk
    asked = {"method": "in_person", "explained": ["who", "what_for", "how_long", "may_refuse"], "understood": "yes",
             "obtained_by": "Bench Screener", "state": "given", "capacity": "parent", "purpose": "Checks."}
    for contact in Contact.objects.filter(reference__in=references):
        if contact.consent_records.exists():
            continue
        subjects = list(contact.subjects.all())
        parent = next(s.person_id for s in subjects if s.role == "parent_carer")
        children = [s.person_id for s in subjects if s.role in ("subject_child", "sibling")]
        earlier = services.consent_record(
            actor=screener, contact=contact, given_by=parent, children=children, agency_kinds=["housing"],
            info_kinds=["family"], obtained_at=timezone.now() - timedelta(hours=3), **asked)
        services.consent_withdraw(actor=screener, record=earlier, withdrawn_at=timezone.now() - timedelta(hours=2),
                                  method="phone")
        services.consent_record(
            actor=screener, contact=contact, given_by=parent, children=children, agency_kinds=["police", "education"],
            info_kinds=["involvement", "education", "police"], obtained_at=timezone.now() - timedelta(hours=1),
            **asked)
        decision = services.sharing_propose(
            actor=screener, contact=contact, children=children, agencies=health, threshold="s47", reason=reason,
            narrative="Asking would warn the alleged abuser.", purpose="Injuries seen by health.",
            family_told="not_told", family_not_told_reason="Unsafe now.")
        services.sharing_decide(actor=manager, decision=decision, outcome="share", lawful_basis=basis)


REQUEST_AGENCIES = ("Bench Police", "Bench NHS Trust", "Bench Schools")


def seed_requests() -> int:
    """Issue 10: an enquiry on every contact (open on open contacts, closed otherwise) with a request to police,
    health and education each (about 3 requests a contact): open ones requested or claimed, with running Amber
    clocks (some overdue), closed ones returned. Written in three statements (the services would take hours at
    100k); the basis is one consent record, as only the inbox and the board are timed. Returns how many requests."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from agencies.models import Agency
    from consent.models import ConsentRecord
    from enquiries.models import InformationRequest

    User = get_user_model()
    police = Agency.objects.get(name="Bench Police")
    partner, made = User.objects.get_or_create(username="bench_police", defaults={
        "agency": police, "first_name": "Bench", "last_name": "Police", "email": "bench_police@example.gov.uk"})
    partner.groups.add(Group.objects.get(name="partner"))
    if InformationRequest.objects.exists():
        return InformationRequest.objects.count()
    manager = User.objects.get(username="bench_manager").pk
    consent = ConsentRecord.objects.order_by("pk").values_list("pk", flat=True).first()
    agencies = list(Agency.objects.filter(name__in=REQUEST_AGENCIES).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO enquiries_enquiry (contact_id, reason, need_to_know, state, opened_by_id, opened_at,
                                           closed_at, close_reason)
            SELECT c.id, 'Bench enquiry.', 'Bench.', CASE WHEN c.state = 'closed' THEN 'closed' ELSE 'open' END, %s,
                   c.received_at, CASE WHEN c.state = 'closed' THEN c.received_at + interval '1 day' END, ''
            FROM contacts_contact c""", [manager])
        cursor.execute("""
            INSERT INTO enquiries_informationrequest (
                enquiry_id, agency_id, contact_reference, rating, question, basis_kind, consent_record_id,
                basis_snapshot, state, requested_by_id, requested_at, shortened_reason, closed_reason, clock_stage,
                clock_started_at, due_at, warn_at, met_at, assigned_to_id, assigned_at)
            SELECT e.id, a.id, c.reference, c.rating, 'Bench question.', 'consent', %s, '[]'::jsonb,
                   CASE WHEN e.state = 'closed' THEN 'returned' WHEN e.id %% 3 = 0 THEN 'in_progress'
                        ELSE 'requested' END,
                   %s, e.opened_at, '', '', 'information_request', e.opened_at, e.opened_at + interval '24 hours',
                   e.opened_at + interval '18 hours',
                   CASE WHEN e.state = 'closed' THEN e.opened_at + interval '12 hours' END,
                   CASE WHEN e.state = 'open' AND e.id %% 3 = 0 AND a.id = %s THEN %s END,
                   CASE WHEN e.state = 'open' AND e.id %% 3 = 0 AND a.id = %s THEN e.opened_at END
            FROM enquiries_enquiry e JOIN contacts_contact c ON c.id = e.contact_id
            CROSS JOIN (SELECT unnest(%s::bigint[]) AS id) a""",
                       [consent, manager, police.pk, partner.pk, police.pk, agencies])
        cursor.execute("""
            UPDATE enquiries_enquiry e SET next_due_at = (
                SELECT min(r.due_at) FROM enquiries_informationrequest r
                WHERE r.enquiry_id = e.id AND r.state IN ('requested', 'in_progress'))
            WHERE e.state = 'open'""")
        cursor.execute("ANALYZE enquiries_enquiry")
        cursor.execute("ANALYZE enquiries_informationrequest")
    return InformationRequest.objects.count()


def open_contacts_with_history(limit: int = 20) -> list[str]:
    """Open contacts (screened, so the page shows screening and rating) whose two children have earlier contacts."""
    from django.db import connection

    sql = """
        SELECT c.reference FROM contacts_contact c
        JOIN contacts_contactsubject s ON s.contact_id = c.id AND s.role IN ('subject_child', 'sibling')
        JOIN contacts_contactsubject h ON h.person_id = s.person_id AND h.contact_id <> c.id
        JOIN contacts_contact hc ON hc.id = h.contact_id
             AND hc.received_at > c.received_at - interval '365 days' AND hc.received_at < c.received_at
        WHERE c.state IN ('awaiting_approval', 'awaiting_outcome')
          AND (SELECT count(*) FROM contacts_contactsubject a WHERE a.contact_id = c.id) = 3
        GROUP BY c.id, c.reference
        HAVING count(DISTINCT s.person_id) = 2
        ORDER BY c.id LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [row[0] for row in cursor.fetchall()]


def bench_size(n: int) -> list[dict]:
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from contacts import matching
    from contacts.models import Contact, Person

    started = time.monotonic()
    call_command("seed_bench", contacts=n, reset=True)
    seeded = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  seeded and analysed in {time.monotonic() - started:.1f} s", flush=True)

    if not admin.site.is_registered(Contact):  # the baseline: a plain ModelAdmin, as a quick build has
        admin.site.register(Contact, admin.ModelAdmin)
    User = get_user_model()
    screener = client_for(User.objects.get(username="bench_screener"))
    manager = client_for(User.objects.get(username="bench_manager"))
    superuser = client_for(User.objects.get(username="bench_admin"))

    references = open_contacts_with_history()
    if not references:
        raise SystemExit("No open contact with children with history: the seed is wrong")
    seed_consent(references)
    seed_restricted(references)
    print(f"  {seed_requests():,} information requests", flush=True)
    partner = client_for(User.objects.get(username="bench_police"))
    def page_after(scope, cycle):
        """The contact page as the first view after a change to what it shows draws it: before each request (untimed)
        the next contact's `scope(reference)` version is raised, so the page kept drawn under it is drawn afresh
        (contacts.views.contact_detail)."""
        from mash.polling import _bump_now

        chosen = {}

        def call():
            return get(manager, f"/contacts/{chosen['reference']}/")()

        def prepare():
            chosen["reference"] = next(cycle)
            _bump_now((scope(chosen["reference"]),))

        call.prepare = prepare
        return call

    from consent.stamps import consent_scope
    from contacts.stamps import contact_scope

    # The page drawn (a change to the contact since it was last drawn), with its consent panel and without it; the
    # first view after a change to the contact's consent (the panel kept inside it drawn afresh too); and the page
    # opened again with nothing changed (kept: the access check, the audit row, the kept page read).
    contact_page = page_after(contact_scope, iter(references * (RUNS + WARMUP)))
    contact_page_plain = page_after(contact_scope, iter(references * (RUNS + WARMUP)))
    contact_page_consent_changed = page_after(consent_scope, iter(references * (RUNS + WARMUP)))
    cycle_kept = iter(references * (RUNS + WARMUP))

    def contact_page_kept():
        return get(manager, f"/contacts/{next(cycle_kept)}/")()

    matcher = User.objects.get(username="bench_screener")
    people = list(Person.objects.order_by("?").values(
        "pk", "first_name", "last_name", "date_of_birth", "nhs_number", "postcode")[: RUNS + WARMUP])
    people_iter = iter(people)

    def person_match():
        p = next(people_iter)
        return matching.find_candidates(user=matcher, first_name=p["first_name"], last_name=p["last_name"],
                                        date_of_birth=p["date_of_birth"], nhs_number=p["nhs_number"],
                                        postcode=p["postcode"], exclude_ids=(p["pk"],))

    def spelt_otherwise(name: str) -> str:
        """A spelling the phonetic keys hold together with `name` (a vowel changed, or the i/y of Smith/Smyth)."""
        for a, b in (("i", "y"), ("y", "i"), ("ph", "f"), ("ck", "k"), ("ee", "ea"), ("a", "e"), ("o", "a")):
            if a in name[1:]:
                return name[0] + name[1:].replace(a, b, 1)
        return name + "e"

    def swapped(born):
        return born.replace(day=born.month, month=born.day) if born and born.day <= 12 else born

    fuzzy_iter = iter(people)

    def fuzzy_match():
        # A name spelt otherwise and the day and month of the date of birth swapped: only the fuzzy keys find it.
        p = next(fuzzy_iter)
        return matching.find_candidates(user=matcher, first_name=p["first_name"],
                                        last_name=spelt_otherwise(p["last_name"]),
                                        date_of_birth=swapped(p["date_of_birth"]), exclude_ids=(p["pk"],))

    from contacts import search

    searches = []
    for i, p in enumerate(people):
        born = p["date_of_birth"]
        searches.append([
            f"{p['first_name']} {p['last_name']}",
            f"{p['first_name']} {spelt_otherwise(p['last_name'])}",
            p["last_name"],
            f"{p['last_name']} {born:%d/%m/%Y}" if born else p["last_name"],
            p["nhs_number"] or f"{p['first_name']} {p['last_name']}",
            f"{p['last_name']} {p['postcode']}" if p["postcode"] else p["last_name"],
        ][i % 6])
    search_iter = iter(searches)

    def person_search():
        return search.people_search(user=matcher, text=next(search_iter))

    from mash.access import is_mash_staff

    is_mash_staff(matcher)  # the roles, read once a request by the access checks

    def drawn(client, url):
        """The queue drawn afresh every time: no region cache, and the filter form above it drawn too."""
        from django.test.utils import override_settings

        def call():
            with override_settings(POLL_REGION_CACHE_SECONDS=0):
                return get(client, url)()

        return call

    def changed(client, url):
        """The queue as the first view after a change to what it shows draws it: the version of its data is raised
        before each request (untimed), so its region is drawn afresh; the filter form above it, which depends on the
        address and not on the data, is drawn once a minute as in service."""
        from contacts.stamps import STAMP
        from mash.polling import _bump_now

        def call():
            return get(client, url)()

        call.prepare = lambda: _bump_now((STAMP,))
        return call

    calls = {
        "screening_queue": get(screener, "/contacts/"),
        "screening_queue_drawn": drawn(screener, "/contacts/"),
        "screening_queue_changed": changed(screener, "/contacts/"),
        "screening_queue_unrestricted": without_restricted_filter(drawn(screener, "/contacts/")),
        "manager_queue_drawn": drawn(manager, "/contacts/manage/"),
        "manager_queue": get(manager, "/contacts/manage/"),
        "contact_page": contact_page,
        "contact_page_without_consent": without_consent_panel(contact_page_plain),
        "contact_page_consent_changed": contact_page_consent_changed,
        "contact_page_kept": contact_page_kept,
        "person_match": person_match,
        "fuzzy_match": fuzzy_match,
        "person_search": person_search,
        "at_risk_manager": get(manager, "/at-risk/"),
        "at_risk_screener": get(screener, "/at-risk/"),
        "partner_inbox": get(partner, "/partner/"),
        "enquiry_board": get(manager, "/enquiries/"),
        "admin_changelist": get(superuser, "/admin/contacts/contact/"),
    }
    results = []
    paired = {}
    wanted = set(ONLY or CASES) | {PAIRS[c] for c in ONLY if c in PAIRS}
    for case in [c for c in CASES if c in wanted]:
        if case in paired:
            times, queries = paired.pop(case)
        elif case in PAIRS:
            (times, queries), paired[PAIRS[case]] = measure_pair(calls[case], calls[PAIRS[case]])
        else:
            times, queries = measure(calls[case])
        row = summarise(case, n, times, queries)
        row["seed_seconds"] = round(seeded, 1)
        results.append(row)
        print(f"  {case:18} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  queries {row['queries']}",
              flush=True)
    return results


def write_results(rows: list[dict]) -> None:
    path = ROOT / "bench" / "results.json"
    existing = json.loads(path.read_text()) if path.exists() and path.read_text().strip() else []
    done = {(r["case"], r["contacts"]) for r in rows}
    kept = [r for r in existing if (r.get("case"), r.get("contacts")) not in done]
    path.write_text(json.dumps(kept + rows, indent=2) + "\n")


def write_readme(rows: list[dict], info: dict) -> None:
    path = ROOT / "bench" / "README.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n\nRun them all with `make bench`.\n"
    lines = [
        START,
        "## pages: queues, contact page, person match, at-risk board (`python -m bench.pages`, `BENCH_FULL=1` adds 1M)",
        "",
        "Data from `manage.py seed_bench --contacts N --reset` (about 3 subjects and 1.6 earlier child contacts in",
        "the year per contact; up to 3,000 open contacts, the rest closed with screening, rating and outcome), then",
        "VACUUM ANALYZE. Each case is timed in-process through the Django test client as a logged-in user",
        f"({RUNS} requests after {WARMUP} warm-up): server time, no network. The person match times",
        "`contacts.matching.find_candidates` for random existing people; the fuzzy match the same with the surname",
        "spelt otherwise and the day and month of birth swapped (only the phonetic and date-swap keys find them);",
        "the search `contacts.search.people_search` for what staff type (full names, a name spelt otherwise, a",
        "surname alone, surname and date of birth, an NHS number, surname and postcode). Targets at 1M people",
        "(BENCH_FULL): search p95 ≤ 50 ms and match p95 ≤ 20 ms, one or two queries each. The admin changelist is",
        "the baseline a quick build would use. Queues are timed as someone reopening one gets it (its region drawn",
        "once a version of its data and a minute: mash.polling.region), drawn afresh each time with every cache off",
        "(`_drawn`: the region and the filter form above it), and as the first view after a change draws it",
        "(`screening_queue_changed`: the version of its data raised before each request, untimed; the filter form,",
        "which depends on the address only, drawn once a minute as in service). The at-risk board is a manager's",
        "(every open clock past target or",
        "limit counted, the most overdue 25 of each rating drawn) and a screener's (their own). The contact page",
        "is kept drawn under the versions of what it shows (contacts.views.contact_detail), its consent panel inside",
        "it too (consent.panel.contact_panel_kept): `contact_page` is the first view after a change to the contact",
        "(its version raised before each request, untimed: the page drawn, its consent panel read from the cache);",
        "`contact_page_consent_changed` the first view after a change to its consent (both drawn);",
        "`contact_page_kept` the page opened again with nothing changed (its access check, its audit row, the page",
        "read from the cache).",
        "Targets at 100k: queues, contact page and at-risk p95 ≤ 100 ms with a query count that does not grow with",
        "N; person match p95 ≤ 20 ms. The contact page carries the consent panel (each benchmarked contact: a",
        "consent given, one withdrawn with its flag, a manager's decision to share with health);",
        "contact_page_without_consent is the same requests with the panel taken off, timed alternately with it: the",
        "panel may cost at most 10% (p50) at 100k.",
        "",
        "| case | contacts | p50 ms | p95 ms | queries | target p95 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(rows, key=lambda r: (CASES.index(r["case"]), r["contacts"])):
        target = TARGETS.get(row["case"])
        lines.append(f"| {row['case']} | {row['contacts']:,} | {row['p50_ms']} | {row['p95_ms']} | {row['queries']} "
                     f"| {target if target else 'baseline'} |")
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


def main() -> int:
    create_database()
    import django

    django.setup()
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench.pages needs PostgreSQL")
    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        info = machine(cursor.fetchone()[0].split()[0])
    rows = []
    for n in SIZES:
        print(f"{n:,} contacts", flush=True)
        rows += bench_size(n)
    if WRITE:
        write_results(rows)
        write_readme(rows, info)
    failures = check(rows)
    for failure in failures:
        print("MISSED:", failure)
    return 1 if failures and os.environ.get("BENCH_STRICT") == "1" else 0


def check(rows: list[dict]) -> list[str]:
    """Targets at the largest size of at least 100k, and query counts that stay put as N grows."""
    failures = []
    by = {(r["case"], r["contacts"]): r for r in rows}
    big = [n for n in SIZES if n >= 100_000]
    present = {r["case"] for r in rows}
    for case, target in TARGETS.items():
        if case not in present:
            continue
        for n in big:
            if by[(case, n)]["p95_ms"] > target:
                failures.append(f"{case} at {n:,}: p95 {by[(case, n)]['p95_ms']} ms > {target} ms")
        counts = [by[(case, n)]["queries"] for n in SIZES]
        if len(set(counts)) > 1:
            failures.append(f"{case}: query count changes with N: {counts}")
        if case in MAX_QUERIES and max(counts) > MAX_QUERIES[case]:
            failures.append(f"{case}: {max(counts)} queries > {MAX_QUERIES[case]}")
    for (case, baseline), most in RATIOS.items():
        if not {case, baseline} <= present:
            continue
        for n in big:
            ratio = by[(case, n)]["p50_ms"] / by[(baseline, n)]["p50_ms"]
            if ratio > most:
                failures.append(f"{case} at {n:,}: p50 {ratio:.2f}x {baseline}'s, more than {most:.2f}x")
    return failures


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
