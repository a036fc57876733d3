"""Run by tests/test_returns_sqlite.py in a process of its own, on SQLite (`make run`'s default database).

Contacts become referrals on SQLite; a manager asks for Ofsted's Annex A workbook (List 3 counts a child's
earlier referral, a subquery with date arithmetic that both databases must run) and the CIN census file, which a
real Celery worker makes on the embedded transport (kombu's filesystem queue under VAR_DIR, as `make run`), and
downloads them, the Annex A file for Ofsted (a disclosure of each child in it).
"""

import io
import os
import subprocess
import sys
import time
from datetime import date, timedelta

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from tests import verified_sessions  # noqa: E402  (sign-ins give their second factor, as in conftest)

verified_sessions.install()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

call_command("migrate", verbosity=0)
call_command("seed_demo", contacts=0, verbosity=0)  # users and agencies only

from agencies.models import Team, User  # noqa: E402
from contacts import services  # noqa: E402
from contacts.models import LevelOfNeed, ThresholdCriterion  # noqa: E402
from contacts.services import SubjectInput  # noqa: E402
from reports.models import Referral  # noqa: E402

assert connection.vendor == "sqlite", connection.vendor
screener, manager = User.objects.get(username="screener"), User.objects.get(username="manager")
team = Team.objects.get(name="Assessment team")
level = LevelOfNeed.objects.get(document__active=True, number=3)


def to_referral(children, source):
    contact = services.contact_create(
        actor=screener, received_at=timezone.now() - timedelta(hours=2), channel="phone", referrer_name="R",
        referral_source=source, concern="A concern.", consent_answer="given", children=children)
    services.screening_submit(
        actor=screener, contact=contact, worries="w", working_well="ww", needs_to_happen="n", history_checked=True,
        level=level, criteria=list(ThresholdCriterion.objects.filter(level=level)[:1]), proposed_brag="red",
        rationale="r", recommendation="route", differs_reason="x")
    services.rating_decide(actor=manager, contact=contact, brag="red")
    services.outcome_decide(actor=manager, contact=contact, kind="strategy_s47", rationale="r", summary="s",
                            receiving_team=team)
    return contact


first = to_referral([SubjectInput(first_name="Ava", last_name="Brown", date_of_birth=date(2019, 4, 2), sex="F",
                                  ethnicity="WBRI")], "6")
ava = first.subjects.get().person
to_referral([SubjectInput(first_name="Ava", last_name="Brown", person_id=ava.pk)], "2A")
assert Referral.objects.filter(person=ava).count() == 2

client = Client(SERVER_NAME="localhost")
client.force_login(manager)
today = timezone.localdate()

from consent.models import Disclosure  # noqa: E402
from reports.models import ExportJob  # noqa: E402
from reports.rules import census_years  # noqa: E402

# The worker as the Procfile runs it, on this SQLite file and the filesystem transport (the same environment).
worker_log = open(os.path.join(os.environ["VAR_DIR"], "worker.log"), "w")  # noqa: SIM115 (closed below)
worker = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "celery"), "-A", "mash", "worker",
                           "--loglevel=INFO", "--concurrency=1", "--without-gossip", "--without-mingle",
                           "--without-heartbeat", "--hostname=sqlite-check@%h"],
                          stdout=worker_log, stderr=subprocess.STDOUT)


def made(response):
    """Follow an export's page until the worker has made the file; the job."""
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ExportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.5)
    assert job.state == "done", (job.state, job.error)
    assert "The file is ready" in client.get(response["Location"]).content.decode()
    return job


try:
    response = client.post("/reports/annex-a/", {
        "request_key": "sqlite-annex-a", "start-day": 1, "start-month": 1, "start-year": today.year - 1,
        "end-day": today.day, "end-month": today.month, "end-year": today.year})
    job = made(response)
    response = client.post(f"/reports/exports/{job.pk}/download/", {"destination": "outside"})
    assert response.status_code == 200, response.content.decode()[:2000]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    list1 = [[c.value for c in row] for row in book["List 1"].iter_rows(min_row=2)]
    list3 = [[c.value for c in row] for row in book["List 3"].iter_rows(min_row=2)]
    assert [row[6] for row in list1] == ["q) 6: Police", "e) 2A: Schools"], list1
    assert [row[8] for row in list3] == [0, 1], list3
    assert list3[0][1:3] == ["b) Female", "a) WBRI"], list3
    # Two contacts about Ava: two disclosures to Ofsted, each about her.
    assert Disclosure.objects.filter(basis_kind="statutory_return", about=ava).count() == 2

    # The CIN census file for the current collection year: one child (Ava), two referrals.
    from lxml import etree

    job = made(client.post("/reports/cin-census/", {"request_key": "sqlite-census", "year": census_years()[0]}))
    response = client.post(f"/reports/exports/{job.pk}/download/", {"destination": "mash"})
    assert response.status_code == 200, response.content.decode()[:2000]
    document = etree.fromstring(b"".join(response.streaming_content))
    schema = etree.XMLSchema(etree.parse("reports/specs/CIN_schema_2026.xsd"))
    schema.assertValid(document)
    assert len(document.findall("Children/Child")) == 1 and len(document.findall("Children/Child/CINdetails")) == 2
    assert Disclosure.objects.filter(basis_kind="statutory_return").count() == 2  # it stayed in the MASH
except BaseException:
    print(open(worker_log.name).read()[-4000:])  # noqa: SIM115
    raise
finally:
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    worker_log.close()

# The performance figures (from the summaries, brought up to date from the audit log as beat does: local days and a
# named lock on SQLite too), a table's CSV and a chart's data.
from reports import summaries  # noqa: E402

summaries.refresh()
summaries.refresh()  # nothing new: changes nothing
query = {"start-day": 1, "start-month": today.month, "start-year": today.year, "end-day": today.day,
         "end-month": today.month, "end-year": today.year}
page = client.get("/reports/performance/", query)
assert page.status_code == 200 and 'data-testid="table-conversion"' in page.content.decode()
rows = client.get("/reports/performance/conversion.csv", query).content.decode().splitlines()
assert rows[1:3] == ["Outcomes decided,2,0", "Became referrals,2,0"], rows
assert rows[-1] == "Re-referrals (a child referred in the 12 months before),1,0", rows
assert '<script id="chart-data-conversion" type="application/json">' in page.content.decode()
print("sqlite returns ok")
