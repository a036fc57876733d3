"""Recording a contact: what a good submission makes, and what bad input is refused."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from contacts import rules
from contacts.actions import ContactAction
from contacts.models import Contact, ContactSubject, Person, ReferenceCounter
from mash.clock import DEFAULT_CALENDAR
from mash.models import AuditEvent
from mash.rules import MARKUP_MESSAGE

from .factories import contact_post

pytestmark = pytest.mark.django_db

NEW = "/contacts/new/"


def counts():
    return (Contact.objects.count(), Person.objects.count(), ContactSubject.objects.count(),
            AuditEvent.objects.filter(action=ContactAction.CONTACT_CREATED).count())


def test_screener_records_contact_with_two_children(personas, client_for):
    client = client_for(personas.screener)
    post = contact_post(children=[
        {"first_name": "Ava", "last_name": "Brown", "date_of_birth": "2019-04-02", "postcode": "an1 1aa"},
        {"first_name": "Unborn", "last_name": "Brown",
         "expected_date_of_birth": (timezone.localdate() + timedelta(days=60)).isoformat()},
    ])
    response = client.post(NEW, post)
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.reference}/"
    assert re.fullmatch(rf"C-{timezone.localdate().year}-\d{{6}}", contact.reference)
    assert contact.state == "awaiting_screening"
    assert contact.created_by == personas.screener
    children = [s.person for s in contact.subjects.order_by("position")]
    assert [c.first_name for c in children] == ["Ava", "Unborn"]
    assert children[0].postcode == "AN1 1AA"  # normalised
    assert children[1].is_unborn
    # The decision clock: due one working day after receipt.
    assert contact.clock_stage == "contact_decision"
    assert contact.due_at == DEFAULT_CALENDAR.add_working_days(contact.received_at, 1)
    assert contact.met_at is None
    event = AuditEvent.objects.get(action=ContactAction.CONTACT_CREATED)
    assert event.actor == personas.screener and event.target_id == str(contact.pk)
    assert contact.history.count() == 1


def test_references_are_sequential_per_year(personas, client_for):
    client = client_for(personas.screener)
    refs = []
    for _ in range(3):
        client.post(NEW, contact_post(**{"children-0-match": "new"}))
    refs = list(Contact.objects.order_by("id").values_list("reference", flat=True))
    numbers = [int(r.rsplit("-", 1)[1]) for r in refs]
    assert numbers == [1, 2, 3]
    assert ReferenceCounter.objects.get(year=timezone.localdate().year).last == 3


def test_double_submit_records_one_contact(personas, client_for):
    client = client_for(personas.screener)
    post = contact_post(submission_key=str(uuid.uuid4()))
    first = client.post(NEW, post)
    second = client.post(NEW, post)
    assert Contact.objects.count() == 1
    assert first["Location"] == second["Location"]


LONG = "x" * 10_000


@pytest.mark.parametrize(
    ("label", "change", "field_id", "message"),
    [
        ("missing child", {"children": []}, None, "Add at least one child"),
        ("child with no name", {"children-0-first_name": ""}, "id_children-0-first_name",
         "Enter the first name"),
        ("date of birth in the future", {"children-0-date_of_birth": "2099-01-01"}, "id_children-0-date_of_birth",
         "Date of birth must be today or in the past"),
        ("no date of birth at all", {"children-0-date_of_birth": ""}, "id_children-0-date_of_birth",
         "Enter the child&#x27;s date of birth, or an expected date if unborn"),
        ("not a date", {"children-0-date_of_birth": "31/02/2020"}, "id_children-0-date_of_birth",
         "Date of birth must be a real date"),
        ("10,000-character child name", {"children-0-first_name": LONG}, "id_children-0-first_name",
         "First name must be 100 characters or fewer"),
        ("10,000-character referrer name", {"referrer_name": LONG}, "id_referrer_name",
         "Referrer&#x27;s name must be 200 characters or fewer"),
        ("script in the concern", {"concern": "Hello <script>alert(1)</script>"}, "id_concern",
         "Remove the HTML tags"),
        ("unknown referral source", {"referral_source": "ZZ"}, "id_referral_source",
         "Select a referral source from the list"),
        ("no referral source", {"referral_source": ""}, "id_referral_source", "Select the referral source"),
        ("received in the future", {"received_at": "2099-01-01T10:00"}, "id_received_at",
         "The date and time received must be in the past"),
        ("bad postcode", {"children-0-postcode": "NOT A POSTCODE"}, "id_children-0-postcode",
         "Enter a real postcode"),
        ("unknown channel", {"channel": "pigeon"}, "id_channel_0", "Select a valid choice"),
        ("empty concern", {"concern": ""}, "id_concern", "Enter the concern"),
    ],
)
def test_bad_input_gets_a_message_and_writes_nothing(personas, client_for, label, change, field_id, message):
    client = client_for(personas.screener)
    change = dict(change)
    children = change.pop("children", None)
    post = contact_post(children=children, **change)
    before = counts()
    response = client.post(NEW, post)
    html = response.content.decode()
    assert response.status_code == 400, label
    assert counts() == before, f"{label}: something was written"
    assert "There is a problem" in html
    assert message in html, f"{label}: expected message {message!r}"
    if field_id:
        # The summary links to the field, and the field carries its own message.
        assert f'href="#{field_id}"' in html
        assert f'id="{field_id.removesuffix("_0")}_error"' in html
    assert "<script>alert(1)</script>" not in html


def test_add_another_child_without_javascript_keeps_answers(personas, client_for):
    client = client_for(personas.screener)
    post = contact_post(add_child="1")
    response = client.post(NEW, post)
    html = response.content.decode()
    assert response.status_code == 200
    assert Contact.objects.count() == 0
    assert 'name="children-1-first_name"' in html
    assert 'value="Ava"' in html and 'value="Jo Teacher"' in html
    assert "There is a problem" not in html


def test_contact_page_view_is_audited(personas, client_for):
    client = client_for(personas.screener)
    client.post(NEW, contact_post())
    contact = Contact.objects.get()
    client_for(personas.manager).get(contact.get_absolute_url())
    viewed = AuditEvent.objects.filter(action=ContactAction.CONTACT_VIEWED, target_id=str(contact.pk))
    assert viewed.count() == 1
    assert viewed.get().actor == personas.manager


def test_many_views_do_not_crowd_the_work_out_of_the_timeline(personas, client_for):
    from django.contrib.contenttypes.models import ContentType

    client = client_for(personas.screener)
    client.post(NEW, contact_post())
    contact = Contact.objects.get()
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=personas.manager, actor_label="manager", action=ContactAction.CONTACT_VIEWED,
                   target_type=ContentType.objects.get_for_model(Contact), target_id=str(contact.pk))
        for _ in range(250)
    ])
    html = client.get(contact.get_absolute_url()).content.decode()
    timeline = html[html.index('data-testid="timeline"'):]
    assert "Contact recorded" in timeline and "Contact viewed" not in timeline


def test_add_an_adult_without_javascript_keeps_every_child(personas, client_for):
    children = [{"first_name": f"C{i}", "last_name": "Brown", "date_of_birth": "2019-04-02"} for i in range(12)]
    html = client_for(personas.screener).post(NEW, contact_post(children=children, add_adult="1")).content.decode()
    assert 'name="children-11-first_name"' in html and 'value="C11"' in html
    assert 'name="adults-0-first_name"' in html


@pytest.mark.parametrize(
    ("boxes", "anchor", "message"),
    [
        ({"children-0-date_of_birth-month": ""}, "id_children-0-date_of_birth-month",
         "Date of birth must include a month"),
        ({"children-0-date_of_birth-day": "", "children-0-date_of_birth-year": ""}, "id_children-0-date_of_birth",
         "Date of birth must include a day and year"),
        ({"children-0-date_of_birth-day": "30", "children-0-date_of_birth-month": "2"}, "id_children-0-date_of_birth",
         "Date of birth must be a real date"),
        ({"received_at-hour": "25"}, "id_received_at-hour", "Time received must be a real time"),
        ({"received_at-year": "26"}, "id_received_at-year", "Year must include 4 numbers"),
    ],
)
def test_a_date_typed_in_boxes_with_a_part_missing_or_impossible_writes_nothing(personas, client_for, boxes, anchor,
                                                                                 message):
    client = client_for(personas.screener)
    before = counts()
    response = client.post(NEW, {**contact_post(), **boxes})
    html = response.content.decode()
    assert response.status_code == 400
    assert counts() == before
    assert f'<a href="#{anchor}">' in html and message in html
    # The box in error is marked for assistive technology, and what was typed is shown again.
    assert f'id="{anchor}" aria-invalid="true"' in html


@pytest.mark.parametrize("total", ["13", "2147483648"])
def test_a_posted_row_count_past_the_limit_is_refused_without_building_the_rows(personas, client_for, total):
    """TOTAL_FORMS is the browser's word: past 12 the contact is refused, and at most 12 rows are built and shown
    (Django's default would build a thousand for a huge number)."""
    client = client_for(personas.screener)
    post = contact_post(**{"children-TOTAL_FORMS": total})
    before = counts()
    response = client.post(NEW, post)
    html = response.content.decode()
    assert response.status_code == 400
    assert counts() == before
    assert "A contact can name at most 12 children" in html
    assert 'name="children-11-first_name"' in html and 'name="children-12-first_name"' not in html


def test_every_problem_is_shown_at_once_with_a_date_that_is_not_one(personas, client_for):
    """Found walking: a received date of 31/2 was shown alone ("Date received must be a real date"); once it was put
    right, more problems appeared. Every one is shown with it, each beside its field; the date that could not be
    read is said once, not also as missing."""
    client = client_for(personas.screener)
    post = contact_post(
        children=[{"first_name": "", "last_name": "Brown", "date_of_birth": "2099-01-01", "postcode": "NOT ONE"},
                  {"first_name": "Ben", "last_name": "Brown", "role": "sibling", "date_of_birth": "31/02/2020"}],
        adults=[{"first_name": "Mum", "last_name": "<b>Brown</b>", "role": "", "date_of_birth": "1990-01-01"}],
        referrer_name="", referral_source="ZZ", concern="", consent_answer="refused", referrer_email="jo@",
        received_at="31/02/2026T10:00")
    before = counts()
    response = client.post(NEW, post)
    assert response.status_code == 400
    assert counts() == before
    errors = {name: [str(e) for e in errors] for name, errors in response.context["form"].errors.items()}
    assert errors == {
        "received_at": ["Date received must be a real date"],
        "referrer_name": [rules.REFERRER_NAME.missing],
        "referrer_email": [rules.EMAIL_INVALID],
        "referral_source": [rules.REFERRAL_SOURCE.invalid],
        "concern": ["Enter the concern"],
        "consent_detail": [rules.CONSENT_DETAIL_NEEDED],
    }
    children = [{name: [str(e) for e in errors] for name, errors in form.errors.items()}
                for form in response.context["formset"].forms]
    assert children == [
        {"first_name": [rules.FIRST_NAME.missing], "date_of_birth": [rules.BORN_IN_FUTURE],
         "postcode": [rules.POSTCODE_INVALID]},
        {"date_of_birth": ["Date of birth must be a real date"]},
    ]
    adults = [{name: [str(e) for e in errors] for name, errors in form.errors.items()}
              for form in response.context["adults"].forms]
    assert adults == [{"role": [rules.ADULT_ROLE.required_message], "last_name": [MARKUP_MESSAGE]}]
    html = response.content.decode()
    assert html.count('govuk-error-summary__list"') == 1
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)[1]
    assert summary.count("<li>") == 12, summary
