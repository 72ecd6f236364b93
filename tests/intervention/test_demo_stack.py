"""`fsm run` shows the programme at once: the demo enrolments through the gateway once the
workbook's demo cases reach the unit, and the programme on the workbook's demo chronology.

One stack of real processes on a database of its own (starting it takes 10-20 s).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from intervention_api import demo
from tests.support.database import fresh_database
from tests.support.stack import Stack, running_stack, wait_until

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARRIVAL_SECONDS = 30.0
ASHDOWN = demo.ASHDOWN_CASE


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`fsm run` on an empty database of the module's own (it migrates and seeds it)."""
    with (
        fresh_database(os.environ.get("TEST_DATABASE_URL"), PROJECT_ROOT / ".fsm") as url,
        running_stack(tmp_path_factory.mktemp("intervention-run"), database_url=url) as s,
    ):
        yield s


def as_(stack: Stack, subject: str, path: str) -> httpx.Response:
    """GET through the gateway as a demo practitioner."""
    return httpx.get(
        f"{stack.gateway_url}{path}",
        headers={"Authorization": f"Bearer {stack.token(subject)}"},
        timeout=10,
    )


def test_the_demo_programme_shows_through_the_gateway_and_on_the_chronology(
    stack: Stack,
) -> None:
    family_view = f"/interventions/cases/{ASHDOWN}/enrolments"
    wait_until(
        lambda: as_(stack, "demo-social-worker-north", family_view).status_code == 200,
        ARRIVAL_SECONDS,
        "the Ashdown case in the intervention unit's projection",
    )
    view = as_(stack, "demo-social-worker-north", family_view).json()
    [enrolment] = view["enrolments"]
    assert enrolment["programme_title"] == "Eight Module Programme (example catalogue)"
    statuses = {m["module_code"]: m["status"] for m in enrolment["modules"]}
    assert statuses["engagement_and_goals"] == "completed"
    assert statuses["domestic_abuse"] == "in_progress"
    assert statuses["substance_use"] == "not_started"
    assert as_(stack, "demo-social-worker-south", family_view).status_code == 404

    programme = as_(
        stack, "demo-social-worker-north", f"/interventions/programmes/{demo.PROGRAMME}"
    )
    assert "example" in programme.json()["notice"]

    session = f"{family_view}/{enrolment['id']}/sessions/{demo.demo_id(3, 4)}"
    author = as_(stack, "demo-da-victim-worker-north", session).json()
    other_discipline = as_(stack, "demo-recovery-worker-north", session).json()
    assert author["restricted_detail"] is not None
    assert other_discipline["restricted_detail"] is None
    assert other_discipline["detail_withheld"] is True

    chronology = f"/workbook/cases/{ASHDOWN}/chronology"

    def titles() -> set[str]:
        answer = as_(stack, "demo-team-manager-north", chronology)
        items: list[dict[str, Any]] = answer.json()["items"] if answer.status_code == 200 else []
        return {i["title"] for i in items if i["kind"] == "event"}

    wait_until(
        lambda: "Programme module completed: Engagement and goals" in titles(),
        ARRIVAL_SECONDS,
        "the programme on the workbook's chronology",
    )
    assert "Enrolled on Eight Module Programme (example catalogue) (version 1)" in titles()
    page = as_(stack, "demo-team-manager-north", chronology).text
    assert "Demo restricted detail" not in page
