"""Builders for tests: a valid contact form post, and contacts made through the real service."""

from datetime import date, timedelta

from django.utils import timezone

from contacts.services import ChildInput, contact_create


def contact_post(children=None, **overrides) -> dict:
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
        "referral_source": "2A",
        "concern": "Ava arrived at school with a bruise on her cheek and said she was scared to go home.",
        "children-TOTAL_FORMS": str(len(children)),
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "1",
        "children-MAX_NUM_FORMS": "12",
    }
    for i, child in enumerate(children):
        for key in ["first_name", "last_name", "date_of_birth", "expected_date_of_birth", "address", "postcode"]:
            data[f"children-{i}-{key}"] = child.get(key, "")
    data.update(overrides)
    return data


def make_contact(actor, *, received_at=None, children=1, **kwargs):
    received_at = received_at or timezone.now() - timedelta(hours=1)
    kids = [
        ChildInput(first_name=f"Child{i}", last_name="Test", date_of_birth=date(2018, 1, 1 + i))
        for i in range(children)
    ]
    defaults = {
        "channel": "phone", "referrer_name": "A Referrer", "referral_source": "2A",
        "concern": "A concern about the child.",
    }
    defaults.update(kwargs)
    return contact_create(actor=actor, received_at=received_at, children=kids, **defaults)
