"""The sharing position: who may be asked about which child, on which basis, or why not. The health gate."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent import selectors, services, signals
from consent.models import BasisFlag, HealthKind, SharingDecision
from contacts.models import ContactSubject, Person
from mash.errors import DomainError
from mash.models import Notification

from .helpers import decide_share, education, family_contact, give_consent, person, propose, reason

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(personas):
    contact = family_contact(personas.screener)
    return {"contact": contact, "ava": person(contact, "Ava"), "leo": person(contact, "Leo"),
            "jane": person(contact, "Jane"), "school": education(personas)}


def basis_of(contact, agency, child):
    return selectors.sharing_position(contact).basis_for(agency, child)


def test_consent_for_police_and_education_covers_them_and_not_health(personas, family):
    record = give_consent(personas.screener, family["contact"])
    position = selectors.sharing_position(family["contact"])
    for agency in (personas.police, family["school"]):
        assert position.for_agency(agency).status == "permitted"
        assert position.basis_for(agency, family["ava"]).consent == record
    health = position.for_agency(personas.health)
    assert health.is_health and health.status == "blocked"
    assert "health information" in health.children[0].blocked
    # Agencies outside the agreement are never in the position.
    assert position.for_agency(personas.social_care) is None


def test_consent_for_child_a_does_not_cover_child_b(personas, family):
    give_consent(personas.screener, family["contact"], children=[family["ava"].pk])
    position = selectors.sharing_position(family["contact"]).for_agency(personas.police)
    assert position.for_child(family["ava"]).permitted
    leo = position.for_child(family["leo"])
    assert not leo.permitted and leo.blocked == "No consent recorded, and no decision to share without it"
    assert position.status == "partly"
    with pytest.raises(DomainError, match="may not be asked about Leo Brown"):
        selectors.sharing_basis(family["contact"], agency=personas.police, child=family["leo"])
    assert selectors.sharing_basis(family["contact"], agency=personas.police, child=family["ava"]).kind == "consent"


def test_a_decision_for_child_a_does_not_cover_child_b(personas, family):
    decision = propose(personas.screener, family["contact"], [personas.health], children=[family["ava"].pk])
    decide_share(personas.manager, decision)
    assert basis_of(family["contact"], personas.health, family["ava"]).decision == decision
    assert basis_of(family["contact"], personas.health, family["leo"]) is None


HEALTH_SCOPE = {"agency_kinds": ["police", "health"], "info_kinds": ["involvement", "health"]}


def _consent_without_health_info(p, f):
    give_consent(p.screener, f["contact"], agency_kinds=["police", "health"], info_kinds=["involvement"])


def _consent_with_health_info_but_not_health_agencies(p, f):
    give_consent(p.screener, f["contact"], agency_kinds=["police"], info_kinds=["involvement", "health"])


def _consent_refused(p, f):
    give_consent(p.screener, f["contact"], state="refused", **HEALTH_SCOPE)


def _consent_withdrawn(p, f):
    record = give_consent(p.screener, f["contact"], **HEALTH_SCOPE)
    services.consent_withdraw(actor=p.screener, record=record, withdrawn_at=timezone.now(), method="phone")


def _given_then_refused_by_another_parent(p, f):
    give_consent(p.screener, f["contact"], **HEALTH_SCOPE)
    father = Person.objects.create(first_name="Dan", last_name="Brown")
    ContactSubject.objects.create(contact=f["contact"], person=father, role="parent_carer", position=9)
    give_consent(p.screener, f["contact"], state="refused", given_by=father.pk, **HEALTH_SCOPE)


def _decision_covering_other_agencies_only(p, f):
    decide_share(p.manager, propose(p.screener, f["contact"], [p.police]))


def _decision_proposed_not_decided(p, f):
    propose(p.screener, f["contact"], [p.health])


def _decision_declined(p, f):
    decision = propose(p.screener, f["contact"], [p.health])
    services.sharing_decide(actor=p.manager, decision=decision, outcome="do_not_share", note="Ask the mother first.")


def _decision_without_public_interest(p, f):
    decision = decide_share(p.manager, propose(p.screener, f["contact"], [p.health]))
    # However it came about (a row written outside the service), a decision whose reason does not record the
    # overriding public interest never opens a health agency.
    SharingDecision.objects.filter(pk=decision.pk).update(reason_overrides_confidentiality=False)


@pytest.mark.parametrize("situation", [
    _consent_without_health_info, _consent_with_health_info_but_not_health_agencies, _consent_refused,
    _consent_withdrawn, _given_then_refused_by_another_parent, _decision_covering_other_agencies_only,
    _decision_proposed_not_decided, _decision_declined, _decision_without_public_interest,
], ids=lambda f: f.__name__.strip("_"))
def test_the_health_gate_holds(personas, family, situation):
    situation(personas, family)
    health = selectors.sharing_position(family["contact"]).for_agency(personas.health)
    assert health.status == "blocked", [c.basis for c in health.children]
    assert all(c.blocked for c in health.children)


@pytest.mark.parametrize("situation", ["consent covering health information", "decision in the public interest"])
def test_the_health_gate_opens_only_on_the_right_basis(personas, family, situation):
    if situation.startswith("consent"):
        give_consent(personas.screener, family["contact"], **HEALTH_SCOPE)
    else:
        decide_share(personas.manager, propose(personas.screener, family["contact"], [personas.health]))
    assert selectors.sharing_position(family["contact"]).for_agency(personas.health).status == "permitted"


def test_which_kinds_count_as_health_is_configuration(personas, family):
    give_consent(personas.screener, family["contact"], agency_kinds=["police"], info_kinds=["involvement"])
    assert selectors.sharing_position(family["contact"]).for_agency(personas.police).status == "permitted"
    HealthKind.objects.create(kind="police")  # an admin says police records need the health gate too
    police = selectors.sharing_position(family["contact"]).for_agency(personas.police)
    assert police.is_health and police.status == "blocked"


def test_a_refusal_blocks_until_a_manager_decides_despite_it(personas, family):
    give_consent(personas.screener, family["contact"], state="refused", explained=[], understood="yes")
    police = selectors.sharing_position(family["contact"]).for_agency(personas.police)
    assert police.status == "blocked" and police.children[0].blocked.startswith("Consent refused by Jane Brown")
    decision = propose(personas.screener, family["contact"], [personas.police],
                       reason=reason("refused_risk_outweighs").pk)
    decide_share(personas.manager, decision)
    assert basis_of(family["contact"], personas.police, family["ava"]).decision == decision


def test_a_withdrawal_changes_the_position_at_once_and_flags_it(personas, family):
    heard = []
    signals.basis_withdrawn.connect(lambda sender, **kw: heard.append(kw), weak=False, dispatch_uid="test-heard")
    try:
        record = give_consent(personas.screener, family["contact"])
        decide_share(personas.manager, propose(personas.screener, family["contact"], [personas.health]))
        services.consent_withdraw(actor=personas.screener, record=record, method="phone",
                                  withdrawn_at=timezone.now() - timedelta(minutes=5), note="She changed her mind.")
    finally:
        signals.basis_withdrawn.disconnect(dispatch_uid="test-heard")
    position = selectors.sharing_position(family["contact"])
    assert position.for_agency(personas.police).status == "blocked"
    assert position.for_agency(family["school"]).status == "blocked"
    assert position.for_agency(personas.health).status == "permitted"  # the decision stands
    assert position.for_agency(personas.police).children[0].blocked.startswith("Consent withdrawn by Jane Brown")
    flag = BasisFlag.objects.get(contact=family["contact"])
    assert {entry["agency"] for entry in flag.lost} == {"Testshire Police", "Testshire Schools"}
    assert Notification.objects.filter(recipient=personas.manager, kind="basis_lost").count() == 1
    assert not Notification.objects.filter(recipient=personas.screener, kind="basis_lost").exists()
    [told] = heard
    assert told["consent_record"] == record and told["flag"] == flag
    assert {(lost.agency.name, lost.child.first_name) for lost in told["lost"]} == {
        ("Testshire Police", "Ava"), ("Testshire Police", "Leo"),
        ("Testshire Schools", "Ava"), ("Testshire Schools", "Leo")}
    assert all(lost.basis.consent == record for lost in told["lost"])


def test_a_refusal_that_takes_nothing_away_raises_no_flag(personas, family):
    give_consent(personas.screener, family["contact"], state="refused", explained=[])
    assert not BasisFlag.objects.exists()
    assert not Notification.objects.filter(kind="basis_lost").exists()


def test_the_position_costs_the_same_queries_however_many_records(personas, family):
    contact = family["contact"]

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            selectors.sharing_position(contact)
        return len(ctx.captured_queries)

    give_consent(personas.screener, contact, children=[family["ava"].pk])
    decide_share(personas.manager, propose(personas.screener, contact, [personas.health]))
    queries()  # the staff named are read once, then from the cache (agencies.names)
    few = queries()
    for _ in range(4):
        give_consent(personas.screener, contact)
        decide_share(personas.manager, propose(personas.screener, contact, [personas.health, personas.police]))
    give_consent(personas.screener, contact, state="refused", explained=[])
    # subjects, agencies (with health), consent records, sharing decisions
    assert queries() == few == 4


def test_a_child_deciding_for_themselves_decides_alone(personas, family):
    ava, leo = family["ava"], family["leo"]
    give_consent(personas.screener, family["contact"], state="refused", explained=[])  # the mother refuses for both
    give_consent(personas.screener, family["contact"], given_by=ava.pk, capacity="gillick", children=[ava.pk],
                 competence_note="Ava, 10, explained back who we would ask and why, and that she could say no.")
    police = selectors.sharing_position(family["contact"]).for_agency(personas.police)
    assert police.for_child(ava).permitted and police.for_child(ava).basis.consent.given_by == ava
    assert not police.for_child(leo).permitted  # her consent is for herself only; the mother refused for Leo
    # And the other way: the mother agrees, but Leo, 16 or more, refuses for himself.
    contact = family_contact(personas.screener, surname="Grey", children=("Kim", "Sam"), mother="Pam")
    sam = person(contact, "Sam")
    sam.date_of_birth = timezone.localdate().replace(year=timezone.localdate().year - 17)
    sam.save()
    give_consent(personas.screener, contact)
    give_consent(personas.screener, contact, state="refused", given_by=sam.pk, capacity="young_person",
                 children=[sam.pk], explained=[])
    police = selectors.sharing_position(contact).for_agency(personas.police)
    assert police.for_child(person(contact, "Kim")).permitted
    assert police.for_child(sam).blocked.startswith("Consent refused by Sam Grey")
