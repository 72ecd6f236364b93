"""The interactive API docs, as a front-end developer or a council evaluator uses them.

One journey through the real stack (`fsm run`) in a real headless Chromium: open /docs, read the
operation list, authorize as the North team's demo social worker, run "List cases" through "Try
it out", and see that worker's cases and nobody else's. The page must need nothing from outside
this machine and log no error (a refused content-security policy is a console error).
"""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import ScreenshotSaver, WatchedPage
from tests.browser.swagger_ui import SwaggerUi
from tests.support.stack import RunningStack

pytestmark = pytest.mark.browser

CALLER = "demo-social-worker-north"
# Demo families (workbook_api/demo.py): two open North cases the caller is allocated to, and
# the South team's, which the caller must not see.
CALLERS_FAMILIES = ("Ashdown", "Brightwell")
OTHER_TEAMS_FAMILY = "Carrow"
SERVICE_ORDER = ("Gateway", "Workbook", "Supervision", "Intervention", "Pathway")
GATEWAY_REFUSALS = ("401", "403", "429", "502", "503", "504")


def test_docs_render_authorize_and_list_the_callers_cases(
    stack: RunningStack, watched_page: WatchedPage, save_screenshot: ScreenshotSaver
) -> None:
    page = watched_page.page
    docs = SwaggerUi(page)

    opened = page.goto(f"{stack.gateway_url}/docs")
    assert opened is not None
    assert opened.status == 200
    docs.wait_until_rendered()
    save_screenshot(page, "docs-overview")

    # The operation list, grouped by service in a fixed order, each group described.
    operations = docs.operations()
    assert ("GET", "/workbook/cases") in operations
    assert ("POST", "/workbook/cases/{case_id}/entries") in operations
    assert ("GET", "/me") in operations
    headings = docs.tag_headings()
    services = list(dict.fromkeys(heading.split(":", 1)[0] for heading in headings))
    assert {"Gateway", "Workbook"} <= set(services), headings
    assert services == [name for name in SERVICE_ORDER if name in services], headings
    assert all(docs.tag_description(heading) for heading in headings), headings

    docs.authorize(stack.token(CALLER))
    block = docs.try_it_out("GET", "/workbook/cases")
    status, body = docs.live_response(block)
    docs.reveal_live_response(block)
    save_screenshot(page, "docs-list-cases-200")

    assert status == 200, body
    families = [item["family_name"] for item in json.loads(body)["items"]]
    for family in CALLERS_FAMILIES:
        assert any(name.startswith(family) for name in families), families
    assert not any(name.startswith(OTHER_TEAMS_FAMILY) for name in families), families

    # Below the live answer, the documented ones: the gateway's refusals too, as problem+json.
    documented = block.locator(".responses-table:not(.live-responses-table)")
    codes = {code.strip() for code in documented.locator(".response-col_status").all_inner_texts()}
    assert set(GATEWAY_REFUSALS) <= codes, codes
    assert "application/problem+json" in documented.inner_text()

    assert watched_page.console_errors == []
    assert watched_page.refused == []
    assert all(url.startswith(f"{stack.gateway_url}/") for url in watched_page.requested), (
        watched_page.requested
    )
