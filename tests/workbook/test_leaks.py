"""Leak test: restricted detail, drafts, withdrawn entries and unallocated cases never escape.

Each secret carries a unique marker word. Every endpoint that can return recorded content is
called by every caller who must not see that secret; the marker must appear in no response body
(JSON, CSV, problem details), in no outbox payload and in no audit record. The same calls made by
someone entitled to the secret must show it, so the probe itself is known to work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.principal import Principal
from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    CaseWorld,
    case_world,
    if_match,
    log_session,
    practitioner_in,
    record_entry,
    write_summary,
)
from workbook_api.chronology.service import record_external_event


def marker(label: str) -> str:
    return f"leak{label}{uuid.uuid4().hex[:10]}"


@dataclass
class Recorded:
    world: CaseWorld
    entry_ids: list[str]
    summary_ids: list[str]


def probes(recorded: Recorded, markers: list[str]) -> list[str]:
    """Every read path that can carry recorded content for one case."""
    case = f"/cases/{recorded.world.case_id}"
    paths = [
        f"{case}/entries",
        f"{case}/entries?include_withdrawn=true",
        f"{case}/entries?status=draft",
        f"{case}/entries?status=withdrawn",
        f"{case}/sessions",
        f"{case}/sessions?include_withdrawn=true",
        f"{case}/episodes/1/summaries",
        f"{case}/episodes/1/workbook",
        f"{case}/chronology",
        f"{case}/chronology?order=desc&include_withdrawn=true",
        f"{case}/chronology?format=csv",
        f"{case}/chronology?format=csv&include_withdrawn=true",
        f"{case}",
        "/cases",
        "/families",
        f"/families/{recorded.world.family_id}",
        # The change feed and a device's pull, read to their end (see `bodies`).
        *FEEDS,
    ]
    for entry_id in recorded.entry_ids:
        paths += [
            f"{case}/entries/{entry_id}",
            f"{case}/entries/{entry_id}?include=revisions",
            f"{case}/sessions/{entry_id}",
        ]
    for summary_id in recorded.summary_ids:
        paths.append(f"{case}/episodes/1/summaries/{summary_id}?include=revisions")
    for word in markers:
        paths += [f"/search?q={word}", f"/search?q={word}&case_id={recorded.world.case_id}"]
    return paths


FEEDS = ("/changes", "/sync/pull")


async def feed_text(client: httpx.AsyncClient, headers: dict[str, str], path: str) -> str:
    """Every page of a feed from its start, as one text."""
    pages, cursor = [], None
    while True:
        params: dict[str, str] = {"cursor": cursor} if cursor else {}
        response = await client.get(path, params=params, headers=headers)
        assert response.status_code < 500, (path, response.text)
        pages.append(response.text)
        if response.status_code != 200 or not response.json()["more"]:
            return "\n".join(pages)
        cursor = response.json()["next_cursor"]


async def bodies(
    client: httpx.AsyncClient, headers: dict[str, str], paths: list[str]
) -> dict[str, str]:
    out = {}
    for path in paths:
        if path in FEEDS:
            out[path] = await feed_text(client, headers, path)
            continue
        response = await client.get(path, headers=headers)
        assert response.status_code < 500, (path, response.text)
        out[path] = response.text
    return out


def assert_absent(word: str, seen: dict[str, str], who: Principal) -> None:
    leaks = [path for path, body in seen.items() if word in body]
    assert leaks == [], f"{word} leaked to {who.discipline} {who.practitioner_id} via {leaks}"


async def test_nothing_leaks_to_callers_without_the_right(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    restricted = marker("restricted")
    unallocated = marker("caseb")
    draft = marker("draft")
    withdrawn = marker("withdrawn")

    # Case A: restricted detail from adult specialists, a draft and a withdrawn entry.
    a = await case_world(
        client,
        as_,
        specialist_disciplines=(
            "recovery_worker",
            "da_victim_worker",
            "mental_health_practitioner",
        ),
    )
    recovery = as_(a.specialists["recovery_worker"])
    mental_health = as_(a.specialists["mental_health_practitioner"])
    sw = as_(a.social_worker)
    note = await record_entry(
        client,
        recovery,
        a.case_id,
        significant=True,
        sensitivity="restricted",
        narrative=f"Relapse disclosed {restricted}",
        shareable_summary="Recovery work continuing.",
    )
    amended = await client.post(
        f"/cases/{a.case_id}/entries/{note['id']}/amendments",
        json={"reason": "Added detail", "narrative": f"Relapse and detox referral {restricted}"},
        headers=if_match(recovery, note["etag"]),
    )
    assert amended.status_code == 200, amended.text
    standard_then_restricted = await record_entry(
        client, recovery, a.case_id, significant=True, narrative=f"Oops {restricted}"
    )
    restrict = await client.post(
        f"/cases/{a.case_id}/entries/{standard_then_restricted['id']}/amendments",
        json={
            "reason": "Clinical detail",
            "sensitivity": "restricted",
            "shareable_summary": "Health update.",
        },
        headers=if_match(recovery, standard_then_restricted["etag"]),
    )
    assert restrict.status_code == 200, restrict.text
    session_log = await log_session(
        client,
        mental_health,
        a,
        significant=True,
        narrative=f"Low mood {restricted}",
        fields={"attendance": "attended", "presentation": f"Tearful {restricted}"},
        shareable_summary="Mental health session attended.",
    )
    summary = await write_summary(
        client,
        recovery,
        a.case_id,
        narrative=f"Prescribing review {restricted}",
        sensitivity="restricted",
        shareable_summary="Engaging with recovery.",
    )
    private = await record_entry(
        client,
        sw,
        a.case_id,
        finalise=False,
        significant=True,
        narrative=f"Half-written {draft}",
        shareable_summary=f"Summary {draft}",
    )
    mistaken = await record_entry(
        client, sw, a.case_id, significant=True, narrative=f"Wrong family {withdrawn}"
    )
    gone = await client.post(
        f"/cases/{a.case_id}/entries/{mistaken['id']}/withdraw",
        json={"reason": "Recorded on the wrong case"},
        headers=if_match(sw, mistaken["etag"]),
    )
    assert gone.status_code == 200
    recorded_a = Recorded(
        a,
        [
            note["id"],
            standard_then_restricted["id"],
            session_log["id"],
            private["id"],
            mistaken["id"],
        ],
        [summary["id"]],
    )

    # Case B: another team's case, where everything carries its marker.
    b = await case_world(client, as_)
    b_sw = as_(b.social_worker)
    b_entry = await record_entry(
        client,
        b_sw,
        b.case_id,
        significant=True,
        narrative=f"Home visit {unallocated}",
        shareable_summary=f"Visit {unallocated}",
    )
    b_session = await log_session(
        client,
        as_(b.specialists["recovery_worker"]),
        b,
        narrative=f"Session {unallocated}",
        fields={"attendance": "attended", "session_focus": f"Focus {unallocated}"},
    )
    b_summary = await write_summary(client, b_sw, b.case_id, narrative=f"Summary {unallocated}")
    async with AsyncSession(db_engine) as session, session.begin():
        await record_external_event(
            session,
            uuid.UUID(b.case_id),
            "supervision",
            "gcs.decision",
            datetime.now(UTC) - timedelta(hours=3),
            f"Decision {unallocated}",
            f"Rationale {unallocated}",
            f"leak-{uuid.uuid4()}",
        )
    recorded_b = Recorded(b, [b_entry["id"], b_session["id"]], [b_summary["id"]])

    markers = [restricted, unallocated, draft, withdrawn]
    paths = probes(recorded_a, markers) + probes(recorded_b, markers)
    unallocated_colleague = practitioner_in(a.team_id, "recovery_worker")

    # Who must not see what.
    denied: dict[str, list[Principal]] = {
        restricted: [
            a.specialists["da_victim_worker"],
            unallocated_colleague,
            a.outsider,
            a.outsider_manager,
            b.manager,
            b.social_worker,
        ],
        unallocated: [
            a.social_worker,
            a.manager,
            a.specialists["recovery_worker"],
            a.outsider,
            unallocated_colleague,
        ],
        draft: [
            a.manager,
            a.specialists["recovery_worker"],
            a.specialists["da_victim_worker"],
            a.outsider,
        ],
        withdrawn: [
            a.specialists["recovery_worker"],
            a.specialists["da_victim_worker"],
            unallocated_colleague,
            a.outsider,
        ],
    }
    seen_by: dict[uuid.UUID, dict[str, str]] = {}
    for word, callers in denied.items():
        for who in callers:
            if who.practitioner_id not in seen_by:
                seen_by[who.practitioner_id] = await bodies(client, as_(who), paths)
            assert_absent(word, seen_by[who.practitioner_id], who)

    # The probes do reach the secrets for those entitled to them.
    entitled = {
        restricted: [a.social_worker, a.manager, a.specialists["recovery_worker"]],
        unallocated: [b.manager, b.social_worker],
        draft: [a.social_worker],
        withdrawn: [a.social_worker, a.manager],
    }
    for word, callers in entitled.items():
        for who in callers:
            if who.practitioner_id not in seen_by:
                seen_by[who.practitioner_id] = await bodies(client, as_(who), paths)
            assert any(word in body for body in seen_by[who.practitioner_id].values()), (word, who)
    # The feeds themselves reach them (so their absence above is not an empty probe).
    for feed in FEEDS:
        assert restricted in seen_by[a.social_worker.practitioner_id][feed], feed
        assert unallocated in seen_by[b.social_worker.practitioner_id][feed], feed
    assert draft in seen_by[a.social_worker.practitioner_id]["/sync/pull"]

    # Nothing recorded reaches events or the audit trail.
    async with db_engine.connect() as connection:
        for word in markers:
            in_outbox = await connection.scalar(
                text("SELECT count(*) FROM workbook.outbox_event WHERE data::text LIKE :w"),
                {"w": f"%{word}%"},
            )
            assert in_outbox == 0, word
            in_audit = await connection.scalar(
                text("SELECT count(*) FROM workbook.audit_log WHERE details::text LIKE :w"),
                {"w": f"%{word}%"},
            )
            assert in_audit == 0, word
        events = await connection.scalar(
            text("SELECT count(*) FROM workbook.outbox_event WHERE subject LIKE :s"),
            {"s": f"cases/{a.case_id}/entries/%"},
        )
    assert events >= 6  # the probe above looked at real events, not an empty table
