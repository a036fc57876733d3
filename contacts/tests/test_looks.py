"""Every look at a child is on record (issue 13): the work queues and search results record each child they show,
the screening and decision pages record a view, and a manager sees "who has looked at this child"."""

import pytest

from contacts import services
from contacts.models import Person
from contacts.tests.factories import make_contact
from mash.models import AuditEvent

pytestmark = pytest.mark.django_db


def looks(target, action):
    return AuditEvent.objects.filter(action=action, target_id=str(target.pk))


def test_a_queue_records_each_contact_it_shows(personas, client_for):
    shown = [make_contact(personas.screener) for _ in range(3)]
    client = client_for(personas.screener2)
    assert client.get("/contacts/").status_code == 200
    for contact in shown:
        event = looks(contact, "contact.listed").get()
        assert event.actor == personas.screener2 and event.changes == {"queue": "Awaiting screening"}


def test_my_work_records_what_it_shows(personas, client_for):
    contact = make_contact(personas.screener)
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)
    client_for(personas.screener).get("/contacts/mine/")
    assert looks(contact, "contact.listed").filter(changes__queue="My work").count() == 1


def test_search_results_record_each_child_found(personas, client_for):
    contact = make_contact(personas.screener, children=2)
    client_for(personas.manager).get("/contacts/search/", {"q": "Test"})
    for subject in contact.subjects.all():
        assert looks(subject.person, "person.found").get().actor == personas.manager


def test_the_screening_and_decision_pages_record_a_view(personas, client_for):
    contact = make_contact(personas.screener)
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)
    assert client_for(personas.screener).get(f"/contacts/{contact.reference}/screen/").status_code == 200
    assert looks(contact, "contact.viewed").get().changes == {"page": "screening"}


# The permission matrix's pages that show a child, each opened by someone allowed: each writes an audit row.
CHILD_PAGES = ["/contacts/", "/contacts/manage/", "/contacts/mine/", "/contacts/search/?q=Test", "contact",
               "person", "chronology", "chronology_print", "consent_person"]


@pytest.mark.parametrize("page", CHILD_PAGES)
def test_every_page_that_shows_a_child_writes_an_audit_row(personas, client_for, page):
    contact = make_contact(personas.manager)
    services.contact_assign(actor=personas.manager, contact=contact, screener=personas.manager)
    if page == "/contacts/manage/":  # the approvals queue shows contacts awaiting a decision
        from tests.test_permission_matrix import propose

        propose(contact, personas.manager)
    person = contact.subjects.first().person
    path = {"contact": contact.get_absolute_url(), "person": f"/contacts/people/{person.pk}/",
            "chronology": f"/contacts/people/{person.pk}/chronology/",
            "chronology_print": f"/contacts/people/{person.pk}/chronology/print/",
            "consent_person": f"/consent/people/{person.pk}/"}.get(page, page)
    client = client_for(personas.manager)
    before = AuditEvent.objects.filter(actor=personas.manager).count()
    assert client.get(path).status_code == 200
    assert AuditEvent.objects.filter(actor=personas.manager).count() > before, path


def test_a_manager_sees_who_has_looked_at_this_child(personas, client_for):
    contact = make_contact(personas.screener)
    person: Person = contact.subjects.first().person
    client_for(personas.screener2).get("/contacts/")
    client_for(personas.screener2).get(contact.get_absolute_url())
    client_for(personas.screener).get(f"/contacts/people/{person.pk}/")
    other = make_contact(personas.screener)  # someone else's record: not in this child's list
    client_for(personas.screener).get(other.get_absolute_url())
    manager = client_for(personas.manager)
    link = f'href="/contacts/people/{person.pk}/looked-at/"'
    assert link in manager.get(f"/contacts/people/{person.pk}/").content.decode()
    page = manager.get(f"/contacts/people/{person.pk}/looked-at/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sol Second (screener2)" in html and "Sam Screener (screener)" in html
    assert "Contact shown in a work queue (Awaiting screening)" in html and "Contact viewed" in html
    assert "Person record viewed" in html
    rows = html.split('data-testid="looks"')[1].count('<tr class="govuk-table__row">') - 1
    assert rows == 4  # the queue, the contact, the person page, the manager's own look at the person page
    assert looks(person, "looks.viewed").get().actor == personas.manager
    assert client_for(personas.screener).get(f"/contacts/people/{person.pk}/looked-at/").status_code == 403
    assert client_for(personas.police_partner).get(f"/contacts/people/{person.pk}/looked-at/").status_code == 404
