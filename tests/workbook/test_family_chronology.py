"""A family's chronology: one timeline across its cases, each case under its own rules."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    allocate,
    case_world,
    created,
    manager_of,
    practitioner_in,
    principal,
    record_entry,
)
from workbook_api.chronology.service import record_external_event


def _ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


async def _items(
    client: httpx.AsyncClient, headers: dict[str, str], family_id: str, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(f"/families/{family_id}/chronology", params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_one_timeline_across_the_familys_cases_each_under_its_own_rules(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    # A Family Safeguarding case of team A, and an early help case of the same family held by
    # team B (the overlap of a step down).
    world = await case_world(client, as_, specialist_disciplines=("recovery_worker",))
    team_b = uuid.uuid4()
    manager_b, worker_b = manager_of(team_b), practitioner_in(team_b, "family_support_worker")
    early = created(
        await client.post(
            "/cases",
            json={
                "family_id": world.family_id,
                "owning_team_id": str(team_b),
                "reason": "Stepped down to early help",
                "kind": "early_help",
            },
            headers=as_(principal(discipline="system", roles=("system",))),
        )
    )
    await allocate(client, as_(manager_b), str(early["id"]), worker_b, social_worker=True)
    sw, specialist = world.social_worker, world.specialists["recovery_worker"]
    visit = await record_entry(client, as_(sw), world.case_id, significant=True, event_at=_ago(10))
    restricted = await record_entry(
        client,
        as_(specialist),
        world.case_id,
        significant=True,
        sensitivity="restricted",
        event_at=_ago(6),
        narrative="Restricted detail of the recovery work.",
        shareable_summary="Recovery work continues.",
    )
    early_visit = await record_entry(
        client, as_(worker_b), str(early["id"]), significant=True, event_at=_ago(8)
    )
    async with AsyncSession(db_engine) as session, session.begin():
        decision = await record_external_event(
            session,
            uuid.UUID(str(early["id"])),
            "pathway",
            "pathway.plan",
            datetime.now(UTC) - timedelta(days=4),
            "Family plan agreed",
            None,
            f"family-chronology-{uuid.uuid4()}",
        )
    both = principal(
        discipline="team_manager",
        roles=("practitioner", "team_manager"),
        manages=(world.team_id, team_b),
    )

    whole = await _items(client, as_(both), world.family_id)

    assert [(i["id"], i["case_id"], i["case_kind"]) for i in whole] == [
        (visit["id"], world.case_id, "family_safeguarding"),
        (early_visit["id"], str(early["id"]), "early_help"),
        (restricted["id"], world.case_id, "family_safeguarding"),
        (str(decision), str(early["id"]), "early_help"),
    ]
    assert whole[2]["detail"] == "Restricted detail of the recovery work."
    newest_first = await _items(client, as_(both), world.family_id, order="desc")
    assert [i["id"] for i in newest_first] == [i["id"] for i in reversed(whole)]
    # A page at a time, to the end, by the cursor.
    walked: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        response = await client.get(
            f"/families/{world.family_id}/chronology", params=params, headers=as_(both)
        )
        page = response.json()
        walked += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [i["id"] for i in whole]

    # Each reader sees the cases they may see, and in each what that case's rules allow.
    team_a_only = [i["id"] for i in whole if i["case_id"] == world.case_id]
    assert [i["id"] for i in await _items(client, as_(sw), world.family_id)] == team_a_only
    early_only = [i["id"] for i in whole if i["case_kind"] == "early_help"]
    assert [i["id"] for i in await _items(client, as_(worker_b), world.family_id)] == early_only
    auditor = principal(discipline="auditor", roles=("auditor",), teams=(world.team_id,))
    audited = await _items(client, as_(auditor), world.family_id)
    assert [i["id"] for i in audited] == team_a_only
    withheld = next(i for i in audited if i["id"] == restricted["id"])
    assert (withheld["detail"], withheld["detail_withheld"]) == (None, True)
    assert "Restricted detail" not in str(audited)


async def test_the_family_chronology_exports_as_csv_naming_each_case(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    first = await record_entry(
        client, as_(world.social_worker), world.case_id, significant=True, event_at=_ago(3)
    )
    second = await record_entry(
        client, as_(world.social_worker), world.case_id, significant=True, event_at=_ago(2)
    )

    response = await client.get(
        f"/families/{world.family_id}/chronology",
        params={"format": "csv"},
        headers=as_(world.manager),
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["case_id"], r["case_kind"]) for r in rows] == [
        (world.case_id, "family_safeguarding")
    ] * 2
    assert [r["occurred_at"][:19] for r in rows] == [
        first["event_at"][:19],
        second["event_at"][:19],
    ]


async def test_who_may_read_a_familys_chronology(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    url = f"/families/{world.family_id}/chronology"

    assert (await client.get(url)).status_code == 401
    dpo = principal(discipline="business_support", roles=("dpo",))
    assert (await client.get(url, headers=as_(dpo))).status_code == 403
    for stranger in (world.outsider, world.outsider_manager):
        assert (await client.get(url, headers=as_(stranger))).status_code == 404
    missing = f"/families/{uuid.uuid4()}/chronology"
    assert (await client.get(missing, headers=as_(world.manager))).status_code == 404
    assert (await client.get(url, headers=as_(world.manager))).status_code == 200
