"""Every contacts view, every persona: outsiders 404, wrong roles 403, wrong methods 405."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts import services
from contacts.models import LevelOfNeed, ThresholdCriterion
from contacts.tests.factories import make_contact

pytestmark = pytest.mark.django_db


def propose(contact, actor):
    lvl = LevelOfNeed.objects.get(document__active=True, number=3)
    services.screening_submit(
        actor=actor, contact=contact, worries="w", working_well="ww", needs_to_happen="n", history_checked=True,
        level=lvl, criteria=list(ThresholdCriterion.objects.filter(level=lvl)[:1]), proposed_brag="amber",
        rationale="r", recommendation="route",
    )


@pytest.fixture
def world(personas):
    contact = make_contact(personas.screener)
    propose(contact, personas.screener)
    person = contact.subjects.get().person
    return {"ref": contact.reference, "pk": person.pk}


# (url, allowed methods, roles who may use it; everyone else in the MASH gets 403, partners 404 where
# the URL names a record and 403 where it does not)
VIEWS = [
    ("/contacts/", {"GET"}, {"screener", "manager"}, False),
    ("/contacts/returned/", {"GET"}, {"screener", "manager"}, False),
    ("/contacts/manage/", {"GET"}, {"manager"}, False),
    ("/contacts/new/", {"GET", "POST"}, {"screener", "manager"}, False),
    ("/contacts/{ref}/", {"GET"}, {"screener", "manager"}, True),
    ("/contacts/{ref}/screen/", {"GET", "POST"}, {"screener", "manager"}, True),
    ("/contacts/{ref}/decide/", {"GET", "POST"}, {"manager"}, True),
    ("/contacts/{ref}/return/", {"POST"}, {"manager"}, True),
    ("/contacts/{ref}/revise/", {"GET", "POST"}, {"screener", "manager"}, True),
    ("/contacts/{ref}/outcome/", {"GET", "POST"}, {"manager"}, True),
    ("/contacts/{ref}/pass-to-allocated-worker/", {"POST"}, {"screener", "manager"}, True),
    ("/contacts/people/{pk}/", {"GET"}, {"screener", "manager"}, True),
    ("/contacts/people/{pk}/merge/", {"POST"}, {"manager"}, True),
    ("/at-risk/", {"GET"}, {"screener", "manager"}, False),
]


@pytest.mark.parametrize(("url", "methods", "roles", "names_a_record"), VIEWS, ids=[v[0] for v in VIEWS])
def test_permission_matrix(personas, world, client, url, methods, roles, names_a_record):
    path = url.format(**world)
    cast = {"screener": personas.screener2, "manager": personas.manager, "police": personas.police_partner,
            "health": personas.health_partner, "outsider": personas.outsider}
    for name, user in cast.items():
        client.force_login(user)
        method = sorted(methods)[0].lower()
        status = getattr(client, method)(path).status_code
        if name in roles:
            assert status not in (403, 404, 405), f"{name} {method.upper()} {path} -> {status}"
        elif name in ("police", "health", "outsider") and names_a_record:
            assert status == 404, f"{name} must not learn that {path} exists (got {status})"
        else:
            assert status == 403, f"{name} {method.upper()} {path} -> {status}"
        for wrong in {"GET", "POST", "PUT", "DELETE"} - methods:
            assert getattr(client, wrong.lower())(path).status_code == 405, f"{wrong} {path}"


def count_queries(client, path):
    client.get(path)  # warm per-process caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_manager_queue_query_count_does_not_grow(personas, client_for):
    client = client_for(personas.manager)
    contact = make_contact(personas.screener, children=1)
    propose(contact, personas.screener)
    few = count_queries(client, "/contacts/manage/")
    for _ in range(15):
        c = make_contact(personas.screener, children=3)
        propose(c, personas.screener)
    # session, user, 2 permission queries, roles, count, agency, unread notifications, page of contacts,
    # subjects+people, screeners for the filter, session save (3)
    assert count_queries(client, "/contacts/manage/") == few == 14


def test_contact_page_query_count_does_not_grow_with_history(personas, client_for):
    client = client_for(personas.manager)
    contact = make_contact(personas.screener, children=2)
    path = contact.get_absolute_url()
    few = count_queries(client, path)
    child = contact.subjects.first().person
    for _ in range(10):  # more history for the same child
        services.contact_create(
            actor=personas.screener, received_at=contact.received_at, channel="phone", referrer_name="R",
            referral_source="2A", concern="More.", consent_answer="given",
            children=[services.SubjectInput(first_name="x", last_name="y", person_id=child.pk)],
        )
    assert count_queries(client, path) == few
