"""Bad input on every consent form: a clear message beside each field, and nothing written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consent.models import BasisFlag, ConsentRecord, ReferrerAnonymity, SharingDecision
from contacts.actions import ContactAction
from contacts.tests.factories import with_date_boxes
from mash.models import AuditEvent

from .helpers import ALL_EXPLAINED, basis, education, family_contact, give_consent, person, propose, reason

pytestmark = pytest.mark.django_db

LONG = "x" * 10_000
MARKUP = "<script>alert(1)</script>"
WHEN = "%Y-%m-%dT%H:%M"


@pytest.fixture
def world(personas):
    contact = family_contact(personas.screener)
    other = family_contact(personas.screener, surname="Green", children=("Zoe",), mother="Mia")
    return {"contact": contact, "other": other, "school": education(personas)}


def field_errors(response) -> dict[str, list[str]]:
    form = response.context["form"]
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def snapshot():
    return (ConsentRecord.objects.count(), SharingDecision.objects.filter(state="proposed").count(),
            SharingDecision.objects.exclude(state="proposed").count(), BasisFlag.objects.filter(
                cleared_at__isnull=True).count(), ReferrerAnonymity.objects.count(),
            # a refused form is drawn again naming the contact's people: that look is audited, nothing else is
            AuditEvent.objects.exclude(action=ContactAction.CONTACT_VIEWED).count())


def consent_post(contact, **overrides):
    mother = person(contact, "Jane")
    data = {
        "state": "given", "given_by": str(mother.pk), "capacity": "parent",
        "children": [str(person(contact, "Ava").pk), str(person(contact, "Leo").pk)],
        "agency_kinds": ["police", "education"], "info_kinds": ["involvement", "education"],
        "purpose": "Checks with the school and the police.", "method": "in_person", "explained": ALL_EXPLAINED,
        "understood": "yes", "obtained_by": "Sam Screener",
        "obtained_at": timezone.localtime(timezone.now() - timedelta(hours=1)).strftime(WHEN),
    }
    data.update(overrides)
    return with_date_boxes(data)


def test_a_good_consent_is_recorded(personas, world, client_for):
    client = client_for(personas.screener)
    contact = world["contact"]
    response = client.post(f"/consent/contact/{contact.reference}/record/", consent_post(contact))
    assert response.status_code == 302 and response["Location"].endswith("#consent")
    record = ConsentRecord.objects.get()
    assert (record.state, record.recorded_by, sorted(record.agency_kinds)) == (
        "given", personas.screener, ["education", "police"])
    assert len(record.children_ids) == 2


CONSENT_CASES = {
    "empty": ({
        "state": "", "given_by": "", "capacity": "", "children": [], "agency_kinds": [], "info_kinds": [],
        "purpose": "", "method": "", "explained": [], "understood": "", "obtained_by": "", "obtained_at": ""}, {
        "state": "Select whether they agreed or refused", "given_by": "Select who was asked",
        "capacity": "Select the capacity in which they decided", "children": "Select the children it covers",
        "agency_kinds": "Select the agencies (or kinds of agency) it covers",
        "purpose": "Enter what consent was asked for",
        "method": "Select how it was obtained", "understood": "Select whether they understood",
        "obtained_by": "Enter who asked them", "obtained_at": "Enter the date and time they were asked"}),
    "too long": ({"purpose": LONG, "notes": LONG, "obtained_by": LONG}, {
        "purpose": "What was it asked for? must be 4,000 characters or fewer",
        "notes": "Anything else (optional) must be 4,000 characters or fewer",
        "obtained_by": "Who asked them? must be 200 characters or fewer"}),
    "markup": ({"purpose": MARKUP, "obtained_by": MARKUP}, {
        "purpose": "Remove the HTML tags (text inside < and > brackets)",
        "obtained_by": "Remove the HTML tags (text inside < and > brackets)"}),
    "another contact's people": ("other", {
        "given_by": "Select someone named on this contact", "children": "Select children named on this contact"}),
    "an agency that does not exist": ({"agencies": ["999999"]}, {"agencies": "Select agencies from the list"}),
    "not a number": ({"given_by": "Jane", "children": ["abc"]}, {
        "given_by": "Select someone named on this contact", "children": "Select children named on this contact"}),
    "a kind that does not exist": ({"agency_kinds": ["spies"], "info_kinds": ["secrets"], "explained": ["nothing"]}, {
        "agency_kinds": "Select kinds of agency from the list",
        "info_kinds": "Select kinds of information from the list",
        "explained": "Select what was explained from the list"}),
    "asked in the future": ({"obtained_at": timezone.localtime(timezone.now() + timedelta(days=2)).strftime(WHEN)},
                            {"obtained_at": "The date and time they were asked must be in the past"}),
    "not a date": ({"obtained_at": "yesterday"},
                   {"obtained_at": "The date they were asked must include a day and month"}),
    "not informed": ({"explained": ["who"], "understood": "no"}, {
        "explained": "Consent is informed only if you explained all four: who will be asked, what for, how long it "
                     "is kept, and that they may refuse or withdraw",
        "understood": "Consent counts only if they understood what they agreed to: explain again, or record that "
                      "they did not agree"}),
    "a child as a parent": ("child-as-parent", {
        "given_by": "A parent or carer deciding for children must be one of the adults on this contact"}),
    "Gillick without a judgement": ("gillick", {
        "competence_note": "Say why you judge the child competent to decide for themselves",
        "children": "Someone deciding for themselves decides only about their own information: select only them"}),
}


@pytest.mark.parametrize("case", CONSENT_CASES, ids=str)
def test_bad_consent_input_gets_a_message_per_field_and_writes_nothing(personas, world, client_for, case):
    client = client_for(personas.screener)
    contact = world["contact"]
    overrides, expected = CONSENT_CASES[case]
    if overrides == "other":
        overrides = {"given_by": str(person(world["other"], "Mia").pk),
                     "children": [str(person(world["other"], "Zoe").pk)]}
    elif overrides == "child-as-parent":
        overrides = {"given_by": str(person(contact, "Ava").pk)}
    elif overrides == "gillick":
        overrides = {"given_by": str(person(contact, "Ava").pk), "capacity": "gillick"}
    before = snapshot()
    response = client.post(f"/consent/contact/{contact.reference}/record/", consent_post(contact, **overrides))
    assert response.status_code == 400
    errors = field_errors(response)
    for field, message in expected.items():
        assert message in errors.get(field, []), (field, errors)
    assert snapshot() == before
    assert "There is a problem" in response.content.decode()


def test_a_withdrawal_dated_before_the_consent_is_refused(personas, world, client_for):
    client = client_for(personas.screener)
    record = give_consent(personas.screener, world["contact"], obtained_at=timezone.now() - timedelta(days=1))
    url = f"/consent/records/{record.pk}/withdraw/"
    before = snapshot()
    cases = {
        "before the consent": ({"withdrawn_at": timezone.localtime(timezone.now() - timedelta(days=3)).strftime(WHEN),
                                "method": "phone"}, {"withdrawn_at": "The date consent was withdrawn must be on or "
                                                                     "after the date it was given"}),
        "empty": ({}, {"withdrawn_at": "Enter the date and time consent was withdrawn",
                       "method": "Select how they withdrew consent"}),
        "future, long, markup": ({"withdrawn_at": timezone.localtime(timezone.now() + timedelta(days=1)).strftime(WHEN),
                                  "method": "carrier pigeon", "note": LONG + MARKUP}, {
            "withdrawn_at": "The date and time consent was withdrawn must be in the past",
            "method": "Select how they withdrew consent from the list",
            "note": "What did they say? (optional) must be 4,000 characters or fewer"}),
        "markup": ({"withdrawn_at": timezone.localtime().strftime(WHEN), "method": "phone", "note": MARKUP},
                   {"note": "Remove the HTML tags (text inside < and > brackets)"}),
    }
    for case, (data, expected) in cases.items():
        response = client.post(url, with_date_boxes(data))
        assert response.status_code == 400, case
        errors = field_errors(response)
        for field, message in expected.items():
            assert any(e.startswith(message) for e in errors.get(field, [])), (case, field, errors)
    assert snapshot() == before
    record.refresh_from_db()
    assert record.state == "given"


def proposal_post(contact, to, **overrides):
    data = {"children": [str(person(contact, "Ava").pk)], "agencies": [str(a.pk) for a in to],
            "threshold": "s47", "reason": str(reason().pk), "narrative": "Asking would warn him.",
            "purpose": "Whether health have seen injuries.", "family_told": "not_told",
            "family_not_told_reason": "Unsafe now."}
    data.update(overrides)
    return with_date_boxes(data)


def test_bad_proposals_get_a_message_per_field_and_write_nothing(personas, world, client_for):
    client = client_for(personas.screener)
    contact = world["contact"]
    url = f"/consent/contact/{contact.reference}/propose/"
    before = snapshot()
    cases = {
        "empty": (dict.fromkeys(proposal_post(contact, []), "") | {"children": [], "agencies": []}, {
            "children": "Select the children it covers", "agencies": "Select the agencies it covers",
            "threshold": "Select the threshold that applies", "reason": "Select the reason for sharing without consent",
            "narrative": "Enter why consent is not sought or is overridden",
            "purpose": "Enter what the information is for", "family_told": "Select whether the family will be told"}),
        "long": ({"narrative": LONG + "x", "purpose": LONG, "advice": LONG}, {
            "narrative": "Why is consent not sought, or overridden? must be 10,000 characters or fewer",
            "purpose": "What is the information for? must be 4,000 characters or fewer",
            "advice": "Advice taken (optional) must be 4,000 characters or fewer"}),
        "markup": ({"narrative": MARKUP, "family_not_told_reason": MARKUP}, {
            "narrative": "Remove the HTML tags (text inside < and > brackets)",
            "family_not_told_reason": "Remove the HTML tags (text inside < and > brackets)"}),
        "another contact's child": ({"children": [str(person(world["other"], "Zoe").pk)]},
                                    {"children": "Select children named on this contact"}),
        "the mother as a child": ({"children": [str(person(contact, "Jane").pk)]},
                                  {"children": "Select children named on this contact"}),
        "an agency that does not exist": ({"agencies": ["999999"]}, {
            "agencies": "Select agencies from the list: only active agencies that signed the agreement"}),
        "an agency outside the agreement": ({"agencies": [str(personas.social_care.pk)]}, {
            "agencies": "Select agencies from the list: only active agencies that signed the agreement"}),
        "family told but no date": ({"family_told": "will_be_told", "family_told_on": ""}, {
            "family_told_on": "Enter when the family was or will be told"}),
        "not told but no reason": ({"family_told": "not_told", "family_not_told_reason": ""}, {
            "family_not_told_reason": "Say why the family will not be told"}),
    }
    for case, (data, expected) in cases.items():
        response = client.post(url, proposal_post(contact, [personas.police], **data))
        assert response.status_code == 400, case
        errors = field_errors(response)
        for field, message in expected.items():
            assert message in errors.get(field, []), (case, field, errors)
    assert snapshot() == before
    response = client.post(url, proposal_post(contact, [personas.police]))
    assert response.status_code == 302 and SharingDecision.objects.count() == 1


def test_bad_decisions_get_a_message_per_field_and_write_nothing(personas, world, client_for):
    decision = propose(personas.screener, world["contact"], [personas.health])
    client = client_for(personas.manager)
    url = f"/consent/decisions/{decision.pk}/"
    before = snapshot()
    cases = {
        "empty": ({}, {"outcome": "Select your decision"}),
        "share without a basis": ({"outcome": "share"}, {"lawful_basis": "Select the lawful basis for sharing"}),
        "a basis that does not exist": ({"outcome": "share", "lawful_basis": "999999"},
                                        {"lawful_basis": "Select a lawful basis from the list"}),
        "declined without reasons": ({"outcome": "do_not_share"}, {"note": "Say why you decided not to share"}),
        "long, markup": ({"outcome": "do_not_share", "note": LONG + MARKUP}, {
            "note": "Your reasons must be 10,000 characters or fewer"}),
        "an outcome that does not exist": ({"outcome": "maybe"}, {"outcome": "Select your decision from the list"}),
    }
    for case, (data, expected) in cases.items():
        response = client.post(url, with_date_boxes(data))
        assert response.status_code == 400, case
        errors = field_errors(response)
        for field, message in expected.items():
            assert message in errors.get(field, []), (case, field, errors)
    assert snapshot() == before
    response = client.post(url, {"outcome": "share", "lawful_basis": str(basis().pk)})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.state == "approved" and decision.decided_by == personas.manager


def test_the_proposer_sees_four_eyes_and_cannot_decide(personas, world, client_for):
    decision = propose(personas.manager, world["contact"], [personas.health])
    client = client_for(personas.manager)
    page = client.get(f"/consent/decisions/{decision.pk}/")
    assert "another manager must decide it (four eyes)" in page.content.decode()
    assert "Record the decision" not in page.content.decode()  # no form to fill in only to be refused
    response = client.post(f"/consent/decisions/{decision.pk}/", {"outcome": "share", "lawful_basis": basis().pk})
    assert response.status_code == 400
    assert "You proposed this, so another manager must decide it (four eyes)" in response.content.decode()
    decision.refresh_from_db()
    assert decision.state == "proposed"


def test_bad_flag_clearing_and_anonymity_input(personas, world, client_for):
    contact = world["contact"]
    record = give_consent(personas.screener, contact)
    from consent import services

    services.consent_withdraw(actor=personas.screener, record=record, withdrawn_at=timezone.now(), method="phone")
    flag = BasisFlag.objects.get()
    client = client_for(personas.manager)
    before = snapshot()
    for data, message in (({}, "Say what you did about requests made under the lost basis"),
                          ({"note": LONG}, "What did you do about requests made under it? must be 4,000 characters "
                                           "or fewer"),
                          ({"note": MARKUP}, "Remove the HTML tags (text inside < and > brackets)")):
        response = client.post(f"/consent/flags/{flag.pk}/clear/", data)
        assert response.status_code == 400
        assert message in field_errors(response)["note"]
    for data, message in (({"note": LONG}, "What did the referrer ask? (optional) must be 2,000 characters or fewer"),
                          ({"note": MARKUP}, "Remove the HTML tags (text inside < and > brackets)")):
        response = client.post(f"/consent/contact/{contact.reference}/anonymous-referrer/", data)
        assert response.status_code == 400
        assert message in field_errors(response)["note"]
    assert snapshot() == before
    assert client.post(f"/consent/flags/{flag.pk}/clear/", {"note": "Nothing was in flight."}).status_code == 302
    flag.refresh_from_db()
    assert flag.cleared_by == personas.manager
    assert client.post(f"/consent/contact/{contact.reference}/anonymous-referrer/", {}).status_code == 302
    response = client.post(f"/consent/contact/{contact.reference}/anonymous-referrer/", {})
    assert "already recorded" in response.content.decode()


def test_the_decision_aid_asks_each_question(personas, world, client_for):
    client = client_for(personas.screener)
    url = f"/consent/contact/{world['contact'].reference}/decision-aid/"
    before = snapshot()
    response = client.get(url, {"threshold": "s47", "asking_puts_at_risk": "perhaps"})
    assert response.status_code == 400
    errors = field_errors(response)
    assert errors["asking_puts_at_risk"] == ["Select whether asking would put anyone at greater risk"]
    assert errors["refused"] == ["Select whether the family has refused"]
    assert snapshot() == before
