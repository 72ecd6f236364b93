"""The outcomes report as HTML: a chart and a table per measure, nothing withheld shown."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

from services.html_report import REPORT_STYLESHEET
from tests.pathway.conftest import Headers, Record
from tests.pathway.outcomes_factories import assessed_family, new_team, own_locality, this_month

pytestmark = pytest.mark.usefixtures("outcome_defaults")

IMAGE = re.compile(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)">')


def section(page: str, measure: str) -> str:
    start = page.index(f'id="measure-{measure}"')
    return page[start : page.index("</section>", start)]


async def test_the_report_draws_every_measure_and_withholds_small_cells(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    team = await new_team(client, record)
    for _ in range(3):
        await assessed_family(client, team, as_, "domestic_abuse")
    for _ in range(6):
        await assessed_family(client, team, as_, "housing")
    await own_locality(client, as_, team)
    response = await client.get(
        "/reports/outcomes", params={"from": this_month()}, headers=as_(team.manager)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    page = response.text

    # The page's one stylesheet is allowed by its hash; nothing else loads or runs.
    digest = base64.b64encode(hashlib.sha256(REPORT_STYLESHEET.encode()).digest()).decode()
    policy = response.headers["content-security-policy"]
    assert f"style-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    assert "<script" not in page
    assert response.headers["cache-control"] == "no-store"

    charts = IMAGE.findall(page)
    assert len(charts) == 22
    for data, alt in charts:
        svg = base64.b64decode(data)
        assert b"<svg" in svg
        assert b"<script" not in svg
        assert alt.startswith("Line chart of ")

    # Three families with domestic abuse: withheld in the table and absent from the chart.
    domestic_abuse = section(page, "domestic_abuse")
    assert '<td class="suppressed" title="withheld">c</td>' in domestic_abuse
    assert ">3</td>" not in domestic_abuse
    (chart, _), *_ = IMAGE.findall(domestic_abuse)
    assert b">3<" not in base64.b64decode(chart)
    # Six with housing: shown, with its source and definition version.
    housing = section(page, "homelessness")
    assert re.search(r"<td title=\"Counted from[^\"]*\">6</td>", housing)
    assert "Definition version" in housing
    assert "Counted from the pathway" in housing
    assert b">6<" in base64.b64decode(IMAGE.findall(housing)[0][0])
