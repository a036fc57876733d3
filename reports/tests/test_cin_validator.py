"""The census file through the validator English councils use: the DfE's rules as published on PyPI
(csc-validator-be-cin, 2025/26 rule set), run in its own Python 3.11 environment (`make cin-validator`) as a
subprocess. It always exits 0: its report (user_report.csv) lists what it found."""

import csv
import io
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from agencies.models import Team
from contacts.models import Person
from contacts.services import SubjectInput, contact_create
from reports import cin
from reports.models import Referral
from reports.services import referral_nfa_record

from .helpers import decide

pytestmark = pytest.mark.django_db

VALIDATOR = Path(settings.BASE_DIR) / ".venv-cin" / "bin" / "python"


def validator_report(xml: bytes, tmp_path: Path) -> list[dict]:
    if not VALIDATOR.exists():
        pytest.fail("The CIN validator is not installed: run `make cin-validator`")
    (tmp_path / "census.xml").write_bytes(xml)
    run = subprocess.run([str(VALIDATOR), "-m", "cin_validator", "run", "census.xml", "-r", "cin2025_26", "-o"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    report = tmp_path / "user_report.csv"
    assert report.exists(), run.stdout + run.stderr
    return list(csv.DictReader(report.open()))


@pytest.fixture
def team(personas):
    return Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)


def referral_on(personas, team, day: date, child: SubjectInput, kind="strategy_s47", source="6"):
    with time_machine.travel(timezone.make_aware(datetime(day.year, day.month, day.day, 12)), tick=True):
        contact = contact_create(
            actor=personas.screener, received_at=timezone.now() - timedelta(hours=3), channel="phone",
            referrer_name="R", referral_source=source, concern="A concern.", consent_answer="given",
            children=[child])
        return decide(personas, contact, kind=kind, team=team)


def a_years_referrals(personas, team):
    """Children recorded as a MASH records them when the facts are known: each referred once in 2025/26."""
    referral_on(personas, team, date(2025, 5, 6), SubjectInput(
        first_name="Ava", last_name="Brown", date_of_birth=date(2016, 4, 2), sex="F", ethnicity="WBRI",
        upn="H801200001001", disabilities=("NONE",), la_child_id="LA0001"))
    referral_on(personas, team, date(2025, 9, 15), SubjectInput(
        first_name="Kai", last_name="Patel", date_of_birth=date(2023, 8, 20), sex="M", ethnicity="AIND",
        upn_unknown="UN6", disabilities=("NONE",)), kind="s17_assessment", source="3B")
    nfa = referral_on(personas, team, date(2026, 1, 12), SubjectInput(
        first_name="Mia", last_name="Clarke", date_of_birth=date(2012, 2, 29), sex="F", ethnicity="MWBC",
        upn="U801200002001", disabilities=("LD", "COMM")), source="2A")
    referral_nfa_record(actor=personas.manager, referral=Referral.objects.get(contact=nfa))


def census_file() -> bytes:
    out = io.BytesIO()
    cin.cin_census_write(out, cin.CensusYear(2026))
    return out.getvalue()


def test_the_validator_finds_nothing_wrong_with_a_well_recorded_year(personas, team, tmp_path):
    a_years_referrals(personas, team)
    assert validator_report(census_file(), tmp_path) == []


def test_the_validator_flags_a_referral_dated_before_the_childs_birth(personas, team, tmp_path):
    a_years_referrals(personas, team)
    # A deliberately wrong record: Kai's date of birth typed as a year after his referral (a referral up to 40 weeks
    # before birth is a pre-birth referral, which is right).
    Person.objects.filter(first_name="Kai").update(date_of_birth=date(2026, 9, 1))
    kai = str(Person.objects.get(first_name="Kai").pk)
    report = validator_report(census_file(), tmp_path)
    assert report, "the validator found nothing"
    flagged = {(row["LAchildID"], row["rule_code"]) for row in report}
    assert all(child == kai for child, _ in flagged), flagged
    # 8606: referral more than 40 weeks before the date of birth (and 8520: born after the census period).
    assert (kai, "8606") in flagged, flagged
