"""Builders for the enquiry tests: an Amber contact (approved) naming a family, with consent for police and
education and a manager's decision to share with health; requests made through the real services."""

from dataclasses import dataclass

from django.contrib.auth.models import Group

from agencies.models import User
from conftest import PASSWORD
from consent.tests.helpers import decide_share, education, family_contact, give_consent, propose
from contacts import services as contact_services
from contacts.models import LevelOfNeed, ThresholdCriterion
from enquiries import services
from mash.access import Role


def approve(contact, personas, brag="amber"):
    level = LevelOfNeed.objects.get(document__active=True, number={"red": 4, "amber": 3}.get(brag, 2))
    contact_services.screening_submit(
        actor=personas.screener, contact=contact, worries="Hungry at school.", working_well="Grandmother helps.",
        needs_to_happen="Checks with partners.", history_checked=True, level=level,
        criteria=list(ThresholdCriterion.objects.filter(level=level)[:1]), proposed_brag=brag,
        rationale="Unknown risk: partners' information needed.", recommendation="enquiry",
        differs_reason="Partners' checks needed first.")
    contact_services.rating_decide(actor=personas.manager, contact=contact, brag=brag)
    contact.refresh_from_db()
    return contact


def partner(username, agency, first="Ed", last="Ucation"):
    user = User.objects.create_user(username=username, password=PASSWORD, agency=agency, first_name=first,
                                    last_name=last, email=f"{username}@example.gov.uk")
    user.groups.add(Group.objects.get(name=Role.PARTNER.value))
    return user


@dataclass
class World:
    contact: object
    police: object
    health: object
    education: object
    education_partner: object
    child: object
    sibling: object
    mother: object


def world(personas, *, brag="amber", health_basis=True) -> World:
    contact = family_contact(personas.screener)
    approve(contact, personas, brag=brag)
    give_consent(personas.screener, contact)  # police and education, for both children
    if health_basis:
        decision = propose(personas.screener, contact, [personas.health])
        decide_share(personas.manager, decision)
    school = education(personas)
    subjects = {s.person.first_name: s.person for s in contact.subjects.select_related("person")}
    return World(contact=contact, police=personas.police, health=personas.health, education=school,
                 education_partner=partner("education", school), child=subjects["Ava"], sibling=subjects["Leo"],
                 mother=subjects["Jane"])


def ask(agency, *people, question=None):
    return services.AskInput(agency_id=agency.pk, question=question or f"What does {agency} know?",
                             people=tuple(p.pk for p in people))


def open_enquiry(personas, w: World, *, agencies=None, people=None):
    people = people or (w.child,)
    agencies = agencies or (w.police, w.health, w.education)
    return services.enquiry_open(actor=personas.manager, contact=w.contact, reason="Risk unknown.",
                                 need_to_know="Any police call-outs, health attendances, school concerns.",
                                 asks=[ask(a, *people) for a in agencies])


def request_for(enquiry, agency):
    return enquiry.requests.get(agency=agency)
