"""Issue 9's journey in the browser, axe on every page, with JavaScript on and off: a mother's consent for her two
children scoped to police and education; health blocked; sharing with health without consent proposed by a
screener, who cannot decide it; a manager decides it with the lawful basis; the mother withdraws; the managers see
the flag; the timeline shows every step with who and when."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from consent.models import BasisFlag, ConsentRecord, SharingDecision
from consent.tests.helpers import education, family_contact

from .conftest import assert_accessible, run_without_javascript

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, base, username):
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("identity-name")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in/"))


def position(page, agency):
    return page.get_by_test_id(f"position-{agency.pk}")


def assert_accessible_as_served(page, checker, visited):
    """axe on a page drawn with JavaScript off. axe needs JavaScript itself (its timers never fire in a page that
    has it off), so the page's markup as served, scripts removed, is drawn again at the same address in a
    JavaScript-enabled checker page (the same stylesheets load from the live server) and checked there."""
    page.wait_for_load_state("load")
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S | re.I)
    url = page.url.split("#")[0]
    checker.route(url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html))
    try:
        checker.goto(url)
        assert checker.evaluate("document.body.classList.contains('js-enabled')") is False
        assert_accessible(checker)
        visited.append(page.url)
    finally:
        checker.unroute(url)


def consent_journey(page, base, personas, *, checker=None):
    """The journey; with `checker` (a JavaScript-enabled page), `page` has JavaScript off and each page is checked
    as served (assert_accessible_as_served)."""
    school = education(personas)
    contact = family_contact(personas.screener)
    visited = []

    def check():
        if checker is None:
            assert_accessible(page, visited)
        else:
            assert_accessible_as_served(page, checker, visited)

    # A screener records the mother's consent for both children, police and education only, with what was
    # explained.
    sign_in(page, base, "screener")
    page.goto(f"{base}{contact.get_absolute_url()}")
    panel = page.get_by_test_id("consent-panel")
    expect(panel).to_contain_text("What the referrer said")
    check()
    panel.get_by_role("link", name="Record consent").click()
    expect(page.get_by_role("heading", name="Record consent", level=1)).to_be_visible()
    check()
    page.get_by_label(re.compile(r"^Jane Brown \(parent or carer")).check()
    page.get_by_label("Parent or carer with parental responsibility").check()
    page.get_by_label("They agreed (consent given)").check()
    page.get_by_role("checkbox", name=re.compile(r"^Ava Brown \(subject child")).check()
    page.get_by_role("checkbox", name=re.compile(r"^Leo Brown \(sibling")).check()
    page.get_by_label("Police", exact=True).check()
    page.get_by_label("Education", exact=True).check()
    page.get_by_label(re.compile(r"^Whether the agency knows the family")).check()
    page.get_by_label(re.compile(r"^Education \(attendance")).check()
    page.get_by_label(re.compile(r"^Police information")).check()
    page.get_by_label("What was it asked for?").fill("Checks with the school and the police about the children.")
    page.get_by_label("In person").check()
    for item in ("Who will be asked (which agencies)", "What the information is for",
                 "How long the information is kept",
                 "That they may refuse, and may withdraw their consent at any time"):
        page.get_by_label(item).check()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Consent given: recorded on")).to_be_visible()
    expect(position(page, personas.police)).to_have_attribute("data-status", "permitted")
    expect(position(page, school)).to_have_attribute("data-status", "permitted")
    expect(position(page, personas.health)).to_have_attribute("data-status", "blocked")
    expect(position(page, personas.health)).to_contain_text("No consent covering health information")
    check()

    # The screener proposes sharing with health without consent: risk of significant harm.
    page.get_by_role("link", name="Propose sharing without consent").click()
    check()
    page.get_by_label(re.compile(r"^Testshire Health \(health")).check()
    page.get_by_role("checkbox", name=re.compile(r"^Ava Brown \(subject child")).check()
    page.get_by_role("checkbox", name=re.compile(r"^Leo Brown \(sibling")).check()
    page.get_by_label(re.compile(r"^Section 47: reasonable cause")).check()
    page.get_by_label(re.compile(r"^Seeking consent would place the child at risk of significant harm")).check()
    page.get_by_label("Why is consent not sought, or overridden?").fill(
        "Ava disclosed that her mother's partner hits her; asking the mother would warn him.")
    page.get_by_label("What is the information for?").fill("Whether the GP or A&E have seen injuries.")
    page.get_by_label("No: they will not be told").check()
    page.get_by_label("If not, why not?").fill("Telling the family now would put Ava at risk.")
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("Sharing without consent proposed. Another manager must decide it.")).to_be_visible()
    expect(page.get_by_test_id("sharing-decisions")).to_contain_text("Awaiting a manager")
    expect(position(page, personas.health)).to_have_attribute("data-status", "blocked")
    check()

    # The same screener cannot decide it.
    decision = SharingDecision.objects.get()
    response = page.goto(f"{base}/consent/decisions/{decision.pk}/")
    assert response.status == 403
    check()
    page.goto(f"{base}{contact.get_absolute_url()}")
    sign_out(page)

    # A manager decides it, with the lawful basis: health may now be asked, on that basis.
    sign_in(page, base, "manager")
    page.goto(f"{base}{contact.get_absolute_url()}")
    check()
    page.get_by_role("link", name=re.compile(r"^Decide on sharing with Testshire Health")).click()
    expect(page.get_by_role("heading", name="Decide: share without consent?")).to_be_visible()
    check()
    page.get_by_label("Share without consent").check()
    page.get_by_label(re.compile(r"^Public task: safeguarding children")).check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    expect(position(page, personas.health)).to_have_attribute("data-status", "permitted")
    expect(position(page, personas.health)).to_contain_text("Decision by Mo Manager to share without consent")
    expect(position(page, personas.health)).to_contain_text("Public task: safeguarding children")
    check()
    sign_out(page)

    # The mother withdraws consent (the screener records it): police and education are blocked at once.
    sign_in(page, base, "screener")
    page.goto(f"{base}{contact.get_absolute_url()}")
    page.get_by_role("link", name=re.compile(r"^Record a withdrawal")).click()
    expect(page.get_by_label("By phone")).to_be_visible()
    check()
    page.get_by_label("By phone").check()
    page.get_by_label("What did they say? (optional)").fill("She no longer wants the school involved.")
    page.get_by_role("button", name="Record the withdrawal").click()
    expect(page.get_by_text("Consent withdrawn:")).to_be_visible()
    for agency in (personas.police, school):
        expect(position(page, agency)).to_have_attribute("data-status", "blocked")
        expect(position(page, agency)).to_contain_text("Consent withdrawn by Jane Brown")
    expect(position(page, personas.health)).to_have_attribute("data-status", "permitted")
    check()
    sign_out(page)

    # The manager sees the flag (and a notification), and the timeline shows every step with who and when.
    sign_in(page, base, "manager")
    expect(page.get_by_test_id("unread-count")).to_be_visible()
    page.goto(f"{base}{contact.get_absolute_url()}")
    flag = page.get_by_test_id("basis-flag")
    expect(flag).to_contain_text("Jane Brown withdrew consent")
    expect(flag).to_contain_text("Testshire Police about Ava Brown and Leo Brown")
    expect(flag.get_by_role("button", name="Clear the flag")).to_be_visible()
    check()
    timeline = page.get_by_test_id("timeline")
    for step, who in [("Consent given", "Sam Screener"), ("Sharing without consent proposed", "Sam Screener"),
                      ("Sharing without consent decided: share", "Mo Manager"), ("Consent withdrawn", "Sam Screener"),
                      ("Basis for sharing lost: managers told", "Sam Screener")]:
        title = page.locator(".moj-timeline__title", has_text=re.compile(rf"^{re.escape(step)}$"))
        item = timeline.locator(".moj-timeline__item", has=title)
        expect(item).to_have_count(1)
        expect(item).to_contain_text(f"by {who}")
        expect(item.locator("time")).to_have_count(1)
    assert ConsentRecord.objects.get().state == "withdrawn"
    assert BasisFlag.objects.filter(cleared_at__isnull=True).count() == 1
    return visited


def test_consent_journey(live, personas, page):
    visited = consent_journey(page, live.url, personas)
    assert len(visited) == 12


def test_the_same_journey_works_without_javascript(live, personas, browser):
    assert len(run_without_javascript(browser, consent_journey, live.url, personas)) == 12
