"""The projection end to end as an operator runs it: `fsm run`, real processes, real relays.

One stack serves the module (starting it takes 10-20 s), on a database of its own: the demo
cases reach both workflow services when it starts; a case opened and allocated through the
gateway reaches supervision through the workbook's relay; and a projection lost is refilled by
`fsm events catch-up`, addressed to the one unit that lost it.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import httpx
import psycopg2
import pytest
from psycopg2 import sql
from sqlalchemy.engine import make_url

from gateway.directory.demo import DEMO_MENTAL_HEALTH_NORTH_ID, DEMO_TEAM_NORTH_ID
from services.projection.catch_up import catch_up
from services.registry import INTERVENTION
from tests.support.database import fresh_database
from tests.support.stack import Stack, running_stack, wait_until
from workbook_api.demo import demo_case_count

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MANAGER = "demo-team-manager-north"
ARRIVAL_SECONDS = 30.0
PROJECTION_TABLES = (
    "projected_membership",
    "projected_practitioner",
    "projected_team",
    "projected_allocation",
    "projected_case",
)


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """An empty database of the module's own: `fsm run` migrates and seeds it."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), PROJECT_ROOT / ".fsm") as url:
        yield url


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[Stack]:
    """`fsm run` on that database."""
    with running_stack(tmp_path_factory.mktemp("projection-run"), database_url=database_url) as s:
        yield s


def _dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def ids(database_url: str, query: str | sql.Composed, params: tuple[object, ...] = ()) -> set[UUID]:
    """The ids a query selects."""
    with psycopg2.connect(_dsn(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute(query, params)
        return {UUID(str(row[0])) for row in cursor.fetchall()}


def every_id(database_url: str, schema: str, table: str) -> set[UUID]:
    """The ids of every row of a table."""
    query = sql.SQL("SELECT id FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    return ids(database_url, query)


def count(database_url: str, query: str) -> int:
    """The number a query selects."""
    with psycopg2.connect(_dsn(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute(query)
        found = cursor.fetchone()
        assert found is not None
        return int(found[0])


def gateway_post(stack: Stack, path: str, body: dict[str, object]) -> dict[str, object]:
    """POST through the gateway as the North team's demo manager; the body of its 201."""
    response = httpx.post(
        f"{stack.gateway_url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {stack.token(MANAGER)}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_the_demo_cases_reach_every_workflow_service(stack: Stack, database_url: str) -> None:
    demo_cases = every_id(database_url, "workbook", "safeguarding_case")
    demo_allocations = every_id(database_url, "workbook", "allocation")
    assert len(demo_cases) == demo_case_count(date.today())
    for schema in ("supervision", "intervention", "pathway"):

        def arrived(schema: str = schema) -> bool:
            return (
                every_id(database_url, schema, "projected_case") == demo_cases
                and every_id(database_url, schema, "projected_allocation") == demo_allocations
            )

        wait_until(arrived, ARRIVAL_SECONDS, f"the demo cases in {schema}'s projection")
    closed = ids(database_url, "SELECT id FROM supervision.projected_case WHERE status = 'closed'")
    assert closed == ids(
        database_url, "SELECT id FROM workbook.safeguarding_case WHERE status = 'closed'"
    )


def test_a_case_opened_and_allocated_through_the_gateway_reaches_supervision(
    stack: Stack, database_url: str
) -> None:
    family = gateway_post(
        stack,
        "/workbook/families",
        {"name": "Projection family (synthetic)", "owning_team_id": str(DEMO_TEAM_NORTH_ID)},
    )
    case = gateway_post(
        stack,
        "/workbook/cases",
        {
            "family_id": family["id"],
            "owning_team_id": str(DEMO_TEAM_NORTH_ID),
            "reason": "Synthetic referral for the projection test",
        },
    )
    # The workbook allocates only practitioners its own projection of the directory holds,
    # which the gateway's relay fills from the first seconds of the run.
    wait_until(
        lambda: bool(
            ids(
                database_url,
                "SELECT id FROM workbook.directory_practitioner WHERE id = %s",
                (str(DEMO_MENTAL_HEALTH_NORTH_ID),),
            )
        ),
        ARRIVAL_SECONDS,
        "the directory's demo practitioners in the workbook",
    )
    allocation = gateway_post(
        stack,
        f"/workbook/cases/{case['id']}/allocations",
        {
            "practitioner_id": str(DEMO_MENTAL_HEALTH_NORTH_ID),
            "discipline": "mental_health_practitioner",
        },
    )

    query = (
        "SELECT a.id FROM supervision.projected_allocation a"
        " JOIN supervision.projected_case c ON c.id = a.case_id"
        " WHERE c.id = %s AND c.status = 'open' AND c.episode_number = 1"
        " AND a.practitioner_id = %s AND a.ends_at IS NULL"
    )
    params = (str(case["id"]), str(DEMO_MENTAL_HEALTH_NORTH_ID))
    wait_until(
        lambda: ids(database_url, query, params) == {UUID(str(allocation["id"]))},
        ARRIVAL_SECONDS,
        "the new case and its allocation in supervision's projection",
    )


def lose_projection(database_url: str, schema: str) -> None:
    """Empty a unit's projection, as a restore from an old backup or an operator's slip would."""
    with psycopg2.connect(_dsn(database_url)) as connection, connection.cursor() as cursor:
        tables = [sql.Identifier(schema, table) for table in PROJECTION_TABLES]
        cursor.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(tables)))


def refilled(database_url: str, schema: str) -> bool:
    """The unit's projection holds every case, allocation, practitioner and team there is."""
    return (
        every_id(database_url, schema, "projected_case")
        == every_id(database_url, "workbook", "safeguarding_case")
        and every_id(database_url, schema, "projected_allocation")
        == every_id(database_url, "workbook", "allocation")
        and every_id(database_url, schema, "projected_practitioner")
        == every_id(database_url, "directory", "practitioner")
        and every_id(database_url, schema, "projected_team")
        == every_id(database_url, "directory", "team")
    )


def test_a_lost_projection_is_refilled_by_a_catch_up_addressed_to_it_alone(
    stack: Stack, database_url: str
) -> None:
    # Settled first: every event so far fanned out and delivered to both services.
    wait_until(
        lambda: refilled(database_url, "supervision") and refilled(database_url, "intervention"),
        ARRIVAL_SECONDS,
        "every event so far in both projections",
    )
    lose_projection(database_url, "supervision")
    to_intervention = (
        "SELECT count(*) FROM workbook.outbox_delivery WHERE subscriber = 'intervention'"
    )
    before = count(database_url, to_intervention)

    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "events", "catch-up", "--to", "supervision"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("FSM_")},
            "DATABASE_URL": database_url,
            "FSM_STATE_DIR": str(stack.state_dir),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    cases = every_id(database_url, "workbook", "safeguarding_case")
    allocations = every_id(database_url, "workbook", "allocation")
    practitioners = every_id(database_url, "directory", "practitioner")
    teams = every_id(database_url, "directory", "team")
    assert f"workbook -> supervision: {len(cases) + len(allocations)} restated" in result.stdout
    assert f"gateway -> supervision: {len(practitioners) + len(teams)} restated" in result.stdout
    wait_until(
        lambda: refilled(database_url, "supervision"),
        ARRIVAL_SECONDS,
        "supervision's projection refilled",
    )
    # The restatements were for supervision alone: intervention was sent nothing.
    assert count(database_url, to_intervention) == before


def test_a_catch_up_writes_while_it_reads_in_batches(stack: Stack, database_url: str) -> None:
    lose_projection(database_url, "intervention")

    results = asyncio.run(catch_up(database_url, INTERVENTION, batch_size=2))

    assert {r.publisher: r.announced for r in results} == {
        "gateway": len(every_id(database_url, "directory", "practitioner"))
        + len(every_id(database_url, "directory", "team")),
        "workbook": len(every_id(database_url, "workbook", "safeguarding_case"))
        + len(every_id(database_url, "workbook", "allocation")),
    }
    wait_until(
        lambda: refilled(database_url, "intervention"),
        ARRIVAL_SECONDS,
        "intervention's projection refilled",
    )
