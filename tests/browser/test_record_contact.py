"""The first slice, as a screener does it: sign in, record a contact with two children, see the queue."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from contacts.models import Contact

from .conftest import assert_accessible, fill_date

pytestmark = pytest.mark.django_db(transaction=True)


def record_contact_with_two_children(page, base_url, visited, *, axe=True):
    """The journey; `axe=False` when JavaScript is off (axe itself needs JavaScript timers to run)."""
    if not axe:
        visited = None
    check = assert_accessible if axe else (lambda page, visited=None: None)
    page.goto(f"{base_url}/sign-in/")
    check(page, visited)
    page.get_by_label("Username").fill("screener")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/contacts/mine/$"))  # a screener starts on their own work (issue 11)
    expect(page.get_by_test_id("identity-role")).to_have_text("Screening social worker")
    expect(page.get_by_test_id("identity-agency")).to_have_text("Testshire Children's Social Care")
    check(page, visited)

    page.get_by_role("link", name="Record a contact").first.click()
    expect(page.get_by_role("heading", name="Record a contact", level=1)).to_be_visible()
    check(page, visited)

    received = timezone.localtime(timezone.now() - timedelta(hours=1))
    fill_date(page, "When was the contact received?", received.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Phone call").check()
    page.get_by_label("Referrer's name").fill("Jo Teacher")
    page.get_by_label("Referrer's role").fill("Designated safeguarding lead")
    page.get_by_label("Referrer's organisation").fill("Anytown Primary School")
    page.get_by_label("Referral source").select_option("2A")
    child1 = page.get_by_test_id("child-1")
    child1.get_by_label("First name").fill("Ava")
    child1.get_by_label("Last name").fill("Brown")
    fill_date(child1, "Date of birth", "2019-04-02")
    child1.get_by_label("Postcode").fill("AN1 1AA")

    page.get_by_role("button", name="Add another child").click()
    child2 = page.get_by_test_id("child-2")
    expect(child2).to_be_visible()
    expect(page.get_by_test_id("child-1").get_by_label("First name")).to_have_value("Ava")
    check(page, visited)
    child2.get_by_label("First name").fill("Leo")
    child2.get_by_label("Last name").fill("Brown")
    fill_date(child2, "Date of birth", "2021-09-15")
    page.get_by_label("What is the concern?").fill(
        "Ava told her teacher that Leo is left alone at night and there is often no food."
    )
    page.get_by_label("Parents know and agree").check()
    page.get_by_role("button", name="Record contact").click()

    contact = Contact.objects.get()
    expect(page).to_have_url(re.compile(rf"/contacts/{contact.reference}/$"))
    expect(page.get_by_text(f"Contact {contact.reference} recorded")).to_be_visible()
    check(page, visited)
    assert [s.person.first_name for s in contact.subjects.order_by("position")] == ["Ava", "Leo"]

    page.get_by_role("link", name="Screening queue").click()
    row = page.locator(f'[data-testid="queue-row"][data-reference="{contact.reference}"]')
    expect(row).to_contain_text("Ava Brown")
    expect(row).to_contain_text("Leo Brown")
    expect(row.get_by_test_id("time-left")).to_contain_text(re.compile(r"\d+ (hours?|days?).* left"))
    check(page, visited)
    return contact


def test_screener_records_contact_and_sees_it_on_the_queue(live, personas, page):
    visited = []
    record_contact_with_two_children(page, live.url, visited)
    assert len(visited) == 6


def test_the_same_journey_works_without_javascript(live, personas, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        record_contact_with_two_children(page, live.url, None, axe=False)
        assert page.evaluate("document.body.classList.contains('js-enabled')") is False
    finally:
        context.close()


def test_error_summary_is_accessible_and_links_to_fields(live, personas, page):
    page.goto(f"{live.url}/sign-in/")
    page.get_by_label("Username").fill("screener")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live.url}/contacts/new/")
    page.get_by_role("button", name="Record contact").click()
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter the concern")
    assert_accessible(page)
    summary.get_by_role("link", name="Enter the concern").click()
    expect(page.get_by_label("What is the concern?")).to_be_focused()
    assert Contact.objects.count() == 0
