"""The children in need census, referral module: an XML file for a census year (reference date 31 March).

One `Child` per child with a referral in the year (1 April to 31 March), with its identifiers and characteristics,
and one `CINdetails` per referral: referral date, source, primary need and `ReferralNFA`. An NFA referral has no
assessment blocks, no primary need and no closure (the DfE's validator reads RC8 as "closed after an assessment").
Elements are written in the order the schema's sequences require (reports/specs/CIN_schema_2026.xsd, the 2025/26
schema, is what the tests validate against).

The file is written element by element with lxml's incremental writer, from rows read in chunks, so memory does
not grow with the number of children.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone
from lxml import etree

from .models import Referral

CHUNK = 2000


@dataclass(frozen=True)
class CensusYear:
    year: int  # the year the collection ends, e.g. 2026 for 2025/26

    @property
    def start(self) -> date:
        return date(self.year - 1, 4, 1)

    @property
    def reference_date(self) -> date:
        return date(self.year, 3, 31)


def _element(xf, name: str, text) -> None:
    if text in (None, ""):
        return
    with xf.element(name):
        xf.write(text.isoformat() if isinstance(text, date) else str(text))


def _child(xf, person: dict, referrals: list[dict]) -> None:
    with xf.element("Child"):
        with xf.element("ChildIdentifiers"):
            _element(xf, "LAchildID", person["la_child_id"] or str(person["id"]))
            _element(xf, "UPN", person["upn"])
            if not person["upn"]:
                _element(xf, "UPNunknown", person["upn_unknown"])
            if person["date_of_birth"]:
                _element(xf, "PersonBirthDate", person["date_of_birth"])
            else:
                _element(xf, "ExpectedPersonBirthDate", person["expected_date_of_birth"])
            _element(xf, "Sex", person["sex"] or "U")
        with xf.element("ChildCharacteristics"):
            _element(xf, "Ethnicity", person["ethnicity"] or "NOBT")
            if person["disabilities"]:
                with xf.element("Disabilities"):
                    for code in person["disabilities"]:
                        _element(xf, "Disability", code)
        for referral in referrals:
            with xf.element("CINdetails"):
                _element(xf, "CINreferralDate", referral["referral_date"])
                _element(xf, "ReferralSource", referral["source"])
                if not referral["nfa"]:  # a referral that led to further action has a primary need
                    _element(xf, "PrimaryNeedCode", referral["primary_need"])
                _element(xf, "ReferralNFA", "1" if referral["nfa"] else "0")


PERSON = ("id", "la_child_id", "upn", "upn_unknown", "date_of_birth", "expected_date_of_birth", "sex", "ethnicity",
          "disabilities")

REFERRAL = ("referral_date", "source", "nfa", "primary_need")


def _children(census: CensusYear):
    """(person, [referral, ...]) for each child with a referral in the year, read in chunks, in child order."""
    rows = (Referral.objects
            .filter(referral_date__gte=census.start, referral_date__lte=census.reference_date)
            .order_by("person_id", "referral_date", "id")
            .values_list(*(f"person__{name}" for name in PERSON), *REFERRAL))
    person, referrals = None, []
    for row in rows.iterator(chunk_size=CHUNK):
        this = dict(zip(PERSON, row[: len(PERSON)], strict=True))
        if person is not None and this["id"] != person["id"]:
            yield person, referrals
            referrals = []
        person = this
        referrals.append(dict(zip(REFERRAL, row[len(PERSON):], strict=True)))
    if person is not None:
        yield person, referrals


@dataclass
class Written:
    children: int = 0
    referrals: int = 0


def _year_referrals(census: CensusYear):
    return Referral.objects.filter(referral_date__gte=census.start, referral_date__lte=census.reference_date)


def rows_total(census: CensusYear) -> int:
    """How many referrals the file will hold: what a progress bar counts towards."""
    return _year_referrals(census).count()


def disclosed_rows(census: CensusYear):
    """(contact id, child id) for every referral in the file, ordered by contact: who a copy of it is about."""
    return (_year_referrals(census).order_by("contact_id", "person_id").values_list("contact_id", "person_id")
            .iterator(chunk_size=CHUNK))


def cin_census_write(target, census: CensusYear, *, serial: int = 1, progress=None) -> Written:
    """Write the census file for the year to `target` (a path or a binary file). `progress(referrals)`, if given,
    is told the referrals written so far, about every CHUNK of them."""
    written = Written()
    with etree.xmlfile(target, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("Message"):
            with xf.element("Header"):
                with xf.element("CollectionDetails"):
                    _element(xf, "Collection", "CIN")
                    _element(xf, "Year", census.year)
                    _element(xf, "ReferenceDate", census.reference_date)
                with xf.element("Source"):
                    _element(xf, "SourceLevel", "L")
                    _element(xf, "LEA", settings.LA_CODE)
                    _element(xf, "SoftwareCode", settings.CIN_SOFTWARE_CODE)
                    _element(xf, "Release", "1")
                    _element(xf, "SerialNo", f"{serial:03d}")
                    _element(xf, "DateTime", timezone.localtime().replace(microsecond=0, tzinfo=None).isoformat())
            with xf.element("Children"):
                for person, referrals in _children(census):
                    _child(xf, person, referrals)
                    written.children += 1
                    before = written.referrals
                    written.referrals += len(referrals)
                    if progress is not None and before // CHUNK != written.referrals // CHUNK:
                        progress(written.referrals)
    return written
