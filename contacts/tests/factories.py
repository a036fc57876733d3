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
    return with_date_boxes(data)


DATE_FIELDS = ("received_at", "date_of_birth", "expected_date_of_birth", "obtained_at", "withdrawn_at",
               "family_told_on")
DATETIME_FIELDS = ("received_at", "obtained_at", "withdrawn_at")


def date_boxes(name: str, value: str) -> dict:
    """A date as the GOV.UK date input posts it: "2019-04-02" -> name-day 2, name-month 4, name-year 2019; a date
    and time ("2026-03-01T14:30") adds name-hour and name-minute; "31/02/2020" is day/month/year as typed; "" is
    every box left empty."""
    value = value or ""
    date_part, _, time_part = value.partition("T")
    if "/" in date_part:
        day, month, year = (date_part.split("/") + ["", "", ""])[:3]
    elif date_part:
        year, month, day = (date_part.split("-") + ["", "", ""])[:3]
    else:
        day = month = year = ""
    boxes = {f"{name}-day": day.lstrip("0") or day, f"{name}-month": month.lstrip("0") or month,
             f"{name}-year": year}
    if name.rsplit("-", 1)[-1] in DATETIME_FIELDS:
        hour, _, minute = time_part.partition(":")
        boxes.update({f"{name}-hour": hour, f"{name}-minute": minute})
    return boxes


def with_date_boxes(data: dict) -> dict:
    """Every date field of a post written as one ISO string, posted as the GOV.UK date input's boxes."""
    out = {}
    for key, value in data.items():
        if key.rsplit("-", 1)[-1] in DATE_FIELDS and isinstance(value, str):
            out.update(date_boxes(key, value))
        else:
            out[key] = value
    return out


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
