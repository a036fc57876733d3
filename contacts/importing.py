"""Importing police notifications from a CSV file: all of the file, or none of it.

The file
--------
UTF-8 text (a byte-order mark is fine: Excel's "CSV UTF-8" writes one), comma-separated, with a header row.
At most ``IMPORT_MAX_BYTES`` bytes (setting; 5 MB by default). One row per person per notification: rows
that share a ``force_reference`` are one notification and become one contact. Columns, in any order:

==================  ========  =====================================================================
column              required  meaning (codes in any case)
==================  ========  =====================================================================
force_reference     yes       the force's own reference for the notification (at most 64 characters)
occurred_at         yes       when it happened: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``, Europe/London time
type                yes       domestic_abuse, child_concern, missing, exploitation, mental_health,
                              online_harm or other
officer             yes       the officer in the case (recorded as who made the contact)
risk_grade          yes       high, medium, low or standard
role                yes       subject_child, sibling, parent_carer, household_adult or source_of_harm
first_name          yes       the person's first name
last_name           yes       the person's last name
date_of_birth       no        ``YYYY-MM-DD``, not in the future
nhs_number          no        10 digits, spaces or hyphens allowed; the check digit must be right
address             no        one line
postcode            no        a UK postcode
narrative           yes       what happened; needed on at least one row of each notification
==================  ========  =====================================================================

occurred_at, type, officer, risk_grade and narrative describe the notification: on a notification's later
rows they may be left blank, and if given must be the same as on its first row. Each notification needs
at least one ``subject_child`` row. Row numbers in messages count the header as row 1, as a spreadsheet does.

What an import does
-------------------
``parse_notifications`` checks every row and returns the notifications and a list of problems; if there
is any problem the caller shows them all and imports nothing. ``notifications_import`` then makes one contact
per notification in one transaction: channel "police notification", referral source 6 (Police), the officer as
referrer, ``[type, risk grade, occurred <time>] narrative`` as the concern, received at the time of import
(the MASH's decision clock runs from when it received the notification, not from the incident).

- **Idempotent on force reference plus child**: a notification whose children (subject children and siblings)
  are already on a contact with the same force reference (same NHS number, or same name and date of birth) is
  skipped and counted. A notification that matches for some of its children but not others is refused, and
  nothing is imported: the file has changed since it was imported, and a person must decide what it means.
- **The same rules as the form**: each notification is checked by the contact service's own rules
  (``contacts.rules.contact_clean``: names, dates of birth, NHS number, postcode, markup and control characters,
  lengths), and a problem is reported against the row and column it came from, with the service's message.
- **Matching**: a person is linked to someone already known only on an exact NHS number match (one known person
  with that number). Everyone else is recorded new; the screener sees weaker candidates at screening.
- **Audit**: ``contact_create`` writes its usual ``contact.created`` row; the import adds one
  ``contact.imported`` row per contact it made, with the force reference, type, risk grade and rows.
- One import runs at a time (``mash.locks.named_lock``), so two uploads of one file cannot both create it.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import AgencyKind
from mash.audit import audit_record
from mash.errors import DomainError
from mash.locks import named_lock

from . import identifiers, matching
from .actions import ContactAction
from .codes import CHILD_ROLES, Channel, ReferralSource, SubjectRole
from .models import ContactSubject
from .services import SubjectInput, contact_check, contact_create

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_ERRORS = 500  # listed; the rest are counted
LONDON = ZoneInfo("Europe/London")
LOCK_NAME = "contacts.notifications_import"  # mash.locks.named_lock: one notifications import at a time

COLUMNS = [
    "force_reference", "occurred_at", "type", "officer", "risk_grade", "role", "first_name", "last_name",
    "date_of_birth", "nhs_number", "address", "postcode", "narrative",
]
REQUIRED = ["force_reference", "role", "first_name", "last_name"]  # on every row
NOTIFICATION_FIELDS = ["occurred_at", "type", "officer", "risk_grade", "narrative"]
NOTIFICATION_REQUIRED = ["occurred_at", "type", "officer", "risk_grade"]  # on a notification's first row
TYPES = {
    "domestic_abuse": "Domestic abuse",
    "child_concern": "Child concern",
    "missing": "Missing",
    "exploitation": "Exploitation",
    "mental_health": "Mental health",
    "online_harm": "Online harm",
    "other": "Other",
}
RISK_GRADES = {"high": "High", "medium": "Medium", "low": "Low", "standard": "Standard"}
MAX_LENGTHS = {"force_reference": 64}  # the file's own key; every other value is checked by the contact's rules
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: about the whole file
    message: str

    def __str__(self):
        return f"Row {self.row}: {self.message}" if self.row is not None else self.message


@dataclass
class Notification:
    force_reference: str
    occurred_at: datetime
    type: str
    officer: str
    risk_grade: str
    narrative: str
    rows: list[int] = field(default_factory=list)
    people: list[SubjectInput] = field(default_factory=list)
    cells: list[dict[str, str]] = field(default_factory=list)  # each person's row as it was in the file
    narrative_row: int | None = None

    @property
    def children(self) -> list[SubjectInput]:
        return [p for p in self.people if p.role in CHILD_ROLES]

    @property
    def adults(self) -> list[SubjectInput]:
        return [p for p in self.people if p.role not in CHILD_ROLES]

    def contact_inputs(self, organisation: str = "Police") -> dict:
        """What the import asks the contact service to record for this notification."""
        return {
            "channel": Channel.POLICE_NOTIFICATION,
            "referrer_name": self.officer,
            "referrer_role": "Officer in the case",
            "referrer_organisation": organisation,
            "referral_source": ReferralSource.POLICE,
            "concern": self.concern,
            "children": self.children,
            "adults": self.adults,
        }

    @property
    def concern(self) -> str:
        occurred = timezone.localtime(self.occurred_at)
        grade = RISK_GRADES[self.risk_grade]
        return f"[{TYPES[self.type]}, {grade} risk, occurred {occurred:%d %b %Y %H:%M}] {self.narrative}"


@dataclass(frozen=True)
class ImportResult:
    created: int
    skipped: int


def max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def size_label(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{limit} bytes"


def too_large_message(limit: int | None = None) -> str:
    return f"The file is larger than {size_label(limit or max_bytes())}: split it into smaller files"


# ---------------------------------------------------------------------------------------------- parsing


def _parse_date(value: str) -> date:
    if not _DATE_RE.fullmatch(value):
        raise ValueError
    return date.fromisoformat(value)


def _parse_occurred_at(value: str) -> datetime:
    if _DATE_RE.fullmatch(value):
        return timezone.make_aware(datetime.combine(date.fromisoformat(value), time()), LONDON)
    if _DATETIME_RE.fullmatch(value):
        return timezone.make_aware(datetime.fromisoformat(value), LONDON)
    raise ValueError


class _Rows:
    """Collects the problems of one row."""

    def __init__(self, errors: list[RowError], number: int):
        self.errors, self.number, self.ok = errors, number, True

    def error(self, message: str):
        self.ok = False
        self.errors.append(RowError(self.number, message))


def _check_row(values: dict[str, str], row: _Rows, now: datetime) -> dict:
    """The row's values, cleaned; problems are recorded on `row`."""
    clean: dict = {}
    for name in REQUIRED:
        if not values[name]:
            row.error(f"{name} is missing")
    for name, limit in MAX_LENGTHS.items():
        if len(values[name]) > limit:
            row.error(f"{name} is longer than {limit} characters")
    if values["occurred_at"]:
        try:
            clean["occurred_at"] = _parse_occurred_at(values["occurred_at"])
        except ValueError:
            row.error(f"occurred_at '{values['occurred_at']}' is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
        else:
            if clean["occurred_at"] > now:
                row.error(f"occurred_at '{values['occurred_at']}' is in the future")
    if values["type"] and values["type"] not in TYPES:
        row.error(f"type '{values['type']}' is not a known type (use one of: {', '.join(TYPES)})")
    if values["risk_grade"] and values["risk_grade"] not in RISK_GRADES:
        row.error(f"risk_grade '{values['risk_grade']}' is not a known grade (use one of: {', '.join(RISK_GRADES)})")
    if values["role"] and values["role"] not in SubjectRole.values:
        row.error(f"role '{values['role']}' is not a known role (use one of: {', '.join(SubjectRole.values)})")
    if values["date_of_birth"]:
        try:
            clean["date_of_birth"] = _parse_date(values["date_of_birth"])
        except ValueError:
            row.error(f"date_of_birth '{values['date_of_birth']}' is not a date (use YYYY-MM-DD)")
    return clean


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


def _rule_problems(notification: Notification, error: DomainError) -> list[RowError]:
    """The contact service's refusal of a notification, row by row and column by column."""
    children, adults = notification.children, notification.adults
    cells = {id(p): c for p, c in zip(notification.people, notification.cells, strict=True)}
    rows = {id(p): r for p, r in zip(notification.people, notification.rows, strict=True)}
    problems = []
    for name, message in error.errors:
        group, _, rest = (name or "").partition("-")
        index, _, column = rest.partition("-")
        people = {"children": children, "adults": adults}.get(group)
        if people is not None and index.isdigit() and int(index) < len(people):
            person = people[int(index)]
            row, value = rows[id(person)], cells[id(person)].get(column, "")
        elif name in ("referrer_name", "concern"):
            column = {"referrer_name": "officer", "concern": "narrative"}[name]
            row = notification.narrative_row if name == "concern" else notification.rows[0]
            value = notification.officer if name == "referrer_name" else notification.narrative
        else:
            problems.append(RowError(notification.rows[0], f"notification '{notification.force_reference}': {message}"))
            continue
        said = f"{column} '{_shown(value)}' is not valid: {message}" if value else f"{column}: {message}"
        problems.append(RowError(row, said))
    return problems


def _read(file_obj, limit: int) -> tuple[str | None, RowError | None]:
    data = file_obj.read(limit + 1)
    if len(data) > limit:
        return None, RowError(None, too_large_message(limit))
    if isinstance(data, str):
        data = data.encode()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, RowError(None, "The file is not UTF-8 text: save it as \"CSV UTF-8\" and upload it again")
    if not text.strip():
        return None, RowError(None, "The file is empty")
    return text, None


def parse_notifications(file_obj, *, now: datetime | None = None) -> tuple[list[Notification], list[RowError]]:
    """Read and check a whole file. Returns the notifications and every problem found (nothing is written)."""
    limit = max_bytes()
    text, problem = _read(file_obj, limit)
    if problem is not None:
        return [], [problem]
    now = now or timezone.now()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[RowError] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as error:
        return [], [RowError(1, f"the header cannot be read as CSV ({error})")]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h or "(a blank heading)" for h in header if h not in COLUMNS]
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if missing:
        errors.append(RowError(None, f"Missing columns: {', '.join(missing)}"))
    if unknown:
        errors.append(RowError(None, f"Unknown columns: {', '.join(unknown)} (the columns are: {', '.join(COLUMNS)})"))
    if duplicated:
        errors.append(RowError(None, f"Columns given twice: {', '.join(duplicated)}"))
    if errors:
        return [], errors

    notifications: dict[str, Notification] = {}
    first_values: dict[str, dict[str, str]] = {}
    first_rows: dict[str, int] = {}
    seen_nhs: dict[tuple[str, str], int] = {}
    bad: set[str] = set()  # references with a bad row: not checked as a whole
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            errors.append(RowError(number, f"cannot be read as CSV ({error})"))
            break
        if not any(c.strip() for c in cells):
            continue  # a blank line
        row = _Rows(errors, number)
        if len(cells) != len(header):
            row.error(f"has {len(cells)} cells but the header has {len(header)} columns")
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        for code in ("type", "risk_grade", "role"):
            values[code] = values[code].lower()
        clean = _check_row(values, row, now)
        reference = values["force_reference"]
        if not reference:
            pass
        elif reference not in first_values:
            first_values[reference] = values
            first_rows[reference] = number
            for name in NOTIFICATION_REQUIRED:
                if not values[name]:
                    row.error(f"{name} is missing (it is needed on the first row of each notification)")
        else:
            first = first_values[reference]
            for name in NOTIFICATION_FIELDS:
                if values[name] and first[name] and values[name] != first[name]:
                    row.error(f"{name} differs from the first row of notification '{reference}' "
                              f"(row {first_rows[reference]})")
        try:
            nhs_number = identifiers.normalise_nhs_number(values["nhs_number"])
        except ValidationError:
            nhs_number = ""  # the contact's rules say what is wrong with it
        if nhs_number:
            key = (reference, nhs_number)
            if key in seen_nhs:
                row.error(f"NHS number {nhs_number} is already on row {seen_nhs[key]} of this notification")
            else:
                seen_nhs[key] = number
        if not row.ok or reference in bad:
            bad.add(reference)
            continue  # the file will be refused: only find the other problems
        notification = notifications.get(reference)
        if notification is None:
            notification = notifications[reference] = Notification(
                force_reference=reference, occurred_at=clean["occurred_at"], type=values["type"],
                officer=values["officer"], risk_grade=values["risk_grade"], narrative=values["narrative"],
            )
        if notification.narrative_row is None and values["narrative"]:
            notification.narrative, notification.narrative_row = values["narrative"], number
        notification.rows.append(number)
        notification.cells.append(values)
        notification.people.append(SubjectInput(
            first_name=values["first_name"], last_name=values["last_name"], role=values["role"],
            date_of_birth=clean.get("date_of_birth"), nhs_number=values["nhs_number"], address=values["address"],
            postcode=values["postcode"],
        ))
    for notification in notifications.values():
        if notification.force_reference in bad:
            continue
        found = len(errors)
        if not notification.narrative:
            errors.append(RowError(notification.rows[0], f"narrative is missing for notification "
                                                         f"'{notification.force_reference}'"))
        if not any(p.role == SubjectRole.SUBJECT_CHILD for p in notification.people):
            errors.append(RowError(notification.rows[0], f"notification '{notification.force_reference}' has no "
                                                         f"subject_child row"))
        if len(errors) > found:
            continue
        # The contact's own rules, as the form and the API meet them; the people come back normalised.
        try:
            clean = contact_check(received_at=now, **notification.contact_inputs())
        except DomainError as error:
            errors += _rule_problems(notification, error)
        else:
            cleaned = iter([*clean["children"], *clean["adults"]])
            by_id = {id(p): next(cleaned) for p in [*notification.children, *notification.adults]}
            notification.people = [by_id[id(p)] for p in notification.people]
    if errors:
        notifications = {}
    elif not notifications:
        errors.append(RowError(None, "The file has a header but no notifications"))
    errors.sort(key=lambda e: (e.row is not None, e.row or 0))
    if len(errors) > MAX_ERRORS:
        hidden = len(errors) - MAX_ERRORS
        errors = [*errors[:MAX_ERRORS], RowError(None, f"... and {hidden} more problems not listed")]
    return list(notifications.values()), errors


# ---------------------------------------------------------------------------------------------- importing


def _child_keys(reference: str, person) -> set[tuple]:
    keys = {(reference, "name", identifiers.name_key(person.first_name), identifiers.name_key(person.last_name),
             person.date_of_birth)}
    if person.nhs_number:
        keys.add((reference, "nhs", person.nhs_number))
    return keys


def _imported_child_keys(references: list[str]) -> set[tuple]:
    """Force reference + child keys of everything already imported with these references."""
    keys: set[tuple] = set()
    subjects = (
        ContactSubject.objects.filter(contact__force_reference__in=references, role__in=CHILD_ROLES)
        .select_related("contact", "person")
        .only("contact__force_reference", "person__first_name", "person__last_name", "person__date_of_birth",
              "person__nhs_number")
    )
    for subject in subjects:
        keys |= _child_keys(subject.contact.force_reference, subject.person)
    return keys


def _link_on_nhs_number(person: SubjectInput, actor) -> SubjectInput:
    """Link to a known person only on an exact NHS number match with one known person (whom `actor` may see)."""
    if not person.nhs_number:
        return person
    same = [c for c in matching.find_candidates(user=actor, nhs_number=person.nhs_number)
            if matching.NHS[0] in c.reasons]
    if len(same) != 1:
        return person
    return SubjectInput(**{**person.__dict__, "person_id": same[0].person.pk})


def _referrer_organisation(actor) -> str:
    agency = getattr(actor, "agency", None)
    return agency.name if agency is not None and agency.kind == AgencyKind.POLICE else "Police"


def notifications_import(
    *,
    actor,
    notifications: list[Notification],
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Make one contact per notification not already imported, in one transaction: all of them, or none.

    Raises DomainError (and writes nothing) if a notification was imported before for some of its children only,
    or if making any contact fails.
    """
    created = skipped = 0
    total = len(notifications)
    received_at = timezone.now()
    organisation = _referrer_organisation(actor)
    with transaction.atomic():
        named_lock(LOCK_NAME)
        imported = _imported_child_keys([n.force_reference for n in notifications])
        for done, notification in enumerate(notifications, start=1):
            matched = [bool(_child_keys(notification.force_reference, c) & imported) for c in notification.children]
            if all(matched):
                skipped += 1
            elif any(matched):
                names = ", ".join(f"{c.first_name} {c.last_name}" for c, m in zip(
                    notification.children, matched, strict=True) if not m)
                raise DomainError(
                    f"Row {notification.rows[0]}: notification '{notification.force_reference}' was imported before, "
                    f"but without {names}: record the change by hand. Nothing was imported."
                )
            else:
                children = [_link_on_nhs_number(p, actor) for p in notification.children]
                adults = [_link_on_nhs_number(p, actor) for p in notification.adults]
                try:
                    contact = contact_create(
                        actor=actor,
                        # The MASH received it now: the decision clock runs from the import, not the incident.
                        received_at=received_at,
                        force_reference=notification.force_reference,
                        **{**notification.contact_inputs(organisation), "children": children, "adults": adults},
                    )
                except DomainError as error:
                    said = "; ".join(str(problem) for problem in _rule_problems(notification, error))
                    raise DomainError(
                        f"Notification '{notification.force_reference}' could not be recorded: {said}. "
                        "Nothing was imported."
                    ) from error
                audit_record(
                    actor=actor,
                    action=ContactAction.NOTIFICATIONS_IMPORTED,
                    target=contact,
                    changes={
                        "force_reference": notification.force_reference,
                        "type": notification.type,
                        "risk_grade": notification.risk_grade,
                        "rows": notification.rows,
                        "linked_on_nhs_number": [p.person_id for p in [*children, *adults] if p.person_id],
                    },
                )
                for child in notification.children:
                    imported |= _child_keys(notification.force_reference, child)
                created += 1
            if progress is not None:
                progress(done, total)
    return ImportResult(created=created, skipped=skipped)
