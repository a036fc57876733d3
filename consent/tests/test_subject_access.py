"""Transparency for the family: what has been shared about a person, and the subject access export with other
people's details withheld."""

import json
import re

import pytest
from django.contrib.contenttypes.models import ContentType

from agencies.models import Team, User
from consent import selectors, services
from consent.models import Disclosure
from consent.subject_access import Redactor, what_was_shared
from contacts import services as contact_services
from contacts.models import Person
from mash.models import AuditEvent

from .helpers import decide_share, family_contact, give_consent, person, propose
from .test_disclosures import approved

pytestmark = pytest.mark.django_db

# Everyone who is not Ava: her brother, her mother, a third party, and a named referrer who asked for anonymity.
OTHERS = ["Leo", "Leo Brown", "Jane", "Jane Brown", "Dan", "Dan Smith", "Smith", "Jo Teacher", "Teacher",
          "jo.teacher@school.example", "Anytown Primary", "07700 900123"]


@pytest.fixture
def family(personas):
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    User.objects.create_user(username="assessor", agency=personas.social_care, team=team)  # someone to send it to
    contact = approved(personas, others=[("Dan", "Smith", "household_adult")], referrer_phone="07700 900123",
                       concern="Ava said Dan Smith hurt her; Leo saw it. Jane was at work. Jo Teacher noticed.")
    services.referrer_anonymity_record(actor=personas.screener, contact=contact, note="Fears the family.")
    ava, leo = person(contact, "Ava"), person(contact, "Leo")
    record = give_consent(personas.screener, contact, purpose="Checks about Ava and Leo with the school.")
    decision = decide_share(personas.manager, propose(
        personas.screener, contact, [personas.health],
        narrative="Jane's partner Dan Smith may be violent; asking Jane would warn him."))
    contact_services.outcome_decide(actor=personas.manager, contact=contact, kind="s17_assessment",
                                    rationale="Dan Smith lives there; Leo is frightened.",
                                    summary="Ava and Leo: assess. Jane Brown is struggling.", receiving_team=team)
    # A share about Leo alone is not Ava's business.
    services.disclosure_record(actor=personas.manager, contact=contact, about=[leo], to_agency=personas.police,
                               basis=selectors.sharing_position(contact).basis_for(personas.police, leo),
                               summary="Leo's school attendance", content="Leo missed 10 days.")
    return {"contact": contact, "ava": ava, "leo": leo, "record": record, "decision": decision}


def names_in(text: str) -> list[str]:
    return [name for name in OTHERS if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)]


def test_the_export_lists_every_disclosure_about_the_child_and_no_other_persons_name(personas, client_for, family):
    ava = family["ava"]
    client = client_for(personas.manager)
    html = client.get(f"/consent/people/{ava.pk}/export/")
    assert html.status_code == 200
    raw = client.get(f"/consent/people/{ava.pk}/export.json")
    assert raw.status_code == 200 and raw["Content-Type"].startswith("application/json")
    data = json.loads(raw.content)
    text = html.content.decode()
    assert names_in(text) == []
    assert names_in(raw.content.decode()) == []
    # Every disclosure about Ava, and only those.
    about_ava = Disclosure.objects.filter(about=ava)
    assert about_ava.count() == 2  # the outcome to the team, the outcome to the referrer
    assert len(data["disclosures"]) == 2
    assert {d["basis"] for d in data["disclosures"]} == {"Outcome to the receiving team", "Feedback to the referrer"}
    assert "Leo's school attendance" not in text
    assert "The referrer (identity withheld)" in text
    assert data["person"]["name"] == "Ava Brown" and "Ava Brown" in text
    assert [c["reference"] for c in data["contacts"]] == [family["contact"].reference]
    assert data["contacts"][0]["others_named"] == ["Sibling (name withheld)", "Parent or carer (name withheld)",
                                                   "Other household adult (name withheld)"]
    assert data["consent_records"][0]["given_by"] == "Parent or carer (name withheld)"
    assert data["sharing_decisions"][0]["lawful_basis"].startswith("Public task: safeguarding children")
    assert "[withheld] hurt her" in data["contacts"][0]["concern"]
    # Staff acting in their roles are named.
    assert "Mo Manager" in text


def test_the_staff_page_names_everyone(personas, client_for, family):
    client = client_for(personas.screener)
    response = client.get(f"/consent/people/{family['ava'].pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Dan Smith hurt her" in text and "Jo Teacher" in text
    assert AuditEvent.objects.filter(action="subject_access.viewed", actor=personas.screener).count() == 1


def test_the_export_is_refused_to_a_screener_hidden_from_outsiders_and_audited_for_a_manager(personas, client_for,
                                                                                            family):
    ava = family["ava"]
    client = client_for(personas.screener)
    for path in (f"/consent/people/{ava.pk}/export/", f"/consent/people/{ava.pk}/export.json"):
        assert client.get(path).status_code == 403
    for outsider in (personas.police_partner, personas.outsider, personas.admin):
        client = client_for(outsider)
        assert client.get(f"/consent/people/{ava.pk}/export/").status_code == 404
    audited = AuditEvent.objects.filter(action="subject_access.exported")
    assert not audited.exists()
    client = client_for(personas.manager)
    client.get(f"/consent/people/{ava.pk}/export/")
    client.get(f"/consent/people/{ava.pk}/export.json")
    person_type = ContentType.objects.get_for_model(Person)
    assert [(e.actor, e.target_type, e.target_id, e.changes["format"], e.changes["disclosures"])
            for e in audited.order_by("id")] == [(personas.manager, person_type, str(ava.pk), "html", 2),
                                                 (personas.manager, person_type, str(ava.pk), "json", 2)]


def test_a_professional_referrer_who_did_not_ask_for_anonymity_is_named(personas, family):
    contact = family_contact(personas.screener, children=("Ava",), mother="Jane", referrer_name="Pat Nurse",
                             referral_source="3B", referrer_organisation="Anytown Health Visiting")
    report = what_was_shared(person(contact, "Ava"), user=personas.manager, redact=True)
    assert report["contacts"][0]["referrer"] == "Pat Nurse, Anytown Health Visiting"
    public = family_contact(personas.screener, children=("Ava",), referrer_name="Nora Neighbour",
                            referral_source="1B", referrer_organisation="")
    report = what_was_shared(person(public, "Ava"), user=personas.manager, redact=True)
    assert report["contacts"][0]["referrer"] == "The referrer (identity withheld)"


def test_a_merged_record_is_included(personas, family):
    ava = family["ava"]
    other = family_contact(personas.screener, children=("Ava",), mother="Jane")
    twin = person(other, "Ava")
    contact_services.person_merge(actor=personas.manager, keep=ava, duplicate=twin, reason="Same child.")
    report = what_was_shared(ava, user=personas.manager, redact=True)
    assert {c["reference"] for c in report["contacts"]} == {family["contact"].reference, other.reference}


def test_the_redactor_leaves_the_persons_own_name_and_other_words_alone():
    scrub = Redactor({"Ava Brown", "Ava", "Brown"}, {"Leo Brown", "Leo", "Brown", "Al"})
    assert scrub("Ava Brown and Leo Brown; Leopold and Al; ALBERT, leo.") == (
        "Ava Brown and [withheld]; Leopold and [withheld]; ALBERT, [withheld].")


def test_the_staff_page_and_the_export_cost_the_same_queries_however_long_the_history(personas, client_for, family):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas.manager)
    ava = family["ava"]

    def count(path):
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    paths = [f"/consent/people/{ava.pk}/", f"/consent/people/{ava.pk}/export/", f"/consent/people/{ava.pk}/export.json"]
    before = [count(path) for path in paths]
    for _ in range(4):  # more contacts about Ava, each with consent, a decision and disclosures
        other = family_contact(personas.screener, children=("Ava",), mother="Jane")
        twin = person(other, "Ava")
        contact_services.person_merge(actor=personas.manager, keep=ava, duplicate=twin, reason="Same child.")
        give_consent(personas.screener, other, children=[ava.pk])
        services.disclosure_record(actor=personas.manager, contact=other, about=[ava], to_agency=personas.police,
                                   basis=selectors.sharing_position(other).basis_for(personas.police, ava),
                                   summary="Attendance")
    assert len(what_was_shared(ava, user=personas.manager, redact=True)["contacts"]) == 5
    # session, user, roles/permissions, the person, merged records, the person's contact rows, everyone on them,
    # anonymity, consent records, sharing decisions, agencies they name, disclosures, the audit row, session save
    assert [count(path) for path in paths] == before


def test_a_restricted_contact_is_left_out_for_those_not_granted_it(personas, family):
    from contacts.models import Contact

    Contact.objects.filter(pk=family["contact"].pk).update(restricted=True)
    report = what_was_shared(family["ava"], user=personas.manager, redact=False)
    assert report["contacts"] == [] and report["disclosures"] == [] and report["consent_records"] == []
