"""Restricted people (issue 13): a manager restricts a person (a member of staff's child) with a reason and names
who may see them (django-guardian's direct-foreign-key grant, PersonUserObjectPermission). For everyone else the
person, and every contact naming them, is absent from every list, search, count, chronology and export through the
one selector filter (contacts.selectors.visible_through, person_visible); a match or a search on them says only
"a restricted record may match: ask a manager"."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from contacts import matching, search, selectors, services
from contacts.models import Contact, Person, PersonUserObjectPermission
from contacts.services import SubjectInput
from contacts.tests.factories import contact_post, make_contact
from mash.errors import DomainError
from mash.models import AuditEvent, Notification

pytestmark = pytest.mark.django_db

MESSAGE = "A restricted record may match: ask a manager"


def contact_naming(actor, *people, when=None):
    return services.contact_create(
        actor=actor, received_at=when or timezone.now() - timedelta(hours=2), channel="phone",
        referrer_name="A Referrer", referral_source="2A", concern="A concern.", consent_answer="given",
        children=[SubjectInput(first_name=p.first_name, last_name=p.last_name, person_id=p.pk) for p in people])


@pytest.fixture
def family(personas):
    """Zara Quill (restricted, granted to the screener) and her brother Finn, on one contact; Finn alone on a later
    one."""
    first = services.contact_create(
        actor=personas.screener, received_at=timezone.now() - timedelta(days=3), channel="phone",
        referrer_name="A Referrer", referral_source="2A", concern="A concern.", consent_answer="given",
        children=[SubjectInput(first_name="Zara", last_name="Quill", date_of_birth=date(2016, 5, 4),
                               postcode="AN1 1AA"),
                  SubjectInput(first_name="Finn", last_name="Quill", date_of_birth=date(2014, 2, 3))])
    zara = Person.objects.get(first_name="Zara")
    finn = Person.objects.get(first_name="Finn")
    later = contact_naming(personas.screener, finn, when=timezone.now() - timedelta(hours=1))
    services.person_restrict(actor=personas.manager, person=zara, reason="A member of staff's child.",
                             users=[personas.screener])
    return {"zara": zara, "finn": finn, "first": first, "later": later}


def test_a_manager_restricts_a_person_with_a_reason_audited(personas, client_for):
    person = make_contact(personas.screener).subjects.get().person
    client = client_for(personas.manager)
    page = client.get(f"/contacts/people/{person.pk}/restrict/")
    assert page.status_code == 200 and "Sam Screener" in page.content.decode()
    assert client.post(f"/contacts/people/{person.pk}/restrict/", {"reason": ""}).status_code == 400
    person.refresh_from_db()
    assert not person.restricted and not PersonUserObjectPermission.objects.exists()  # nothing written
    response = client.post(f"/contacts/people/{person.pk}/restrict/",
                           {"reason": "Staff member's child.", "users": [personas.screener.pk]})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.restricted and person.restricted_reason == "Staff member's child."
    assert set(PersonUserObjectPermission.objects.filter(content_object=person).values_list("user", flat=True)) == {
        personas.manager.pk, personas.screener.pk}
    event = AuditEvent.objects.get(action="person.restricted")
    assert event.actor == personas.manager and event.target_id == str(person.pk)
    assert event.changes["granted"] == sorted([personas.manager.pk, personas.screener.pk])
    assert personas.screener.has_perm("contacts.view_person", person)  # guardian's own check agrees
    assert not personas.screener2.has_perm("contacts.view_person", person)
    assert client.get(f"/contacts/people/{person.pk}/").content.decode().count("Restricted") >= 1


def test_only_a_manager_restricts_a_person(personas, client_for):
    person = make_contact(personas.screener).subjects.get().person
    with pytest.raises(DomainError):
        services.person_restrict(actor=personas.screener, person=person, reason="r", users=[])
    assert client_for(personas.screener).get(f"/contacts/people/{person.pk}/restrict/").status_code == 403
    person.refresh_from_db()
    assert not person.restricted


def test_a_restricted_person_and_their_contacts_are_absent_for_anyone_not_granted(personas, client_for, family):
    zara, finn, first, later = family["zara"], family["finn"], family["first"], family["later"]
    other = client_for(personas.screener2)
    for path in (f"/contacts/people/{zara.pk}/", f"/contacts/people/{zara.pk}/chronology/",
                 f"/contacts/people/{zara.pk}/returns/", f"/consent/people/{zara.pk}/",
                 first.get_absolute_url(), f"/contacts/{first.reference}/screen/"):
        assert other.get(path).status_code == 404, path
    queue = other.get("/contacts/").content.decode()
    assert first.reference not in queue and later.reference in queue and "Zara" not in queue
    # Finn is seen, but not the contact naming his restricted sister: not in his page, his chronology, his history
    finn_page = other.get(f"/contacts/people/{finn.pk}/").content.decode()
    assert first.reference not in finn_page and later.reference in finn_page
    assert first.reference not in other.get(f"/contacts/people/{finn.pk}/chronology/").content.decode()
    assert selectors.history_at_a_glance(later, user=personas.screener2)[0].previous == []
    assert [r.contact for r in selectors.history_at_a_glance(later, user=personas.screener)[0].previous] == [first]
    later_page = other.get(later.get_absolute_url()).content.decode()
    assert first.reference not in later_page and "Zara" not in later_page
    assert set(selectors.contacts_visible_to(personas.screener2)) == {later}
    assert set(selectors.people_visible_to(personas.screener2)) == {finn}
    # ...and present for those named
    granted = client_for(personas.screener)
    assert granted.get(f"/contacts/people/{zara.pk}/").status_code == 200
    assert first.reference in granted.get("/contacts/").content.decode()
    assert set(selectors.contacts_visible_to(personas.screener)) == {first, later}


def test_a_search_on_a_restricted_person_says_only_ask_a_manager(personas, client_for, family):
    response = client_for(personas.screener2).get("/contacts/search/", {"q": "Zara Quill"})
    html = response.content.decode()
    assert response.status_code == 200 and MESSAGE in html
    assert "Zara" not in html.replace("Zara Quill", "")  # only the words typed, echoed back
    assert family["zara"].get_absolute_url() not in html and "2016" not in html
    assert [r.person for r in response.context["results"].results] == []
    # A search that does not reach her says nothing of it; one by her brother finds him, and her as restricted
    assert not search.people_search(user=personas.screener2, text="Nobody Else").restricted
    finn = search.people_search(user=personas.screener2, text="Finn Quill")
    assert [r.person for r in finn.results] == [family["finn"]] and not finn.restricted
    # Granted: found as usual, no warning
    granted = search.people_search(user=personas.screener, text="Zara Quill")
    assert [r.person for r in granted.results] == [family["zara"]] and not granted.restricted


def test_a_match_on_a_restricted_person_when_recording_says_only_ask_a_manager(personas, client_for, family):
    found = matching.find_candidates(user=personas.screener2, first_name="Zara", last_name="Quill",
                                     date_of_birth=date(2016, 5, 4))
    assert list(found) == [] and found.restricted
    shown = matching.find_candidates(user=personas.screener, first_name="Zara", last_name="Quill",
                                     date_of_birth=date(2016, 5, 4))
    assert [c.person for c in shown] == [family["zara"]] and not shown.restricted
    client = client_for(personas.screener2)
    post = contact_post(children=[{"first_name": "Zara", "last_name": "Quill", "date_of_birth": "2016-05-04"}])
    before = Contact.objects.count()
    first = client.post("/contacts/new/", post)
    html = first.content.decode()
    assert first.status_code == 400 and MESSAGE in html and Contact.objects.count() == before
    assert f'-match-{family["zara"].pk}"' not in html and "AN1 1AA" not in html
    # Told, the screener records a new person (a manager can merge them later)
    assert client.post("/contacts/new/", {**post, "children-0-match": "new"}).status_code == 302
    assert Contact.objects.count() == before + 1


def test_break_glass_on_a_contact_naming_a_restricted_person_opens_both_audited_and_tells_the_owner(
        personas, client_for, family):
    from django.contrib.auth.models import Group

    from agencies.models import User
    from mash.access import Role

    boss = User.objects.create_user(username="manager2", password="x" * 20, agency=personas.social_care,
                                    first_name="Max", last_name="Other", email="m2@example.gov.uk")
    boss.groups.add(Group.objects.get(name=Role.MANAGER.value))
    client = client_for(boss)
    first, zara = family["first"], family["zara"]
    assert client.get(first.get_absolute_url()).status_code == 404
    response = client.post("/contacts/break-glass/", {"reference": first.reference, "reason": "Police at the door."})
    assert response.status_code == 302
    assert client.get(first.get_absolute_url()).status_code == 200
    assert client.get(f"/contacts/people/{zara.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="contact.break_glass")
    assert event.actor == boss and event.changes == {"reason": "Police at the door.", "people": [zara.pk]}
    told = Notification.objects.get(kind="break_glass")
    assert told.recipient == personas.manager and first.reference in told.subject
    # A contact naming nobody restricted is not a restricted record
    assert client.post("/contacts/break-glass/", {"reference": family["later"].reference,
                                                  "reason": "r"}).status_code == 400


def test_the_hidden_set_is_the_rule_written_with_querysets(personas, family):
    """`selectors.hidden_contacts` is one hand-written SQL subquery (cheap to compile and plan on every list): it hides
    exactly what the rule says, written here with the ORM: the restricted contacts not granted to the user, and the
    contacts naming a restricted person not granted to them, each grant counted only for its own user and record."""
    from contacts.models import ContactUserObjectPermission

    zara, finn, first, later = family["zara"], family["finn"], family["first"], family["later"]
    alone = contact_naming(personas.screener, zara)
    services.contact_restrict(actor=personas.manager, contact=later, reason="A member of staff's family.",
                              users=[personas.screener2])
    services.contact_restrict(actor=personas.manager, contact=alone, reason="A member of staff's family.",
                              users=[personas.screener])

    def by_the_rule(user):
        granted_contacts = ContactUserObjectPermission.objects.filter(
            user=user, permission__codename="view_contact").values("content_object_id")
        granted_people = PersonUserObjectPermission.objects.filter(
            user=user, permission__codename="view_person").values("content_object_id")
        hidden_people = Person.objects.filter(restricted=True).exclude(pk__in=granted_people)
        return set(Contact.objects.filter(restricted=True).exclude(pk__in=granted_contacts)) | set(
            Contact.objects.filter(subjects__person__in=hidden_people))

    # The restricting manager is among those granted each record they restrict.
    expected = {personas.screener: {later}, personas.screener2: {first, alone}, personas.manager: set()}
    for user, hidden in expected.items():
        assert set(Contact.objects.filter(pk__in=selectors.hidden_contacts(user))) == by_the_rule(user) == hidden
        assert set(selectors.contacts_visible_to(user)) == {first, later, alone} - hidden
    assert finn.pk  # Finn himself is not restricted: only the contact naming his sister is hidden with her
