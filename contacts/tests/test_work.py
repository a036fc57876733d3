"""Owning work, triage at a glance, immediate risk, and the proposed rating's own clock."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from contacts import services
from contacts.models import Contact, LevelOfNeed, Rating, ThresholdCriterion
from mash import deadlines
from mash.errors import DomainError
from mash.models import AuditEvent, Escalation, Notification

from .factories import contact_post, make_contact

pytestmark = pytest.mark.django_db


def screening(**overrides) -> dict:
    level = LevelOfNeed.objects.get(document__active=True, number=4)
    data = {"worries": "Bruise to the cheek.", "working_well": "Grandmother nearby.",
            "needs_to_happen": "Strategy discussion today.", "history_checked": "on", "level": str(level.pk),
            "criteria": [str(ThresholdCriterion.objects.filter(level=level).first().pk)], "proposed_brag": "red",
            "rationale": "A disclosure of physical harm.", "recommendation": "route"}
    data.update(overrides)
    return data


LEVEL_FOR = {"red": 4, "amber": 3, "green": 2, "blue": 1}  # the level whose usual rating it is (no reason needed)


def propose(contact, actor, brag="red"):
    level = LevelOfNeed.objects.get(document__active=True, number=LEVEL_FOR[brag])
    return services.screening_submit(
        actor=actor, contact=contact, worries="w", working_well="ww", needs_to_happen="n", history_checked=True,
        level=level, criteria=list(ThresholdCriterion.objects.filter(level=level)[:1]), proposed_brag=brag,
        rationale="r", recommendation="route")


def rows(html: str) -> list[str]:
    return re.findall(r'data-testid="queue-row" data-reference="([^"]+)"', html)


def row(html: str, reference: str) -> str:
    return re.search(rf'data-reference="{reference}".*?</tr>', html, re.S)[0]


# --- owning a contact -------------------------------------------------------------------------------------------


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_second_screener_is_told_who_holds_the_contact_before_writing(personas):
    contact = make_contact(personas.manager)
    sam = signed_in(personas.screener)
    # Nobody has it: the screening page asks Sam to take it first, and shows no form to type in.
    page = sam.get(f"/contacts/{contact.reference}/screen/").content.decode()
    assert "Take this contact before you screen it" in page and 'name="worries"' not in page
    response = sam.post(f"/contacts/{contact.reference}/take/", {"next": f"/contacts/{contact.reference}/screen/"})
    assert response["Location"] == f"/contacts/{contact.reference}/screen/"
    assert 'name="worries"' in sam.get(response["Location"]).content.decode()
    contact.refresh_from_db()
    assert contact.assigned_screener == personas.screener and contact.assigned_at is not None

    # Sol opens it: told who has it, on the screening page and on the contact page, before typing anything.
    sol = signed_in(personas.screener2)
    page = sol.get(f"/contacts/{contact.reference}/screen/").content.decode()
    assert "Sam Screener has this contact" in page and 'name="worries"' not in page
    assert "Take it over" in page
    detail = sol.get(contact.get_absolute_url()).content.decode()
    assert "Sam Screener has this contact" in re.search(r'data-testid="owner-panel".*?</div>', detail, re.S)[0]
    assert "Screen this contact" not in detail and "Assign to me" not in detail
    # A screening Sol posts anyway is refused, and nothing is written.
    refused = sol.post(f"/contacts/{contact.reference}/screen/", screening())
    assert refused.status_code == 400
    assert "Sam Screener has this contact" in refused.content.decode()
    assert not Rating.objects.exists()
    # Sam screens it.
    done = sam.post(f"/contacts/{contact.reference}/screen/", screening())
    assert done.status_code == 302, re.findall(r'error-summary__list.*?</ul>', done.content.decode(), re.S)
    assert Rating.objects.get().proposed_by == personas.screener


def test_assign_to_me_only_while_nobody_has_it(personas, client_for):
    contact = make_contact(personas.manager)
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)
    response = client_for(personas.screener2).post(f"/contacts/{contact.reference}/take/")
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.assigned_screener == personas.screener
    with pytest.raises(DomainError, match="already has this contact"):
        services.contact_assign(actor=personas.screener2, contact=contact, screener=personas.screener2)
    # Giving to someone else is a manager's decision.
    with pytest.raises(DomainError, match="Only a MASH manager"):
        services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener2)
    events = AuditEvent.objects.filter(action="contact.assigned")
    assert [(e.actor, e.changes) for e in events] == [(personas.screener, {"from": "", "to": "screener"})]


def test_take_over_needs_a_reason_is_audited_and_the_colleague_told(personas, client_for):
    contact = make_contact(personas.manager)
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)
    sol = client_for(personas.screener2)
    url = f"/contacts/{contact.reference}/take-over/"
    for bad, message in [("", "Say why you are taking over this contact"),
                         ("x" * 10_000, "must be 2,000 characters or fewer"),
                         ("<b>now</b>", "Remove the HTML tags")]:
        response = sol.post(url, {"reason": bad})
        assert response.status_code == 400 and message in response.content.decode()
    contact.refresh_from_db()
    assert contact.assigned_screener == personas.screener
    assert sol.post(url, {"reason": "Sam is off sick today."}).status_code == 302
    contact.refresh_from_db()
    assert contact.assigned_screener == personas.screener2
    event = AuditEvent.objects.get(action="contact.taken_over")
    assert event.changes == {"from": "screener", "to": "screener2", "reason": "Sam is off sick today."}
    told = Notification.objects.get(recipient=personas.screener, kind="contact_taken_over")
    assert "Sam is off sick today." in told.body
    # The timeline says so, with the reason.
    assert "Taken over from another screener" in sol.get(contact.get_absolute_url()).content.decode()


def test_a_manager_gives_a_contact_to_a_named_screener(personas, client_for):
    contact = make_contact(personas.screener)
    url = f"/contacts/{contact.reference}/assign/"
    assert client_for(personas.screener).post(url, {"screener": personas.screener2.pk}).status_code == 403
    manager = client_for(personas.manager)
    for bad, message in [("", "Select the screener to give this contact to"),
                         (str(personas.police_partner.pk), "Select a screener or manager of the MASH"),
                         ("999999", "Select a screener or manager of the MASH"),
                         ("<script>", "Select a screener or manager of the MASH")]:
        response = manager.post(url, {"screener": bad})
        assert response.status_code == 400 and message in response.content.decode(), bad
    contact.refresh_from_db()
    assert contact.assigned_screener is None
    assert manager.post(url, {"screener": personas.screener2.pk}).status_code == 302
    contact.refresh_from_db()
    assert contact.assigned_screener == personas.screener2
    assert Notification.objects.filter(recipient=personas.screener2, kind="contact_assigned").exists()
    assert AuditEvent.objects.get(action="contact.assigned").actor == personas.manager
    # The manager may give it to themselves too (the list offers them), from the screener who has it: who is told.
    assert manager.post(url, {"screener": personas.manager.pk}).status_code == 302
    contact.refresh_from_db()
    assert contact.assigned_screener == personas.manager
    assert Notification.objects.filter(recipient=personas.screener2, kind="contact_reassigned").exists()
    assert [e.changes for e in AuditEvent.objects.filter(action="contact.assigned").order_by("pk")] == [
        {"from": "", "to": "screener2"}, {"from": "screener2", "to": "manager"}]


# --- the queues ----------------------------------------------------------------------------------------------


def test_queue_rows_show_what_triage_needs(personas, client_for):
    contact = make_contact(personas.screener, concern="Ava has a bruise on her cheek.\nShe said dad hit her.",
                           referral_source="2A", channel="email")
    html = client_for(personas.screener).get("/contacts/").content.decode()
    cells = row(html, contact.reference)
    assert "Ava has a bruise on her cheek." in cells and "dad hit her" not in cells
    assert "Schools · E-mail" in cells
    assert "Waiting for a screener to take it" in cells and "Assign to me" in cells and "Not yet rated" in cells
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)
    propose(contact, personas.screener, brag="red")
    manager = client_for(personas.manager).get("/contacts/manage/").content.decode()
    cells = row(manager, contact.reference)
    assert re.search(r"govuk-tag--red\">Red</strong>.*proposed", cells, re.S)
    assert "Sam Screener" in cells and "Red proposed: a manager to approve it" in cells
    assert "Approval" in cells and ("30 minutes left" in cells or "29 minutes left" in cells)


def test_the_contact_and_decide_pages_show_the_approval_clock_while_a_rating_awaits_a_manager(personas, client_for):
    """Found walking: the queue said "Past target, 14 minutes left" on a proposed Red while its page and the decide
    page showed only the contact decision's 23 hours."""
    contact = make_contact(personas.screener, immediate_risk=True)
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)
    propose(contact, personas.screener, brag="red")
    manager = client_for(personas.manager)
    for url, testid in [(contact.get_absolute_url(), "approval-time-left"),
                        (f"/contacts/{contact.reference}/decide/", "facts-approval-clock")]:
        html = manager.get(url).content.decode()
        clock = re.search(rf'data-testid="{testid}".*?</p>', html, re.S)
        assert clock and re.search(r"(30|29) minutes left", clock[0]), url
        assert "Rating approval" in html and "Red proposed" in html
    services.rating_decide(actor=personas.manager, contact=contact, brag="red")
    assert "approval-time-left" not in manager.get(contact.get_absolute_url()).content.decode()


def test_approvals_queue_puts_immediate_risk_then_red_first(personas, client_for):
    now = timezone.now()
    green = make_contact(personas.screener, received_at=now - timedelta(hours=5))
    amber = make_contact(personas.screener, received_at=now - timedelta(hours=4))
    red = make_contact(personas.screener, received_at=now - timedelta(hours=1))
    urgent = make_contact(personas.screener, received_at=now - timedelta(minutes=30), immediate_risk=True)
    for contact, brag in [(green, "green"), (amber, "amber"), (red, "red"), (urgent, "blue")]:
        propose(contact, personas.screener, brag=brag)
    order = rows(client_for(personas.manager).get("/contacts/manage/").content.decode())
    assert order == [urgent.reference, red.reference, amber.reference, green.reference]
    # In the screening queue too, immediate risk tops the soonest deadline.
    fresh = make_contact(personas.screener, received_at=now - timedelta(minutes=5), immediate_risk=True)
    older = make_contact(personas.screener, received_at=now - timedelta(hours=6))
    assert rows(client_for(personas.screener).get("/contacts/").content.decode()) == [fresh.reference,
                                                                                        older.reference]


def test_owner_filters(personas, client_for):
    mine = make_contact(personas.screener)
    theirs = make_contact(personas.screener)
    nobodys = make_contact(personas.screener)
    services.contact_assign(actor=personas.screener, contact=mine, screener=personas.screener)
    services.contact_assign(actor=personas.screener2, contact=theirs, screener=personas.screener2)
    client = client_for(personas.screener)
    assert rows(client.get("/contacts/?owner=mine").content.decode()) == [mine.reference]
    assert rows(client.get("/contacts/?owner=unassigned").content.decode()) == [nobodys.reference]
    bad = client.get("/contacts/?owner=everyone")
    assert bad.status_code == 400 and "Select whose contacts to show from the list" in bad.content.decode()


def test_my_work_shows_my_contacts_in_every_state(personas, client_for):
    returned, screening_, approval, outcome, someone_elses = (make_contact(personas.manager) for _ in range(5))
    for contact in (returned, screening_, approval, outcome):
        services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)
    services.contact_assign(actor=personas.screener2, contact=someone_elses, screener=personas.screener2)
    for contact in (returned, approval, outcome):
        propose(contact, personas.screener)
    services.rating_return(actor=personas.manager, contact=returned, comments="Check the school's account.")
    services.rating_decide(actor=personas.manager, contact=outcome, brag="red")
    html = client_for(personas.screener).get("/contacts/mine/").content.decode()
    for testid, contact in [("my-returned", returned), ("my-screening", screening_), ("my-approval", approval),
                            ("my-outcome", outcome)]:
        section = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)[0]
        assert rows(section) == [contact.reference], testid
    assert someone_elses.reference not in html
    assert "Returned to you with a manager&#x27;s comments" in html


# --- immediate risk -------------------------------------------------------------------------------------------


def test_immediate_risk_at_intake_tells_the_duty_manager_at_once(personas, client_for):
    duty = Group.objects.get(name="duty_manager")
    personas.manager.groups.add(duty)
    response = client_for(personas.screener).post("/contacts/new/", contact_post(immediate_risk="on"))
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.immediate_risk
    told = Notification.objects.get(kind="contact_immediate_risk")
    assert told.recipient == personas.manager and contact.reference in told.subject
    assert AuditEvent.objects.get(action="contact.created").changes["immediate_risk"] is True
    html = client_for(personas.screener).get("/contacts/").content.decode()
    assert 'data-testid="immediate-risk"' in row(html, contact.reference)
    # Not marked: nobody is told.
    client_for(personas.screener).post("/contacts/new/", contact_post())
    assert Notification.objects.filter(kind="contact_immediate_risk").count() == 1


# --- the proposed rating's own clock ------------------------------------------------------------------------------


def test_a_proposal_starts_its_approval_clock_and_a_decision_stops_it(personas):
    contact = make_contact(personas.screener)
    with time_machine.travel(timezone.now(), tick=False):
        rating = propose(contact, personas.screener, brag="red")
        assert (rating.clock_stage, rating.due_at - rating.clock_started_at) == ("rating_approval",
                                                                                  timedelta(minutes=30))
        assert rating.warn_at - rating.clock_started_at == timedelta(minutes=15)
    contact.refresh_from_db()
    assert contact.proposed_rating == "red"
    services.rating_decide(actor=personas.manager, contact=contact, brag="red")
    rating.refresh_from_db()
    contact.refresh_from_db()
    assert rating.met_at is not None and contact.proposed_rating == ""


def test_an_undecided_red_proposal_is_swept_and_escalated(personas):
    contact = make_contact(personas.screener)
    rating = propose(contact, personas.screener, brag="red")
    result = deadlines.sweep(now=rating.proposed_at + timedelta(minutes=20))
    assert result.warnings == 1
    result = deadlines.sweep(now=rating.proposed_at + timedelta(minutes=31))
    assert result.breaches == 1
    breach = Escalation.objects.get(kind="breach", stage="rating_approval")
    assert (breach.target_id, breach.rating, breach.target_label) == (rating.pk, "red",
                                                                      f"{contact.reference} proposed Red")
    assert breach.target_url == f"/contacts/{contact.reference}/decide/"
    assert Notification.objects.filter(recipient=personas.manager, kind="escalation.breach",
                                       escalation=breach).exists()
    assert not Notification.objects.filter(recipient=personas.screener, kind="escalation.breach").exists()
    # Unacknowledged for 15 minutes: the second level.
    assert deadlines.sweep(now=rating.proposed_at + timedelta(minutes=47)).second_level == 1


def test_the_at_risk_board_shows_the_proposed_rating_until_approval(personas, client_for):
    contact = make_contact(personas.screener, received_at=timezone.now() - timedelta(days=4))  # decision overdue
    propose(contact, personas.screener, brag="red")
    html = client_for(personas.manager).get("/at-risk/").content.decode()
    assert 'data-testid="at-risk-red-contact_decision"' in html
    assert 'data-testid="at-risk-none-contact_decision"' not in html
