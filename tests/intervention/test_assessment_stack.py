"""The parenting assessment end to end as `make run` serves it: gateway, real relays, real calls.

One `fsm run` on a database of its own: the demo case reaches intervention through the
workbook's relay; the social worker cites an entry (intervention asks the workbook as them,
with the token the gateway addressed to both), submits, the manager signs off; the PDF comes
through the gateway, and the sign-off reaches the case's chronology through intervention's relay.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from intervention_api.assessments import demo
from tests.support.database import fresh_database
from tests.support.stack import Stack, running_stack, wait_until

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORKER, MANAGER = "demo-social-worker-north", "demo-team-manager-north"
ARRIVAL_SECONDS = 30.0
CASE = str(demo.BRIGHTWELL_CASE)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`fsm run` on an empty database of the module's own (it migrates and seeds it)."""
    root = PROJECT_ROOT / ".fsm"
    with (
        fresh_database(os.environ.get("TEST_DATABASE_URL"), root) as url,
        running_stack(tmp_path_factory.mktemp("assessment-run"), database_url=url) as running,
    ):
        yield running


def call(
    stack: Stack, who: str, method: str, path: str, *, etag: str | None = None, **kwargs: Any
) -> httpx.Response:
    """A request through the gateway as a demo practitioner."""
    headers = {"Authorization": f"Bearer {stack.token(who)}"}
    if etag is not None:
        headers["If-Match"] = etag
    return httpx.request(method, stack.gateway_url + path, headers=headers, timeout=30, **kwargs)


def body(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_an_assessment_is_written_signed_off_printed_and_put_on_the_chronology(
    stack: Stack,
) -> None:
    listed: list[dict[str, Any]] = []

    def demo_arrived() -> bool:
        answer = call(stack, WORKER, "GET", f"/interventions/assessments?case_id={CASE}")
        listed[:] = answer.json().get("items", []) if answer.status_code == 200 else []
        return len(listed) == 2

    wait_until(demo_arrived, ARRIVAL_SECONDS, "the demo case reached intervention")
    draft_id = next(item["id"] for item in listed if item["status"] == "draft")
    entries = body(call(stack, WORKER, "GET", f"/workbook/cases/{CASE}/entries?status=final"))
    visit = next(e for e in entries["items"] if e["entry_type"] == "home_visit")
    draft = body(call(stack, WORKER, "GET", f"/interventions/assessments/{draft_id}"))

    cited = body(
        call(
            stack,
            WORKER,
            "PATCH",
            f"/interventions/assessments/{draft_id}",
            etag=draft["etag"],
            json={
                "sections": {
                    "stability": {"evidence": [{"kind": "workbook_entry", "ref_id": visit["id"]}]}
                }
            },
        )
    )
    assert cited["sections"][5]["evidence"][0]["label"] == (
        "Workbook entry: home_visit by social_worker"
    )
    path = f"/interventions/assessments/{draft_id}"
    submitted = body(call(stack, WORKER, "POST", f"{path}/submit", etag=cited["etag"]))
    final = body(call(stack, MANAGER, "POST", f"{path}/sign-off", etag=submitted["etag"], json={}))
    assert final["status"] == "signed_off"

    printed = call(stack, MANAGER, "GET", f"{path}/document")
    assert printed.status_code == 200, printed.text
    assert printed.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.content)).pages)
    assert "7. Capacity to change" in text
    assert visit["id"] in text.replace("\n", "")

    def both_sign_offs_on_the_chronology() -> bool:
        answer = call(stack, WORKER, "GET", f"/workbook/cases/{CASE}/chronology")
        items = answer.json().get("items", []) if answer.status_code == 200 else []
        titles = [i["title"] for i in items if i["kind"] == "event"]
        return titles.count("Parenting assessment signed off") == 2

    wait_until(both_sign_offs_on_the_chronology, ARRIVAL_SECONDS, "the sign-offs reached it")
