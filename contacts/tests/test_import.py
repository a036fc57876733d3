"""Importing police notifications: a good file, the same file again, and bad files that change nothing."""

import csv
import html
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from contacts import importing
from contacts.actions import ContactAction
from contacts.models import Contact, ContactSubject, Person
from contacts.views_import import notifications_import_page
from mash.errors import DomainError
from mash.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/contacts/import/"
HEADER = ",".join(importing.COLUMNS)
ROWS = [
    # force_reference,occurred_at,type,officer,risk_grade,role,first,last,dob,nhs,address,postcode,narrative
    'PPN-001,2025-07-01T14:30,domestic_abuse,PC 1234 Lee,high,subject_child,Ava,Brown,2019-04-02,943 476 5919,'
    '1 High Street,an1 1aa,"Police called to the home: father assaulted mother, Ava present and distressed."',
    "PPN-001,,,,,sibling,Ben,Brown,2021-09-10,,1 High Street,AN1 1AA,",
    "PPN-001,,,,,parent_carer,Cara,Brown,1990-01-15,,1 High Street,AN1 1AA,",
    "PPN-001,,,,,source_of_harm,Dan,Brown,1988-06-30,,1 High Street,AN1 1AA,",
    "PPN-002,2025-07-02,missing,DC 55 Patel,medium,subject_child,Eve,Green,2010-02-20,,,,Reported missing overnight.",
]


def csv_bytes(*rows, header=HEADER, bom=False) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return ("\ufeff" + text if bom else text).encode()


GOOD = csv_bytes(*ROWS)


def counts():
    return Contact.objects.count(), Person.objects.count(), ContactSubject.objects.count(), AuditEvent.objects.count()


def parse(data: bytes):
    return importing.parse_notifications(io.BytesIO(data))


def big_file(size=50 * 1024 * 1024) -> bytes:
    """A well-formed file of about `size` bytes: only its size is wrong."""
    row = ROWS[-1].encode() + b"\r\n"
    head = HEADER.encode() + b"\r\n"
    return head + row * ((size - len(head)) // len(row) + 1)


def with_cell(row: str, column: str, value: str) -> str:
    cells = next(iter(csv.reader([row])))
    cells[importing.COLUMNS.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


# Each bad file, and a message its report must contain.
BAD = {
    "missing columns": (csv_bytes("PPN-9,2025-07-01,missing,PC 1,low,subject_child,A,B",
                                  header="force_reference,occurred_at,type,officer,risk_grade,role,first_name,"
                                         "last_name"),
                        "Missing columns: date_of_birth, nhs_number, address, postcode, narrative"),
    "bad date of birth": (csv_bytes(ROWS[0], with_cell(ROWS[1], "date_of_birth", "31/02/2020")),
                          "Row 3: date_of_birth '31/02/2020' is not a date (use YYYY-MM-DD)"),
    "impossible date": (csv_bytes(with_cell(ROWS[4], "date_of_birth", "2020-02-31")),
                        "Row 2: date_of_birth '2020-02-31' is not a date (use YYYY-MM-DD)"),
    "bad occurred_at": (csv_bytes(with_cell(ROWS[4], "occurred_at", "yesterday")),
                        "Row 2: occurred_at 'yesterday' is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)"),
    "future occurred_at": (csv_bytes(with_cell(ROWS[4], "occurred_at", "2999-01-01")),
                           "Row 2: occurred_at '2999-01-01' is in the future"),
    "invalid NHS number": (csv_bytes(*ROWS[:4], with_cell(ROWS[4], "nhs_number", "943 476 5918")),
                           "Row 6: nhs_number '943 476 5918' is not valid: Enter a valid 10-digit NHS number"),
    "unknown type": (csv_bytes(with_cell(ROWS[4], "type", "burglary")),
                     "Row 2: type 'burglary' is not a known type (use one of: domestic_abuse,"),
    "unknown risk grade": (csv_bytes(with_cell(ROWS[4], "risk_grade", "red")),
                           "Row 2: risk_grade 'red' is not a known grade (use one of: high, medium, low, standard)"),
    "unknown role": (csv_bytes(ROWS[0], with_cell(ROWS[1], "role", "victim")),
                     "Row 3: role 'victim' is not a known role (use one of: subject_child, sibling,"),
    "no subject child": (csv_bytes(with_cell(ROWS[4], "role", "sibling")),
                         "Row 2: notification 'PPN-002' has no subject_child row"),
    "not UTF-8": (GOOD.replace(b"Eve", "\u00c9ve".encode("latin-1")), "The file is not UTF-8 text"),
    "empty": (b"", "The file is empty"),
    "header only": (csv_bytes(), "The file has a header but no notifications"),
    "50 MB": (None, "The file is larger than 5 MB"),
}


def bad_file(case: str) -> bytes:
    data, _ = BAD[case]
    return big_file() if data is None else data


# ------------------------------------------------------------------------------------------- the service


def test_good_file_parses_into_notifications():
    notifications, errors = parse(csv_bytes(*ROWS, bom=True))
    assert errors == []
    assert [n.force_reference for n in notifications] == ["PPN-001", "PPN-002"]
    first = notifications[0]
    assert first.rows == [2, 3, 4, 5]
    assert [p.role for p in first.people] == ["subject_child", "sibling", "parent_carer", "source_of_harm"]
    assert first.people[0].nhs_number == "9434765919"
    assert first.people[0].postcode == "AN1 1AA"
    assert first.people[0].date_of_birth == date(2019, 4, 2)
    assert first.occurred_at == datetime(2025, 7, 1, 14, 30, tzinfo=ZoneInfo("Europe/London"))
    assert first.concern.startswith("[Domestic abuse, High risk, occurred 01 Jul 2025 14:30] Police called")


def test_good_file_imports_one_contact_per_notification(personas):
    notifications, _ = parse(GOOD)
    seen = []
    result = importing.notifications_import(actor=personas.manager, notifications=notifications,
                                            progress=lambda done, total: seen.append((done, total)))
    assert result == importing.ImportResult(created=2, skipped=0)
    assert seen == [(1, 2), (2, 2)]
    first = Contact.objects.get(force_reference="PPN-001")
    assert first.channel == "police_notification"
    assert first.referral_source == "6"
    assert first.referrer_name == "PC 1234 Lee"
    assert first.referrer_organisation == "Police"
    assert first.state == "awaiting_screening"
    assert first.created_by == personas.manager
    # Received when the MASH imported it (the decision clock runs from then); the incident time is in the concern.
    assert timezone.now() - first.received_at < timedelta(minutes=1)
    assert "occurred 01 Jul 2025 14:30" in first.concern  # 14:30 BST, shown in London time
    assert first.concern == ("[Domestic abuse, High risk, occurred 01 Jul 2025 14:30] Police called to the home: "
                             "father assaulted mother, Ava present and distressed.")
    subjects = list(first.subjects.order_by("position").select_related("person"))
    assert [(s.person.first_name, s.role) for s in subjects] == [
        ("Ava", "subject_child"), ("Ben", "sibling"), ("Cara", "parent_carer"), ("Dan", "source_of_harm")]
    assert subjects[0].person.nhs_number == "9434765919"
    second = Contact.objects.get(force_reference="PPN-002")
    assert second.concern == "[Missing, Medium risk, occurred 02 Jul 2025 00:00] Reported missing overnight."
    assert [s.role for s in second.subjects.all()] == ["subject_child"]
    for contact in (first, second):
        assert AuditEvent.objects.filter(action=ContactAction.CONTACT_CREATED, target_id=str(contact.pk)).count() == 1
        imported = AuditEvent.objects.get(action=ContactAction.NOTIFICATIONS_IMPORTED, target_id=str(contact.pk))
        assert imported.actor == personas.manager
    assert AuditEvent.objects.get(
        action=ContactAction.NOTIFICATIONS_IMPORTED, target_id=str(first.pk)).changes["rows"] == [2, 3, 4, 5]


def test_reimporting_the_same_file_creates_nothing_twice(personas):
    importing.notifications_import(actor=personas.manager, notifications=parse(GOOD)[0])
    before = counts()
    result = importing.notifications_import(actor=personas.manager, notifications=parse(GOOD)[0])
    assert result == importing.ImportResult(created=0, skipped=2)
    assert counts() == before
    # A new notification in the same file is imported; the old ones are still skipped.
    extra = "PPN-003,2025-07-03,online_harm,PC 9 Khan,low,subject_child,Fay,Hill,2012-05-05,,,,Online grooming."
    result = importing.notifications_import(actor=personas.manager, notifications=parse(csv_bytes(*ROWS, extra))[0])
    assert result == importing.ImportResult(created=1, skipped=2)


def test_reimport_check_is_one_query_whatever_the_size(personas, django_assert_num_queries):
    importing.notifications_import(actor=personas.manager, notifications=parse(GOOD)[0])
    notifications = parse(GOOD)[0]
    # savepoint, advisory lock, the already-imported children (one join), release savepoint
    with django_assert_num_queries(4):
        assert importing.notifications_import(actor=personas.manager, notifications=notifications).skipped == 2


def test_same_force_reference_for_a_different_child_is_a_new_contact(personas):
    importing.notifications_import(actor=personas.manager, notifications=parse(csv_bytes(ROWS[4]))[0])
    other = with_cell(with_cell(ROWS[4], "first_name", "Gus"), "last_name", "Hale")
    result = importing.notifications_import(actor=personas.manager, notifications=parse(csv_bytes(other))[0])
    assert result.created == 1
    assert Contact.objects.filter(force_reference="PPN-002").count() == 2


def test_links_only_on_an_exact_nhs_number(personas):
    known = Person.objects.create(first_name="Ava", last_name="Browne", nhs_number="9434765919")
    lookalike = Person.objects.create(first_name="Eve", last_name="Green", date_of_birth=date(2010, 2, 20))
    importing.notifications_import(actor=personas.manager, notifications=parse(GOOD)[0])
    ava = Contact.objects.get(force_reference="PPN-001").subjects.get(role="subject_child").person
    eve = Contact.objects.get(force_reference="PPN-002").subjects.get().person
    assert ava == known
    assert ava.date_of_birth == date(2019, 4, 2)  # a gap filled, nothing overwritten
    assert ava.last_name == "Browne"
    assert eve != lookalike  # same name and birthday is only a candidate: the screener decides
    event = AuditEvent.objects.get(action=ContactAction.NOTIFICATIONS_IMPORTED, target_id=str(ava.contacts.get().pk))
    assert event.changes["linked_on_nhs_number"] == [known.pk]
    # Re-importing still recognises Ava by her NHS number, though her record has another surname.
    assert importing.notifications_import(actor=personas.manager, notifications=parse(GOOD)[0]).skipped == 2


def test_a_changed_notification_is_refused_and_nothing_is_written(personas):
    importing.notifications_import(actor=personas.manager, notifications=parse(csv_bytes(ROWS[0]))[0])
    before = counts()
    new = "PPN-010,2025-07-03,other,PC 9 Khan,low,subject_child,Fay,Hill,2012-05-05,,,,Seen with older men."
    changed = csv_bytes(new, ROWS[0], ROWS[1])  # PPN-010 is new, PPN-001 now names Ben too
    with pytest.raises(DomainError, match="notification 'PPN-001' was imported before, but without Ben Brown"):
        importing.notifications_import(actor=personas.manager, notifications=parse(changed)[0])
    assert counts() == before
    assert not Contact.objects.filter(force_reference="PPN-010").exists()


def test_notification_fields_must_agree_across_rows():
    _, errors = parse(csv_bytes(ROWS[0], with_cell(ROWS[1], "risk_grade", "low")))
    assert [str(e) for e in errors] == [
        "Row 3: risk_grade differs from the first row of notification 'PPN-001' (row 2)"]


def test_every_problem_is_listed_with_its_row():
    rows = [with_cell(ROWS[4], "date_of_birth", "tomorrow"), with_cell(ROWS[0], "nhs_number", "123"),
            with_cell(ROWS[4], "first_name", "")]
    _, errors = parse(csv_bytes(*rows))
    messages = [str(e) for e in errors]
    assert messages[0].startswith("Row 2: date_of_birth 'tomorrow' is not a date")
    assert messages[1].startswith("Row 3: nhs_number '123' is not valid")
    assert messages[2] == "Row 4: first_name is missing"


def test_multiline_narrative_keeps_spreadsheet_row_numbers():
    narrative = '"Line one, with a comma.\nLine two ""quoted""."'
    row = with_cell(ROWS[4], "narrative", "X").replace(",X", "," + narrative)
    second = with_cell(with_cell(ROWS[4], "force_reference", "PPN-003"), "date_of_birth", "bad")
    notifications, errors = parse(csv_bytes(row, second))
    assert [str(e) for e in errors] == ["Row 3: date_of_birth 'bad' is not a date (use YYYY-MM-DD)"]
    notifications, errors = parse(csv_bytes(row))
    assert notifications[0].narrative == 'Line one, with a comma.\nLine two "quoted".'


@pytest.mark.parametrize("case", BAD)
def test_bad_file_is_refused_by_the_parser(case):
    notifications, errors = parse(bad_file(case))
    assert errors, case
    assert BAD[case][1] in "\n".join(str(e) for e in errors)


def test_size_limit_is_a_setting(settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    _, errors = parse(big_file(1024 * 1024 + 1))
    assert [str(e) for e in errors] == ["The file is larger than 1 MB: split it into smaller files"]


# ------------------------------------------------------------------------------------------- the page


class TestPage:
    def upload(self, client, data: bytes, name="notifications.csv"):
        return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})

    def test_manager_sees_the_form(self, personas, client_for):
        response = client_for(personas.manager).get(URL)
        assert response.status_code == 200
        assert b'enctype="multipart/form-data"' in response.content
        assert b"govuk-file-upload" in response.content

    def test_manager_imports_a_file_and_again(self, personas, client_for):
        client = client_for(personas.manager)
        response = self.upload(client, GOOD)
        assert response.status_code == 200
        assert "2 contacts created, 0 skipped as already imported" in response.content.decode()
        assert Contact.objects.filter(channel="police_notification", referral_source="6").count() == 2
        before = counts()
        response = self.upload(client, GOOD)
        assert response.status_code == 200
        assert "0 contacts created, 2 skipped as already imported" in response.content.decode()
        assert counts() == before

    @pytest.mark.parametrize("case", BAD)
    def test_bad_file_is_refused_and_nothing_is_written(self, personas, client_for, case):
        client = client_for(personas.manager)
        before = counts()
        response = self.upload(client, bad_file(case))
        assert response.status_code == 400
        page = html.unescape(response.content.decode())
        assert "There is a problem" in page
        assert BAD[case][1].split(": ", 1)[-1] in page
        assert counts() == before

    def test_row_problems_are_a_table(self, personas, client_for):
        response = self.upload(client_for(personas.manager), BAD["bad date of birth"][0])
        page = html.unescape(response.content.decode())
        assert "The file has 1 problem(s), listed below: nothing was imported" in page
        assert 'data-testid="import-problems"' in page
        assert "date_of_birth '31/02/2020' is not a date (use YYYY-MM-DD)" in page

    def test_changed_notification_is_refused_on_the_page(self, personas, client_for):
        client = client_for(personas.manager)
        self.upload(client, csv_bytes(ROWS[0]))
        before = counts()
        response = self.upload(client, csv_bytes(ROWS[0], ROWS[1]))
        assert response.status_code == 400
        assert "was imported before, but without Ben Brown" in html.unescape(response.content.decode())
        assert counts() == before

    def test_script_in_a_cell_is_shown_as_text(self, personas, client_for):
        script = csv_bytes(with_cell(ROWS[4], "type", "<script>x</script>"))
        response = self.upload(client_for(personas.manager), script)
        assert response.status_code == 400
        assert b"<script>x</script>" not in response.content
        assert b"&lt;script&gt;x&lt;/script&gt;" in response.content

    def test_no_file(self, personas, client_for):
        response = client_for(personas.manager).post(URL, {})
        assert response.status_code == 400
        assert "Select a CSV file of police notifications" in response.content.decode()

    @pytest.mark.parametrize("who", ["screener", "police_partner", "outsider"])
    def test_others_are_forbidden(self, personas, client_for, who):
        client = client_for(getattr(personas, who))
        assert client.get(URL).status_code == 403
        assert self.upload(client, GOOD).status_code == 403
        assert Contact.objects.count() == 0

    def test_anonymous_is_sent_to_sign_in(self, client, personas):
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")
        assert self.upload(client, GOOD).status_code == 302
        assert Contact.objects.count() == 0

    def test_wrong_method(self, personas, client_for):
        client = client_for(personas.manager)
        assert client.put(URL).status_code == 405
        assert client.delete(URL).status_code == 405


def test_view_through_request_factory(personas):
    """The view itself, without any URL: what contacts/urls.py will route to."""
    request = RequestFactory().post(URL, {"file": SimpleUploadedFile("n.csv", GOOD)})
    request.user = personas.manager
    request._dont_enforce_csrf_checks = True
    response = notifications_import_page(request)
    assert response.status_code == 200
    assert b"2 contacts created, 0 skipped as already imported" in response.content


# ------------------------------------------------------------------------------------------- the command


def write(tmp_path, data: bytes):
    path = tmp_path / "notifications.csv"
    path.write_bytes(data)
    return str(path)


def test_command_imports_with_progress(personas, tmp_path):
    out = io.StringIO()
    call_command("import_notifications", write(tmp_path, GOOD), user="manager", progress_every=1, stdout=out)
    output = out.getvalue()
    assert "Processed 1 of 2 (50%)" in output
    assert "Processed 2 of 2 (100%)" in output
    assert "2 contacts created, 0 skipped as already imported" in output
    out = io.StringIO()
    call_command("import_notifications", write(tmp_path, GOOD), user="manager", stdout=out)
    assert "0 contacts created, 2 skipped as already imported" in out.getvalue()
    assert Contact.objects.count() == 2


@pytest.mark.parametrize("case", BAD)
def test_command_refuses_a_bad_file(personas, tmp_path, case):
    before = counts()
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_notifications", write(tmp_path, bad_file(case)), user="manager", stderr=err,
                     stdout=io.StringIO())
    assert BAD[case][1] in err.getvalue()
    assert counts() == before


def test_command_needs_a_manager(personas, tmp_path):
    with pytest.raises(CommandError, match="screener is not a MASH manager"):
        call_command("import_notifications", write(tmp_path, GOOD), user="screener")
    with pytest.raises(CommandError, match="No active user 'nobody'"):
        call_command("import_notifications", write(tmp_path, GOOD), user="nobody")
    assert Contact.objects.count() == 0


def test_command_missing_file(personas, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_notifications", str(tmp_path / "nope.csv"), user="manager")
