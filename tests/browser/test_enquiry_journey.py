"""Issue 10's journey in the browser across three roles, axe on every page, with JavaScript on and off: a manager
opens an enquiry on an Amber contact to police, health and education (health permitted by a recorded sharing
decision); the police partner claims and returns with a Red view and a sensitive section; health makes a nil
return; education declines with a reason and the manager is told; the board shows each state; the screener cannot
read the police sensitive section, the manager can (audited); the manager decides the outcome; police and health
are told; education's request shows declined; the timeline shows every step with who and when."""

import re

import pytest
from playwright.sync_api import expect

from enquiries.models import InformationRequest
from enquiries.tests.helpers import world
from mash.models import AuditEvent, Notification

from .conftest import assert_accessible, run_without_javascript
from .test_consent_journey import assert_accessible_as_served, sign_in, sign_out

pytestmark = pytest.mark.django_db(transaction=True)


def enquiry_journey(page, base, personas, *, checker=None):
    w = world(personas)
    visited = []

    def check():
        if checker is None:
            assert_accessible(page, visited)
        else:
            assert_accessible_as_served(page, checker, visited)

    # The manager opens the enquiry from the contact page.
    sign_in(page, base, "manager")
    page.goto(f"{base}{w.contact.get_absolute_url()}")
    expect(page.get_by_test_id("enquiry-panel")).to_be_visible()
    check()
    page.get_by_role("link", name="Open a MASH enquiry").click()
    expect(page.get_by_role("heading", name="Open a MASH enquiry", level=1)).to_be_visible()
    check()
    page.get_by_label("Why the MASH is making enquiries").fill("Ava is hungry at school; the risk is unknown.")
    page.get_by_label("What the MASH needs to know").fill("Call-outs, health attendances, school concerns.")
    for agency, question in ((w.police, "Any call-outs to the address?"), (w.health, "Any A&E attendances?"),
                             (w.education, "Attendance and concerns this year?")):
        block = page.get_by_test_id(f"agency-{agency.pk}")
        block.get_by_label(f"Ask {agency.name}").check()
        block.get_by_label(f"Question for {agency.name}").fill(question)
        block.get_by_label(re.compile(r"^Ava Brown \(subject child")).check()
    page.get_by_role("button", name="Open the enquiry and send the requests").click()
    expect(page.get_by_text("Enquiry opened: each agency has been sent its request.")).to_be_visible()
    check()
    requests = {r.agency_id: r for r in InformationRequest.objects.all()}
    police, health, education = (requests[a.pk] for a in (w.police, w.health, w.education))
    sign_out(page)

    # Police: the inbox is home; claim, then return with a Red view and a sensitive section.
    sign_in(page, base, "police")
    expect(page.get_by_role("heading", name="Information requests")).to_be_visible()
    check()
    page.get_by_role("link", name=w.contact.reference).click()
    expect(page.get_by_test_id("people")).to_contain_text("Ava Brown")
    expect(page.get_by_test_id("people")).not_to_contain_text("Leo Brown")
    check()
    page.get_by_role("button", name="Claim this request").click()
    expect(page.get_by_test_id("assigned")).to_contain_text("Pat Police")
    page.get_by_role("link", name="Make a return").click()
    check()
    page.get_by_label("Incidents").fill("Two call-outs to the address in May: shouting, no arrests.")
    page.get_by_label("Red").check()
    page.get_by_label("Why the agency takes this view").fill("Escalating violence in the home.")
    page.get_by_label("Sensitive information (MASH managers only)").fill("Intelligence: the partner carries a knife.")
    page.get_by_role("button", name="Submit the return").click()
    expect(page.get_by_test_id("request-state")).to_have_text("Returned")
    check()
    sign_out(page)

    # Health: a nil return in one step.
    sign_in(page, base, "health")
    page.get_by_role("link", name=w.contact.reference).click()
    expect(page.get_by_test_id("people")).to_contain_text("NHS number")
    page.get_by_role("button", name="Nil return: nothing known").click()
    expect(page.get_by_test_id("request-state")).to_have_text("Nil return")
    check()
    sign_out(page)

    # Education declines, with a reason.
    sign_in(page, base, "education")
    page.get_by_role("link", name=w.contact.reference).click()
    page.get_by_role("link", name="Decline the request").click()
    page.get_by_role("button", name="Decline the request").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    check()
    page.get_by_label("Why the agency declines").fill("Ava is not on the roll of any of our schools.")
    page.get_by_role("button", name="Decline the request").click()
    expect(page.get_by_test_id("request-state")).to_have_text("Declined")
    check()
    sign_out(page)
    assert Notification.objects.filter(recipient=personas.manager, kind="information_request_declined").exists()

    # The screener sees the police return but not its sensitive section.
    sign_in(page, base, "screener")
    page.goto(f"{base}{police.get_absolute_url()}")
    expect(page.get_by_test_id("sensitive-link")).to_have_text("Only MASH managers can read it")
    check()
    sign_out(page)

    # The manager: the board shows each state; the sensitive section, read and audited; the outcome.
    sign_in(page, base, "manager")
    page.get_by_role("link", name="Enquiries", exact=True).click()
    for r, state in ((police, "returned"), (health, "nil_return"), (education, "declined")):
        expect(page.get_by_test_id(f"board-request-{r.pk}")).to_have_attribute("data-state", state)
    check()
    page.get_by_test_id(f"board-request-{police.pk}").get_by_role("link").click()
    page.get_by_role("link", name=re.compile("Read the sensitive section")).click()
    expect(page.get_by_test_id("sensitive")).to_contain_text("carries a knife")
    check()
    assert AuditEvent.objects.filter(action="enquiry.sensitive_viewed", actor=personas.manager).count() == 1
    page.goto(f"{base}{w.contact.get_absolute_url()}")
    returns = page.get_by_test_id("enquiry-panel")
    expect(returns.get_by_test_id(f"panel-request-{police.pk}")).to_contain_text("Red")
    page.goto(f"{base}/contacts/{w.contact.reference}/outcome/")
    expect(page.get_by_test_id("enquiry-outcome-panel")).to_be_visible()
    expect(page.get_by_test_id(f"outcome-return-{police.pk}")).to_contain_text("What Testshire Police returned")
    check()
    page.get_by_label("No further action").check()
    page.get_by_label("Rationale").fill("Partners' information shows no role for social care.")
    page.get_by_label("Summary for the receiving service").fill("No further action.")
    page.get_by_role("button", name="Continue").click()
    check()
    page.get_by_role("button", name="Record outcome and send").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("No further action")
    check()
    told = set(Notification.objects.filter(kind="enquiry_outcome").values_list("recipient__username", flat=True))
    assert told == {"police", "health"}
    expect(page.get_by_test_id(f"panel-request-{education.pk}")).to_have_attribute("data-state", "declined")
    timeline = page.get_by_test_id("timeline")
    for step, who in [("MASH enquiry opened", "Mo Manager"), ("Information request claimed", "Pat Police"),
                      ("Agency return submitted", "Pat Police"), ("Nil return: nothing known", "Hal Health"),
                      ("Information request declined", "Ed Ucation"),
                      ("Outcome shared with the contributing agencies", "Mo Manager")]:
        title = page.locator(".moj-timeline__title", has_text=re.compile(rf"^{re.escape(step)}$"))
        item = timeline.locator(".moj-timeline__item", has=title)
        expect(item.first).to_contain_text(f"by {who}")
        expect(item.first.locator("time")).to_have_count(1)
    return visited


def test_enquiry_journey(live, personas, page):
    visited = enquiry_journey(page, live.url, personas)
    assert len(visited) == 16


def test_the_same_journey_works_without_javascript(live, personas, browser):
    assert len(run_without_javascript(browser, enquiry_journey, live.url, personas)) == 16
