"""Two people at once (two threads, two database connections): the row locks and the constraints serve them one
after the other, and the second is told why nothing happened."""

import pytest

from enquiries import services
from enquiries.models import Enquiry, InformationRequest
from mash.errors import DomainError
from mash.tests.test_sweep_concurrency import run_together

from .helpers import ask, open_enquiry, partner, request_for, world

pytestmark = pytest.mark.django_db(transaction=True)


def attempt(call):
    def job():
        try:
            return call()
        except DomainError as error:
            return error
    return job


def test_two_managers_opening_an_enquiry_at_once_make_one(personas):
    w = world(personas)
    second = partner("manager2", personas.social_care, "Max", "Manager")
    second.groups.set(personas.manager.groups.all())

    def open_as(actor, agency):
        return attempt(lambda: services.enquiry_open(actor=actor, contact=w.contact, reason="r", need_to_know="n",
                                                     asks=[ask(agency, w.child)]))

    results = run_together(open_as(personas.manager, w.police), open_as(second, w.education))
    assert sum(isinstance(r, Enquiry) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert Enquiry.objects.count() == 1 and InformationRequest.objects.count() == 1


def test_two_partners_claiming_at_once_one_has_it(personas):
    w = world(personas)
    police = request_for(open_enquiry(personas, w, agencies=(w.police,)), w.police)
    colleague = partner("police2", w.police, "Pam", "Police")
    results = run_together(*[attempt(lambda u=u: services.request_claim(actor=u, request=police))
                             for u in (personas.police_partner, colleague)])
    assert sum(isinstance(r, DomainError) for r in results) == 1
    police.refresh_from_db()
    assert police.assigned_to in (personas.police_partner, colleague)


def test_two_chases_at_once_send_one_reminder(personas):
    from mash.models import Notification

    w = world(personas)
    police = request_for(open_enquiry(personas, w, agencies=(w.police,)), w.police)
    results = run_together(*[attempt(lambda: services.request_chase(actor=personas.manager, request=police))
                             for _ in range(2)])
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert Notification.objects.filter(recipient=personas.police_partner,
                                       kind="information_request_chased").count() == 1
