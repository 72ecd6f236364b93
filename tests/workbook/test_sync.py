"""Mobile sync: a device pulls its caseload and purges what leaves it; pushes come back applied,
a conflict (both versions, nothing overwritten) or rejected, and replaying them is harmless."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    case_world,
    if_match,
    manager_of,
    practitioner_in,
    principal,
    record_entry,
    session_body,
    system_principal,
)
from tests.workbook.sync_device import Device, hours_ago


def statuses(results: list[dict[str, Any]]) -> list[str]:
    return [result["status"] for result in results]


async def test_a_device_pulls_its_caseload_and_nothing_else(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    other = await case_world(client, as_)
    entry = await record_entry(client, as_(world.social_worker), world.case_id)
    device = Device(client, as_(world.social_worker))
    await device.pull()
    assert set(device.cases) == {world.case_id}
    assert set(device.families) == {world.family_id}
    assert entry["id"] in device.entries
    assert other.case_id not in device.cases

    # A manager's device holds the cases they are allocated to, not their whole team's.
    manager_device = Device(client, as_(world.manager))
    await manager_device.pull()
    assert manager_device.cases == {}


async def test_deallocation_and_closure_tell_the_device_to_purge(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    specialist = world.specialists["recovery_worker"]
    device = Device(client, as_(specialist))
    sw_device = Device(client, as_(world.social_worker))
    await device.pull()
    await sw_device.pull()
    assert world.case_id in device.cases

    allocation = world.allocations[specialist.practitioner_id]
    ended = await client.post(
        f"/cases/{world.case_id}/allocations/{allocation['id']}/end",
        json={"reason": "Work finished"},
        headers=if_match(as_(world.manager), "*"),
    )
    assert ended.status_code == 200, ended.text
    purged = await device.pull()
    assert {(i["kind"], i["id"], i["op"]) for i in purged} == {
        ("case", world.case_id, "tombstone"),
        ("family", world.family_id, "tombstone"),
    }
    assert (device.cases, device.entries, device.families) == ({}, {}, {})

    # Closing ends the caseload: the social worker may still read it, but not carry it about.
    closed = await client.post(
        f"/cases/{world.case_id}/close",
        json={"reason": "Work completed"},
        headers=if_match(as_(world.manager), "*"),
    )
    assert closed.status_code == 200, closed.text
    await sw_device.pull()
    assert (sw_device.cases, sw_device.entries) == ({}, {})
    readable = await client.get(f"/cases/{world.case_id}", headers=as_(world.social_worker))
    assert readable.status_code == 200


async def test_new_entries_and_session_logs_keep_the_devices_ids(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    recovery = world.specialists["recovery_worker"]
    device = Device(client, as_(recovery))
    await device.pull()
    visit = device.create_entry(world.case_id, "Saw mother at home; calm.", finalise=True)
    session_log = device.log_session(world.case_id, {**session_body(world), "finalise": True})
    results = await device.push()
    assert statuses(results) == ["applied", "applied"]
    assert [r["entry"]["id"] for r in results] == [visit, session_log]
    read = await client.get(f"/cases/{world.case_id}/entries/{visit}", headers=as_(recovery))
    assert read.status_code == 200
    assert read.json()["narrative"] == "Saw mother at home; calm."

    # The same batch again (a retry after a lost answer) applies nothing twice.
    again = await device.push(again=device.pushed)
    assert statuses(again) == ["applied", "applied"]
    assert all(r["replayed"] for r in again)
    async with db_engine.connect() as connection:
        stored = await connection.scalar(
            text("SELECT count(*) FROM workbook.entry WHERE id IN (:a, :b)"),
            {"a": visit, "b": session_log},
        )
    assert stored == 2


async def test_an_edit_against_an_old_version_is_a_conflict_and_overwrites_nothing(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    draft = await record_entry(client, sw, world.case_id, finalise=False, narrative="First words.")
    device = Device(client, sw)
    await device.pull()
    device.edit_draft(draft["id"], "Words typed on the phone.")
    web = await client.patch(
        f"/cases/{world.case_id}/entries/{draft['id']}",
        json={"narrative": "Words typed at the office."},
        headers=if_match(sw, draft["etag"]),
    )
    assert web.status_code == 200

    [result] = await device.push()
    assert result["status"] == "conflict"
    assert result["server"]["narrative"] == "Words typed at the office."
    assert result["device"]["changes"]["narrative"] == "Words typed on the phone."
    assert result["problem"]["status"] == 412
    stored = await client.get(f"/cases/{world.case_id}/entries/{draft['id']}", headers=sw)
    assert stored.json()["narrative"] == "Words typed at the office."

    # Merged on the device against the server's version, it applies.
    device.entries[draft["id"]] = result["server"]
    device.edit_draft(draft["id"], "Words typed at the office. And on the phone.", finalise=True)
    [merged] = await device.push()
    assert merged["status"] == "applied"
    assert merged["entry"]["status"] == "final"
    assert merged["entry"]["narrative"] == "Words typed at the office. And on the phone."


async def test_a_draft_finalised_meanwhile_is_a_conflict(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    draft = await record_entry(client, sw, world.case_id, finalise=False)
    device = Device(client, sw)
    await device.pull()
    device.edit_draft(draft["id"], "An afterthought.")
    final = await client.post(
        f"/cases/{world.case_id}/entries/{draft['id']}/finalise",
        headers=if_match(sw, draft["etag"]),
    )
    assert final.status_code == 200, final.text
    # The device's version was based on the draft the web finalised: the same version number
    # is gone, so it is a conflict, whichever check notices first.
    [result] = await device.push()
    assert result["status"] == "conflict"
    assert result["server"]["status"] == "final"
    assert result["device"]["changes"]["narrative"] == "An afterthought."


async def test_refusals_are_per_operation_and_say_why(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    other = await case_world(client, as_)
    sw = as_(world.social_worker)
    someone_elses = await record_entry(
        client, as_(world.specialists["recovery_worker"]), world.case_id, finalise=False
    )
    device = Device(client, sw)
    await device.pull()
    fine = device.create_entry(world.case_id, "A visit that is fine.")
    elsewhere = device.create_entry(other.case_id, "On a case I may not see.")
    device.queued.append(
        {
            "op": "update_draft",
            "op_id": str(uuid.uuid4()),
            "case_id": world.case_id,
            "entry_id": someone_elses["id"],
            "base_etag": someone_elses["etag"],
            "changes": {"narrative": "Not mine to edit."},
        }
    )
    future = device.create_entry(world.case_id, "From the future.", event_at=hours_ago(-48))
    results = await device.push()
    assert statuses(results) == ["applied", "rejected", "rejected", "rejected"]
    assert [r["problem"]["status"] for r in results[1:]] == [404, 404, 422]
    assert results[1]["device"]["entry_id"] == elsewhere
    assert results[3]["device"]["entry_id"] == future
    read = await client.get(f"/cases/{world.case_id}/entries/{fine}", headers=sw)
    assert read.status_code == 200


async def test_an_op_id_used_again_for_something_else_is_refused(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    device = Device(client, as_(world.social_worker))
    device.create_entry(world.case_id, "The first operation.")
    [first] = await device.push()
    assert first["status"] == "applied"
    reused = {**device.pushed[0], "entry": {**device.pushed[0]["entry"], "narrative": "Other."}}
    [second] = await device.push(again=[reused])
    assert second["status"] == "rejected"
    assert second["problem"]["type"].endswith("/op-id-reused")
    taken = {**device.pushed[0], "op_id": str(uuid.uuid4())}
    [third] = await device.push(again=[taken])
    assert third["status"] == "rejected"
    assert third["problem"]["type"].endswith("/entry-id-taken")


async def test_a_closed_case_rejects_what_was_recorded_offline(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    device = Device(client, as_(world.social_worker))
    await device.pull()
    device.create_entry(world.case_id, "Written in the car before closure.")
    closed = await client.post(
        f"/cases/{world.case_id}/close",
        json={"reason": "Work completed"},
        headers=if_match(as_(world.manager), "*"),
    )
    assert closed.status_code == 200
    [result] = await device.push()
    assert result["status"] == "rejected"
    assert result["problem"]["status"] == 409
    assert result["device"]["entry"]["narrative"] == "Written in the car before closure."


async def test_push_and_pull_roles_and_bounds(client: httpx.AsyncClient, as_: Headers) -> None:
    one = {
        "op": "create_entry",
        "op_id": str(uuid.uuid4()),
        "case_id": str(uuid.uuid4()),
        "entry_id": str(uuid.uuid4()),
        "entry": {"entry_type": "home_visit", "event_at": hours_ago(1), "narrative": "x"},
    }
    assert (await client.get("/sync/pull")).status_code == 401
    assert (await client.post("/sync/push", json={"operations": [one]})).status_code == 401
    for refused in (
        system_principal(),
        principal(discipline="business_support", roles=("auditor",)),
        principal(discipline="business_support", roles=("administrator",)),
    ):
        assert (await client.get("/sync/pull", headers=as_(refused))).status_code == 403
        push = await client.post("/sync/push", json={"operations": [one]}, headers=as_(refused))
        assert push.status_code == 403
    worker = as_(practitioner_in(uuid.uuid4()))
    too_many = await client.post("/sync/push", json={"operations": [one] * 101}, headers=worker)
    assert too_many.status_code == 422
    unknown = await client.post(
        "/sync/push", json={"operations": [{**one, "op": "delete_entry"}]}, headers=worker
    )
    assert unknown.status_code == 422
    assert (await client.get("/sync/pull", headers=as_(manager_of(uuid.uuid4())))).is_success


async def test_each_operation_is_audited_with_what_became_of_it(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    device = Device(client, as_(world.social_worker))
    applied = device.create_entry(world.case_id, "Audited visit.")
    missing = device.create_entry(str(uuid.uuid4()), "Nowhere.")
    await device.push()
    async with db_engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT resource_id, outcome, details->>'sync_status' FROM workbook.audit_log"
                    " WHERE resource_type = 'entry' AND resource_id IN (:a, :b)"
                ),
                {"a": applied, "b": missing},
            )
        ).all()
    assert sorted(tuple(row) for row in rows) == sorted(
        [(applied, "success", "applied"), (missing, "not_found", "rejected")]
    )
