"""Builders for tests: a valid contact form post, and contacts made through the real service."""

from datetime import date, timedelta

from django.utils import timezone

from contacts.services import SubjectInput, contact_create


def contact_post(children=None, adults=None, **overrides) -> dict:
    """A valid POST for the 'Record a contact' form; overrides replace fields."""
    received = timezone.localtime(timezone.now() - timedelta(hours=2))
    children = children if children is not None else [
        {"first_name": "Ava", "last_name": "Brown", "date_of_birth": "2019-04-02", "address": "1 High Street",
         "postcode": "an1 1aa"},
    ]
    data = {
        "received_at": received.strftime("%Y-%m-%dT%H:%M"),
        "channel": "phone",
        "referrer_name": "Jo Teacher",
        "referrer_role": "Designated safeguarding lead",
        "referrer_organisation": "Anytown Primary School",
        "referrer_email": "jo.teacher@anytown-primary.sch.uk",
        "referral_source": "2A",
        "concern": "Ava arrived at school with a bruise on her cheek and said she was scared to go home.",
        "consent_answer": "given",
        "children-TOTAL_FORMS": str(len(children)),
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "1",
        "children-MAX_NUM_FORMS": "12",
        "adults-TOTAL_FORMS": str(len(adults or [])),
        "adults-INITIAL_FORMS": "0",
        "adults-MIN_NUM_FORMS": "0",
        "adults-MAX_NUM_FORMS": "12",
    }
    keys = ["role", "first_name", "last_name", "date_of_birth", "expected_date_of_birth", "nhs_number", "address",
            "postcode", "match"]
    for prefix, people in (("children", children), ("adults", adults or [])):
        for i, person in enumerate(people):
            person = {"role": "subject_child" if prefix == "children" else "parent_carer", **person}
            for key in keys:
                data[f"{prefix}-{i}-{key}"] = person.get(key, "")
    data.update(overrides)
    return data


def make_contact(actor, *, received_at=None, children=1, **kwargs):
    received_at = received_at or timezone.now() - timedelta(hours=1)
    kids = [
        SubjectInput(first_name=f"Child{i}", last_name="Test", date_of_birth=date(2018, 1, 1 + i))
        for i in range(children)
    ]
    defaults = {
        "channel": "phone", "referrer_name": "A Referrer", "referral_source": "2A",
        "concern": "A concern about the child.", "consent_answer": "given",
    }
    defaults.update(kwargs)
    return contact_create(actor=actor, received_at=received_at, children=kids, **defaults)
