"""The change feed: ordered, resumable, as the caller may see it, with tombstones."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.principal import Principal
from tests.support.change_feed import ids_of, read_all
from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    CaseWorld,
    allocate,
    case_world,
    if_match,
    manager_of,
    practitioner_in,
    principal,
    record_entry,
    system_principal,
)


def entry_view(items: list[dict[str, Any]], entry_id: str) -> dict[str, Any]:
    views = [i["entry"] for i in items if i["kind"] == "entry" and i["id"] == entry_id]
    assert views, entry_id
    return views[-1]  # type: ignore[no-any-return]


async def test_first_read_has_the_whole_case_and_later_reads_only_what_changed(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    first = await record_entry(client, sw, world.case_id)

    items, cursor = await read_all(client, sw)
    assert world.case_id in ids_of(items, "case")
    assert world.family_id in ids_of(items, "family")
    assert first["id"] in ids_of(items, "entry")
    assert len(ids_of(items, "allocation")) == len(world.allocations)
    family = next(i["family"] for i in items if i["kind"] == "family")
    assert {m["id"] for m in family["members"]} == {m["id"] for m in world.family["members"]}

    second = await record_entry(client, sw, world.case_id)
    later, cursor_after = await read_all(client, sw, cursor)
    assert [(i["kind"], i["id"]) for i in later] == [("entry", second["id"])]

    # The same cursor again gives the same page: a client that lost a response asks again.
    again, _ = await read_all(client, sw, cursor)
    assert [(i["kind"], i["id"]) for i in again] == [("entry", second["id"])]
    quiet, _ = await read_all(client, sw, cursor_after)
    assert quiet == []


async def test_pages_are_in_commit_order_and_a_record_changed_twice_comes_once(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    _, cursor = await read_all(client, sw)
    draft = await record_entry(client, sw, world.case_id, finalise=False)
    made = [await record_entry(client, sw, world.case_id) for _ in range(4)]
    edited = await client.patch(
        f"/cases/{world.case_id}/entries/{draft['id']}",
        json={"narrative": "Edited after the others were recorded."},
        headers=if_match(sw, draft["etag"]),
    )
    assert edited.status_code == 200, edited.text

    expected = [m["id"] for m in made] + [draft["id"]]
    items, _ = await read_all(client, sw, cursor)
    assert [i["id"] for i in items] == expected
    assert entry_view(items, draft["id"])["narrative"] == "Edited after the others were recorded."
    # In small pages the draft also comes where it was first recorded, already as it is now.
    paged, _ = await read_all(client, sw, cursor, limit=2)
    assert [i["id"] for i in paged] == [draft["id"], *expected]
    assert paged[0]["entry"] == items[-1]["entry"]


async def test_a_change_committed_late_is_never_skipped(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    _, cursor = await read_all(client, sw)
    # A transaction takes its place in the log first and commits last.
    async with db_engine.connect() as slow:
        transaction = await slow.begin()
        await slow.execute(
            text("UPDATE workbook.family SET name = 'Renamed slowly' WHERE id = :id"),
            {"id": world.family_id},
        )
        quick = await record_entry(client, sw, world.case_id)
        # The quick one committed, but the slow one could still commit before it in the log:
        # the feed waits rather than move its cursor past the slow one's place.
        held, cursor = await read_all(client, sw, cursor, settle=False)
        assert held == []
        await transaction.commit()
    items, _ = await read_all(client, sw, cursor)
    assert ids_of(items, "family") == [world.family_id]
    assert ids_of(items, "entry") == [quick["id"]]
    renamed = next(i["family"] for i in items if i["kind"] == "family")
    assert renamed["name"] == "Renamed slowly"


async def test_nobody_reads_what_they_may_not_see(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    draft = await record_entry(client, sw, world.case_id, finalise=False)
    await record_entry(client, sw, world.case_id)

    for outsider in (world.outsider, world.outsider_manager):
        items, _ = await read_all(client, as_(outsider))
        assert world.case_id not in [i.get("case_id") or i["id"] for i in items]
    specialist = world.specialists["recovery_worker"]
    items, _ = await read_all(client, as_(specialist))
    assert draft["id"] not in ids_of(items, "entry")
    assert world.case_id in ids_of(items, "case")


async def test_the_system_of_record_sees_everything(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    system = as_(system_principal())
    _, cursor = await read_all(client, system)
    entry = await record_entry(client, as_(world.social_worker), world.case_id)
    other = await case_world(client, as_)
    items, _ = await read_all(client, system, cursor)
    assert entry["id"] in ids_of(items, "entry")
    assert other.case_id in ids_of(items, "case")


async def test_deallocation_tombstones_the_case_and_its_family(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    specialist = world.specialists["recovery_worker"]
    _, cursor = await read_all(client, as_(specialist))
    allocation = world.allocations[specialist.practitioner_id]
    ended = await client.post(
        f"/cases/{world.case_id}/allocations/{allocation['id']}/end",
        json={"reason": "Work finished"},
        headers=if_match(as_(world.manager), f'"{uuid.UUID(allocation["id"]).hex}.1"'),
    )
    assert ended.status_code == 200, ended.text
    await record_entry(client, as_(world.social_worker), world.case_id)

    items, _ = await read_all(client, as_(specialist), cursor)
    assert {(i["kind"], i["id"], i["op"], i.get("reason")) for i in items} == {
        ("case", world.case_id, "tombstone", "out_of_sight"),
        ("family", world.family_id, "tombstone", "out_of_sight"),
    }


async def test_break_glass_expiry_tombstones_the_case(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    reader = practitioner_in(uuid.uuid4())
    grant = await client.post(
        f"/cases/{world.case_id}/break-glass",
        json={"justification": "Out-of-hours call about the children", "duration_minutes": 30},
        headers=as_(reader),
    )
    assert grant.status_code == 201, grant.text
    items, cursor = await read_all(client, as_(reader))
    assert world.case_id in ids_of(items, "case")
    async with db_engine.begin() as connection:  # the half hour passes
        await connection.execute(
            text(
                "UPDATE workbook.break_glass_grant SET expires_at = now(),"
                " granted_at = now() - interval '30 minutes' WHERE id = :id"
            ),
            {"id": grant.json()["id"]},
        )
    items, _ = await read_all(client, as_(reader), cursor)
    assert ("case", world.case_id, "tombstone") in {(i["kind"], i["id"], i["op"]) for i in items}


async def test_a_newly_allocated_worker_gets_the_whole_case(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    recorded = [
        await record_entry(client, as_(world.social_worker), world.case_id) for _ in range(3)
    ]
    newcomer = practitioner_in(world.team_id, "family_support_worker")
    _, cursor = await read_all(client, as_(newcomer))
    await allocate(client, as_(world.manager), world.case_id, newcomer)

    items, _ = await read_all(client, as_(newcomer), cursor, limit=2)
    assert {e["id"] for e in recorded} <= set(ids_of(items, "entry"))
    assert world.case_id in ids_of(items, "case")
    assert world.family_id in ids_of(items, "family")


async def test_a_change_of_standing_sends_the_case_again_with_detail_withheld(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    recovery = world.specialists["recovery_worker"]
    note = await record_entry(
        client,
        as_(recovery),
        world.case_id,
        sensitivity="restricted",
        narrative="Relapse disclosed at the visit.",
        shareable_summary="Recovery work continuing.",
    )
    sw = world.social_worker
    items, cursor = await read_all(client, as_(sw))
    assert entry_view(items, note["id"])["narrative"] == "Relapse disclosed at the visit."

    # The social worker hands the lead to a colleague and stays on the case as a worker.
    allocation = world.allocations[sw.practitioner_id]
    ended = await client.post(
        f"/cases/{world.case_id}/allocations/{allocation['id']}/end",
        json={"reason": "Lead handed over"},
        headers=if_match(as_(world.manager), "*"),
    )
    assert ended.status_code == 200, ended.text
    await allocate(client, as_(world.manager), world.case_id, sw)
    await allocate(
        client,
        as_(world.manager),
        world.case_id,
        practitioner_in(world.team_id),
        social_worker=True,
    )

    items, _ = await read_all(client, as_(sw), cursor)
    assert items[0] == {
        "kind": "case",
        "op": "tombstone",
        "id": world.case_id,
        "changed_at": None,
        "reason": "out_of_sight",
        "case": None,
    }
    resent = entry_view(items, note["id"])
    assert resent["detail_withheld"] is True
    assert resent["narrative"] is None


async def test_a_withdrawn_entry_is_a_tombstone_for_those_who_no_longer_see_it(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    mistaken = await record_entry(client, sw, world.case_id)
    specialist = as_(world.specialists["recovery_worker"])
    _, cursor = await read_all(client, specialist)
    _, sw_cursor = await read_all(client, sw)
    withdrawn = await client.post(
        f"/cases/{world.case_id}/entries/{mistaken['id']}/withdraw",
        json={"reason": "Recorded on the wrong case"},
        headers=if_match(sw, mistaken["etag"]),
    )
    assert withdrawn.status_code == 200, withdrawn.text

    items, _ = await read_all(client, specialist, cursor)
    assert [(i["kind"], i["id"], i["op"], i["reason"]) for i in items] == [
        ("entry", mistaken["id"], "tombstone", "withdrawn")
    ]
    own, _ = await read_all(client, sw, sw_cursor)
    assert entry_view(own, mistaken["id"])["status"] == "withdrawn"


async def test_cursors_are_their_holders_own(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    _, cursor = await read_all(client, as_(world.social_worker))
    stolen = await client.get("/changes", params={"cursor": cursor}, headers=as_(world.manager))
    assert stolen.status_code == 410
    assert stolen.headers["content-type"] == "application/problem+json"
    garbled = await client.get(
        "/changes", params={"cursor": "not-a-cursor"}, headers=as_(world.manager)
    )
    assert garbled.status_code == 400


async def test_roles_and_credentials(client: httpx.AsyncClient, as_: Headers) -> None:
    assert (await client.get("/changes")).status_code == 401
    admin = principal(discipline="business_support", roles=("administrator",))
    refused = await client.get("/changes", headers=as_(admin))
    assert refused.status_code == 403
    auditor = principal(discipline="business_support", roles=("auditor",), teams=(uuid.uuid4(),))
    assert (await client.get("/changes", headers=as_(auditor))).status_code == 200
    assert (await client.get("/changes", headers=as_(manager_of(uuid.uuid4())))).status_code == 200


def world_principals(world: CaseWorld) -> list[Principal]:
    return [world.manager, world.social_worker, *world.specialists.values()]


async def test_a_cursor_unused_for_its_retention_is_forgotten(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    _, cursor = await read_all(client, as_(world.social_worker))
    async with db_engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE workbook.change_cursor SET issued_at = now() - interval '31 days'"
                " WHERE id = :id"
            ),
            {"id": cursor},
        )
    expired = await client.get(
        "/changes", params={"cursor": cursor}, headers=as_(world.social_worker)
    )
    assert expired.status_code == 410


async def test_becoming_the_system_of_record_starts_the_copy_over(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    worker = world.social_worker
    _, cursor = await read_all(client, as_(worker))
    promoted = Principal(
        subject=worker.subject,
        practitioner_id=worker.practitioner_id,
        display_name=worker.display_name,
        discipline="business_support",
        roles=frozenset({"system"}),
        team_ids=frozenset(),
        managed_team_ids=frozenset(),
    )
    response = await client.get("/changes", params={"cursor": cursor}, headers=as_(promoted))
    assert response.status_code == 200
    assert response.json()["reset"] is True


async def test_reopening_tombstones_the_case_for_those_who_only_read_it_closed(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    specialist = world.specialists["da_victim_worker"]
    manager = as_(world.manager)
    closed = await client.post(
        f"/cases/{world.case_id}/close",
        json={"reason": "Plan completed"},
        headers=if_match(manager, "*"),
    )
    assert closed.status_code == 200, closed.text
    # Allocated when it closed: the worker may still read the closed case's record.
    items, cursor = await read_all(client, as_(specialist))
    assert world.case_id in ids_of(items, "case")
    reopened = await client.post(
        f"/cases/{world.case_id}/reopen",
        json={"reason": "New referral"},
        headers=if_match(manager, "*"),
    )
    assert reopened.status_code == 200, reopened.text
    # Reopening hands access back to allocation, and the worker is not allocated again.
    items, _ = await read_all(client, as_(specialist), cursor)
    assert ("case", world.case_id, "tombstone") in {(i["kind"], i["id"], i["op"]) for i in items}
