"""Ofsted's Annex A (ILACS): List 1 (contacts) and List 3 (referrals) as an .xlsx workbook.

The headers and drop-down strings are Ofsted's, read from the vendored schema (reports/specs/annex_a_lists.json,
extracted from Annex_A_schema.yml), with the 2026 change: the column "Gender" is now "Sex". Dates are date cells
shown as dd/mm/yyyy. The workbook is written with openpyxl's write-only mode from rows read in chunks, so memory
stays the same whatever the number of rows (the rows go to a temporary file, not into memory).

List 1 has one row per child per contact received in the period; List 3 one row per child per referral made in
the period, with the number of the child's earlier referrals in the 12 months before it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from contacts.codes import CHILD_ROLES
from contacts.models import ContactSubject

from .models import Referral

SPEC = Path(__file__).parent / "specs" / "annex_a_lists.json"
DATE_FORMAT = "dd/mm/yyyy"
NOT_ALLOCATED = "Not allocated"
CHUNK = 2000
# From 2026 Ofsted's lists say "Sex" where the schema still says "Gender".
RENAMED = {"Gender": "Sex"}


@cache
def spec() -> dict[str, list[dict]]:
    lists = json.loads(SPEC.read_text())
    for columns in lists.values():
        for column in columns:
            column["header"] = RENAMED.get(column["header"], column["header"])
    return lists


def headers(name: str) -> list[str]:
    return [column["header"] for column in spec()[name]]


def codes(name: str, header: str) -> list[str]:
    return next(column["codes"] for column in spec()[name] if column["header"] == header)


@cache
def _lookup(header: str) -> dict[str, str]:
    """Our code -> Ofsted's drop-down string, for one List 1 column ("a) Male", "q) 6: Police", "a) WBRI")."""
    strings = codes("List 1", header)
    if header == "Sex":
        return {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded", "": "c) Not stated/recorded"}
    if header == "Ethnicity":  # "a) WBRI": the code follows the letter
        out = {s.split(") ", 1)[1]: s for s in strings}
        out[""] = out["NOBT"]  # not recorded yet: information not yet obtained
        return out
    # Sources: "q) 6: Police" -> "6"
    return {s.split(") ", 1)[1].split(":", 1)[0]: s for s in strings}


def sex_string(code: str) -> str:
    return _lookup("Sex")[code or ""]


def ethnicity_string(code: str) -> str:
    return _lookup("Ethnicity")[code or ""]


def source_string(code: str) -> str:
    return _lookup("Contact Source")[code or "10"]


def age_in_years(born: date | None, on: date) -> int | None:
    """Whole years on the day; None (a blank cell) when the date of birth is not known or the child is unborn."""
    if born is None or born > on:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def child_id(person_id: int, la_child_id: str) -> str:
    return la_child_id or str(person_id)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def bounds(self):
        """The period as aware datetimes [start, end + 1 day) in local time, for datetime columns."""
        tz = timezone.get_current_timezone()
        return (datetime.combine(self.start, time.min, tzinfo=tz),
                datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz))


PERSON_FIELDS = ("person_id", "person__la_child_id", "person__sex", "person__ethnicity", "person__date_of_birth")


def list1_rows(period: Period):
    """One row per child per contact received in the period, oldest first, read in chunks."""
    start, end = period.bounds()
    rows = (ContactSubject.objects
            .filter(role__in=CHILD_ROLES, contact__received_at__gte=start, contact__received_at__lt=end)
            .order_by("contact__received_at", "contact_id", "position")
            .values_list(*PERSON_FIELDS, "contact__received_at", "contact__referral_source"))
    for person_id, la_id, sex, ethnicity, born, received_at, source in rows.iterator(chunk_size=CHUNK):
        day = timezone.localdate(received_at)
        yield [child_id(person_id, la_id), sex_string(sex), ethnicity_string(ethnicity), born,
               age_in_years(born, day), day, source_string(source)]


def earlier_referrals_in_12_months():
    """A referral's child's earlier referrals in the 12 months (365 days) before it: a subquery."""
    earlier = (Referral.objects
               .filter(person_id=OuterRef("person_id"),
                       referral_date__gte=OuterRef("referral_date") - timedelta(days=365))
               .filter(Q(referral_date__lt=OuterRef("referral_date"))
                       | Q(referral_date=OuterRef("referral_date"), id__lt=OuterRef("id")))
               .order_by().values("person_id").annotate(n=Count("id")).values("n"))
    return Coalesce(Subquery(earlier), 0)


def list3_rows(period: Period):
    """One row per child per referral made in the period, oldest first, read in chunks."""
    rows = (Referral.objects
            .filter(referral_date__gte=period.start, referral_date__lte=period.end)
            .annotate(earlier=earlier_referrals_in_12_months())
            .order_by("referral_date", "id")
            .values_list(*PERSON_FIELDS, "referral_date", "source", "nfa", "earlier", "allocated_team__name",
                         "allocated_worker__first_name", "allocated_worker__last_name"))
    for (person_id, la_id, sex, ethnicity, born, day, source, nfa, earlier, team, first, last) in rows.iterator(
            chunk_size=CHUNK):
        worker = f"{first} {last}".strip() if (first or last) else NOT_ALLOCATED
        yield [child_id(person_id, la_id), sex_string(sex), ethnicity_string(ethnicity), born,
               age_in_years(born, day), day, source_string(source), "a) Yes" if nfa else "b) No", earlier,
               team or NOT_ALLOCATED, worker]


def _cells(sheet, row):
    out = []
    for value in row:
        if isinstance(value, date):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = DATE_FORMAT
            out.append(cell)
        else:
            out.append(value)
    return out


@dataclass
class Written:
    list1: int = 0
    list3: int = 0


def rows_total(period: Period) -> int:
    """How many rows the workbook will have (both lists): what a progress bar counts towards."""
    start, end = period.bounds()
    return (ContactSubject.objects.filter(role__in=CHILD_ROLES, contact__received_at__gte=start,
                                          contact__received_at__lt=end).count()
            + Referral.objects.filter(referral_date__gte=period.start, referral_date__lte=period.end).count())


def disclosed_rows(period: Period):
    """(contact id, child id) for every row of the workbook, ordered by contact: who a copy of it is about."""
    start, end = period.bounds()
    contacts = (ContactSubject.objects
                .filter(role__in=CHILD_ROLES, contact__received_at__gte=start, contact__received_at__lt=end)
                .order_by().values_list("contact_id", "person_id"))
    referrals = (Referral.objects.filter(referral_date__gte=period.start, referral_date__lte=period.end)
                 .order_by().values_list("contact_id", "person_id"))
    return contacts.union(referrals).order_by("contact_id", "person_id").iterator(chunk_size=CHUNK)


def annex_a_write(target, period: Period, *, progress=None) -> Written:
    """Write the workbook to `target` (a path or a binary file). Returns how many rows each list has.
    `progress(rows)`, if given, is told the rows written so far (both lists) after every CHUNK rows."""
    book = Workbook(write_only=True)
    written = Written()
    done = 0
    for name, rows, attr in (("List 1", list1_rows(period), "list1"), ("List 3", list3_rows(period), "list3")):
        sheet = book.create_sheet(name)
        sheet.append(headers(name))
        count = 0
        for row in rows:
            sheet.append(_cells(sheet, row))
            count += 1
            done += 1
            if progress is not None and done % CHUNK == 0:
                progress(done)
        setattr(written, attr, count)
    book.save(target)
    return written
