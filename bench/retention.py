"""Benchmark: retention at 10k and 100k contacts (BENCH_RETENTION_SIZES to change).

    BENCH_RETENTION_SIZES=2000 .venv/bin/python -m bench.retention

For each size it rebuilds its own PostgreSQL database's contacts with `manage.py seed_bench --reset`
(BENCH_RETENTION_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/mash_retention_bench), moves every closed
contact's closure 11 years back (so the no-further-action and advice rules have them all due), and writes an audit
of about five rows a contact (looks at each contact, and searches by surname, as the pages write them). Then it
times, in-process: the beat job's pass (listing up to RETENTION_LIST_BATCH records), the managers' list of records
to review, and one confirmed destruction (the contact, its people, its history, and the audit cleared: the scan of
the audit by the destroyed words is the part that grows with the table). Each timed write is rolled back.
It prints the figures; it records nothing (the lead runs the final figures on a quiet machine).
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [int(s) for s in os.environ.get("BENCH_RETENTION_SIZES", "10000,100000").split(",")]
RUNS = int(os.environ.get("BENCH_RETENTION_RUNS", 5))
DB_URL = os.environ.get("BENCH_RETENTION_DATABASE_URL",
                        "postgres://postgres@127.0.0.1:5432/mash_retention_bench")
AUDIT_ROWS_A_CONTACT = 5

os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mash.settings")
os.environ.pop("REDIS_URL", None)  # no broker: nothing here should reach Celery


class Rollback(Exception):
    pass


def timed(call) -> float:
    """Milliseconds `call` took, its writes rolled back."""
    from django.db import transaction

    started = time.perf_counter()
    try:
        with transaction.atomic():
            call()
            elapsed = (time.perf_counter() - started) * 1000
            raise Rollback
    except Rollback:
        return elapsed


def summary(name: str, n: int, times: list[float]) -> str:
    return (f"{name:<24} {n:>8} contacts  p50 {statistics.median(times):8.1f} ms  max {max(times):8.1f} ms"
            f"  ({len(times)} runs)")


def audit_rows(n: int) -> None:
    """About five audit rows a contact: views of it, and searches by a surname on it."""
    from django.contrib.contenttypes.models import ContentType

    from contacts.models import Contact, Person
    from mash.audit import audit_rewrite
    from mash.models import AuditEvent

    with audit_rewrite():
        AuditEvent.objects.all().delete()
    contact_type = ContentType.objects.get_for_model(Contact)
    surnames = list(Person.objects.values_list("last_name", flat=True)[:1000]) or ["Smith"]
    batch = []
    for i, (pk, reference) in enumerate(Contact.objects.values_list("pk", "reference").iterator()):
        for _ in range(AUDIT_ROWS_A_CONTACT - 1):
            batch.append(AuditEvent(actor_label="bench", action="contact.viewed", target_type=contact_type,
                                    target_id=str(pk), target_label=reference, changes={"page": "screening"}))
        batch.append(AuditEvent(actor_label="bench", action="people.searched",
                                changes={"q": surnames[i % len(surnames)], "found": 3, "more": False}))
        if len(batch) >= 5000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)


def run(n: int) -> list[str]:
    from django.core.management import call_command
    from django.db import connection

    from agencies.models import User
    from bench.pages import client_for
    from contacts.models import Contact
    from retention import services
    from retention.models import DestructionReview, RetentionRule

    call_command("seed_bench", contacts=n, reset=True, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contacts_contact SET closed_at = closed_at - interval '11 years' "
                       "WHERE state = 'closed'")
    DestructionReview.objects.all().delete()
    audit_rows(n)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    lines = [summary("beat pass (list due)", n, [timed(services.reviews_list_due) for _ in range(RUNS)])]

    services.reviews_list_due()  # listed for the page and the destructions
    manager = User.objects.get(username="bench_manager")
    second = User.objects.get(username="bench_manager1")
    client = client_for(manager)
    page = []
    for _ in range(RUNS * 4):
        started = time.perf_counter()
        assert client.get("/retention/").status_code == 200
        page.append((time.perf_counter() - started) * 1000)
    lines.append(summary("records to review page", n, page))

    reviews = list(DestructionReview.objects.filter(rule__in=RetentionRule.objects.all())[:RUNS])

    def destroy(review):
        def call():
            services.review_approve(actor=manager, review=review)
            services.destruction_confirm(actor=second, review=review)
        return call

    lines.append(summary("one destruction", n, [timed(destroy(review)) for review in reviews]))
    assert Contact.objects.filter(pk__in=[r.contact_id for r in reviews]).count() == len(reviews)  # rolled back
    return lines


def create_database() -> None:
    """Create the bench database if it is missing (never dropped: seed_bench --reset empties the contacts)."""
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    sys.path.insert(0, str(ROOT))
    create_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    out = []
    for n in SIZES:
        out += run(n)
    print("\n".join(out))


if __name__ == "__main__":
    main()
