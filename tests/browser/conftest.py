"""Browser tests: Playwright driving Debian's Chromium against the live server, axe on every page."""

import pytest
from axe_playwright_python.sync_playwright import Axe

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()


def assert_accessible(page, visited: list | None = None):
    """axe finds no WCAG 2.2 AA violation on the page as it stands, once it has loaded: a click that navigates
    returns when the new page commits, before its stylesheets arrive, and axe on an unstyled page measures
    unpadded links (target size) or an empty document."""
    page.wait_for_load_state("load")
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    if visited is not None:
        visited.append(page.url)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def fill_date(scope, legend: str, value: str) -> None:
    """Type a date into a GOV.UK date input, as a person would: "2019-04-02" into Day, Month and Year; a date and
    time ("2026-03-01T14:30") into Hour and Minute too. `scope` is the page or a part of it holding one such
    fieldset named `legend`."""
    day_part, _, time_part = value.partition("T")
    year, month, day = day_part.split("-")
    group = scope.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(int(day)))
    group.get_by_label("Month").fill(str(int(month)))
    group.get_by_label("Year").fill(year)
    if time_part:
        hour, minute = time_part.split(":")
        group.get_by_label("Hour").fill(hour)
        group.get_by_label("Minute").fill(minute)


@pytest.fixture
def live(live_server, settings):
    # The live server speaks plain http: cookies must not be Secure-only there.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return live_server


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            # Browser tests share one Chromium per worker: keep them on one xdist worker.
            item.add_marker(pytest.mark.xdist_group("browser"))


def run_without_javascript(browser, journey, *args) -> list:
    """Run `journey(page, *args, checker=...)` in a context with JavaScript off (axe runs in a second context,
    `checker`, with it on), check the page really ran without it, and return the pages visited."""
    context = browser.new_context(java_script_enabled=False)
    checking = browser.new_context()
    page = context.new_page()
    try:
        visited = journey(page, *args, checker=checking.new_page())
        assert page.evaluate("document.body.classList.contains('js-enabled')") is False
        return visited
    finally:
        context.close()
        checking.close()
