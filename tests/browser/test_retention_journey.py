"""Issue 13's retention in Chromium, axe on each page: a manager finds a record past its retention period, holds
it and lifts the hold, and approves its destruction; a second manager confirms it and finds it in the destruction
log."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contacts.models import Contact
from reports.tests.helpers import contact_to_outcome
from retention import services
from retention.models import DestructionLog
from retention.tests.helpers import manager2

from .conftest import assert_accessible
from .test_restricted_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_managers_destroy_a_record_past_its_period(browser, live, personas):
    contact = contact_to_outcome(personas, kind="nfa")
    Contact.objects.filter(pk=contact.pk).update(closed_at=timezone.now() - timedelta(days=365 * 11))
    services.reviews_list_due()
    manager2(personas)

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live.url, "manager")
    page.get_by_role("link", name="Retention").first.click()
    expect(page.get_by_test_id("reviews")).to_contain_text(contact.reference)
    assert_accessible(page)
    page.get_by_role("link", name="Legal holds").click()
    assert_accessible(page)
    page.get_by_label("Contact reference").fill(contact.reference)
    page.get_by_label("Why is it held?").fill("A claim.")
    page.get_by_role("button", name="Place the hold").click()
    expect(page.get_by_test_id("holds")).to_contain_text(contact.reference)
    assert_accessible(page)
    page.get_by_label("Why lift the hold?").fill("Settled.")
    page.get_by_role("button", name=re.compile("Lift")).click()
    expect(page.get_by_text("No hold is in force.")).to_be_visible()
    page.get_by_role("link", name="Back to the records to review").click()
    page.get_by_role("link", name=contact.reference).click()
    assert_accessible(page)
    page.get_by_role("button", name="Approve destruction").click()
    expect(page.get_by_text("another manager must confirm it")).to_be_visible()
    assert_accessible(page)
    context.close()

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live.url, "manager2")
    page.goto(f"{live.url}/retention/")
    page.get_by_role("link", name=contact.reference).click()
    page.get_by_role("button", name="Confirm destruction").click()
    expect(page.get_by_test_id("destroyed")).to_contain_text(contact.reference)
    assert_accessible(page)
    context.close()
    assert DestructionLog.objects.get().reference == contact.reference
    assert not Contact.objects.filter(pk=contact.pk).exists()
