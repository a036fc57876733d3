"""One rule, one message, everywhere: each rule the contact services apply gives the same message through the
screener's form, through the police notification importer and to a direct call of the service; and nothing is
written. (The rules live in contacts/rules.py; the services apply them; forms and the importer only show them.)
"""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone

from contacts import importing, rules, services
from contacts.models import Contact, ContactSubject, Person
from contacts.services import SubjectInput
from contacts.tests.factories import contact_post, make_contact
from contacts.tests.test_import import ROWS, csv_bytes, with_cell
from mash.audit import audit_trail
from mash.errors import DomainError
from mash.models import AuditEvent
from mash.rules import MARKUP_MESSAGE, control_message

pytestmark = pytest.mark.django_db

NEW = "/contacts/new/"
TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()
CHILD = {"first_name": "Ava", "last_name": "Brown", "date_of_birth": "2019-04-02", "postcode": "AN1 1AA"}


def counts():
    return Contact.objects.count(), Person.objects.count(), ContactSubject.objects.count(), AuditEvent.objects.count()


def escaped(message: str) -> str:
    from django.utils.html import escape

    return escape(message)


# (rule, the child's field in the form and the CSV column, the bad value, the message). The importer's row is the
# subject child of the file's second notification (row 6), so a problem must be reported against row 6.
PERSON_RULES = [
    ("date of birth in the future", "date_of_birth", TOMORROW, rules.BORN_IN_FUTURE),
    ("a child's date of birth too long ago", "date_of_birth", "1990-01-01", rules.BORN_TOO_LONG_AGO),
    ("a child with no date of birth", "date_of_birth", "", rules.CHILD_NEEDS_BIRTH_DATE),
    ("markup in a first name", "first_name", "<b>Ava</b>", MARKUP_MESSAGE),
    ("a NUL character in a last name", "last_name", "Br\x00own", control_message("Last name")),
    ("a 10,000-character first name", "first_name", "x" * 10_000, rules.FIRST_NAME.too_long),
    ("a 301-character address", "address", "x" * 301, rules.ADDRESS.too_long),
    ("an NHS number with a wrong check digit", "nhs_number", "943 476 5918", rules.NHS_NUMBER_INVALID),
    ("a postcode that is not one", "postcode", "NOT A POSTCODE", rules.POSTCODE_INVALID),
]
# Rules about the contact itself that a police notification carries too: the officer is the referrer, the
# narrative the concern.
CONTACT_RULES = [
    ("markup in the referrer's name", "referrer_name", "officer", "PC <script>x</script>", MARKUP_MESSAGE),
    ("a NUL character in the concern", "concern", "narrative", "Hit\x00 the child",
     control_message("What is the concern?")),
    ("markup in the concern", "concern", "narrative", "<img src=x onerror=alert(1)>", MARKUP_MESSAGE),
    ("a concern over 20,000 characters", "concern", "narrative", "x" * 20_001, rules.CONCERN.too_long),
]


def service_refuses(message, **changes):
    """A direct call of the service, with one input bad: refused with `message`, nothing written."""
    from agencies.models import User

    actor = User.objects.get(username="screener")
    child = {"first_name": "Ava", "last_name": "Brown", "date_of_birth": date(2019, 4, 2),
             **changes.pop("child", {})}
    inputs = {"received_at": timezone.now() - timedelta(hours=1), "channel": "phone", "referrer_name": "Jo",
              "referral_source": "2A", "concern": "A concern.", "consent_answer": "given",
              "children": [SubjectInput(**child)], **changes}
    before = counts()
    with pytest.raises(DomainError) as refused:
        services.contact_create(actor=actor, **inputs)
    assert counts() == before
    assert message in [m for _, m in refused.value.errors], refused.value.errors
    return refused.value


def form_refuses(client, message, **post):
    before = counts()
    response = client.post(NEW, contact_post(**post))
    assert response.status_code == 400
    assert counts() == before
    html = response.content.decode()
    assert escaped(message) in html, message
    return html


def importer_refuses(message, row: int, column: str, rows):
    notifications, errors = importing.parse_notifications(io.BytesIO(csv_bytes(*rows)))
    assert notifications == []  # the whole file is refused: nothing can be imported
    said = [str(e) for e in errors]
    assert any(s.startswith(f"Row {row}: {column}") and s.endswith(message) for s in said), said


@pytest.mark.parametrize(("rule", "field", "value", "message"), PERSON_RULES, ids=[r[0] for r in PERSON_RULES])
def test_a_person_rule_says_the_same_everywhere(personas, client_for, rule, field, value, message):
    # The form: the first child has the bad value; the message sits on that child's field.
    html = form_refuses(client_for(personas.screener), message, children=[{**CHILD, field: value}])
    assert f'href="#id_children-0-{field}"' in html
    # The importer: the subject child of notification PPN-002 (row 6) has it.
    importer_refuses(message, 6, field, [*ROWS[:4], with_cell(ROWS[4], field, value)])
    # The service, called directly.
    if field == "date_of_birth":
        value = date.fromisoformat(value) if value else None
    refused = service_refuses(message, child={field: value})
    assert (f"children-0-{field}", message) in refused.errors


@pytest.mark.parametrize(("rule", "field", "column", "value", "message"), CONTACT_RULES,
                         ids=[r[0] for r in CONTACT_RULES])
def test_a_contact_rule_says_the_same_everywhere(personas, client_for, rule, field, column, value, message):
    html = form_refuses(client_for(personas.screener), message, **{field: value})
    assert f'href="#id_{field}"' in html
    importer_refuses(message, 6, column, [*ROWS[:4], with_cell(ROWS[4], column, value)])
    refused = service_refuses(message, **{field: value})
    assert (field, message) in refused.errors


def test_text_with_angle_brackets_that_is_not_html_is_taken_everywhere(personas, client_for):
    """Found walking: a referral's pasted e-mail address and quoted speech were refused as HTML tags."""
    concern = "From: Jo Smith <j.smith@example.com>. He said 'I <will> hurt her' by text."
    response = client_for(personas.screener).post(NEW, contact_post(concern=concern,
                                                                    referrer_name="Jo <j.smith@example.com>"))
    assert response.status_code == 302, response.content.decode()
    contact = Contact.objects.get()
    assert (contact.concern, contact.referrer_name) == (concern, "Jo <j.smith@example.com>")
    notifications, errors = importing.parse_notifications(io.BytesIO(csv_bytes(*ROWS[:4], with_cell(
        ROWS[4], "narrative", concern))))
    assert errors == [] and any(n.concern.endswith(concern) for n in notifications)


# Rules about what only a person at the front door records (the importer sets these itself).
FORM_AND_SERVICE = [
    ("received in the future", {"received_at": "2099-01-01T10:00"},
     {"received_at": timezone.now() + timedelta(days=1)}, rules.RECEIVED_IN_FUTURE),
    ("consent refused with no reason", {"consent_answer": "refused", "consent_detail": ""},
     {"consent_answer": "refused"}, rules.CONSENT_DETAIL_NEEDED),
    ("consent not asked with no reason", {"consent_answer": "not_asked"}, {"consent_answer": "not_asked"},
     rules.CONSENT_DETAIL_NEEDED),
    ("no answer about consent", {"consent_answer": ""}, {"consent_answer": ""},
     rules.CONSENT_ANSWER.required_message),
    ("a sibling but no subject child", {"children": [{**CHILD, "role": "sibling"}]},
     {"child": {"role": "sibling"}}, rules.NO_SUBJECT_CHILD),
    ("an unknown referral source", {"referral_source": "ZZ"}, {"referral_source": "ZZ"},
     rules.REFERRAL_SOURCE.invalid),
    ("an e-mail address that is not one", {"referrer_email": "jo@"}, {"referrer_email": "jo@"}, rules.EMAIL_INVALID),
]


@pytest.mark.parametrize(("rule", "post", "inputs", "message"), FORM_AND_SERVICE, ids=[r[0] for r in FORM_AND_SERVICE])
def test_an_intake_rule_says_the_same_through_the_form_and_the_service(personas, client_for, rule, post, inputs,
                                                                       message):
    form_refuses(client_for(personas.screener), message, **post)
    service_refuses(message, **inputs)


def test_a_police_notification_needs_no_answer_about_consent(personas):
    """The police do not ask the parents: the rule holds for a person's contact, not a police notification."""
    contact = services.contact_create(
        actor=personas.manager, received_at=timezone.now(), channel="police_notification", referrer_name="PC 1",
        referral_source="6", concern="Seen.", children=[SubjectInput(first_name="A", last_name="B",
                                                                      date_of_birth=date(2019, 1, 1))])
    assert contact.consent_answer == ""


def test_a_double_submit_is_one_contact_through_the_form_and_the_service(personas, client_for):
    import uuid

    key = uuid.uuid4()
    client = client_for(personas.screener)
    first = client.post(NEW, contact_post(submission_key=str(key)))
    before = counts()
    again = services.contact_create(actor=personas.screener, received_at=timezone.now(), channel="phone",
                                    referrer_name="Someone else", referral_source="2A", concern="Different.",
                                    consent_answer="given", children=[], submission_key=key)
    assert first["Location"] == again.get_absolute_url()
    assert counts() == before  # the service's answer to a second submit is the first contact, and no write


# --- the decisions --------------------------------------------------------------------------------------------


def approved(personas):
    from contacts.tests.test_screening_flow import screen

    contact = make_contact(personas.screener)
    screen(contact, personas.screener, brag="amber")
    return contact


def test_a_changed_rating_needs_a_reason_through_the_form_and_the_service(personas, client_for):
    from contacts.tests.test_screening_flow import screen

    contact = make_contact(personas.screener)
    screen(contact, personas.screener, brag="amber")
    response = client_for(personas.manager).post(f"/contacts/{contact.reference}/decide/", {"brag": "red",
                                                                                            "reason": ""})
    assert response.status_code == 400 and rules.CHANGE_REASON_NEEDED in response.content.decode()
    with pytest.raises(DomainError) as refused:
        services.rating_decide(actor=personas.manager, contact=contact, brag="red", reason="  ")
    assert refused.value.errors == [("reason", rules.CHANGE_REASON_NEEDED)]
    contact.refresh_from_db()
    assert contact.state == "awaiting_approval" and contact.rating == ""
    assert not [e for e in audit_trail(contact) if e.action.startswith("rating.") and e.action != "rating.proposed"]


def test_an_outcome_that_hands_over_needs_a_team_through_the_form_and_the_service(personas, client_for):
    from contacts.tests.test_screening_flow import screen

    contact = make_contact(personas.screener)
    screen(contact, personas.screener, brag="amber")
    services.rating_decide(actor=personas.manager, contact=contact, brag="amber")
    response = client_for(personas.manager).post(f"/contacts/{contact.reference}/outcome/", {
        "kind": "s17_assessment", "rationale": "Needs assessment.", "summary": "Summary.", "receiving_team": ""})
    assert response.status_code == 400 and rules.RECEIVING_TEAM_NEEDED in response.content.decode()
    with pytest.raises(DomainError) as refused:
        services.outcome_decide(actor=personas.manager, contact=contact, kind="s17_assessment",
                                rationale="Needs assessment.", summary="Summary.")
    assert ("receiving_team", rules.RECEIVING_TEAM_NEEDED) in refused.value.errors
    contact.refresh_from_db()
    assert contact.state == "awaiting_outcome" and not hasattr(contact, "outcome_cache")
