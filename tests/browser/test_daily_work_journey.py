"""Issue 11's journey (the daily-work half), axe on every page: a screener finds "Smith" by typing "Smyth", takes
an unassigned contact, screens it and proposes Red; the manager's queue shows it first with its 30-minute
approval clock; the manager approves it. Once with JavaScript, once without, once by keyboard alone (focus visible
and never lost when the queue refreshes); and an idle session with the queue refreshing ends on time."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from contacts.models import Contact, Person
from contacts.services import SubjectInput, contact_create

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

YELLOW = "rgb(255, 221, 0)"  # GOV.UK's focus colour


def sign_in(page, base, username):
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("identity-name")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in/"))


def world(personas):
    """Ava Smith is known (an earlier, closed contact); a new contact about her awaits screening, nobody has it;
    an older Amber proposal already waits for the manager."""
    earlier = contact_create(
        actor=personas.screener2, received_at=timezone.now() - timedelta(days=40), channel="phone",
        referrer_name="Jo Teacher", referral_source="2A", concern="Ava came to school hungry.",
        consent_answer="given",
        children=[SubjectInput(first_name="Ava", last_name="Smith", date_of_birth=date(2019, 4, 2),
                               address="1 High Street", postcode="AN1 1AA")])
    Contact.objects.filter(pk=earlier.pk).update(state="closed", closed_at=timezone.now() - timedelta(days=39))
    ava = Person.objects.get(last_name="Smith")
    contact = contact_create(
        actor=personas.screener2, received_at=timezone.now() - timedelta(minutes=40), channel="phone",
        referrer_name="Jo Teacher", referral_source="2A", consent_answer="given",
        concern="Ava has a bruise on her cheek and says she is scared to go home.\nShe said dad hit her.",
        children=[SubjectInput(first_name="Ava", last_name="Smith", person_id=ava.pk)])
    return earlier, contact


def screen_red(page):
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


class NoScriptAxe:
    """axe on what a browser without JavaScript is given. axe itself is JavaScript, and a page whose context has
    JavaScript off cannot run it: so each page's HTML, as the no-JavaScript browser received it, is served again
    at its own address to a second page that runs axe but none of the page's own scripts."""

    def __init__(self, browser):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.route("**/*.js", lambda route: route.abort())

    def __call__(self, page, visited):
        html, url = page.content(), page.url
        self.page.route(url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
        self.page.goto(url)
        self.page.unroute(url)
        assert_accessible(self.page, visited)

    def close(self):
        self.context.close()


def journey(page, base, personas, *, javascript: bool, axe=None):
    earlier, contact = world(personas)
    visited = []
    check = axe or assert_accessible  # without JavaScript: the same checks on what that browser was given

    # The screener starts on their own work: nothing yet.
    sign_in(page, base, "screener")
    expect(page).to_have_url(re.compile(r"/contacts/mine/$"))
    expect(page.get_by_test_id("my-work-empty")).to_be_visible()
    # Without JavaScript the page does not claim to refresh itself.
    if javascript:
        expect(page.get_by_text("refreshes itself")).to_be_visible()
    else:
        expect(page.get_by_text("refreshes itself")).to_be_hidden()
        expect(page.get_by_role("link", name="Refresh this page")).to_be_visible()
        assert page.locator("[hx-trigger]").count() == 1  # the attribute is there; nothing runs it
    check(page, visited)

    # Find a child: "Smyth" finds Ava Smith, with the reason, her age, address and both contacts.
    page.get_by_role("searchbox", name="Find a child").fill("Smyth")
    page.get_by_role("button", name="Search", exact=True).click()
    result = page.get_by_test_id("search-result").filter(has_text="Ava Smith")
    expect(result).to_contain_text("Name sounds like “Smyth”")
    expect(result).to_contain_text("Possible match")
    expect(result).to_contain_text("1 High Street")
    expect(result.get_by_test_id("open-contacts")).to_contain_text(contact.reference)
    expect(result.get_by_test_id("closed-contacts")).to_contain_text(earlier.reference)
    check(page, visited)

    # The screening queue: the unassigned contact, with the first line of the concern and who referred it.
    page.get_by_role("link", name="Screening queue").first.click()
    row = page.get_by_test_id("queue-row").filter(has_text=contact.reference)
    expect(row.get_by_test_id("concern")).to_have_text(
        "Ava has a bruise on her cheek and says she is scared to go home.")
    expect(row.get_by_test_id("referrer")).to_have_text("Schools · Phone call")
    expect(row.get_by_test_id("state")).to_have_text("Waiting for a screener to take it")
    check(page, visited)
    row.get_by_role("button", name=re.compile("Assign to me")).click()
    expect(page.get_by_text(f"{contact.reference} is yours")).to_be_visible()
    row = page.get_by_test_id("queue-row").filter(has_text=contact.reference)
    expect(row.get_by_test_id("owner")).to_have_text("You")
    check(page, visited)

    # Screen it (history on the page), propose Red.
    row.get_by_role("link", name=contact.reference).click()
    expect(page.get_by_test_id(f"history-{Person.objects.get(last_name='Smith').pk}")).to_contain_text(
        earlier.reference)
    check(page, visited)
    page.get_by_role("link", name="Screen this contact").click()
    check(page, visited)
    screen_red(page)
    check(page, visited)
    # It stays on the screener's own page, awaiting approval.
    page.get_by_role("link", name="My work").first.click()
    expect(page.get_by_test_id("my-approval")).to_contain_text(contact.reference)
    check(page, visited)
    sign_out(page)

    # The manager starts on the approvals queue: the Red proposal first, with its 30-minute clock.
    sign_in(page, base, "manager")
    expect(page).to_have_url(re.compile(r"/contacts/manage/$"))
    first = page.get_by_test_id("queue-row").first
    expect(first).to_have_attribute("data-reference", contact.reference)
    expect(first.get_by_test_id("rating")).to_contain_text("Red")
    expect(first.get_by_test_id("rating")).to_contain_text("proposed")
    expect(first.get_by_test_id("time-left")).to_contain_text("Approval")
    expect(first.get_by_test_id("time-left")).to_contain_text(re.compile(r"(29|30) minutes left"))
    check(page, visited)
    first.get_by_role("link", name=contact.reference).click()
    page.get_by_role("link", name="Decide the rating").click()
    check(page, visited)
    page.get_by_role("button", name="Approve rating").click()
    expect(page.get_by_text("Rating for")).to_be_visible()
    check(page, visited)
    contact.refresh_from_db()
    assert (contact.state, contact.rating, contact.proposed_rating) == ("awaiting_outcome", "red", "")
    assert contact.ratings.get().met_at is not None
    return visited


def test_daily_work_journey(live, personas, page):
    assert len(journey(page, live.url, personas, javascript=True)) == 11


def test_daily_work_journey_without_javascript(live, personas, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    axe = NoScriptAxe(browser)
    try:
        assert len(journey(page, live.url, personas, javascript=False, axe=axe)) == 11
    finally:
        axe.close()
        context.close()


def focused(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = el ? getComputedStyle(el) : null;
        return {id: el ? el.id : "", tag: el ? el.tagName : "", background: style ? style.backgroundColor : "",
                outline: style ? style.outlineStyle : "", body: el === document.body};
    }""")


def test_keyboard_alone_focus_visible_and_never_lost_on_refresh(live, personas, page, settings):
    settings.POLL_SECONDS = 1
    _, contact = world(personas)
    base = live.url
    sign_in(page, base, "screener")
    page.goto(f"{base}/contacts/")
    assert_accessible(page)
    # Tab to the contact's link in the queue, by keyboard alone.
    target = f"q-{contact.reference}"
    for _ in range(60):
        page.keyboard.press("Tab")
        if focused(page)["id"] == target:
            break
    state = focused(page)
    assert state["id"] == target, state
    assert state["background"] == YELLOW  # the GOV.UK focus style: visible
    # Unchanged polls (204) leave it alone for a few seconds...
    with page.expect_response(lambda r: r.url.endswith("/contacts/") and r.status == 204):
        pass
    assert focused(page)["id"] == target
    # ...and when the queue changes, the refresh redraws it and focus comes back to the same link.
    contact_create(actor=personas.screener2, received_at=timezone.now() - timedelta(minutes=5), channel="email",
                   referrer_name="GP", referral_source="3A", concern="New concern.", consent_answer="given",
                   children=[SubjectInput(first_name="Leo", last_name="Jones", date_of_birth=date(2020, 1, 1))])
    expect(page.get_by_test_id("queue").locator("caption")).to_have_text("2 contacts", timeout=10_000)
    state = focused(page)
    assert state["id"] == target and not state["body"], state
    assert state["background"] == YELLOW
    # Enter on the focused "Assign to me" button works from the keyboard too.
    page.keyboard.press("Tab")
    while focused(page)["id"] != f"q-take-{contact.reference}":
        page.keyboard.press("Tab")
    assert focused(page)["background"] == YELLOW
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"{contact.reference} is yours")).to_be_visible()
    assert_accessible(page)


def test_an_idle_session_with_the_queue_refreshing_ends_on_time(live, personas, page, settings):
    settings.POLL_SECONDS = 1
    settings.SESSION_COOKIE_AGE = 8
    # The timeout warning (static/js/timeout.js) would sign the person out itself just before the end: take it
    # out of this page, so only the background refreshes are left to (wrongly) keep the session alive.
    page.route("**/static/js/timeout.js", lambda route: route.fulfill(status=200, content_type="text/javascript",
                                                                      body=""))
    sign_in(page, live.url, "screener")
    page.goto(f"{live.url}/contacts/")
    expect(page.get_by_test_id("queue-region")).to_be_visible()
    # Nobody touches the page; it polls every second, which must not keep the session alive. After 8 s idle the
    # next poll sends the browser to the sign-in page, as a page (not drawn inside the queue).
    expect(page).to_have_url(re.compile(r"/sign-in/\?next=/contacts/$"), timeout=25_000)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.locator("#queue").count() == 0
