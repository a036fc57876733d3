"""A closed enquiry on the contact page says who closed it, when and why (not who opened it and why it opened),
whether a manager closed it or the outcome did; the page is kept drawn under versions, and closing draws it again."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django.utils.dateformat import format

from agencies.models import User
from conftest import PASSWORD
from contacts import services as contact_services
from enquiries import services
from mash.access import Role

from .helpers import open_enquiry, world

pytestmark = pytest.mark.django_db


def page(user, contact) -> str:
    client = Client()
    client.force_login(user)
    return client.get(contact.get_absolute_url()).content.decode()


def said(html, testid) -> str:
    match = re.search(rf'data-testid="{testid}">(.*?)</p>', html, re.S)
    assert match, testid
    return " ".join(match.group(1).split())


def test_a_closed_enquiry_says_who_closed_it_when_and_why(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w, agencies=(w.police,))
    other = User.objects.create_user(username="manager2", password=PASSWORD, agency=personas.social_care,
                                     first_name="Meg", last_name="Other")
    other.groups.add(Group.objects.get(name=Role.MANAGER.value))
    html = page(personas.manager, w.contact)  # drawn and kept while open
    assert said(html, f"enquiry-{enquiry.pk}-opened").startswith(f"Opened by {enquiry.opened_by}")
    services.enquiry_close(actor=other, enquiry=enquiry, reason="The school explained the bruise.")
    enquiry.refresh_from_db()
    html = page(personas.manager, w.contact)
    assert f"Closed by {other}" in html and f"Closed by {personas.manager}" not in html
    assert "The school explained the bruise." in html
    closed = said(html, f"enquiry-{enquiry.pk}-closed")
    assert closed.startswith(f"Closed by {other}, ")
    assert closed.endswith(": The school explained the bruise.")
    assert format(timezone.localtime(enquiry.closed_at), "j F Y, H:i") in closed
    assert "Risk unknown." not in closed
    assert said(html, f"enquiry-{enquiry.pk}-opened").endswith(": Risk unknown.")


def test_an_enquiry_closed_by_the_outcome_says_so(personas):
    w = world(personas)
    enquiry = open_enquiry(personas, w, agencies=(w.police,))
    contact_services.outcome_decide(actor=personas.manager, contact=w.contact, kind="nfa", rationale="No role.",
                                    summary="Nothing further.")
    closed = said(page(personas.manager, w.contact), f"enquiry-{enquiry.pk}-closed")
    assert closed.startswith(f"Closed by {personas.manager}, ") and closed.endswith(
        ": Outcome decided: No further action")
