"""Issue 13 in Chromium, with axe on every page (in the JavaScript run): a first sign-in sets up an authenticator
app (QR code, key, recovery codes), and the next sign-in asks for a code; JavaScript on and off."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from conftest import PASSWORD

from .conftest import assert_accessible

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_mfa]


def code(secret_b32: str, ahead: int = 0) -> str:
    """The app's code now, or `ahead` steps on (django-otp accepts one step either side, each step once)."""
    return f"{totp(b32decode(secret_b32), t0=-30 * ahead):06d}"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_enrol_on_first_sign_in_then_sign_in_with_a_code(browser, live, personas, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()

    def check(page):
        # axe with scripts off on the enrolment page (its QR code a data: image) never returns here: the pages are
        # the same with and without JavaScript, so axe checks them in the JavaScript run
        if javascript:
            assert_accessible(page)

    page.goto(f"{live.url}/sign-in/")
    page.get_by_label("Username").fill("screener")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/two-factor/set-up/$"))
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    check(page)
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your app").fill("000000" if code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("6-digit code")
    check(page)
    page.get_by_label("Code from your app").fill(code(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/two-factor/recovery-codes/$"))
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    check(page)
    page.get_by_role("link", name="I have kept my recovery codes: continue").click()
    expect(page).to_have_url(re.compile(r"/contacts/"))

    page.get_by_role("button", name="Sign out").first.click()
    page.goto(f"{live.url}/contacts/")
    page.get_by_label("Username").fill("screener")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/two-factor/\?next=%2Fcontacts%2F$"))
    check(page)
    page.get_by_label("Code").fill(code(secret, ahead=1))  # the next step's code: the first was used already
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/contacts/$"))
    context.close()
