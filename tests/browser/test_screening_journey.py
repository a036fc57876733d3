"""Issue 3's whole journey in the browser, axe on every page: contact, match, screen, four eyes, outcome."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Team
from conftest import PASSWORD
from contacts.models import Contact
from contacts.tests.factories import make_contact
from mash.notify import deliver_pending

from .conftest import assert_accessible, fill_date

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, base, username):
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("identity-name")).to_be_visible()


def test_contact_to_outcome_with_four_eyes(live, personas, page):
    base = live.url
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    earlier = make_contact(personas.screener2, received_at=timezone.now() - timedelta(days=30))
    ava = earlier.subjects.get().person
    ava.first_name, ava.last_name, ava.date_of_birth = "Ava", "Brown", date(2019, 4, 2)
    ava.save()  # save() refreshes the stored match keys
    visited = []

    # The screener records a contact with two children; Ava is already known.
    sign_in(page, base, "screener")
    page.goto(f"{base}/contacts/new/")
    received = timezone.localtime(timezone.now() - timedelta(hours=1))
    fill_date(page, "When was the contact received?", received.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Phone call").check()
    page.get_by_label("Referrer's name").fill("Jo Teacher")
    page.get_by_label("Referrer's organisation").fill("Anytown Primary School")
    page.get_by_label("Referrer's e-mail address").fill("jo.teacher@school.example")
    page.get_by_label("Referral source").select_option("2A")
    for number, (first, born) in enumerate([("Ava", "2019-04-02"), ("Leo", "2021-09-15")], start=1):
        if number == 2:
            page.get_by_role("button", name="Add another child").click()
        child = page.get_by_test_id(f"child-{number}")
        child.get_by_label("First name").fill(first)
        child.get_by_label("Last name").fill("Brown")
        fill_date(child, "Date of birth", born)
    page.get_by_label("What is the concern?").fill("Ava has a bruise on her cheek and is scared to go home.")
    page.get_by_label("Parents not asked").check()
    page.get_by_label("About consent").fill("Disclosure of physical harm: asking could put Ava at risk.")
    page.get_by_role("button", name="Record contact").click()

    # Ava matches: the screener is shown why, and links her. Nothing is linked on its own.
    matches = page.get_by_test_id("child-1-matches")
    expect(matches).to_contain_text("Same surname, first initial and date of birth")
    expect(page.get_by_test_id("child-2-matches")).to_have_count(0)
    assert_accessible(page, visited)
    matches.get_by_label(re.compile(r"Link to Ava Brown")).check()
    page.get_by_role("button", name="Record contact").click()
    contact = Contact.objects.get(referrer_name="Jo Teacher")
    expect(page).to_have_url(re.compile(rf"/contacts/{contact.reference}/$"))
    assert ava.pk in [s.person_id for s in contact.subjects.all()]
    expect(page.get_by_test_id(f"history-{ava.pk}")).to_contain_text(earlier.reference)
    assert_accessible(page, visited)

    # Screening: Signs of Safety, history checked, Red against the threshold document.
    page.get_by_role("button", name="Assign to me and screen").click()  # nobody has it yet: take it, then screen
    assert_accessible(page, visited)
    page.get_by_label("What are we worried about?").fill("Bruise to the cheek; Ava says she is scared of dad.")
    page.get_by_label("What's working well?").fill("Grandmother lives nearby and Ava trusts her.")
    page.get_by_label("What needs to happen?").fill("Strategy discussion with police and health today.")
    page.get_by_label("I have checked the history").check()
    page.get_by_label(re.compile(r"^Level 4:")).check()
    page.get_by_label(re.compile(r"^Level 4, 4\.1")).check()
    page.get_by_label("Red", exact=True).check()
    page.get_by_label("Rationale for the rating").fill("A disclosure of physical harm by a parent.")
    page.get_by_label("Route the contact (decide an outcome)").check()
    page.get_by_role("button", name="Propose rating").click()
    expect(page.get_by_text("Rating proposed for")).to_be_visible()
    assert_accessible(page, visited)

    # Four eyes: the screener who proposed cannot approve.
    response = page.goto(f"{base}/contacts/{contact.reference}/decide/")
    assert response.status == 403
    assert_accessible(page, visited)
    page.goto(f"{base}/contacts/")
    page.get_by_role("button", name="Sign out").click()

    # The manager changes the rating to Amber, with a reason.
    sign_in(page, base, "manager")
    page.goto(f"{base}/contacts/manage/")
    assert_accessible(page, visited)
    page.get_by_role("link", name=contact.reference).click()
    page.get_by_role("link", name="Decide the rating").click()
    assert_accessible(page, visited)
    page.get_by_label("Amber", exact=True).check()
    page.get_by_label("Reason for changing the rating").fill("Grandmother is protective; s17 today, not s47.")
    page.get_by_role("button", name="Approve rating").click()
    expect(page.get_by_text("Rating for")).to_be_visible()

    # The outcome: a section 17 assessment, with a summary for the receiving team.
    page.get_by_role("link", name="Decide the outcome").click()
    assert_accessible(page, visited)
    page.get_by_label("Section 17 child-in-need assessment").check()
    page.get_by_label("Rationale").fill("Needs an assessment of the parents' capacity to keep Ava safe.")
    page.get_by_label("Receiving team").select_option(str(team.pk))
    page.get_by_label("Summary for the receiving service").fill("Bruise; Ava scared of dad; grandmother protective.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("referrer-body")).to_contain_text("Section 17 child-in-need assessment")
    assert_accessible(page, visited)
    page.get_by_role("button", name="Record outcome and send").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("Section 17 child-in-need assessment")
    assert_accessible(page, visited)

    # The referrer's outcome e-mail goes out through the outbox.
    deliver_pending()
    assert [m.to for m in mail.outbox] == [["jo.teacher@school.example"]]
    assert "Section 17 child-in-need assessment" in mail.outbox[0].body

    # The timeline shows every step, with who did it and when.
    timeline = page.get_by_test_id("timeline")
    for step, who in [("Contact recorded", "Sam Screener"), ("Rating proposed", "Sam Screener"),
                      ("Rating changed by manager", "Mo Manager"), ("Outcome decided", "Mo Manager")]:
        item = timeline.locator(".moj-timeline__item", has_text=step)
        expect(item).to_contain_text(who)
        expect(item.locator("time")).to_have_count(1)
    contact.refresh_from_db()
    assert (contact.state, contact.rating) == ("closed", "amber")
    assert len(visited) == 10
