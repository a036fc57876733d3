"""Builders for the consent tests: a family on a contact, the agencies, and consent and decisions made through the
real services."""

from datetime import date, timedelta

from django.utils import timezone

from agencies.models import Agency, AgencyKind
from consent import services
from consent.codes import Explained
from consent.models import LawfulBasis, SharingReason
from contacts.services import SubjectInput, contact_create

ALL_EXPLAINED = list(Explained.values)


def education(personas) -> Agency:
    agency, _ = Agency.objects.get_or_create(name="Testshire Schools", defaults={
        "kind": AgencyKind.EDUCATION, "isa_signatory": True})
    return agency


def family_contact(actor, *, surname="Brown", children=("Ava", "Leo"), mother="Jane", others=(), **kwargs):
    """A contact naming a mother and her children (and any other adults, as (first, last, role))."""
    kids = [SubjectInput(first_name=name, last_name=surname, date_of_birth=date(2016 + i, 3, 1 + i),
                         role="subject_child" if i == 0 else "sibling") for i, name in enumerate(children)]
    adults = [SubjectInput(first_name=mother, last_name=surname, date_of_birth=date(1990, 5, 5),
                           role="parent_carer")]
    adults += [SubjectInput(first_name=first, last_name=last, date_of_birth=date(1985, 1, 1), role=role)
               for first, last, role in others]
    defaults = {"channel": "phone", "referrer_name": "Jo Teacher", "referral_source": "2A",
                "referrer_organisation": "Anytown Primary", "referrer_email": "jo.teacher@school.example",
                "concern": f"{children[0]} arrived at school hungry.", "consent_answer": "not_asked",
                "consent_detail": "The school did not ask."}
    defaults.update(kwargs)
    return contact_create(actor=actor, received_at=timezone.now() - timedelta(hours=3), children=kids,
                          adults=adults, **defaults)


def person(contact, first_name):
    return contact.subjects.get(person__first_name=first_name).person


def consent_inputs(contact, **overrides) -> dict:
    """A valid consent given by the mother for every child on the contact, to police and education."""
    mother = contact.subjects.filter(role="parent_carer").order_by("position").first().person
    children = [s.person_id for s in contact.subjects.filter(role__in=["subject_child", "sibling"])]
    inputs = {
        "state": "given", "given_by": mother.pk, "capacity": "parent", "children": children,
        "agency_kinds": ["police", "education"], "agencies": [], "info_kinds": ["involvement", "education", "police"],
        "purpose": "Checks with the school and the police to decide what help the family needs.",
        "method": "in_person", "explained": ALL_EXPLAINED, "understood": "yes", "obtained_by": "Sam Screener",
        "obtained_at": timezone.now() - timedelta(hours=1), "competence_note": "", "notes": "",
    }
    inputs.update(overrides)
    return inputs


def give_consent(actor, contact, **overrides):
    return services.consent_record(actor=actor, contact=contact, **consent_inputs(contact, **overrides))


def reason(code="risk_of_harm") -> SharingReason:
    return SharingReason.objects.get(code=code)


def basis() -> LawfulBasis:
    return LawfulBasis.objects.get(name="Public task: safeguarding children")


def proposal_inputs(contact, agencies, **overrides) -> dict:
    children = [s.person_id for s in contact.subjects.filter(role__in=["subject_child", "sibling"])]
    inputs = {
        "children": children, "agencies": [a.pk for a in agencies], "threshold": "s47",
        "reason": reason().pk, "narrative": "Ava disclosed that her mother's partner hits her; asking would warn him.",
        "purpose": "To know whether health have seen injuries.", "family_told": "not_told",
        "family_told_on": None, "family_not_told_reason": "Telling them now would put Ava at risk.", "advice": "",
    }
    inputs.update(overrides)
    return inputs


def propose(actor, contact, agencies, **overrides):
    return services.sharing_propose(actor=actor, contact=contact, **proposal_inputs(contact, agencies, **overrides))


def decide_share(actor, decision, lawful_basis=None):
    return services.sharing_decide(actor=actor, decision=decision, outcome="share",
                                   lawful_basis=(lawful_basis or basis()).pk, note="")
