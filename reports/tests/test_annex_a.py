"""Ofsted's Annex A lists: the workbook opens with openpyxl, has Ofsted's exact headers (2026: "Sex"), and every
cell is a value from Ofsted's drop-down lists, a dd/mm/yyyy date, a whole number or an ID."""

import io
import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import Team
from contacts.services import SubjectInput, contact_create, person_census_facts_record
from mash.models import AuditEvent
from reports import annex_a
from reports.actions import ReportAction
from reports.models import ExportJob, Referral
from reports.services import referral_nfa_record

from .helpers import contact_to_outcome, decide, export_made, period_data

pytestmark = pytest.mark.django_db

LIST_1_HEADERS = ["Child Unique ID", "Sex", "Ethnicity", "Date of Birth", "Age of Child (Years)", "Date of Contact",
                  "Contact Source"]
LIST_3_HEADERS = ["Child Unique ID", "Sex", "Ethnicity", "Date of Birth", "Age of Child (Years)", "Date of referral",
                  "Referral Source", "Referral NFA?", "Number of Referrals in Last 12 Months", "Allocated Team",
                  "Allocated Worker"]
DATES = {"Date of Birth", "Date of Contact", "Date of referral"}


def local(day: date, hour=10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def team(personas):
    return Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)


def workbook(period):
    out = io.BytesIO()
    written = annex_a.annex_a_write(out, period)
    out.seek(0)
    return written, load_workbook(out)


def check_every_cell(sheet, name, expected_headers):
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == expected_headers
    spec_codes = {h: annex_a.codes(name, h) for h in expected_headers}
    for row in rows[1:]:
        for header, cell in zip(expected_headers, row, strict=True):
            value = cell.value
            if spec_codes[header]:
                assert value in spec_codes[header], (header, value)
            elif header in DATES:
                if value is None:
                    assert header == "Date of Birth"
                else:
                    assert isinstance(value, datetime) and cell.number_format == "dd/mm/yyyy", (header, value)
            elif header.startswith(("Age", "Number")):
                assert value is None and header.startswith("Age") or (isinstance(value, int) and value >= 0)
            else:  # IDs, team and worker: never blank
                assert isinstance(value, str) and value.strip(), (header, value)
                if header == "Child Unique ID":
                    assert re.fullmatch(r"[A-Za-z0-9]+", value)
    return rows[1:]


def test_the_lists_have_ofsteds_headers_and_only_ofsteds_values(personas, team):
    today = timezone.localdate()
    # A police contact about two children, one with every fact known, and an unborn baby.
    contact_create(
        actor=personas.screener, received_at=local(today - timedelta(days=3)), channel="police_notification",
        referrer_name="PC Jones", referral_source="6", concern="Domestic abuse incident.",
        children=[SubjectInput(first_name="Ava", last_name="Brown", date_of_birth=date(2019, 4, 2), sex="F",
                               ethnicity="MWBC", la_child_id="LA001"),
                  SubjectInput(first_name="Unborn", last_name="Brown", role="sibling",
                               expected_date_of_birth=today + timedelta(days=90))],
        adults=[SubjectInput(first_name="Mum", last_name="Brown", role="parent_carer")])
    # A school's contact that became a referral, and the same child's second referral (List 3's count).
    first = contact_to_outcome(personas, kind="s17_assessment", team=team, referral_source="2A")
    child = first.subjects.get().person
    person_census_facts_record(actor=personas.manager, person=child, sex="M", ethnicity="REFU")
    contact_to_outcome(personas, kind="strategy_s47", team=team, referral_source="3E")  # another child
    second = contact_create(actor=personas.screener, received_at=timezone.now() - timedelta(minutes=5),
                            channel="phone", referrer_name="GP", referral_source="3A", concern="Again.",
                            consent_answer="given",
                            children=[SubjectInput(first_name=child.first_name, last_name=child.last_name,
                                                   person_id=child.pk)])
    decide(personas, second, kind="strategy_s47", team=team, brag="red")
    referral_nfa_record(actor=personas.manager, referral=Referral.objects.get(contact=first))
    # Outside the period: not listed.
    contact_create(actor=personas.screener, received_at=local(today - timedelta(days=400)), channel="phone",
                   referrer_name="Old", referral_source="1A", concern="Long ago.", consent_answer="given",
                   children=[SubjectInput(first_name="Old", last_name="Case", date_of_birth=date(2015, 1, 1))])

    written, book = workbook(annex_a.Period(today - timedelta(days=30), today))
    assert book.sheetnames == ["List 1", "List 3"]
    list1 = check_every_cell(book["List 1"], "List 1", LIST_1_HEADERS)
    list3 = check_every_cell(book["List 3"], "List 3", LIST_3_HEADERS)
    # One row per child per contact: 2 + 1 + 1 + 1; the adult is not listed.
    assert written.list1 == len(list1) == 5
    ava, unborn = list1[0], list1[1]
    assert [c.value for c in ava] == ["LA001", "b) Female", "f) MWBC", datetime(2019, 4, 2),
                                      annex_a.age_in_years(date(2019, 4, 2), today - timedelta(days=3)),
                                      datetime.combine(today - timedelta(days=3), datetime.min.time()),
                                      "q) 6: Police"]
    # Not yet known: "not stated", "not yet obtained"; unborn: no date of birth, no age.
    assert [c.value for c in unborn][1:5] == ["c) Not stated/recorded", "s) NOBT", None, None]
    sources = [row[6].value for row in list1]
    assert sources.count("e) 2A: Schools") == 1 and "k) 3E: Health services" in sources
    assert "g) 3A: Health services" in sources
    # List 3: three referrals; the child's second counts the first (in the 12 months before it).
    assert written.list3 == len(list3) == 3
    by_source = {row[6].value: [c.value for c in row] for row in list3}
    first_row, again_row = by_source["e) 2A: Schools"], by_source["g) 3A: Health services"]
    assert first_row[0] == again_row[0] == str(child.pk)
    assert first_row[1:3] == ["a) Male", "s) REFU"]
    assert (first_row[7], first_row[8]) == ("a) Yes", 0)
    assert (again_row[7], again_row[8]) == ("b) No", 1)
    assert first_row[9] == "Assessment team" and first_row[10] == annex_a.NOT_ALLOCATED


def test_the_12_month_count_looks_back_a_year_only(personas, team):
    today = timezone.localdate()
    child = None
    for days_ago in (500, 300, 100):
        with time_machine.travel(local(today - timedelta(days=days_ago), 12), tick=True):
            if child is None:
                contact = contact_to_outcome(personas, kind="s17_assessment", team=team)
                child = contact.subjects.get().person
            else:
                contact = contact_create(
                    actor=personas.screener, received_at=timezone.now() - timedelta(hours=1), channel="phone",
                    referrer_name="R", referral_source="8", concern="Again.", consent_answer="given",
                    children=[SubjectInput(first_name=child.first_name, last_name=child.last_name,
                                           person_id=child.pk)])
                decide(personas, contact, team=team)
    assert Referral.objects.filter(person=child).count() == 3
    _, book = workbook(annex_a.Period(today - timedelta(days=600), today))
    counts = [row[8].value for row in list(book["List 3"].iter_rows())[1:]]
    # 500 days ago: none before; 300: the one 200 days before; 100: only the one 200 days before (500 is too old).
    assert counts == [0, 1, 1]


def test_a_manager_downloads_the_workbook_audited(personas, client_for, team, settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path
    contact_to_outcome(personas, kind="s17_assessment", team=team)
    today = timezone.localdate()
    client = client_for(personas.manager)
    page = client.get("/reports/")
    assert page.status_code == 200 and "Make the Annex A lists" in page.content.decode()
    start = today - timedelta(days=10)
    job = export_made(client, "/reports/annex-a/", period_data(start, today))
    response = client.post(f"/reports/exports/{job.pk}/download/", {"destination": "mash"})
    assert response.status_code == 200
    assert response["Content-Type"] == annex_a_xlsx()
    assert f'filename="annex-a-{start:%Y-%m-%d}-to-{today:%Y-%m-%d}.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book["List 1"].max_row == 2 and book["List 3"].max_row == 2
    event = AuditEvent.objects.get(action=ReportAction.ANNEX_A_DOWNLOADED)
    assert event.actor == personas.manager
    assert event.changes == {"export": job.pk, "start": start.isoformat(), "end": today.isoformat(), "list1": 1,
                             "list3": 1, "to": "the MASH only", "disclosures": 0,
                             "summary": f"Downloaded {job}"}


def annex_a_xlsx():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("params, message", [
    ({}, "Enter the first day of the period"),
    ({"start-day": "1", "start-month": "6", "start-year": "2020", "end-day": "1", "end-month": "6",
      "end-year": "2019"}, "The last day must be the same as or after the first day"),
    ({"start-day": "1", "start-month": "1", "start-year": "2010", "end-day": "1", "end-month": "6",
      "end-year": "2020"}, "The period can be at most two years"),
    ({"start-day": "31", "start-month": "2", "start-year": "2020", "end-day": "1", "end-month": "6",
      "end-year": "2020"}, "must be a real date"),
    ({"start-day": "<script>", "start-month": "2", "start-year": "2020"}, "First day"),
])
def test_a_bad_period_is_refused_and_nothing_is_recorded(personas, client_for, params, message):
    response = client_for(personas.manager).post("/reports/annex-a/", {"request_key": "k", **params})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main")[1]
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action=ReportAction.EXPORT_STARTED).exists()


def test_partners_and_screeners_cannot_export(personas, client_for):
    for persona in (personas.screener, personas.police_partner):
        assert client_for(persona).post("/reports/annex-a/", {"request_key": "k"}).status_code == 403
    assert not ExportJob.objects.exists()
