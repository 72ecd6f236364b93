"""Auditors read their own teams' case files, withdrawn entries included, and write nothing."""

from __future__ import annotations

import httpx

from tests.workbook.factories import (
    Headers,
    case_world,
    entry_body,
    if_match,
    principal,
    record_entry,
)


async def test_auditor_reads_own_team_cases_without_allocation_and_writes_nothing(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    entry = await record_entry(client, author, world.case_id)
    withdrawn = await client.post(
        f"/cases/{world.case_id}/entries/{entry['id']}/withdraw",
        json={"reason": "Recorded on the wrong family"},
        headers=if_match(author, entry["etag"]),
    )
    assert withdrawn.status_code == 200
    auditor = as_(
        principal(discipline="quality_assurance", roles=("auditor",), teams=(world.team_id,))
    )
    other_auditor = as_(
        principal(
            discipline="quality_assurance", roles=("auditor",), teams=tuple(world.outsider.team_ids)
        )
    )

    case = await client.get(f"/cases/{world.case_id}", headers=auditor)
    listing = await client.get(
        f"/cases/{world.case_id}/entries?include_withdrawn=true", headers=auditor
    )
    write = await client.post(f"/cases/{world.case_id}/entries", json=entry_body(), headers=auditor)
    elsewhere = await client.get(f"/cases/{world.case_id}", headers=other_auditor)

    assert case.status_code == 200
    assert entry["id"] in {item["id"] for item in listing.json()["items"]}
    assert write.status_code == 403
    assert elsewhere.status_code == 404
