"""The decision pages show the facts: the screening form (children, history, concern, clock, rating guidance,
the suggestion from the criteria), the manager's decision (the concern and the screener's analysis), and the
outcome's preview of exactly what the referrer and the receiving team will be sent."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from agencies.models import Team
from contacts import rules, selectors, services
from contacts.models import LevelOfNeed, Outcome, Rating, ThresholdCriterion
from contacts.services import SubjectInput
from mash.errors import DomainError
from mash.models import Notification

from .factories import make_contact
from .test_screening_flow import screen, screening_post

pytestmark = pytest.mark.django_db


def level(n):
    return LevelOfNeed.objects.get(document__active=True, number=n)


def contact_about(child, actor, days_ago, concern="A concern."):
    return services.contact_create(
        actor=actor, received_at=timezone.now() - timedelta(days=days_ago), channel="phone", referrer_name="R",
        referral_source="2A", concern=concern, consent_answer="given",
        children=[SubjectInput(first_name="x", last_name="y", person_id=child.pk)],
    )


def test_history_at_a_glance_never_lists_a_later_contact(personas):
    first = make_contact(personas.screener, received_at=timezone.now() - timedelta(days=60))
    child = first.subjects.get().person
    shown = contact_about(child, personas.screener, 20)
    later = contact_about(child, personas.screener, 1)
    same_time = services.contact_create(
        actor=personas.screener, received_at=shown.received_at, channel="phone", referrer_name="R",
        referral_source="2A", concern="Recorded after, received at the same minute.", consent_answer="given",
        children=[SubjectInput(first_name="x", last_name="y", person_id=child.pk)])

    def previous(contact):
        contact = selectors.get_contact_for_user(personas.screener, contact.reference)
        return [row.contact.reference for row in selectors.history_at_a_glance(contact)[0].previous]

    assert previous(first) == []
    assert previous(shown) == [first.reference]  # not `later`, not the one recorded after it at the same time
    assert previous(same_time) == [shown.reference, first.reference]
    assert previous(later) == [same_time.reference, shown.reference, first.reference]


def test_the_screening_page_shows_the_facts_and_what_each_rating_means(personas, client_for):
    earlier = make_contact(personas.screener, received_at=timezone.now() - timedelta(days=40))
    child = earlier.subjects.get().person
    contact = services.contact_create(
        actor=personas.screener, received_at=timezone.now() - timedelta(hours=2), channel="phone",
        referrer_name="Jo Teacher", referral_source="2A", consent_answer="given",
        concern="Ava came to school with a bruise and said she is scared of dad.", presenting_factors=["3B", "18C"],
        children=[SubjectInput(first_name="x", last_name="y", person_id=child.pk),
                  SubjectInput(first_name="Leo", last_name="Brown", date_of_birth=date(2021, 9, 15))],
        adults=[SubjectInput(first_name="Dan", last_name="Brown", role="source_of_harm")],
    )
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)  # theirs to screen
    html = client_for(personas.screener).get(f"/contacts/{contact.reference}/screen/").content.decode()
    facts = html[html.index('data-testid="facts"'):html.index('data-testid="screening-form"')]
    assert "Leo Brown" in facts and "Dan Brown" in facts and "Alleged source of harm" in facts  # the people
    assert earlier.reference in facts  # history at a glance
    assert escape("Ava came to school with a bruise and said she is scared of dad.") in facts  # the concern
    assert "3B Domestic violence: parent or carer" in facts and "18C Physical abuse: adult on child" in facts
    assert 'data-testid="facts-clock"' in facts and "left" in facts  # the clock
    # Each rating option says what it means and how long it allows, from the document and the windows.
    assert "Level 4 (Acute: child protection)." in html
    assert "Once approved, the outcome is due within 4 hours (target 3 hours)." in html
    assert "Once approved, the outcome is due within 36 hours (target 24 hours)." in html
    assert "Once approved, the outcome is due within 10 working days (target 8 working days)." in html
    assert 'aria-describedby="id_proposed_brag_0-hint"' in html


def test_the_criteria_suggest_a_rating_and_a_screener_who_differs_says_why(personas):
    contact = make_contact(personas.screener)
    lvl = level(4)
    criteria = list(ThresholdCriterion.objects.filter(level=lvl)[:1])
    inputs = {"actor": personas.screener, "contact": contact, "worries": "w", "working_well": "w",
              "needs_to_happen": "n", "history_checked": True, "level": lvl, "criteria": criteria,
              "rationale": "r", "recommendation": "route"}
    with pytest.raises(DomainError) as refused:
        services.screening_submit(proposed_brag="amber", **inputs)
    assert refused.value.errors == [
        ("differs_reason", "Say why you propose Amber when the criteria ticked suggest Red")]
    assert not Rating.objects.exists()
    services.screening_submit(proposed_brag="amber", differs_reason="Grandmother is protective and present.",
                              **inputs)
    contact.refresh_from_db()
    assert (contact.screening.suggested_brag, contact.screening.differs_reason) == (
        "red", "Grandmother is protective and present.")


def test_a_rating_that_agrees_with_the_criteria_needs_no_reason(personas):
    contact = make_contact(personas.screener)
    screen(contact, personas.screener, brag="amber", n=3)  # level 3's usual rating is Amber
    contact.refresh_from_db()
    assert (contact.screening.suggested_brag, contact.screening.differs_reason) == ("amber", "")


def test_the_suggestion_takes_the_highest_level_ticked():
    criteria = list(ThresholdCriterion.objects.filter(level__document__active=True, level__number__in=[2, 3]))
    assert rules.suggested_brag(criteria) == "amber" and rules.suggested_level(criteria).number == 3
    assert rules.suggested_brag([]) == ""


def test_the_suggest_step_works_without_javascript_and_writes_nothing(personas, client_for):
    contact = make_contact(personas.screener)
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)  # theirs to screen
    lvl = level(3)
    post = screening_post(n=3, proposed_brag=None, level=None, worries="Kept as typed.")
    post["suggest"] = "1"
    response = client_for(personas.screener).post(f"/contacts/{contact.reference}/screen/", post)
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" not in html
    assert "The criteria ticked suggest Amber: the usual rating for level 3" in html
    assert f'value="{lvl.pk}" id="id_level_2" checked' in html.replace('\n', '')
    assert 'value="amber" id="id_proposed_brag_1" checked' in html
    assert "Kept as typed." in html
    assert not Rating.objects.exists()


def test_the_screening_form_refuses_a_differing_rating_without_a_reason(personas, client_for):
    contact = make_contact(personas.screener)
    response = client_for(personas.screener).post(f"/contacts/{contact.reference}/screen/",
                                                  screening_post(n=4, proposed_brag="green"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_differs_reason"' in html and "Say why you propose Green" in html
    assert not Rating.objects.exists()


def test_the_decide_page_shows_the_concern_and_the_screeners_analysis(personas, client_for):
    contact = make_contact(personas.screener, concern="Neighbour heard a child screaming at 2am.")
    screen(contact, personas.screener, brag="amber", n=4)
    html = client_for(personas.manager).get(f"/contacts/{contact.reference}/decide/").content.decode()
    assert "Neighbour heard a child screaming at 2am." in html
    analysis = html[html.index('data-testid="facts-screening"'):]
    for said in ("Bruise on cheek; child scared to go home.", "Grandmother nearby and protective.",
                 "Strategy discussion today.", "Disclosure of physical harm.",
                 "Grandmother is protective: the screener&#x27;s judgement differs from the criteria."):
        assert said in analysis, said


def approved(personas, **contact_kwargs):
    contact = make_contact(personas.screener, **contact_kwargs)
    screen(contact, personas.screener, brag="amber", n=3)
    services.rating_decide(actor=personas.manager, contact=contact, brag="amber")
    return contact


def outcome_post(team, **extra):
    return {"kind": "s17_assessment", "rationale": "Needs an assessment of parenting capacity.",
            "receiving_team": str(team.pk), "summary": "Mother's low mood; basic care slipping.", **extra}


def test_the_outcome_page_previews_exactly_what_will_be_sent_before_anything_is_written(
    personas, client_for, django_capture_on_commit_callbacks
):
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    personas.screener2.team = team
    personas.screener2.save()
    contact = approved(personas, referrer_email="jo@school.example", referral_source="2A",
                       referrer_name="Jo Teacher")
    client = client_for(personas.manager)
    response = client.post(f"/contacts/{contact.reference}/outcome/", outcome_post(team))
    html = response.content.decode()
    assert response.status_code == 200
    assert not Outcome.objects.exists() and not Notification.objects.exists()  # a preview writes nothing
    assert "Jo Teacher &lt;jo@school.example&gt;" in html
    assert f"Outcome of your referral {contact.reference}" in html
    assert "Each member of Assessment team (Testshire Children&#x27;s Social Care): Sol Second" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/contacts/{contact.reference}/outcome/", outcome_post(team, confirm="1"))
    assert response.status_code == 302
    referrer = Notification.objects.get(kind="referrer_feedback")
    team_note = Notification.objects.get(kind="outcome_received")
    # What was sent is what the preview showed, word for word.
    assert escape(referrer.body) in html and escape(referrer.subject) in html
    assert escape(team_note.body) in html and escape(team_note.subject) in html
    assert team_note.recipient == personas.screener2


def test_a_member_of_the_public_is_previewed_an_acknowledgement_and_no_address_nothing(personas, client_for):
    team = Team.objects.create(agency=personas.social_care, name="Early help", receives_outcomes=True)
    public = approved(personas, referrer_email="neighbour@example.com", referral_source="1B")
    html = client_for(personas.manager).post(f"/contacts/{public.reference}/outcome/",
                                             outcome_post(team)).content.decode()
    preview = html[html.index('data-testid="referrer-preview"'):html.index('data-testid="team-preview"')]
    assert "cannot tell you what was decided" in preview and "Section 17" not in preview
    nobody = approved(personas, referrer_email="", referrer_phone="01234 567890")
    html = client_for(personas.manager).post(f"/contacts/{nobody.reference}/outcome/",
                                             outcome_post(team)).content.decode()
    assert "the referrer gave no e-mail address" in html and "01234 567890" in html
    assert "has no active members" in html  # and the team with nobody in it is said plainly


def test_change_from_the_preview_brings_the_answers_back(personas, client_for):
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    contact = approved(personas)
    response = client_for(personas.manager).post(f"/contacts/{contact.reference}/outcome/",
                                                 outcome_post(team, change="1"))
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" not in html
    assert "Mother&#x27;s low mood; basic care slipping." in html
    assert 'value="s17_assessment" id="id_kind_1" checked' in html
    assert not Outcome.objects.exists()


@pytest.mark.parametrize(("change", "message"), [
    ({"rationale": ""}, "Enter the rationale for the outcome"),
    ({"summary": "x" * 10_001}, "Summary for the receiving service must be 10,000 characters or fewer"),
    ({"summary": "<script>alert(1)</script>"}, "Remove the HTML tags"),
    ({"receiving_team": "0"}, "Select a receiving team from the list"),
])
def test_a_confirmed_outcome_with_bad_input_writes_nothing(personas, client_for, change, message):
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    contact = approved(personas)
    for step in ({}, {"confirm": "1"}):
        response = client_for(personas.manager).post(f"/contacts/{contact.reference}/outcome/",
                                                     {**outcome_post(team), **change, **step})
        assert response.status_code == 400 and message in response.content.decode()
        assert "<script>alert(1)</script>" not in response.content.decode()
    assert not Outcome.objects.exists() and not Notification.objects.exists()
