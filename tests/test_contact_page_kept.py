"""The contact page is kept drawn under the versions of everything it shows (contacts.views.contact_detail): opened
again it reads none of it, yet each view is checked and audited, and any change shows at once, to everyone.

Each change is committed, as in service (the versions rise when it commits): django_capture_on_commit_callbacks."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts import services
from contacts.actions import ContactAction
from contacts.models import ContactSubject, Person
from contacts.tests.factories import make_contact
from mash.audit import audit_record
from mash.models import AuditEvent
from retention.services import hold_place

pytestmark = pytest.mark.django_db

# What drawing the page reads, and a kept page does not: its screening, ratings, timeline and who may match.
DRAWING = ('"contacts_rating"', '"contacts_screening"', 'FROM "mash_auditevent"', '"surname_sound"')


@pytest.fixture
def kept(settings, django_capture_on_commit_callbacks):
    settings.POLL_REGION_CACHE_SECONDS = 90

    def committed(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return committed


def content(client, contact) -> str:
    response = client.get(contact.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode().split('<main', 1)[1].split("</main>", 1)[0]


def drawn(client, contact) -> list[str]:
    """The queries a view of the page ran that only drawing it would."""
    with CaptureQueriesContext(connection) as queries:
        content(client, contact)
    return [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in DRAWING)]


def test_a_kept_page_reads_nothing_it_shows_but_every_view_is_checked_and_audited(personas, client_for, kept):
    contact = kept(make_contact, personas.screener)
    manager = client_for(personas.manager)
    first = content(manager, contact)
    assert drawn(manager, contact) == []
    assert content(manager, contact) == first
    # A change elsewhere (another family's contact and its people) leaves it kept.
    other = kept(services.contact_create, actor=personas.screener, received_at=timezone.now(), channel="phone",
                 referrer_name="A Referrer", referral_source="2A", concern="Another family.", consent_answer="given",
                 children=[services.SubjectInput(first_name="Zed", last_name="Other", date_of_birth=date(2012, 6, 7))])
    kept(services.contact_assign, actor=personas.manager, contact=other, screener=personas.screener2)
    assert drawn(manager, contact) == []
    views = AuditEvent.objects.filter(action=ContactAction.CONTACT_VIEWED, target_id=str(contact.pk))
    assert views.count() == 4  # each view, kept or drawn
    # Access first: restricted (the manager granted, the screener not), the screener's kept page is not served.
    screener = client_for(personas.screener)
    content(screener, contact)
    kept(services.contact_restrict, actor=personas.manager, contact=contact, reason="A staff member's family.",
         users=[])
    assert screener.get(contact.get_absolute_url()).status_code == 404
    assert views.filter(actor=personas.screener).count() == 1


def test_every_change_to_what_the_page_shows_draws_it_again(personas, client_for, kept):
    contact = kept(make_contact, personas.screener)
    child = contact.subjects.get().person
    manager = client_for(personas.manager)
    page = content(manager, contact)
    assert "Nobody has taken this contact yet." in page

    # The contact itself (its owner)
    kept(services.contact_assign, actor=personas.manager, contact=contact, screener=personas.screener)
    assert "Sam Screener has this contact" in content(manager, contact)
    # A step on its timeline that changes no row of it
    kept(audit_record, actor=personas.manager, action=ContactAction.CONTACT_BREAK_GLASS, target=contact,
         changes={"reason": "Checked out of hours."})
    assert "Checked out of hours." in content(manager, contact)
    # A person on it
    child.first_name = "Avery"
    kept(child.save)
    assert "Avery Test" in content(manager, contact)
    # Another contact about the child, earlier (history at a glance)
    earlier = kept(make_contact, personas.screener, received_at=timezone.now() - timedelta(days=3))
    kept(ContactSubject.objects.create, contact=earlier, person=child, role="subject_child")
    assert earlier.reference in content(manager, contact).split(f'data-testid="history-{child.pk}"')[1]
    # Someone else who may be the child: the same name and date of birth; then the same NHS number only
    assert 'data-testid="candidates"' not in content(manager, contact)
    twin = kept(Person.objects.create, first_name="Avery", last_name="Test", date_of_birth=child.date_of_birth)
    assert f'href="{twin.get_absolute_url()}"' in content(manager, contact)
    child.nhs_number = "9434765919"
    kept(child.save)
    content(manager, contact)
    same = kept(Person.objects.create, first_name="Avery", last_name="Test", date_of_birth=date(2011, 5, 6),
                nhs_number="9434765919")
    assert "Same NHS number" in content(manager, contact)
    assert f'href="{same.get_absolute_url()}"' in content(manager, contact)
    # A legal hold on the child (retention's panel, for managers)
    assert "Reason for the hold: Court proceedings." not in content(manager, contact)
    kept(hold_place, actor=personas.manager, reason="Court proceedings.", person=child)
    assert "Court proceedings." in content(manager, contact)


def test_who_is_looking_and_the_clock(personas, client_for, kept):
    contact = kept(make_contact, personas.screener)
    child = contact.subjects.get().person
    hidden = kept(Person.objects.create, first_name=child.first_name, last_name="Test",
                  date_of_birth=child.date_of_birth)
    kept(services.person_restrict, actor=personas.manager, person=hidden, reason="Protected address.", users=[])
    screener = client_for(personas.screener)
    assert 'data-testid="restricted-may-match"' in content(screener, contact)
    # Granted the restricted person (the record itself unchanged): the screener's page shows them at once.
    kept(services.person_restrict, actor=personas.manager, person=hidden, reason="Protected address.",
         users=[personas.screener])
    page = content(screener, contact)
    assert 'data-testid="restricted-may-match"' not in page and f'href="{hidden.get_absolute_url()}"' in page
    # The clock counts minutes: kept for the minute it was drawn in, never longer.
    left = page.split('data-testid="time-left"')[1].split("</p>")[0]
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        later = content(screener, contact).split('data-testid="time-left"')[1].split("</p>")[0]
    assert later != left
