"""Restricted records (issue 13): a manager restricts a contact with a reason and names who may see it
(django-guardian, a direct-foreign-key grant); for everyone else it is absent from every list, page, search result
and count, through the one selector filter (contacts.selectors.contacts_visible_to)."""

import pytest

from contacts import selectors, services
from contacts.models import ContactUserObjectPermission
from contacts.tests.factories import make_contact
from mash.errors import DomainError
from mash.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(personas):
    contact = make_contact(personas.screener, referrer_name="A Colleague")
    services.contact_restrict(actor=personas.manager, contact=contact, reason="A member of staff's family.",
                              users=[personas.screener])
    return contact


def test_a_manager_restricts_with_a_reason_audited(personas, client_for):
    contact = make_contact(personas.screener)
    client = client_for(personas.manager)
    page = client.get(f"/contacts/{contact.reference}/restrict/")
    assert page.status_code == 200 and "Sam Screener" in page.content.decode()
    assert client.post(f"/contacts/{contact.reference}/restrict/", {"reason": ""}).status_code == 400
    response = client.post(f"/contacts/{contact.reference}/restrict/",
                           {"reason": "Staff member's family.", "users": [personas.screener.pk]})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.restricted and contact.restricted_reason == "Staff member's family."
    assert set(ContactUserObjectPermission.objects.filter(content_object=contact).values_list("user", flat=True)) == {
        personas.manager.pk, personas.screener.pk}
    event = AuditEvent.objects.get(action="contact.restricted")
    assert event.actor == personas.manager and event.changes["granted"] == sorted(
        [personas.manager.pk, personas.screener.pk])
    assert personas.screener.has_perm("contacts.view_contact", contact)  # guardian's own check agrees
    assert not personas.screener2.has_perm("contacts.view_contact", contact)


def test_only_a_manager_restricts(personas, client_for):
    contact = make_contact(personas.screener)
    with pytest.raises(DomainError):
        services.contact_restrict(actor=personas.screener, contact=contact, reason="r", users=[])
    assert client_for(personas.screener).get(f"/contacts/{contact.reference}/restrict/").status_code == 403


def test_a_restricted_contact_is_absent_for_anyone_not_granted(personas, client_for, restricted):
    other = make_contact(personas.screener)
    child = restricted.subjects.get().person
    outsider = client_for(personas.screener2)
    assert outsider.get(restricted.get_absolute_url()).status_code == 404
    assert outsider.get(f"/contacts/{restricted.reference}/screen/").status_code == 404
    queue = outsider.get("/contacts/").content.decode()
    assert restricted.reference not in queue and other.reference in queue and "1 contact<" in queue
    for q in (restricted.reference, "Test"):  # by its reference, by the child's name
        response = outsider.get("/contacts/search/", {"q": q})
        results = response.context["results"].results if response.context["results"] else []
        shown = {s.contact.reference for r in results for s in [*r.open_contacts, *r.closed_contacts]}
        assert restricted.reference not in shown, q
        assert f'href="/contacts/{restricted.reference}/"' not in response.content.decode(), q
    found = client_for(personas.screener).get("/contacts/search/", {"q": "Test"})
    assert restricted.reference in {s.contact.reference for r in found.context["results"].results
                                    for s in r.open_contacts}
    outsider = client_for(personas.screener2)
    # the match and history counts on another contact's page leave it out too
    page = outsider.get(other.get_absolute_url()).content.decode()
    assert restricted.reference not in page
    assert restricted.reference not in outsider.get(f"/contacts/people/{child.pk}/").content.decode()
    assert list(selectors.contacts_visible_to(personas.screener2)) == [other]
    # ...and present for those named
    granted = client_for(personas.screener)
    assert granted.get(restricted.get_absolute_url()).status_code == 200
    assert restricted.reference in granted.get("/contacts/").content.decode()
    assert set(selectors.contacts_visible_to(personas.screener)) == {restricted, other}
    # a manager not named does not see it either
    assert set(selectors.contacts_visible_to(personas.manager)) == {restricted, other}  # the one who restricted it


def test_history_counts_leave_out_a_restricted_contact(personas, client_for, restricted):
    from django.utils import timezone

    child = restricted.subjects.get().person
    later = make_contact(personas.screener, received_at=timezone.now())
    from contacts.models import ContactSubject

    ContactSubject.objects.filter(contact=later).update(person=child)
    later.refresh_from_db()
    hidden = selectors.history_at_a_glance(later, user=personas.screener2)[0].previous
    shown = selectors.history_at_a_glance(later, user=personas.screener)[0].previous
    assert [r.contact for r in hidden] == [] and [r.contact for r in shown] == [restricted]
    assert restricted.reference not in client_for(personas.screener2).get(later.get_absolute_url()).content.decode()


def test_break_glass_is_audited_and_tells_the_owner(personas, client_for, restricted):
    from agencies.models import User
    from mash.access import Role
    from mash.models import Notification

    other_manager = User.objects.create_user(username="manager2", password="x" * 20, agency=personas.social_care,
                                             first_name="Max", last_name="Other", email="m2@example.gov.uk")
    from django.contrib.auth.models import Group

    other_manager.groups.add(Group.objects.get(name=Role.MANAGER.value))
    client = client_for(other_manager)
    assert client.get(restricted.get_absolute_url()).status_code == 404  # not granted
    assert client.post("/contacts/break-glass/", {"reference": restricted.reference, "reason": ""}).status_code == 400
    assert client.post("/contacts/break-glass/", {"reference": "C-1999-000001", "reason": "r"}).status_code == 400
    response = client.post("/contacts/break-glass/", {"reference": restricted.reference.lower(),
                                                      "reason": "Police at the door, duty screener off sick."})
    assert response.status_code == 302 and response["Location"] == restricted.get_absolute_url()
    assert client.get(restricted.get_absolute_url()).status_code == 200
    event = AuditEvent.objects.get(action="contact.break_glass")
    assert event.actor == other_manager and event.changes == {"reason": "Police at the door, duty screener off sick."}
    told = Notification.objects.get(kind="break_glass")
    assert told.recipient == personas.manager and restricted.reference in told.subject
    assert client_for(personas.screener).get("/contacts/break-glass/").status_code == 403
