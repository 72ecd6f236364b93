"""A family for subject access: two parents and a child, a social worker and a recovery
worker on its case, and a neighbour known to the record through a family of their own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.principal import Principal
from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    allocate,
    child,
    create_family,
    manager_of,
    open_case,
    parent,
    principal,
)

NOTE = (
    "Alex Morgan visited the family home. Dana said Lee had been drinking again; neighbour"
    " Pat Fenwick told me she heard shouting late on Friday. Rory was calm and played."
)


@dataclass
class SarWorld:
    team_id: uuid.UUID
    manager: Principal
    social_worker: Principal
    recovery_worker: Principal
    family: dict[str, Any]
    case: dict[str, Any]

    def member(self, given_name: str) -> str:
        return next(str(m["id"]) for m in self.family["members"] if m["given_name"] == given_name)


async def sar_world(client: httpx.AsyncClient, as_: Headers) -> SarWorld:
    team = uuid.uuid4()
    manager = manager_of(team)
    social_worker = principal(teams=(team,), name="Alex Morgan")
    recovery = principal(teams=(team,), discipline="recovery_worker", name="Jordan Blake")
    family = await create_family(
        client,
        as_(manager),
        team_id=team,
        name="Whitfield",
        members=[
            parent(given_name="Dana", family_name="Whitfield"),
            parent(given_name="Lee", family_name="Whitfield", date_of_birth="1987-06-01"),
            child(given_name="Rory", family_name="Whitfield"),
        ],
    )
    case = await open_case(client, as_(manager), family_id=family["id"], team_id=team)
    await allocate(client, as_(manager), case["id"], social_worker, social_worker=True)
    await allocate(client, as_(manager), case["id"], recovery)
    # The neighbour is on the record through their own family, with another team.
    other = uuid.uuid4()
    await create_family(
        client,
        as_(manager_of(other)),
        team_id=other,
        name="Fenwick",
        members=[parent(given_name="Pat", family_name="Fenwick")],
    )
    return SarWorld(team, manager, social_worker, recovery, family, case)


def hours_ago(hours: int) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat()


async def record(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(path, json=body | {"finalise": True}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def record_the_family(client: httpx.AsyncClient, as_: Headers, world: SarWorld) -> None:
    """A home visit naming everyone, and each parent's restricted recovery session."""
    case_id = world.case["id"]
    await record(
        client,
        as_(world.social_worker),
        f"/cases/{case_id}/entries",
        {
            "entry_type": "home_visit",
            "event_at": hours_ago(5),
            "narrative": NOTE,
            "significant": True,
        },
    )
    for name, result, words in (
        ("Lee", "positive", "Lee spoke about relapse after the funeral."),
        ("Dana", "negative", "Dana described six weeks without alcohol."),
    ):
        await record(
            client,
            as_(world.recovery_worker),
            f"/cases/{case_id}/sessions",
            {
                "event_at": hours_ago(3),
                "person_ids": [world.member(name)],
                "fields": {"attendance": "attended", "test_taken": True, "test_result": result}
                | ({"substances_detected": ["alcohol"]} if result == "positive" else {}),
                "narrative": words,
                "shareable_summary": f"Recovery session with {name} held.",
            },
        )
