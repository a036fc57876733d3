"""A manager reads the performance figures, switches the period, downloads a table's CSV, starts Ofsted's Annex A
lists and sees their progress to the download (for Ofsted: a disclosure of each child), then the CIN census file;
a real Celery worker makes them. A partner sees only their agency's figures; a screener cannot export. axe on every
page; the manager's journey also without JavaScript (the person reloads the progress page; axe checks each page
as served, in a second page with JavaScript on)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from agencies.models import Team
from conftest import PASSWORD
from consent.models import Disclosure
from reports import summaries
from reports.models import ExportJob
from reports.tests.helpers import contact_to_outcome
from tests.export_worker import export_worker

from .conftest import assert_accessible, fill_date, run_without_javascript
from .test_consent_journey import assert_accessible_as_served

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, base, username):
    page.goto(f"{base}/sign-in/")
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


def wait_until_made(page, javascript: bool):
    """The progress page, until the worker has made the file: with JavaScript, htmx polls the region until it says
    so; without it, the person reloads the page with its "Refresh this page" link."""
    progress = page.get_by_test_id("export-progress")
    if javascript:
        expect(progress).to_have_attribute("data-state", "done", timeout=60000)
        return
    for _ in range(120):
        if progress.get_attribute("data-state") == "done":
            return
        expect(page.get_by_text("This page checks how far")).to_be_hidden()  # never claims to refresh itself
        page.wait_for_timeout(500)
        page.get_by_role("link", name="Refresh this page").click()
    raise AssertionError("the export was not made within a minute")


def returns_journey(page, base, tmp_path, javascript, start_worker, *, checker=None) -> list:
    visited = []

    def check():
        if checker is None:
            assert_accessible(page, visited)
        else:
            assert_accessible_as_served(page, checker, visited)

    sign_in(page, base, "manager")
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
    check()

    # The month before: nothing yet.
    today = timezone.localdate()
    first = today.replace(day=1)
    before = first.replace(year=first.year - 1, month=12) if first.month == 1 else first.replace(month=first.month - 1)
    fill_date(page, "First day", before.isoformat())
    fill_date(page, "Last day", (first - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show this period").click()
    expect(page.get_by_test_id("table-sources").get_by_role("row", name=re.compile("Total"))).to_contain_text("0")
    check()
    with page.expect_download() as download:
        page.get_by_test_id("csv-sources").click()
    assert download.value.suggested_filename.startswith("sources-")

    # Annex A, made in the background: its progress, then the download, for Ofsted.
    page.get_by_role("link", name="National returns").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("National returns")
    check()
    page.get_by_role("button", name="Make the Annex A lists (.xlsx)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ofsted Annex A lists (.xlsx)")
    # No worker yet: the page says it is waiting, and (with JavaScript) that it checks by itself.
    expect(page.get_by_test_id("export-progress")).to_contain_text("Waiting for a worker to start it")
    expect(page.get_by_role("progressbar")).to_be_visible()
    if javascript:
        expect(page.get_by_text("This page checks how far it has got")).to_be_visible()
        page.evaluate("window.drawnOnce = true")
    check()
    start_worker()
    wait_until_made(page, javascript)
    if javascript:  # the region was polled in: the page itself was never reloaded
        assert page.evaluate("window.drawnOnce") is True
    expect(page.get_by_role("heading", name="The file is ready")).to_be_visible()
    check()
    page.get_by_label(re.compile("^It leaves the MASH: it is for Ofsted")).check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the file").click()
    assert download.value.suggested_filename.startswith("annex-a-")
    path = tmp_path / "annex-a.xlsx"
    download.value.save_as(path)
    book = load_workbook(path)
    assert book["List 3"].max_row == 3  # the header and two referrals
    # Each child in it is disclosed to Ofsted, on the contact's ledger.
    assert Disclosure.objects.filter(basis_kind="statutory_return").count() == 2

    # The census file needs a year with referrals: the current collection has them. Kept in the MASH.
    page.get_by_role("link", name="Back to national returns").click()
    expect(page.get_by_test_id("recent-exports")).to_contain_text("Ofsted Annex A lists")
    page.get_by_role("button", name="Make the census file (.xml)").click()
    wait_until_made(page, javascript)
    page.get_by_label(re.compile("^It stays in the MASH")).check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the file").click()
    assert download.value.suggested_filename.endswith(".xml")
    assert Disclosure.objects.filter(basis_kind="statutory_return").count() == 2
    return visited


@pytest.fixture
def worker(settings, tmp_path):
    """A Celery worker, started by the journey once the manager is watching the progress page."""
    with export_worker(settings, tmp_path, start=False) as procs:
        yield procs


def test_a_manager_reads_the_figures_and_takes_the_returns(page, live, personas, referrals, worker, tmp_path):
    visited = returns_journey(page, live.url, tmp_path, True, worker.start_worker)
    assert any("/reports/exports/" in url for url in visited)


def test_the_returns_without_javascript(browser, live, personas, referrals, worker, tmp_path):
    visited = run_without_javascript(browser, returns_journey, live.url, tmp_path, False, worker.start_worker)
    assert any("/reports/exports/" in url for url in visited)


def test_a_partner_sees_only_their_agency_and_a_screener_cannot_export(page, live, personas, referrals):
    sign_in(page, live.url, "police")
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

    job = ExportJob.objects.create(kind="annex_a", requested_by=personas.manager, request_key="k",
                                   parameters={"start": "2026-01-01", "end": "2026-01-31"})
    sign_in(page, live.url, "screener")
    expect(page.get_by_role("link", name="National returns")).to_have_count(0)
    for path in ("/reports/", f"/reports/exports/{job.pk}/"):
        response = page.goto(f"{live.url}{path}")
        assert response.status == 403
        assert_accessible(page)
    assert not ExportJob.objects.exclude(pk=job.pk).exists()
