"""The outcomes report as a director or team manager opens it: a real headless Chromium.

Through the real stack (`fsm run` with its demo data) and the gateway, as the demo Supporting
Families officer (the council's view): the page renders with a chart per measure, loads nothing
from outside this machine, breaks no content-security rule (a refused style or image is a
console error) and lays out for print too. Screenshots are kept as artefacts.
"""

from __future__ import annotations

import pytest

from pathway_api.outcomes.defaults import NORFOLK
from tests.browser.conftest import ScreenshotSaver, WatchedPage
from tests.support.stack import RunningStack

pytestmark = pytest.mark.browser

CALLER = "demo-supporting-families"


def test_the_outcomes_report_renders_its_charts(
    stack: RunningStack, watched_page: WatchedPage, save_screenshot: ScreenshotSaver
) -> None:
    page = watched_page.page
    page.set_extra_http_headers({"Authorization": f"Bearer {stack.token(CALLER)}"})

    opened = page.goto(f"{stack.gateway_url}/pathway/reports/outcomes")
    assert opened is not None
    assert opened.status == 200, opened.text()
    page.wait_for_load_state("load")
    assert page.title() == NORFOLK["name"]
    save_screenshot(page, "outcomes-report", full_page=True)

    charts = page.locator("figure.chart img")
    assert charts.count() == len(NORFOLK["measures"])
    # Every chart decoded and laid out: an SVG the browser refused would have no size.
    sizes = charts.evaluate_all("images => images.map(i => [i.complete, i.naturalWidth])")
    assert all(complete and width > 0 for complete, width in sizes), sizes
    assert page.locator("h2").count() == len(NORFOLK["outcomes"])
    # The demo's returns draw lines; its few families' computed figures are withheld.
    assert page.locator("table.figures td.suppressed").count() > 0
    assert page.get_by_text("Demo: synthetic data-matching return").first.is_visible()

    page.emulate_media(media="print")
    save_screenshot(page, "outcomes-report-print")

    assert watched_page.console_errors == []
    assert watched_page.refused == []
    assert all(
        url.startswith(f"{stack.gateway_url}/") or url.startswith("data:")
        for url in watched_page.requested
    ), watched_page.requested
