"""A manager on the at-risk dashboard: sees a breached Red contact, acknowledges it, and it goes no further."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from mash import deadlines
from mash.models import Escalation, EscalationKind, SweepRun
from mash.tests.helpers import clocked_contact

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_manager_acknowledges_a_breached_red_contact(page, live, personas):
    now = timezone.now()
    contact = clocked_contact(personas.screener, started_at=now - timedelta(hours=4, minutes=5))
    deadlines.sweep()
    SweepRun.objects.create(started_at=timezone.now(), finished_at=timezone.now(), duration_ms=3)
    breach = Escalation.objects.get(target_id=contact.pk, kind=EscalationKind.BREACH)

    page.goto(f"{live.url}/sign-in/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("unread-count")).to_have_text("1")  # the breach (past both: no separate warning)

    page.get_by_role("link", name="At risk").first.click()
    expect(page).to_have_url(re.compile(r"/at-risk/$"))
    row = page.get_by_test_id("at-risk-row").filter(has_text=contact.reference)
    expect(row).to_contain_text("Breached")
    expect(row).to_contain_text("Overdue by")
    expect(page.get_by_test_id("at-risk-red-brag_response")).to_be_visible()
    expect(page.get_by_test_id("sweep-stale")).to_have_count(0)
    assert_accessible(page)

    row.get_by_role("link", name=re.compile("Acknowledge")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Breach: {contact.reference}")
    assert_accessible(page)
    page.get_by_role("button", name="Acknowledge the breach").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a note")
    assert_accessible(page)
    page.get_by_label("What is being done about it").fill("Strategy discussion booked for 14:00 with police")
    page.get_by_role("button", name="Acknowledge the breach").click()

    expect(page).to_have_url(re.compile(r"/at-risk/$"))
    expect(page.get_by_text("Breach acknowledged")).to_be_visible()
    row = page.get_by_test_id("at-risk-row").filter(has_text=contact.reference)
    expect(row.get_by_test_id("acknowledged")).to_contain_text("Strategy discussion booked")
    assert_accessible(page)

    # Past the Red second-level time (30 minutes): nothing escalates further.
    assert deadlines.sweep(now=timezone.now() + timedelta(hours=1)).second_level == 0
    assert not Escalation.objects.filter(target_id=contact.pk, kind=EscalationKind.SECOND_LEVEL).exists()
    breach.refresh_from_db()
    assert breach.acknowledged_by == personas.manager

    page.get_by_role("link", name=re.compile("Notifications")).first.click()
    expect(page.get_by_test_id("notification").first).to_contain_text(contact.reference)
    assert_accessible(page)


def test_dashboard_works_without_javascript_and_warns_of_a_dead_sweep(browser, live, personas):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    contact = clocked_contact(personas.screener, started_at=timezone.now() - timedelta(hours=4, minutes=5))
    page.goto(f"{live.url}/sign-in/")
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live.url}/at-risk/")
    # Never swept: the banner says so, and the row is shown all the same (from the clock columns).
    expect(page.get_by_test_id("sweep-stale")).to_contain_text("never run")
    expect(page.get_by_test_id("at-risk-row").filter(has_text=contact.reference)).to_contain_text("Not yet recorded")
    deadlines.sweep()
    page.get_by_role("link", name="Refresh this page").click()  # without JavaScript nothing refreshes itself
    page.get_by_test_id("acknowledge-link").first.click()
    page.get_by_label("What is being done about it").fill("Called the duty social worker")
    page.get_by_role("button", name="Acknowledge the breach").click()
    expect(page.get_by_test_id("acknowledged")).to_contain_text("Called the duty social worker")
    context.close()


def test_screener_follows_a_digest_to_their_own_contacts_at_risk(page, live, personas):
    """Six of screener2's contacts pass target and limit while the sweep was down: one digest, which opens
    on the board of their own contacts at risk (contacts awaiting an outcome, on no screening queue)."""
    from contacts.codes import ContactState

    started = timezone.now() - timedelta(hours=5)
    burst = [
        clocked_contact(personas.screener, started_at=started, assigned_screener=personas.screener2,
                        state=ContactState.AWAITING_OUTCOME)
        for _ in range(6)
    ]
    someone_elses = clocked_contact(personas.screener, started_at=started, assigned_screener=personas.screener)
    deadlines.sweep()
    SweepRun.objects.create(started_at=timezone.now(), finished_at=timezone.now(), duration_ms=3)

    page.goto(f"{live.url}/sign-in/")
    page.get_by_label("Username").fill("screener2")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name=re.compile("Notifications")).first.click()
    page.get_by_role("link", name="Breaches: 6 past their limit").click()
    expect(page).to_have_url(re.compile(r"/at-risk/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your contacts at risk")
    for contact in burst:
        expect(page.get_by_test_id("at-risk-row").filter(has_text=contact.reference)).to_contain_text("Overdue by")
    expect(page.get_by_test_id("at-risk-row").filter(has_text=someone_elses.reference)).to_have_count(0)
    expect(page.get_by_test_id("acknowledge-link")).to_have_count(0)
    assert_accessible(page)
