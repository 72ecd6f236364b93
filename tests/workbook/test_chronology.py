"""The chronology: significant entries and other services' events, by event time, and its CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.event_contracts import ChronologyContribution, chronology_type
from tests.support.events import cloud_event, deliver
from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    CaseWorld,
    audit_rows,
    case_world,
    if_match,
    principal,
    record_entry,
)
from workbook_api.chronology.service import record_external_event


def chronology_url(world: CaseWorld) -> str:
    return f"/cases/{world.case_id}/chronology"


async def add_event(
    engine: AsyncEngine, world: CaseWorld, at: datetime, title: str, external_id: str
) -> uuid.UUID:
    async with AsyncSession(engine) as session, session.begin():
        return await record_external_event(
            session,
            uuid.UUID(world.case_id),
            "supervision",
            "gcs.decision",
            at,
            title,
            "Decision recorded at group case supervision.",
            external_id,
        )


async def test_significant_entries_and_events_in_event_time_order(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    now = datetime.now(UTC)

    def ago(days: int) -> str:
        return (now - timedelta(days=days)).isoformat()

    oldest = await record_entry(client, sw, world.case_id, significant=True, event_at=ago(10))
    await record_entry(client, sw, world.case_id, significant=False, event_at=ago(9))
    await record_entry(client, sw, world.case_id, significant=True, event_at=ago(8), finalise=False)
    withdrawn = await record_entry(client, sw, world.case_id, significant=True, event_at=ago(7))
    await client.post(
        f"/cases/{world.case_id}/entries/{withdrawn['id']}/withdraw",
        json={"reason": "Wrong family"},
        headers=if_match(sw, withdrawn["etag"]),
    )
    event_id = await add_event(db_engine, world, now - timedelta(days=5), "GCS decision", "gcs-1")
    newest = await record_entry(client, sw, world.case_id, significant=True, event_at=ago(1))

    response = await client.get(chronology_url(world), headers=as_(world.manager))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["id"] for i in items] == [oldest["id"], str(event_id), newest["id"]]
    assert [i["kind"] for i in items] == ["entry", "event", "entry"]
    assert items[0]["title"] == "Home visit"
    assert items[0]["author_name"] == world.social_worker.display_name
    assert items[1]["title"] == "GCS decision"
    assert items[1]["source"] == "supervision"

    newest_first = await client.get(chronology_url(world) + "?order=desc", headers=sw)
    assert [i["id"] for i in newest_first.json()["items"]] == [
        newest["id"],
        str(event_id),
        oldest["id"],
    ]
    with_withdrawn = await client.get(chronology_url(world) + "?include_withdrawn=true", headers=sw)
    assert withdrawn["id"] in [i["id"] for i in with_withdrawn.json()["items"]]
    colleague = as_(world.specialists["recovery_worker"])
    hidden = await client.get(chronology_url(world) + "?include_withdrawn=true", headers=colleague)
    assert withdrawn["id"] not in [i["id"] for i in hidden.json()["items"]]


async def test_external_events_are_recorded_once(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    at = datetime.now(UTC) - timedelta(days=2)
    external_id = f"supervision:{uuid.uuid4()}"
    first = await add_event(db_engine, world, at, "Decision", external_id)
    second = await add_event(db_engine, world, at, "Decision", external_id)
    assert first == second
    items = (await client.get(chronology_url(world), headers=as_(world.manager))).json()["items"]
    assert [i["id"] for i in items] == [str(first)]


async def test_pages_follow_the_keyset_across_both_sources(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    now = datetime.now(UTC)
    expected = []
    for day in range(6, 0, -1):
        at = now - timedelta(days=day)
        if day % 2:
            expected.append(str(await add_event(db_engine, world, at, "e", f"k-{uuid.uuid4()}")))
        else:
            entry = await record_entry(
                client, sw, world.case_id, significant=True, event_at=at.isoformat()
            )
            expected.append(entry["id"])
    seen: list[str] = []
    cursor = None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(chronology_url(world) + query, headers=sw)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


async def test_restricted_entries_show_their_summary_only(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    entry = await record_entry(
        client,
        as_(world.specialists["recovery_worker"]),
        world.case_id,
        significant=True,
        sensitivity="restricted",
        narrative="Admitted to detox unit on Friday.",
        shareable_summary="Health appointment; no concerns for the children.",
    )
    items = (
        await client.get(chronology_url(world), headers=as_(world.specialists["da_victim_worker"]))
    ).json()["items"]
    [row] = [i for i in items if i["id"] == entry["id"]]
    assert row["detail"] is None
    assert row["detail_withheld"] is True
    assert row["summary"] == "Health appointment; no concerns for the children."


async def test_csv_export_is_streamed_escaped_and_audited(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    await record_entry(
        client,
        sw,
        world.case_id,
        significant=True,
        narrative='=HYPERLINK("http://evil.example","click")',
    )
    await record_entry(
        client,
        as_(world.specialists["recovery_worker"]),
        world.case_id,
        significant=True,
        sensitivity="restricted",
        narrative="Methadone dose increased.",
        shareable_summary="@Recovery work continuing",
    )
    other = as_(world.specialists["da_victim_worker"])
    for response in (
        await client.get(chronology_url(world) + "?format=csv", headers=other),
        await client.get(chronology_url(world), headers={**other, "Accept": "text/csv"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert len(rows) == 2
        assert rows[0]["detail"] == '\'=HYPERLINK("http://evil.example","click")'
        assert rows[1]["summary"] == "'@Recovery work continuing"
        assert rows[1]["detail"] == ""
        assert "Methadone" not in response.text
    audit = await audit_rows(db_engine, response)
    assert [(r.action, r.resource_type, r.outcome) for r in audit] == [
        ("export", "chronology", "success")
    ]


async def test_chronology_refuses_anonymous_wrong_role_and_other_teams(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    administrator = principal(discipline="administrator", roles=("administrator",))
    for query in ("", "?format=csv"):
        path = chronology_url(world) + query
        assert (await client.get(path)).status_code == 401
        assert (await client.get(path, headers=as_(administrator))).status_code == 403
        for stranger in (world.outsider, world.outsider_manager):
            response = await client.get(path, headers=as_(stranger))
            assert response.status_code == 404
    [row] = await audit_rows(db_engine, response)
    assert (row.action, row.outcome) == ("export", "not_found")


async def test_other_units_put_items_on_the_chronology_through_the_inbox(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    item = ChronologyContribution(
        case_id=uuid.UUID(world.case_id),
        occurred_at=datetime(2026, 11, 18, 14, 0, tzinfo=UTC),
        title="Group case supervision: plan agreed",
        summary="Joint risk assessment reviewed; next meeting in four weeks.",
    )
    event = cloud_event(
        chronology_type("supervision"), item.model_dump(mode="json"), source="/supervision"
    )
    assert (await deliver(client, event)).status_code == 204
    assert (await deliver(client, event)).status_code == 204  # redelivered: recorded once

    items = (await client.get(chronology_url(world), headers=as_(world.social_worker))).json()
    [recorded] = [i for i in items["items"] if i["kind"] == "event"]
    assert recorded["title"] == "Group case supervision: plan agreed"
    assert recorded["source"] == "supervision"
    assert recorded["summary"].startswith("Joint risk assessment")
    stranger = await client.get(chronology_url(world), headers=as_(world.outsider))
    assert stranger.status_code == 404

    nowhere = cloud_event(
        chronology_type("supervision"),
        item.model_copy(update={"case_id": uuid.uuid4()}).model_dump(mode="json"),
        source="/supervision",
    )
    refused = await deliver(client, nowhere)
    assert refused.status_code == 422
    assert refused.json()["type"].endswith("/event-not-applicable")
