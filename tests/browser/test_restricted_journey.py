"""Issue 13 in Chromium, axe on each page: a manager restricts a contact and grants one screener; another screener
cannot find it by search or open it; the granted screener can."""

import re

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from contacts.tests.factories import make_contact

from .conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, base, username):
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in/"))


def test_a_manager_restricts_a_contact_and_another_screener_cannot_find_it(browser, live, personas):
    contact = make_contact(personas.screener)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live.url, "manager")
    page.goto(f"{live.url}{contact.get_absolute_url()}")
    page.get_by_role("link", name=re.compile("Restrict this record")).click()
    expect(page).to_have_url(re.compile(r"/restrict/$"))
    assert_accessible(page)
    page.get_by_label("Why is this record restricted?").fill("A member of staff's family.")
    page.get_by_label("Sam Screener").check()
    page.get_by_role("button", name="Restrict the record").click()
    expect(page.get_by_test_id("restricted")).to_be_visible()
    assert_accessible(page)
    context.close()

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live.url, "screener2")
    page.goto(f"{live.url}/contacts/search/?q={contact.reference}")
    expect(page.locator(f'a[href="{contact.get_absolute_url()}"]')).to_have_count(0)
    assert_accessible(page)
    response = page.goto(f"{live.url}{contact.get_absolute_url()}")
    assert response.status == 404
    context.close()

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live.url, "screener")
    response = page.goto(f"{live.url}{contact.get_absolute_url()}")
    assert response.status == 200
    expect(page.get_by_test_id("restricted")).to_be_visible()
    context.close()
