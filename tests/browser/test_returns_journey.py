"""A manager reads the performance figures, switches the period, downloads a table's CSV, and takes Ofsted's
Annex A lists and the CIN census file; a partner sees only their agency's figures; a screener cannot export.
axe on every page; the manager's journey also without JavaScript (without axe, which runs in the page)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from agencies.models import Team
from conftest import PASSWORD
from reports import summaries
from reports.tests.helpers import contact_to_outcome

from .conftest import assert_accessible, fill_date

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live, username):
    page.goto(f"{live.url}/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def referrals(personas):
    team = Team.objects.create(agency=personas.social_care, name="Assessment team", receives_outcomes=True)
    contact_to_outcome(personas, kind="strategy_s47", team=team, referral_source="6", channel="police_notification",
                       consent_answer="")
    contact_to_outcome(personas, kind="s17_assessment", team=team, referral_source="2A")
    summaries.refresh()  # as beat does every minute: the dashboard reads the summaries


@pytest.mark.parametrize("javascript", [True, False])
def test_a_manager_reads_the_figures_and_takes_the_returns(browser, live, personas, referrals, javascript, tmp_path):
    def check_accessible(page):
        if javascript:  # axe runs in the page: with JavaScript off the journey is checked, not the page
            assert_accessible(page)

    context = browser.new_context(java_script_enabled=javascript, accept_downloads=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    sign_in(page, live, "manager")
    page.get_by_role("link", name="Performance").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Performance")
    conversion = page.get_by_test_id("table-conversion")
    expect(conversion.get_by_role("row", name=re.compile("Became referrals"))).to_contain_text("2")
    # Beside each table its chart: an image labelled with what it draws (with JavaScript; the table alone without).
    chart = page.get_by_test_id("chart-conversion")
    if javascript:
        expect(chart).to_be_visible()
        expect(chart.get_by_role("img")).to_have_accessible_name(re.compile(r"Bar chart of contacts to referrals\. "
                                                                            r".*Became referrals 2"))
        tables = page.locator("table[data-testid^=table-]").count()
        expect(page.locator("[data-chart][data-drawn]:visible canvas")).to_have_count(tables)
    else:
        expect(chart).to_be_hidden()
    check_accessible(page)

    # The month before: nothing yet.
    today = timezone.localdate()
    first = today.replace(day=1)
    before = first.replace(year=first.year - 1, month=12) if first.month == 1 else first.replace(month=first.month - 1)
    fill_date(page, "First day", before.isoformat())
    fill_date(page, "Last day", (first - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show this period").click()
    expect(page.get_by_test_id("table-sources").get_by_role("row", name=re.compile("Total"))).to_contain_text("0")
    check_accessible(page)
    with page.expect_download() as download:
        page.get_by_test_id("csv-sources").click()
    assert download.value.suggested_filename.startswith("sources-")

    page.get_by_role("link", name="National returns").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("National returns")
    check_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Annex A lists (.xlsx)").click()
    path = tmp_path / "annex-a.xlsx"
    download.value.save_as(path)
    book = load_workbook(path)
    assert book["List 3"].max_row == 3  # the header and two referrals
    # The census file needs a year with referrals: the current collection has them.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the census file (.xml)").click()
    assert download.value.suggested_filename.endswith(".xml")
    context.close()


def test_a_partner_sees_only_their_agency_and_a_screener_cannot_export(page, live, personas, referrals):
    sign_in(page, live, "police")
    page.get_by_role("link", name="Performance").first.click()
    expect(page.get_by_test_id("partner-scope")).to_be_visible()
    sources = page.get_by_test_id("table-sources")
    expect(sources).to_contain_text("6 Police")
    expect(sources).not_to_contain_text("2A Schools")
    expect(page.get_by_test_id("chart-sources").get_by_role("img")).to_have_accessible_name(
        re.compile(r": 6 Police 1; "))
    assert_accessible(page)
    expect(page.get_by_role("link", name="National returns")).to_have_count(0)
    page.context.clear_cookies()

    sign_in(page, live, "screener")
    expect(page.get_by_role("link", name="National returns")).to_have_count(0)
    response = page.goto(f"{live.url}/reports/annex-a/")
    assert response.status == 403
