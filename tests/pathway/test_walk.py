"""One family across the continuum: early help, a plan, two reviews, a step up to Family
Safeguarding and a step down again, on the real workbook and pathway apps.

No relays run under test: `relay` delivers each unit's committed outbox events to the other's
inbox, signed, as the relay would (services/subscriptions.py says which).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.event_contracts import (
    PATHWAY_TRANSFER_ACCEPTED,
    chronology_type,
)
from tests.pathway.conftest import Headers
from tests.pathway.factories import TO_PATHWAY, Family, Relay, case_snapshot_of, post_ok, to_do
from tests.workbook.factories import (
    allocate,
    create_family,
    manager_of,
    principal,
    register_practitioner,
)

TO_WORKBOOK = (chronology_type("pathway"), PATHWAY_TRANSFER_ACCEPTED)


async def test_one_family_walks_the_continuum_with_one_unbroken_record(
    client: httpx.AsyncClient,
    workbook: httpx.AsyncClient,
    as_: Headers,
    internal_headers: Any,
    db_engine: AsyncEngine,
) -> None:
    def wb(who: Any) -> dict[str, str]:
        headers: dict[str, str] = internal_headers(who, "workbook")
        return headers

    early_help_team, statutory_team = uuid.uuid4(), uuid.uuid4()
    eh_manager, fs_manager = manager_of(early_help_team), manager_of(statutory_team)
    lead = principal(discipline="family_support_worker", teams=(early_help_team,))
    relay = Relay(db_engine)

    # Identification: the early help team opens the family's early help case, with its lead.
    family = await create_family(workbook, wb(eh_manager), team_id=early_help_team)
    body = {
        "family_id": family["id"],
        "owning_team_id": str(early_help_team),
        "reason": "School raised attendance and a tired, withdrawn child",
        "kind": "early_help",
    }
    early = await post_ok(workbook, "/cases", body, wb(eh_manager))
    await allocate(workbook, wb(eh_manager), early["id"], lead, social_worker=True)
    await relay("workbook", TO_PATHWAY, client, f"cases/{early['id']}%")
    walk = Family(
        team_id=early_help_team,
        case=case_snapshot_of(early),
        manager=eh_manager,
        lead=lead,
        taf_member=lead,
        unallocated=lead,
        other_team=lead,
        auditor=lead,
        parent_id=uuid.UUID(next(m["id"] for m in family["members"] if m["role"] == "parent")),
    )

    # Consent, assessment, plan, and two reviews.
    [target] = await to_do(client, walk, as_, "education")
    for outcome in ("continue", "deterioration"):
        review = {
            "held_on": date.today().isoformat(),
            "outcome": outcome,
            "progress": [{"target_id": target, "progress": "some_progress"}],
            "summary": f"Review: {outcome}",
        }
        await post_ok(client, walk.path("/reviews"), review, as_(lead))

    # Step up: asked by the lead, met about, accepted by the statutory team's manager.
    step_up = await post_ok(
        client,
        walk.path("/transfers"),
        {
            "direction": "step_up",
            "receiving_team_id": str(statutory_team),
            "reason": "Deterioration at review; worries of neglect",
            "current_picture": "Attendance 70%, mother unwell, no food in the house twice",
        },
        as_(lead),
    )
    refused = await client.post(f"/transfers/{step_up['id']}/accept", headers=as_(fs_manager))
    assert refused.status_code == 409  # no meeting yet: the sending team keeps the family
    meeting = {"held_on": date.today().isoformat(), "notes": "Both teams and mum met"}
    await post_ok(client, f"/transfers/{step_up['id']}/meeting", meeting, as_(fs_manager))
    forbidden = await client.post(f"/transfers/{step_up['id']}/accept", headers=as_(eh_manager))
    assert forbidden.status_code == 403
    accepted = await post_ok(client, f"/transfers/{step_up['id']}/accept", {}, as_(fs_manager))
    assert accepted["status"] == "accepted"
    await relay("pathway", TO_WORKBOOK, workbook, f"transfers/{step_up['id']}")
    listed = await workbook.get(
        "/cases", params={"family_id": family["id"]}, headers=wb(fs_manager)
    )
    [statutory] = [c for c in listed.json()["items"] if c["kind"] == "family_safeguarding"]
    assert statutory["owning_team_id"] == str(statutory_team)
    # The early help team still holds the family until it closes its own case.
    early_now = await workbook.get(f"/cases/{early['id']}", headers=wb(eh_manager))
    assert early_now.json()["status"] == "open"
    await post_ok(
        client,
        walk.path("/involvement/close"),
        {"reason": "Stepped up", "family_informed_on": date.today().isoformat()},
        as_(lead),
    )
    closing = await workbook.post(
        f"/cases/{early['id']}/close",
        json={"reason": "Stepped up to Family Safeguarding"},
        headers={**wb(eh_manager), "If-Match": early_now.headers["etag"]},
    )
    assert closing.status_code == 200, closing.text

    # Step down, months later: the statutory team asks early help to take the family back.
    await relay("workbook", TO_PATHWAY, client, f"cases/{statutory['id']}%")
    step_down = await post_ok(
        client,
        f"/cases/{statutory['id']}/transfers",
        {
            "direction": "step_down",
            "receiving_team_id": str(early_help_team),
            "reason": "Child protection plan ended; support still needed",
            "current_picture": "Attendance 92%, mother engaging with her GP",
        },
        as_(fs_manager),
    )
    await post_ok(client, f"/transfers/{step_down['id']}/meeting", meeting, as_(eh_manager))
    await post_ok(client, f"/transfers/{step_down['id']}/accept", {}, as_(eh_manager))
    await relay("pathway", TO_WORKBOOK, workbook, f"transfers/{step_down['id']}")
    listed = await workbook.get(
        "/cases",
        params={"family_id": family["id"], "kind": "early_help", "status": "open"},
        headers=wb(eh_manager),
    )
    [again] = listed.json()["items"]
    assert again["id"] != early["id"]

    # One record: each case's chronology carries its part, and each new case says where the
    # family's story so far is.
    for case_id in (early["id"], statutory["id"]):
        await relay("pathway", TO_WORKBOOK, workbook, f"cases/{case_id}")
    await register_practitioner(workbook, eh_manager)

    async def titles(case_id: str, who: Any) -> list[str]:
        page = await workbook.get(f"/cases/{case_id}/chronology", headers=wb(who))
        assert page.status_code == 200, page.text
        return [item["title"] for item in page.json()["items"]]

    early_story = await titles(early["id"], eh_manager)
    for expected in (
        "Early help: consent being sought",
        "Early help assessment completed (not eligible for Supporting Families)",
        "Early help review: the plan continues",
        "Early help review: things are worse, consider stepping up",
        "Step up to Family Safeguarding requested",
        "Step up to Family Safeguarding accepted by the receiving team",
        "Early help ended; the family was told",
    ):
        assert expected in early_story, early_story
    statutory_story = await titles(statutory["id"], fs_manager)
    assert "Case opened on a step up from early help" in statutory_story
    assert "Step down to early help accepted by the receiving team" in statutory_story
    assert await titles(again["id"], eh_manager) == ["Case opened on a step down"]

    # And one timeline: the family's chronology holds every case's part, in the order it
    # happened, for whoever sees all of them.
    both = principal(
        discipline="team_manager",
        roles=("practitioner", "team_manager"),
        manages=(early_help_team, statutory_team),
    )
    family_page = await workbook.get(
        f"/families/{family['id']}/chronology", params={"limit": 200}, headers=wb(both)
    )
    assert family_page.status_code == 200, family_page.text
    timeline = [(item["case_id"], item["title"]) for item in family_page.json()["items"]]
    story = [title for _, title in timeline]
    for earlier, later in (
        ("Early help: consent being sought", "Step up to Family Safeguarding requested"),
        ("Step up to Family Safeguarding requested", "Case opened on a step up from early help"),
        ("Case opened on a step up from early help", "Early help ended; the family was told"),
    ):
        assert story.index(earlier) < story.index(later), story
    # Accepting a step down opens the new case at that same moment: a tie, in either order.
    at = {item["title"]: item["occurred_at"] for item in family_page.json()["items"]}
    assert (
        at["Step down to early help accepted by the receiving team"]
        == at["Case opened on a step down"]
    )
    assert {case for case, _ in timeline} == {early["id"], statutory["id"], again["id"]}
