"""From a contact on the queue to a decided outcome: screening, four eyes, returns, outcome, feedback."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts import matching, services
from contacts.models import Contact, LevelOfNeed, Outcome, Person, Rating, ThresholdCriterion
from mash.errors import DomainError
from mash.models import AuditEvent, Notification
from mash.notify import deliver_pending

from .factories import contact_post, make_contact

pytestmark = pytest.mark.django_db


def level(n):
    return LevelOfNeed.objects.get(document__active=True, number=n)


def screen(contact, actor, brag="red", n=4, recommendation="route"):
    lvl = level(n)
    return services.screening_submit(
        actor=actor, contact=contact, worries="Bruise on cheek; child scared to go home.",
        working_well="Grandmother nearby and protective.", needs_to_happen="Strategy discussion today.",
        history_checked=True, level=lvl, criteria=list(ThresholdCriterion.objects.filter(level=lvl)[:1]),
        proposed_brag=brag, rationale="Disclosure of physical harm.", recommendation=recommendation,
        differs_reason="Grandmother is protective: the screener's judgement differs from the criteria.",
    )


def screening_post(n=4, brag="red", **overrides):
    lvl = level(n)
    data = {
        "worries": "Bruise on cheek.", "working_well": "Grandmother nearby.", "needs_to_happen": "Strategy discussion.",
        "history_checked": "on", "level": str(lvl.pk),
        "criteria": [str(ThresholdCriterion.objects.filter(level=lvl).first().pk)],
        "proposed_brag": brag, "rationale": "Disclosure of physical harm.", "recommendation": "route",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_screening_proposes_a_rating_and_moves_to_approval(personas, client_for):
    contact = make_contact(personas.screener)
    response = client_for(personas.screener).post(f"/contacts/{contact.reference}/screen/", screening_post())
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.state == "awaiting_approval" and contact.assigned_screener == personas.screener
    rating = contact.ratings.get()
    assert (rating.proposed_brag, rating.decision, rating.proposed_by) == ("red", "pending", personas.screener)
    assert contact.screening.threshold_document.active  # remembers the version rated against


def test_the_proposer_can_never_approve_not_even_in_the_database(personas):
    contact = make_contact(personas.manager)
    screen(contact, personas.manager)  # a manager may screen too...
    with pytest.raises(DomainError, match="four eyes"):
        services.rating_decide(actor=personas.manager, contact=contact, brag="red")  # ...but not approve it
    rating = contact.ratings.get()
    rating.decision, rating.decided_by, rating.decided_at, rating.decided_brag = (
        "approved", personas.manager, timezone.now(), "red")
    with pytest.raises(IntegrityError, match="rating_approver_is_not_proposer"), transaction.atomic():
        rating.save()


def test_screener_cannot_open_the_approval_page(personas, client_for):
    contact = make_contact(personas.screener)
    screen(contact, personas.screener)
    client = client_for(personas.screener)
    assert client.get(f"/contacts/{contact.reference}/decide/").status_code == 403
    assert client.post(f"/contacts/{contact.reference}/decide/", {"brag": "red"}).status_code == 403
    assert Rating.objects.get().decision == "pending"


def test_manager_changes_the_rating_with_a_reason_and_the_response_clock_starts(personas, client_for):
    contact = make_contact(personas.screener)
    screen(contact, personas.screener, brag="red")
    client = client_for(personas.manager)
    no_reason = client.post(f"/contacts/{contact.reference}/decide/", {"brag": "amber", "reason": ""})
    assert no_reason.status_code == 400 and "Give the reason for changing the rating" in no_reason.content.decode()
    assert Rating.objects.get().decision == "pending"
    response = client.post(f"/contacts/{contact.reference}/decide/",
                           {"brag": "amber", "reason": "Grandmother is protective; not s47 today."})
    assert response.status_code == 302
    contact.refresh_from_db()
    rating = contact.ratings.get()
    assert (rating.decision, rating.decided_brag, rating.decided_by) == ("changed", "amber", personas.manager)
    assert contact.state == "awaiting_outcome" and contact.rating == "amber"
    assert contact.clock_stage == "brag_response" and contact.met_at is None
    # Amber: warn at 24 hours, breach at 36 hours after approval.
    assert contact.due_at - contact.clock_started_at == timedelta(hours=36)
    assert contact.warn_at - contact.clock_started_at == timedelta(hours=24)


def test_returned_rating_goes_back_to_the_screeners_queue(personas, client_for):
    contact = make_contact(personas.screener)
    screen(contact, personas.screener)
    response = client_for(personas.manager).post(f"/contacts/{contact.reference}/return/",
                                                 {"comments": "Check the school's records first."})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.state == "awaiting_screening" and contact.returned_to_screener
    assert contact.ratings.get().decision == "returned"
    html = client_for(personas.screener).get("/contacts/returned/").content.decode()
    assert contact.reference in html and "Returned" in html
    assert contact.reference not in client_for(personas.screener2).get("/contacts/returned/").content.decode()
    assert Notification.objects.filter(recipient=personas.screener, kind="rating_returned").exists()
    # The screener screens again and the new proposal goes back for approval.
    screen(contact, personas.screener, brag="amber", n=3)
    contact.refresh_from_db()
    assert contact.state == "awaiting_approval" and contact.ratings.count() == 2


def test_outcome_closes_the_contact_and_emails_a_professional_referrer(
    personas, client_for, django_capture_on_commit_callbacks
):
    from agencies.models import Team

    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    contact = make_contact(personas.screener, referrer_email="jo@school.example", referral_source="2A")
    screen(contact, personas.screener, brag="amber", n=3)
    services.rating_decide(actor=personas.manager, contact=contact, brag="amber")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.manager).post(f"/contacts/{contact.reference}/outcome/", {
            "kind": "s17_assessment", "rationale": "Needs assessment of parenting capacity.",
            "receiving_team": str(team.pk), "summary": "Mother's low mood; children's basic care slipping.",
            "confirm": "1",  # the preview's "Record outcome and send"
        })
    assert response.status_code == 302
    deliver_pending()  # what the Celery task runs
    contact.refresh_from_db()
    assert contact.state == "closed" and contact.met_at is not None
    outcome = contact.outcome
    assert (outcome.kind, outcome.receiving_team, outcome.referrer_feedback) == ("s17_assessment", team, "outcome")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["jo@school.example"]
    assert "Section 17 child-in-need assessment" in mail.outbox[0].body
    # The same confirmation again (a second tab): who recorded it, not "once the rating is approved"; nothing twice.
    again = client_for(personas.manager).post(f"/contacts/{contact.reference}/outcome/", {
        "kind": "s17_assessment", "rationale": "Needs assessment of parenting capacity.",
        "receiving_team": str(team.pk), "summary": "Mother's low mood.", "confirm": "1"})
    assert again.status_code == 400
    assert "The outcome was already recorded by Mo Manager" in again.content.decode()
    assert Outcome.objects.filter(contact=contact).count() == 1


def test_member_of_the_public_gets_an_acknowledgement_only(personas, django_capture_on_commit_callbacks):
    contact = make_contact(personas.screener, referrer_email="neighbour@example.com", referral_source="1B")
    screen(contact, personas.screener, brag="green", n=2)
    services.rating_decide(actor=personas.manager, contact=contact, brag="green")
    with django_capture_on_commit_callbacks(execute=True):
        services.outcome_decide(actor=personas.manager, contact=contact, kind="nfa", rationale="Advice given.",
                                summary="No further action.")
    deliver_pending()
    assert contact.outcome.referrer_feedback == "acknowledgement"
    assert len(mail.outbox) == 1
    assert "No further action" not in mail.outbox[0].body and "cannot tell you" in mail.outbox[0].body


def test_repeat_flag_appears_on_the_third_contact_in_twelve_months(personas, client_for):
    client = client_for(personas.screener)
    child = {"first_name": "Ava", "last_name": "Brown", "date_of_birth": "2019-04-02", "postcode": "AN1 1AA"}
    client.post("/contacts/new/", contact_post(children=[child]))
    ava = Person.objects.get()
    for _ in range(2):
        client.post("/contacts/new/", contact_post(children=[{**child, "match": str(ava.pk)}]))
    flags = list(Contact.objects.order_by("id").values_list("repeat_flag", flat=True))
    assert flags == [False, False, True]
    assert Person.objects.count() == 1
    third = Contact.objects.order_by("id").last()
    html = client.get(third.get_absolute_url()).content.decode()
    assert 'data-testid="repeat-flag"' in html and "2 previous contacts in 12 months" in html


def test_contacts_older_than_twelve_months_do_not_count(personas):
    old = timezone.now() - timedelta(days=400)
    first = make_contact(personas.screener, received_at=old)
    person = first.subjects.get().person
    from contacts.services import SubjectInput
    for _ in range(2):
        c = services.contact_create(
            actor=personas.screener, received_at=timezone.now() - timedelta(hours=1), channel="phone",
            referrer_name="X", referral_source="2A", concern="Concern.", consent_answer="given",
            children=[SubjectInput(first_name=person.first_name, last_name=person.last_name, person_id=person.pk)],
        )
    assert c.repeat_flag is False


def test_allocated_child_is_passed_straight_to_the_allocated_worker(personas, client_for):
    contact = make_contact(personas.screener)
    child = contact.subjects.get().person
    child.allocated_worker = personas.screener2
    child.save()
    html = client_for(personas.screener).get(contact.get_absolute_url()).content.decode()
    assert 'data-testid="allocated"' in html
    # An empty note: the error summary at the top of the page, as on every form, and nothing changed.
    empty = client_for(personas.screener).post(f"/contacts/{contact.reference}/pass-to-allocated-worker/",
                                               {"person": str(child.pk), "note": ""})
    assert empty.status_code == 400 and "govuk-error-summary" in empty.content.decode()
    response = client_for(personas.screener).post(f"/contacts/{contact.reference}/pass-to-allocated-worker/",
                                                  {"person": str(child.pk), "note": "New police report."})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.state == "closed" and contact.outcome.kind == "allocated_worker"
    note = Notification.objects.get(recipient=personas.screener2, kind="contact_for_allocated_worker")
    assert contact.reference in note.subject and note.link == contact.get_absolute_url()


def test_matching_shows_candidates_with_reasons_and_never_merges(personas, client_for):
    existing = Person.objects.create(first_name="Ava", last_name="Brown", date_of_birth=date(2019, 4, 2),
                                     postcode="AN1 1AA", nhs_number="9434765919")
    found = matching.find_candidates(user=personas.screener, first_name="ava", last_name="BROWN",
                                     date_of_birth=existing.date_of_birth)
    assert [c.person for c in found] == [existing]
    assert found[0].reasons == ["Same surname, first initial and date of birth"]
    by_nhs = matching.find_candidates(user=personas.screener, nhs_number="9434765919", postcode="AN1 1AA",
                                      date_of_birth=existing.date_of_birth)
    assert by_nhs[0].reasons == ["Same NHS number", "Same postcode and date of birth"]
    client = client_for(personas.screener)
    post = contact_post(children=[{"first_name": "Ava", "last_name": "Brown", "date_of_birth": "2019-04-02"}])
    first = client.post("/contacts/new/", post)
    assert first.status_code == 400 and Contact.objects.count() == 0
    html = first.content.decode()
    assert "This may be someone already known" in html and f'value="{existing.pk}"' in html
    # A match look-up while recording shows a child's details: audited, by the child's own key.
    assert AuditEvent.objects.filter(action="person.found", actor=personas.screener,
                                     target_id=str(existing.pk)).count() == 1
    # Confirming a new person keeps both records apart: nothing is merged on its own.
    client.post("/contacts/new/", {**post, "children-0-match": "new"})
    assert Person.objects.count() == 2 and not Person.objects.filter(merged_into__isnull=False).exists()


def test_a_manager_merges_two_records_with_an_audit_event(personas, client_for):
    keep = make_contact(personas.screener).subjects.get().person
    dup_contact = make_contact(personas.screener)
    dup = dup_contact.subjects.get().person
    Person.objects.filter(pk=dup.pk).update(first_name=keep.first_name, date_of_birth=keep.date_of_birth)
    assert client_for(personas.screener).post(f"/contacts/people/{keep.pk}/merge/", {}).status_code == 403
    response = client_for(personas.manager).post(f"/contacts/people/{keep.pk}/merge/",
                                                 {"duplicate": str(dup.pk), "reason": "Same child, typo in name."})
    assert response.status_code == 302
    dup.refresh_from_db()
    assert dup.merged_into == keep
    assert dup_contact.subjects.get().person == keep
    assert AuditEvent.objects.filter(action="person.merged", actor=personas.manager).exists()
    assert dup.history.count() >= 2


@pytest.mark.parametrize(("post", "message"), [
    ({"worries": ""}, "Enter what we are worried about"),
    ({"history_checked": None}, "Check the history before proposing a rating"),
    ({"proposed_brag": "purple"}, "Select a BRAG rating from the list"),
    ({"level": "999999"}, "Select a level of need from the list"),
    ({"criteria": ["999999"]}, "Select criteria from the list"),
    ({"rationale": "<script>x</script>"}, "Remove the HTML tags"),
    ({"rationale": "x" * 10_001}, "must be 10,000 characters or fewer"),
])
def test_bad_screening_input_writes_nothing(personas, client_for, post, message):
    contact = make_contact(personas.screener)
    response = client_for(personas.screener).post(f"/contacts/{contact.reference}/screen/", screening_post(**post))
    assert response.status_code == 400
    assert message in response.content.decode()
    contact.refresh_from_db()
    assert contact.state == "awaiting_screening" and not Rating.objects.exists()


@pytest.mark.parametrize(("post", "message"), [
    ({"brag": ""}, "Select the rating"),
    ({"brag": "purple"}, "Select a rating from the list"),
    ({"brag": "green", "reason": ""}, "Give the reason for changing the rating"),
    ({"brag": "green", "reason": "<b>no</b>"}, "Remove the HTML tags"),
])
def test_bad_approval_input_writes_nothing(personas, client_for, post, message):
    contact = make_contact(personas.screener)
    screen(contact, personas.screener)
    response = client_for(personas.manager).post(f"/contacts/{contact.reference}/decide/", post)
    assert response.status_code == 400 and message in response.content.decode()
    assert Rating.objects.get().decision == "pending"


def test_empty_return_comment_is_refused(personas, client_for):
    contact = make_contact(personas.screener)
    screen(contact, personas.screener)
    response = client_for(personas.manager).post(f"/contacts/{contact.reference}/return/", {"comments": ""})
    assert response.status_code == 400 and "Say what the screener needs to do" in response.content.decode()
    assert Rating.objects.get().decision == "pending"


@pytest.mark.parametrize(("post", "message"), [
    ({"kind": ""}, "Select the outcome"),
    ({"kind": "allocated_worker"}, "Select an outcome from the list"),
    ({"kind": "s17_assessment", "receiving_team": ""}, "Select the team that will receive this case"),
    ({"kind": "nfa", "receiving_team": "999999"}, "Select a receiving team from the list"),
    ({"kind": "nfa", "summary": ""}, "Enter a summary for the receiving service"),
])
def test_bad_outcome_input_writes_nothing(personas, client_for, post, message):
    contact = make_contact(personas.screener)
    screen(contact, personas.screener, brag="green", n=2)
    services.rating_decide(actor=personas.manager, contact=contact, brag="green")
    data = {"kind": "nfa", "rationale": "Advice only.", "summary": "Nothing more.", "receiving_team": "", **post}
    response = client_for(personas.manager).post(f"/contacts/{contact.reference}/outcome/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Outcome.objects.exists()
    contact.refresh_from_db()
    assert contact.state == "awaiting_outcome"


def test_outcome_before_approval_is_refused(personas):
    contact = make_contact(personas.screener)
    with pytest.raises(DomainError, match="once the rating is approved"):
        services.outcome_decide(actor=personas.manager, contact=contact, kind="nfa", rationale="x", summary="y")


def test_the_manager_who_proposed_a_revision_can_withdraw_it_and_the_outcome_is_free_again(personas, client_for):
    """Found walking the demo (one manager): a manager revised an approved Red to Amber; nobody else could decide it,
    the proposer could not withdraw it, and the outcome was refused for good ("decide it first")."""
    from django.contrib.auth.models import Group

    from agencies.models import User

    contact = make_contact(personas.screener)
    screen(contact, personas.screener)
    services.rating_decide(actor=personas.manager, contact=contact, brag="red")
    revision = services.rating_propose_revision(actor=personas.manager, contact=contact, proposed_brag="amber",
                                                level=level(3), rationale="Police checks: no injuries seen.")
    manager = client_for(personas.manager)
    page = manager.get(f"/contacts/{contact.reference}/decide/").content.decode()
    assert "Withdraw the revision" in page and "Approve rating" not in page  # no form only to be refused
    with pytest.raises(DomainError, match="decide it first"):
        services.outcome_check(contact=contact, kind="nfa", rationale="r", summary="s")
    url = f"/contacts/{contact.reference}/revise/withdraw/"
    assert client_for(personas.screener).post(url, {"reason": "x"}).status_code == 403
    manager = client_for(personas.manager)
    other = User.objects.create_user(username="manager2", agency=personas.social_care, first_name="Max")
    other.groups.add(Group.objects.get(name="manager"))
    with pytest.raises(DomainError, match="Only the manager who proposed this revision"):
        services.rating_revision_withdraw(actor=other, contact=contact, reason="Not mine.")
    response = manager.post(url, {"reason": ""})
    assert response.status_code == 400 and "Say why you are withdrawing the revision" in response.content.decode()
    revision.refresh_from_db()
    assert revision.decision == "pending"
    assert manager.post(url, {"reason": "Nobody else on duty; the Red stands."}).status_code == 302
    revision.refresh_from_db()
    contact.refresh_from_db()
    assert (revision.decision, revision.decided_by, revision.met_at is not None) == (
        "withdrawn", personas.manager, True)
    assert (contact.rating, contact.proposed_rating, contact.state) == ("red", "", "awaiting_outcome")
    event = AuditEvent.objects.get(action="rating.revision_withdrawn")
    assert event.changes == {"proposed": "amber", "rating": "red", "reason": "Nobody else on duty; the Red stands."}
    services.outcome_check(contact=contact, kind="nfa", rationale="r", summary="s")  # free again
    # A first proposal (not a revision) is decided or returned, never withdrawn.
    fresh = make_contact(personas.screener)
    screen(fresh, personas.manager)
    with pytest.raises(DomainError, match="Only a revision"):
        services.rating_revision_withdraw(actor=personas.manager, contact=fresh, reason="No.")


def test_a_returned_screening_shows_the_managers_comments_and_starts_from_what_was_proposed(personas, client_for):
    """Found walking: the manager's comments were only on the contact page, and the screening form opened blank."""
    contact = make_contact(personas.screener)
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)
    screen(contact, personas.screener, brag="amber", n=3)
    services.rating_return(actor=personas.manager, contact=contact,
                           comments="Look again at level 3 (3.1) and speak to CAMHS.")
    html = client_for(personas.screener).get(f"/contacts/{contact.reference}/screen/").content.decode()
    comments = re.search(r'data-testid="returned-comments".*?</div>', html, re.S)[0]
    assert "Returned by Mo Manager" in comments and "speak to CAMHS" in comments
    assert "Bruise on cheek; child scared to go home." in html  # the worries, as proposed
    assert re.search(r'name="proposed_brag" type="radio" value="amber"[^>]*checked|value="amber"[^>]*checked', html)
    assert not re.search(r'name="history_checked"[^>]*\schecked[\s>]', html)  # checked again, not carried over
