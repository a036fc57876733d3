"""The demo's data (`seed_demo`, as `make run` seeds it) makes returns Ofsted and the DfE would accept: every Annex A
cell from Ofsted's lists, and a CIN census file the schema and the DfE's validator find nothing wrong with."""

import io
from datetime import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from lxml import etree
from openpyxl import load_workbook

from contacts.models import Person
from reports import annex_a, cin
from reports.models import Referral
from reports.rules import census_years

from .test_annex_a import LIST_1_HEADERS, LIST_3_HEADERS, check_every_cell
from .test_cin import XSD
from .test_cin_validator import validator_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    """The demo seeded on a day late in a census year (its referrals fall between 1 April and that day)."""
    settings.DEMO_MODE = True
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 30, 12)), tick=True):
        call_command("seed_demo", verbosity=0, stdout=io.StringIO())
        call_command("seed_demo", verbosity=0, stdout=io.StringIO())  # a second run adds nothing
        yield


def test_the_seeded_data_makes_valid_returns(seeded, tmp_path):
    assert Referral.objects.count() == 3 and Referral.objects.filter(nfa=True).count() == 1
    assert not Person.objects.filter(subject_of__role__in=["subject_child", "sibling"], sex="").exists()
    year = census_years()[0]
    out = io.BytesIO()
    written = cin.cin_census_write(out, cin.CensusYear(year))
    assert written.children == 3
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(etree.fromstring(out.getvalue()))
    assert validator_report(out.getvalue(), tmp_path) == []

    today = timezone.localdate()
    book_file = io.BytesIO()
    written = annex_a.annex_a_write(book_file, annex_a.Period(cin.CensusYear(year).start, today))
    book_file.seek(0)
    book = load_workbook(book_file)
    assert len(check_every_cell(book["List 1"], "List 1", LIST_1_HEADERS)) == written.list1 > 10
    assert len(check_every_cell(book["List 3"], "List 3", LIST_3_HEADERS)) == written.list3 == 3
