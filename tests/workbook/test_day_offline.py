"""A day offline: two devices and a web user edit overlapping records, then reconnect.

The social worker carries a phone and a tablet; both pull in the morning, lose signal, and
record all day: new visits, and edits of the same two drafts. Meanwhile the worker (back at the
office) edits one of those drafts on the web, and a colleague records on the web too. The
devices reconnect in either order. Every piece of text anyone wrote must end up either on the
record or handed back as a conflict, with the server's version beside it; nothing anyone wrote
is overwritten. After merging, pushing everything again changes nothing, and both devices
converge on the record.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.workbook.conftest import Headers
from tests.workbook.factories import case_world, if_match, record_entry
from tests.workbook.sync_device import Device


def written_by(device: Device) -> list[tuple[str, str]]:
    """(entry id, text) for every narrative a device pushed."""
    texts = []
    for op in device.pushed:
        body = op.get("entry") or op.get("session_log") or op.get("changes") or {}
        texts.append((op["entry_id"], body["narrative"]))
    return texts


async def on_record(client: httpx.AsyncClient, headers: dict[str, str], case_id: str) -> str:
    """Everything the record holds for the case that this worker may read, as one text."""
    texts = []
    for status in ("draft", "final"):
        response = await client.get(
            f"/cases/{case_id}/entries", params={"status": status, "limit": 200}, headers=headers
        )
        assert response.status_code == 200
        texts += [str(item["narrative"]) for item in response.json()["items"]]
    return "\n".join(texts)


@pytest.mark.parametrize("order", ["phone first", "tablet first"])
async def test_every_word_written_offline_is_applied_or_handed_back(
    client: httpx.AsyncClient, as_: Headers, order: str
) -> None:
    world = await case_world(client, as_)
    worker = as_(world.social_worker)
    colleague = as_(world.specialists["recovery_worker"])
    plan = await record_entry(client, worker, world.case_id, finalise=False, narrative="Plan v1")
    notes = await record_entry(client, worker, world.case_id, finalise=False, narrative="Notes v1")

    phone, tablet = Device(client, worker, name="phone"), Device(client, worker, name="tablet")
    await phone.pull()
    await tablet.pull()
    assert {plan["id"], notes["id"]} <= set(phone.entries) & set(tablet.entries)

    # Offline all day.
    phone.edit_draft(plan["id"], "Plan: phone wording")
    phone.edit_draft(notes["id"], "Notes: phone wording")
    phone.create_entry(world.case_id, "Visit seen on the phone", finalise=True)
    tablet.edit_draft(plan["id"], "Plan: tablet wording")
    tablet.edit_draft(notes["id"], "Notes: tablet wording", finalise=True)
    tablet.create_entry(world.case_id, "Visit seen on the tablet", finalise=True)
    # At the office meanwhile: the worker reworks the plan, a colleague records a visit.
    web = await client.patch(
        f"/cases/{world.case_id}/entries/{plan['id']}",
        json={"narrative": "Plan: office wording"},
        headers=if_match(worker, plan["etag"]),
    )
    assert web.status_code == 200, web.text
    await record_entry(client, colleague, world.case_id, narrative="Colleague's visit")

    first, second = (phone, tablet) if order == "phone first" else (tablet, phone)
    outcomes: dict[str, list[dict[str, Any]]] = {}
    for device in (first, second):
        outcomes[device.name] = await device.push()

    # The plan was reworked on the web before either device came back: both are conflicts.
    for device in (phone, tablet):
        by_entry = {r["entry_id"]: r for r in outcomes[device.name]}
        assert by_entry[plan["id"]]["status"] == "conflict"
        assert by_entry[plan["id"]]["server"]["narrative"] == "Plan: office wording"
    # The notes: whichever device came back first applied; the other got a conflict.
    first_notes = {r["entry_id"]: r for r in outcomes[first.name]}[notes["id"]]
    second_notes = {r["entry_id"]: r for r in outcomes[second.name]}[notes["id"]]
    assert first_notes["status"] == "applied"
    assert second_notes["status"] == "conflict"
    assert second_notes["server"]["narrative"] == first_notes["entry"]["narrative"]

    # Every word: on the record, or handed back in a conflict with the server's version.
    record = await on_record(client, worker, world.case_id)
    assert "Plan: office wording" in record
    assert "Colleague's visit" in record
    handed_back: list[str] = []
    for device in (phone, tablet):
        results = {r["op_id"]: r for r in outcomes[device.name]}
        for op, (entry_id, words) in zip(device.pushed, written_by(device), strict=True):
            result = results[op["op_id"]]
            if result["status"] == "applied":
                assert words in record, (device.name, words)
            else:
                assert result["status"] == "conflict", result
                assert result["device"]["changes"]["narrative"] == words
                assert result["server"]["id"] == entry_id
                handed_back.append(words)
    assert sorted(handed_back) == sorted(
        [
            "Plan: phone wording",
            "Plan: tablet wording",
            second_notes["device"]["changes"]["narrative"],
        ]
    )
    # Nothing handed back was written over what was there.
    for words in handed_back:
        assert words not in record

    # Each device merges what came back against the server's version and pushes again.
    for device in (first, second):
        await device.pull()
        for result in outcomes[device.name]:
            if result["status"] == "conflict":
                server = device.entries[result["entry_id"]]
                if server["status"] == "draft":
                    merged = f"{server['narrative']} | {result['device']['changes']['narrative']}"
                    device.edit_draft(result["entry_id"], merged)
        if device.queued:
            assert {r["status"] for r in await device.push()} == {"applied"}
    record = await on_record(client, worker, world.case_id)
    for words in ["Plan: office wording", "Plan: phone wording", "Plan: tablet wording"]:
        assert words in record

    # Pushing every batch again is harmless: nothing is applied twice, nothing overwritten.
    for device in (phone, tablet):
        for batch in device.history:
            replayed = await device.push(again=batch)
            assert "rejected" not in {r["status"] for r in replayed}
            assert all(r["replayed"] for r in replayed if r["status"] == "applied")
    assert await on_record(client, worker, world.case_id) == record

    # And both devices converge on the record.
    await phone.pull()
    await tablet.pull()
    assert phone.entries == tablet.entries
    held = "\n".join(str(e["narrative"]) for e in phone.entries.values())
    for line in record.splitlines():
        assert line in held
