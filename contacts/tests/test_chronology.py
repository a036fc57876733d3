"""A child's chronology: every contact, rating, outcome and significant event across the child's contacts, newest
first and each on its own date; filters; a printable view; the people linked to the child; every view audited;
a pinned number of queries; other apps' events through the registry."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Team
from contacts import chronology, services
from contacts.models import Person
from contacts.services import SubjectInput
from mash.models import AuditEvent

from .test_screening_flow import screen

pytestmark = pytest.mark.django_db


def events(html):
    """(kind, reference, date) of each event row, in page order."""
    return [(kind, ref, at[:10]) for kind, ref, at in
            re.findall(r'data-testid="event" data-kind="([^"]*)" data-reference="([^"]*)" data-at="([^"]*)"', html)]


def family_contact(actor, *, child=None, received_at=None, concern="A concern.", adults=()):
    kid = (SubjectInput(first_name="x", last_name="y", person_id=child.pk) if child else
           SubjectInput(first_name="Ava", last_name="Brown", date_of_birth=date(2019, 4, 2)))
    return services.contact_create(
        actor=actor, received_at=received_at or timezone.now() - timedelta(hours=1), channel="phone",
        referrer_name="Jo Teacher", referrer_organisation="Meadowbank Primary", referral_source="2A",
        concern=concern, consent_answer="given", children=[kid, SubjectInput(
            first_name="Leo", last_name="Brown", role="sibling", date_of_birth=date(2022, 1, 5))] if not child
        else [kid], adults=list(adults),
    )


@pytest.fixture
def history(personas):
    """Ava's first contact 60 days ago, screened, approved and closed then; a second contact today."""
    team = Team.objects.create(agency=personas.social_care, name="Early help hub", receives_outcomes=True)
    then = timezone.now() - timedelta(days=60)
    with time_machine.travel(then, tick=False):
        first = family_contact(personas.screener, received_at=then - timedelta(hours=1),
                               adults=[SubjectInput(first_name="Kelly", last_name="Brown", role="parent_carer"),
                                       SubjectInput(first_name="Dean", last_name="Walsh", role="source_of_harm")])
    with time_machine.travel(then + timedelta(hours=1), tick=False):
        screen(first, personas.screener, brag="green", n=2)
    with time_machine.travel(then + timedelta(hours=2), tick=False):
        services.rating_decide(actor=personas.manager, contact=first, brag="green")
    with time_machine.travel(then + timedelta(days=1), tick=False):
        services.outcome_decide(actor=personas.manager, contact=first, kind="early_help", rationale="Support.",
                                summary="Early help.", receiving_team=team)
    ava = first.subjects.get(person__first_name="Ava").person
    second = family_contact(personas.screener, child=ava, concern="Ava has a bruise on her cheek.")
    screen(second, personas.screener, brag="red", n=4)
    return ava, first, second, then


def test_every_event_newest_first_each_on_its_own_date(personas, client_for, history):
    ava, first, second, then = history
    html = client_for(personas.screener).get(f"/contacts/people/{ava.pk}/chronology/").content.decode()
    def day(at):  # each event on the date it happened, whatever the time of day the test runs at
        return timezone.localtime(at).date().isoformat()

    assert events(html) == [
        ("rating", second.reference, timezone.localdate().isoformat()),
        ("contact", second.reference, day(second.received_at)),
        ("outcome", first.reference, day(then + timedelta(days=1))),
        ("rating", first.reference, day(then + timedelta(hours=2))),
        ("rating", first.reference, day(then + timedelta(hours=1))),
        ("contact", first.reference, day(then - timedelta(hours=1))),
    ]
    assert "Outcome: Early help" in html and "Rating approved: Green" in html and "Rating proposed: Red" in html


def test_a_later_contact_is_listed_only_on_its_own_dates(personas, client_for, history):
    ava, first, second, then = history
    client = client_for(personas.screener)
    ten_days_ago = timezone.localdate() - timedelta(days=10)
    up_to = {"date_to-day": ten_days_ago.day, "date_to-month": ten_days_ago.month, "date_to-year": ten_days_ago.year}
    html = client.get(f"/contacts/people/{ava.pk}/chronology/", up_to).content.decode()
    assert {ref for _, ref, _ in events(html)} == {first.reference}
    yesterday = timezone.localdate() - timedelta(days=1)
    since = {"date_from-day": yesterday.day, "date_from-month": yesterday.month, "date_from-year": yesterday.year}
    html = client.get(f"/contacts/people/{ava.pk}/chronology/", since).content.decode()
    assert {ref for _, ref, _ in events(html)} == {second.reference}
    # The first contact's own page never lists the later one as history either.
    page = client.get(first.get_absolute_url()).content.decode()
    assert second.reference not in page


def test_filter_by_kind_and_the_printable_view(personas, client_for, history):
    ava, first, second, then = history
    client = client_for(personas.manager)
    html = client.get(f"/contacts/people/{ava.pk}/chronology/?kinds=outcome&kinds=contact").content.decode()
    assert {kind for kind, _, _ in events(html)} == {"outcome", "contact"}
    printed = client.get(f"/contacts/people/{ava.pk}/chronology/print/?kinds=outcome").content.decode()
    assert [kind for kind, _, _ in events(printed)] == ["outcome"]
    assert "OFFICIAL-SENSITIVE" in printed and "Printed" in printed and "Mo Manager" in printed
    assert "Shown</dt><dd class=\"govuk-summary-list__value\">Outcomes" in printed


@pytest.mark.parametrize(("query", "message"), [
    ({"date_from-day": "31", "date_from-month": "2", "date_from-year": "2026"}, "The start date must be a real date"),
    ({"date_from-day": "1", "date_from-month": "", "date_from-year": "2026"}, "The start date must include a month"),
    ({"date_to-day": "x", "date_to-month": "2", "date_to-year": "2026"}, "The end date must be a real date"),
    ({"date_from-day": "2", "date_from-month": "2", "date_from-year": "2026", "date_to-day": "1",
      "date_to-month": "2", "date_to-year": "2026"}, "The end date must be the same as or after the start date"),
    ({"kinds": "gossip"}, "Select kinds of event from the list"),
])
def test_bad_filters_get_a_clear_message(personas, client_for, history, query, message):
    ava = history[0]
    response = client_for(personas.screener).get(f"/contacts/people/{ava.pk}/chronology/", query)
    html = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in html and message in html
    assert len(events(html)) == 6  # the chronology itself is still shown, unfiltered


def test_every_view_is_audited(personas, client_for, history):
    ava = history[0]
    client = client_for(personas.manager)
    client.get(f"/contacts/people/{ava.pk}/chronology/?kinds=rating")
    client.get(f"/contacts/people/{ava.pk}/chronology/print/")
    viewed = AuditEvent.objects.filter(action="chronology.viewed", target_id=str(ava.pk)).order_by("at", "id")
    assert [(e.actor, e.changes.get("printed")) for e in viewed] == [(personas.manager, False),
                                                                     (personas.manager, True)]
    assert viewed[0].changes["kinds"] == "['rating']"


def test_nobody_outside_the_mash_learns_the_child_exists(personas, client, history):
    ava = history[0]
    for user in (personas.police_partner, personas.outsider, personas.admin):
        client.force_login(user)
        assert client.get(f"/contacts/people/{ava.pk}/chronology/").status_code == 404
        assert client.get(f"/contacts/people/{ava.pk}/chronology/print/").status_code == 404
    assert not AuditEvent.objects.filter(action="chronology.viewed").exists()


def test_the_people_linked_to_the_child_with_their_relationship(personas, client_for, history):
    ava = history[0]
    html = client_for(personas.screener).get(f"/contacts/people/{ava.pk}/chronology/").content.decode()
    table = html[html.index('data-testid="network-table"'):]
    rows = re.findall(r'data-testid="linked-person">.*?href="[^"]+">([^<]+)</a>.*?<td class="govuk-table__cell">(.*?)'
                      r'</td>', table, re.S)
    relationships = {name: re.sub(r"<[^>]+>", "", rel).strip() for name, rel in rows}
    assert relationships == {"Kelly Brown": "Parent or carer", "Leo Brown": "Sibling",
                             "Dean Walsh": "Alleged source of harm"}
    svg = html[html.index('data-testid="network"'):html.index("</svg>")]
    assert 'role="img"' in html and "Family network of Ava Brown" in svg
    assert "app-network__person--harm" in svg and "Alleged source of harm" in svg  # not by colour alone


def query_count(client, path):
    client.get(path)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_chronology_pins_its_query_count(personas, client_for, history):
    ava = history[0]
    client = client_for(personas.manager)
    path = f"/contacts/people/{ava.pk}/chronology/"
    few = query_count(client, path)
    for days in range(2, 12):  # ten more contacts, each screened and decided
        contact = family_contact(personas.screener, child=ava, received_at=timezone.now() - timedelta(days=days))
        screen(contact, personas.screener, brag="red", n=4)
        services.rating_decide(actor=personas.manager, contact=contact, brag="red")
    for days in range(12, 15):  # and three more closed with an outcome
        contact = family_contact(personas.screener, child=ava, received_at=timezone.now() - timedelta(days=days))
        screen(contact, personas.screener, brag="green", n=2)
        services.rating_decide(actor=personas.manager, contact=contact, brag="green")
        services.outcome_decide(actor=personas.manager, contact=contact, kind="nfa", rationale="r", summary="s")
    # the versions of who is asking (the user, their second-factor device, roles, agency and unread count then come
    # from the cache: mash.principal), the person, records merged into them, the contacts (with the child's role),
    # ratings, outcomes (with their teams), escalations, merges, linked people, the audit row (savepoint, insert,
    # release), the information requests naming the child (enquiries' source); and the session unless it is read
    # from the cache (with Redis: mash.sessions). The session is saved at most once a minute (mash.polling), not on
    # this request
    assert query_count(client, path) == few == (13 if settings.SESSION_ENGINE == "mash.sessions" else 14)


def test_another_app_adds_its_events_through_the_registry(personas, client_for, history):
    ava, first, second, _ = history

    def enquiries(query):
        for contact in query.contacts:
            if contact.pk == second.pk and query.within(contact.received_at + timedelta(minutes=30)):
                yield chronology.Event(at=contact.received_at + timedelta(minutes=30), kind="enquiry",
                                       title="MASH enquiry opened", reference=contact.reference)

    saved = dict(chronology._SOURCES)  # the real apps' sources (enquiries' own is also "enquiry"): put back after
    chronology.register_source("enquiry", "MASH enquiries", enquiries, order=40)
    try:
        html = client_for(personas.screener).get(f"/contacts/people/{ava.pk}/chronology/").content.decode()
        assert ("enquiry", second.reference, timezone.localdate().isoformat()) in events(html)
        assert "MASH enquiry opened" in html and 'value="enquiry"' in html  # and a filter for it
    finally:
        chronology._SOURCES.clear()
        chronology._SOURCES.update(saved)


def test_a_merged_record_brings_its_contacts_and_says_so(personas, client_for, history):
    ava, first, second, _ = history
    twin = family_contact(personas.screener, received_at=timezone.now() - timedelta(days=5))
    duplicate = twin.subjects.get(person__first_name="Ava").person
    services.person_merge(actor=personas.manager, keep=ava, duplicate=duplicate, reason="Same NHS number.")
    html = client_for(personas.screener).get(f"/contacts/people/{ava.pk}/chronology/").content.decode()
    assert twin.reference in {ref for _, ref, _ in events(html)}
    assert "Records of the same child merged" in html and "Same NHS number." in html
    assert Person.objects.get(pk=duplicate.pk).merged_into == ava
