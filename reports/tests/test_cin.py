"""The CIN census referral module: the file validates against the DfE's 2025/26 schema (vendored), with a Child
per child and a CINdetails per referral in the census year, elements in the schema's order."""

import io
import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from lxml import etree

from agencies.models import Team
from contacts.services import SubjectInput, contact_create, person_census_facts_record
from mash.models import AuditEvent
from reports import cin
from reports.actions import ReportAction
from reports.models import ExportJob, Referral
from reports.services import NO_REFERRALS, referral_nfa_record

from .helpers import decide, export_made

pytestmark = pytest.mark.django_db

XSD = Path(cin.__file__).parent / "specs" / "CIN_schema_2026.xsd"
GOOD_UPN = "H801200001001"


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(XSD)))


@pytest.fixture
def team(personas):
    return Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)


def census_file(year=2026) -> bytes:
    out = io.BytesIO()
    cin.cin_census_write(out, cin.CensusYear(year))
    if dump := os.environ.get("CIN_DUMP"):
        Path(dump).write_bytes(out.getvalue())
    return out.getvalue()


def referral_on(personas, team, day: date, children, source="6", kind="strategy_s47"):
    with time_machine.travel(timezone.make_aware(datetime(day.year, day.month, day.day, 12)), tick=True):
        contact = contact_create(
            actor=personas.screener, received_at=timezone.now() - timedelta(hours=3), channel="phone",
            referrer_name="R", referral_source=source, concern="A concern.", consent_answer="given",
            children=children)
        return decide(personas, contact, kind=kind, team=team)


def census_year_of_referrals(personas, team):
    """Three children across two referrals in 2025/26 (one NFA), one referral the year before, one after."""
    ava_contact = referral_on(personas, team, date(2025, 6, 10), [
        SubjectInput(first_name="Ava", last_name="Brown", date_of_birth=date(2019, 4, 2), sex="F", ethnicity="WBRI",
                     upn=GOOD_UPN),
        SubjectInput(first_name="Ben", last_name="Brown", role="sibling", date_of_birth=date(2021, 1, 5))])
    ava = ava_contact.subjects.get(person__first_name="Ava").person
    person_census_facts_record(actor=personas.manager, person=ava, sex="F", ethnicity="WBRI", upn=GOOD_UPN,
                               disabilities=["AUT", "COMM"], la_child_id="LA0001")
    referral_on(personas, team, date(2026, 2, 1), [
        SubjectInput(first_name="Ava", last_name="Brown", person_id=ava.pk)], source="2A", kind="s17_assessment")
    ben = Referral.objects.get(contact=ava_contact, person__first_name="Ben")
    referral_nfa_record(actor=personas.manager, referral=ben)
    referral_on(personas, team, date(2025, 3, 31), [
        SubjectInput(first_name="Old", last_name="Year", date_of_birth=date(2015, 1, 1))])
    referral_on(personas, team, date(2026, 4, 1), [
        SubjectInput(first_name="Next", last_name="Year", date_of_birth=date(2015, 1, 1))])
    return ava


def test_the_file_validates_against_the_2025_26_schema(personas, team, schema):
    census_year_of_referrals(personas, team)
    document = etree.fromstring(census_file(2026))
    schema.assertValid(document)
    header = document.find("Header")
    assert [e.tag for e in header.find("CollectionDetails")] == ["Collection", "Year", "ReferenceDate"]
    assert [e.text for e in header.find("CollectionDetails")] == ["CIN", "2026", "2026-03-31"]
    assert header.findtext("Source/LEA") == "999"
    children = document.findall("Children/Child")
    # Ava (two referrals) and Ben (one, NFA); the children referred on 31 March 2025 and 1 April 2026 are not in it.
    assert len(children) == 2
    ava = next(c for c in children if c.findtext("ChildIdentifiers/LAchildID") == "LA0001")
    assert [e.tag for e in ava.find("ChildIdentifiers")] == ["LAchildID", "UPN", "PersonBirthDate", "Sex"]
    assert ava.findtext("ChildIdentifiers/Sex") == "F"
    assert [e.text for e in ava.findall("ChildCharacteristics/Disabilities/Disability")] == ["AUT", "COMM"]
    details = ava.findall("CINdetails")
    assert [(d.findtext("CINreferralDate"), d.findtext("ReferralSource"), d.findtext("PrimaryNeedCode"),
             d.findtext("ReferralNFA")) for d in details] == [("2025-06-10", "6", "N1", "0"),
                                                              ("2026-02-01", "2A", "N0", "0")]
    ben = next(c for c in children if c is not ava)
    # Nothing recorded: sex not known (U), ethnicity not yet obtained; the NFA referral has no primary need.
    assert ben.findtext("ChildIdentifiers/Sex") == "U"
    assert ben.findtext("ChildCharacteristics/Ethnicity") == "NOBT"
    assert ben.find("ChildCharacteristics/Disabilities") is None
    (nfa,) = ben.findall("CINdetails")
    assert [e.tag for e in nfa] == ["CINreferralDate", "ReferralSource", "ReferralNFA"]
    assert nfa.findtext("ReferralNFA") == "1" and nfa.find("Assessments") is None


def test_an_unborn_child_has_an_expected_date(personas, team, schema):
    referral_on(personas, team, date(2025, 9, 1), [
        SubjectInput(first_name="Unborn", last_name="Clarke", expected_date_of_birth=date(2025, 12, 1))])
    document = etree.fromstring(census_file(2026))
    schema.assertValid(document)
    identifiers = document.find("Children/Child/ChildIdentifiers")
    assert [e.tag for e in identifiers] == ["LAchildID", "ExpectedPersonBirthDate", "Sex"]


def test_the_schema_refuses_what_the_writer_must_not_write(schema):
    """The check is real: a file with elements out of the schema's order is invalid."""
    bad = etree.fromstring(
        b"<Message><Children><Child><ChildIdentifiers><Sex>F</Sex><LAchildID>1</LAchildID></ChildIdentifiers>"
        b"<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics><CINdetails>"
        b"<CINreferralDate>2025-06-10</CINreferralDate><ReferralSource>6</ReferralSource>"
        b"<ReferralNFA>0</ReferralNFA></CINdetails></Child></Children></Message>")
    assert not schema.validate(bad)


def test_a_manager_downloads_the_census_file_audited(personas, client_for, team, schema, settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path
    census_year_of_referrals(personas, team)
    client = client_for(personas.manager)
    with time_machine.travel(timezone.make_aware(datetime(2026, 5, 1, 9)), tick=True):
        job = export_made(client, "/reports/cin-census/", {"year": "2026"})
        response = client.post(f"/reports/exports/{job.pk}/download/", {"destination": "mash"})
    assert response.status_code == 200
    assert 'filename="cin-census-2026-999.xml"' in response["Content-Disposition"]
    schema.assertValid(etree.fromstring(b"".join(response.streaming_content)))
    event = AuditEvent.objects.get(action=ReportAction.CIN_CENSUS_DOWNLOADED)
    assert event.actor == personas.manager
    assert event.changes == {"export": job.pk, "year": 2026, "children": 2, "referrals": 3,
                             "to": "the MASH only", "disclosures": 0, "summary": f"Downloaded {job}"}


@pytest.mark.parametrize("year, message", [("1999", "Select a census year from the list"),
                                           ("<script>", "Select a census year from the list"),
                                           ("2026", NO_REFERRALS)])
def test_a_bad_year_or_an_empty_year_is_refused(personas, client_for, year, message):
    with time_machine.travel(timezone.make_aware(datetime(2026, 5, 1, 9)), tick=True):
        response = client_for(personas.manager).post("/reports/cin-census/", {"request_key": "k", "year": year})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ExportJob.objects.exists()
    assert not AuditEvent.objects.filter(action=ReportAction.EXPORT_STARTED).exists()
