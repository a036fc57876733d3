"""Issue 11 (decisions), in the browser, axe on every page: the outcome previewed before it is sent (with JavaScript,
without it, and by keyboard alone with focus always visible); the screening form's suggestion; the warning before
the idle timeout, and a draft that survives being signed out; the chronology; printed pages and phone widths."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Team
from conftest import PASSWORD
from contacts import services
from contacts.models import Contact, FormDraft, Outcome
from contacts.tests.factories import make_contact
from contacts.tests.test_screening_flow import screen
from mash.notify import deliver_pending

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

# What a focused element looks like in GOV.UK Frontend: the yellow focus colour, as an outline, a box shadow or a
# background; anything else (or focus on <body>) is focus the person cannot see.
FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "nothing focused";
  const yellow = (v) => v.includes("255, 221, 0");
  const shows = (s) => yellow(s.boxShadow) || yellow(s.backgroundColor) || (s.outlineStyle !== "none"
    && parseFloat(s.outlineWidth) >= 2 && yellow(s.outlineColor));
  // A GOV.UK radio or checkbox input is invisible: its focus ring is drawn on the label's ::before.
  const label = (el.type === "radio" || el.type === "checkbox") ? el.nextElementSibling : null;
  if (shows(getComputedStyle(el)) || (label && shows(getComputedStyle(label, "::before")))) return "";
  return `${el.tagName} ${el.name || el.id || el.textContent.trim().slice(0, 30)} has no visible focus`;
}"""


def sign_in(page, base, username):
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("identity-name")).to_be_visible()


def approved_contact(personas):
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    personas.screener2.team = team
    personas.screener2.save()
    contact = make_contact(personas.screener, referrer_email="jo@school.example", referral_source="2A",
                           referrer_name="Jo Teacher", concern="Ava has a bruise and is scared to go home.")
    screen(contact, personas.screener, brag="amber", n=3)
    services.rating_decide(actor=personas.manager, contact=contact, brag="amber")
    return contact, team


def decide_outcome(page, contact, team):
    page.get_by_label("Section 17 child-in-need assessment").check()
    page.get_by_label("Rationale").fill("Needs an assessment of the parents' capacity to keep Ava safe.")
    page.get_by_label("Receiving team").select_option(str(team.pk))
    page.get_by_label("Summary for the receiving service").fill("Bruise; Ava scared at home; grandmother nearby.")
    page.get_by_role("button", name="Continue").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_the_outcome_page_previews_the_referrers_note_before_sending(live, personas, browser, javascript):
    contact, team = approved_contact(personas)
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    check = assert_accessible if javascript else (lambda page: None)  # axe itself needs JavaScript
    try:
        sign_in(page, live.url, "manager")
        page.goto(f"{live.url}/contacts/{contact.reference}/outcome/")
        expect(page.get_by_test_id("facts-screening")).to_contain_text("Bruise on cheek")  # the analysis is there
        check(page)
        decide_outcome(page, contact, team)
        expect(page.get_by_role("heading", name="Check the outcome and what will be sent")).to_be_visible()
        preview = page.get_by_test_id("referrer-body").inner_text()
        assert "The MASH decided: Section 17 child-in-need assessment." in preview
        expect(page.get_by_test_id("team-body")).to_contain_text("Bruise; Ava scared at home")
        assert not Outcome.objects.exists()  # nothing sent or recorded yet
        check(page)
        page.get_by_role("button", name="Record outcome and send").click()
        expect(page.get_by_test_id("outcome")).to_contain_text("Section 17 child-in-need assessment")
        check(page)
        deliver_pending()
        sent = [m for m in mail.outbox if m.to == ["jo@school.example"]]
        assert len(sent) == 1 and sent[0].body.strip() == preview.strip()  # what was sent is what was shown
    finally:
        context.close()


def test_the_outcome_by_keyboard_alone_with_focus_always_visible(live, personas, page):
    contact, team = approved_contact(personas)
    sign_in(page, live.url, "manager")
    page.goto(f"{live.url}/contacts/{contact.reference}/outcome/")

    def tab_to(predicate, limit=120):
        for _ in range(limit):
            page.keyboard.press("Tab")
            assert page.evaluate(FOCUS_VISIBLE) == ""
            if page.evaluate(predicate):
                return
        raise AssertionError(f"never reached {predicate}")

    tab_to("() => document.activeElement.name === 'kind'")
    for _ in range(5):  # radios move with the arrow keys; stop on section 17
        if page.evaluate("() => document.activeElement.value") == "s17_assessment":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.evaluate(FOCUS_VISIBLE) == ""
    tab_to("() => document.activeElement.name === 'rationale'")
    page.keyboard.type("Needs an assessment of parenting capacity.")
    tab_to("() => document.activeElement.name === 'receiving_team'")
    page.keyboard.press("ArrowDown")  # the first team after "No receiving team"
    tab_to("() => document.activeElement.name === 'summary'")
    page.keyboard.type("Bruise; Ava scared at home.")
    tab_to("() => document.activeElement.textContent.trim() === 'Continue'")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("referrer-body")).to_contain_text("Section 17 child-in-need assessment")
    tab_to("() => document.activeElement.textContent.trim() === 'Record outcome and send'")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("outcome")).to_contain_text("Section 17 child-in-need assessment")
    assert Contact.objects.get(pk=contact.pk).state == "closed"


def test_the_screening_form_suggests_the_rating_as_criteria_are_ticked(live, personas, page):
    contact = make_contact(personas.screener)
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)  # theirs to screen
    sign_in(page, live.url, "screener")
    page.goto(f"{live.url}/contacts/{contact.reference}/screen/")
    expect(page.get_by_role("button", name="Suggest a rating from the criteria")).to_be_hidden()  # live instead
    differs = page.get_by_label("Why your rating differs from the suggested rating")
    expect(differs).to_be_hidden()
    page.get_by_label(re.compile(r"^Level 3, 3\.1")).check()
    expect(page.get_by_test_id("suggestion")).to_have_text(re.compile(r"suggest Amber: the usual rating for level 3"))
    expect(page.get_by_label("Amber", exact=True)).to_be_checked()
    expect(page.get_by_label(re.compile(r"^Level 3:"))).to_be_checked()
    page.get_by_label(re.compile(r"^Level 4, 4\.2")).check()
    expect(page.get_by_label("Red", exact=True)).to_be_checked()  # follows until the screener chooses
    page.get_by_label("Amber", exact=True).check()
    expect(differs).to_be_visible()  # they chose otherwise: say why
    assert_accessible(page)


def test_warned_before_the_idle_timeout_and_a_draft_survives_being_signed_out(live, personas, page, settings):
    settings.SESSION_COOKIE_AGE = 14
    settings.SESSION_TIMEOUT_WARNING_SECONDS = 10
    contact = make_contact(personas.screener)
    services.contact_assign(actor=personas.screener, contact=contact, screener=personas.screener)  # theirs to screen
    sign_in(page, live.url, "screener")
    page.goto(f"{live.url}/contacts/{contact.reference}/screen/")
    dialog = page.get_by_test_id("timeout-dialog")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_contain_text("You’re about to be signed out")
    expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
    assert page.evaluate(FOCUS_VISIBLE) == ""
    assert_accessible(page)
    page.keyboard.press("Enter")  # stay signed in
    expect(dialog).to_be_hidden()
    page.get_by_label("What are we worried about?").fill("Ava is scared of her mum's partner.")
    # The person walks away: warned again, then signed out, and what they typed is kept.
    expect(dialog).to_be_visible(timeout=15_000)
    expect(page).to_have_url(re.compile(r"/sign-in/\?timed_out=1"), timeout=20_000)
    expect(page.get_by_test_id("timed-out")).to_contain_text("You were signed out")
    assert_accessible(page)
    assert FormDraft.objects.get(user=personas.screener).data["worries"] == ["Ava is scared of her mum's partner."]
    settings.SESSION_COOKIE_AGE = 30 * 60
    page.get_by_label("Username").fill("screener")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live.url}/contacts/{contact.reference}/screen/")
    expect(page.get_by_test_id("draft-restored")).to_be_visible()
    expect(page.get_by_label("What are we worried about?")).to_have_value("Ava is scared of her mum's partner.")


def test_the_chronology_and_printed_pages(live, personas, page):
    first = make_contact(personas.screener, received_at=timezone.now() - timedelta(days=40))
    child = first.subjects.get().person
    screen(first, personas.screener, brag="green", n=2)
    sign_in(page, live.url, "manager")
    page.goto(f"{live.url}/contacts/people/{child.pk}/chronology/")
    expect(page.get_by_test_id("event").first).to_contain_text("Rating proposed: Green")
    assert_accessible(page)
    page.get_by_test_id("print-link").click()
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.get_by_test_id("protective-marking")).to_be_visible()
    expect(page.get_by_test_id("protective-marking")).to_have_text("OFFICIAL-SENSITIVE")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.get_by_test_id("site-search")).to_be_hidden()  # "Find a child" is for the screen only
    page.emulate_media(media="screen")
    expect(page.get_by_test_id("protective-marking")).to_be_hidden()


def test_tables_on_a_phone_scroll_in_their_box_not_the_page(live, personas, browser):
    for _ in range(3):
        make_contact(personas.screener, referrer_organisation="Anytown Primary School and Nursery")
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, live.url, "screener")
        page.goto(f"{live.url}/contacts/")
        expect(page.get_by_test_id("queue")).to_be_visible()
        # The queue's rows stack on a phone (a wide table would push the page sideways).
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert_accessible(page)
        contact = make_contact(personas.screener, children=3, referrer_organisation="Anytown Primary School")
        page.goto(f"{live.url}{contact.get_absolute_url()}")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        box = page.locator(".app-table-scroll").first
        assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # the table scrolls inside its box
        assert_accessible(page)
    finally:
        context.close()
