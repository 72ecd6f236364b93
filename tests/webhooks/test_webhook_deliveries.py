"""External subscribers get signed CloudEvents from where they chose to start, with retries, a
delivery log, dead letters they can replay, and secret rotation with an overlap."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from sqlalchemy.ext.asyncio import create_async_engine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.outbox_metrics import measure
from services.settings import async_database_url
from tests.webhooks.conftest import Headers
from tests.webhooks.receiver import Delivery, Receiver
from tests.workbook.factories import case_world, record_entry
from workbook_api.models import kernel

FINALISED = "uk.gov.fsm.workbook.entry.finalised"
Subscribe = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def subscribe(client: httpx.AsyncClient, admin: dict[str, str]) -> AsyncIterator[Subscribe]:
    """Make subscriptions as an administrator; each is deleted when the test ends."""
    made: list[str] = []

    async def make(url: str, types: list[str], **extra: Any) -> dict[str, Any]:
        body = {"name": f"test-{uuid.uuid4().hex[:10]}", "url": url, "event_types": types, **extra}
        response = await client.post("/webhooks/subscriptions", json=body, headers=admin)
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
        return {**response.json(), "etag": response.headers["etag"]}

    yield make
    for subscription_id in made:
        path = f"/webhooks/subscriptions/{subscription_id}"
        await client.delete(path, headers={**admin, "If-Match": "*"})


def verify(secret: str, delivery: Delivery) -> Any:
    """Check a delivery with the Standard Webhooks library's own verifier."""
    return Webhook(secret).verify(delivery.body, delivery.headers)


def cloud_event(delivery: Delivery) -> Any:
    """Read a delivery as the CloudEvents SDK reads an HTTP message."""
    return from_http_event(HTTPMessage(headers=delivery.headers, body=delivery.body))


async def finalised_entry(client: httpx.AsyncClient, as_: Headers) -> dict[str, Any]:
    world = await case_world(client, as_)
    return await record_entry(client, as_(world.social_worker), world.case_id)


async def delivery_log(
    client: httpx.AsyncClient, admin: dict[str, str], subscription_id: str, **query: str
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/webhooks/subscriptions/{subscription_id}/deliveries", params=query, headers=admin
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def eventually(check: Callable[[], Awaitable[bool]], limit: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not reached in time"
        await asyncio.sleep(0.05)


async def test_deliveries_are_signed_cloudevents_the_libraries_accept(
    client: httpx.AsyncClient,
    as_: Headers,
    admin: dict[str, str],
    receiver: Receiver,
    subscribe: Subscribe,
) -> None:
    subscription = await subscribe(receiver.url, [FINALISED])
    entry = await finalised_entry(client, as_)
    [delivery] = await receiver.until(1)

    payload = verify(subscription["secret"], delivery)
    event = cloud_event(delivery)
    assert event.get_type() == FINALISED
    assert event.get_source() == "/workbook"
    assert str(event.get_id()) == delivery.headers["webhook-id"]
    assert payload["data"]["entry_id"] == entry["id"]
    assert "narrative" not in payload["data"]
    with pytest.raises(WebhookVerificationError):
        verify("whsec_" + "A" * 43 + "=", delivery)

    async def logged() -> bool:
        log = await delivery_log(client, admin, subscription["id"])
        return [d["status"] for d in log] == ["delivered"]

    await eventually(logged)
    [logged_delivery] = await delivery_log(client, admin, subscription["id"])
    assert logged_delivery["event_type"] == FINALISED
    detail = await client.get(
        f"/webhooks/subscriptions/{subscription['id']}/deliveries/{logged_delivery['id']}",
        headers=admin,
    )
    assert [a["status"] for a in detail.json()["attempt_log"]] == [204]


async def test_failures_are_retried_then_dead_letters_replayed(
    client: httpx.AsyncClient,
    as_: Headers,
    admin: dict[str, str],
    receiver: Receiver,
    subscribe: Subscribe,
) -> None:
    receiver.status = 503
    subscription = await subscribe(receiver.url, [FINALISED])
    await finalised_entry(client, as_)

    async def dead() -> bool:
        return len(await delivery_log(client, admin, subscription["id"], status="dead")) == 1

    await eventually(dead)
    [letter] = await delivery_log(client, admin, subscription["id"], status="dead")
    assert letter["attempts"] == 3  # FAST_RELAY.max_attempts, with backoff between them
    assert letter["last_error"] == "dead: HTTP 503 after 3 attempts"
    path = f"/webhooks/subscriptions/{subscription['id']}/deliveries/{letter['id']}"
    attempts = (await client.get(path, headers=admin)).json()["attempt_log"]
    assert [a["status"] for a in attempts] == [503, 503, 503]
    assert len(receiver.deliveries) == 3
    await asyncio.sleep(0.3)
    assert len(receiver.deliveries) == 3  # the dead stay dead until someone replays them
    first, last = (datetime.fromisoformat(a["attempted_at"]) for a in (attempts[0], attempts[-1]))
    assert last - first >= timedelta(seconds=0.05)

    receiver.status = 204
    replayed = await client.post(f"{path}/replay", headers=admin)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["status"] == "pending"

    async def delivered() -> bool:
        return [d["status"] for d in await delivery_log(client, admin, subscription["id"])] == [
            "delivered"
        ]

    await eventually(delivered)
    again = await client.post(f"{path}/replay", headers=admin)
    assert again.status_code == 409
    everything = await client.post(
        f"/webhooks/subscriptions/{subscription['id']}/replay-dead", headers=admin
    )
    assert everything.json() == {"replayed": 0}


async def test_a_subscriber_starts_now_or_from_a_point_in_the_past(
    client: httpx.AsyncClient, as_: Headers, receiver: Receiver, subscribe: Subscribe
) -> None:
    earlier = await finalised_entry(client, as_)
    await asyncio.sleep(0.1)
    since = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    from_past = await subscribe(f"{receiver.url}?from=past", [FINALISED], start_from=since)
    from_now = await subscribe(f"{receiver.url}?from=now", [FINALISED])
    later = await finalised_entry(client, as_)

    def entries_for(secret: str) -> set[str]:
        found = set()
        for delivery in receiver.deliveries:
            try:
                found.add(verify(secret, delivery)["data"]["entry_id"])
            except WebhookVerificationError:
                continue
        return found

    async def both_have_the_later_entry() -> bool:
        return all(later["id"] in entries_for(s["secret"]) for s in (from_past, from_now))

    await eventually(both_have_the_later_entry)
    assert earlier["id"] in entries_for(from_past["secret"])
    assert earlier["id"] not in entries_for(from_now["secret"])


async def test_a_rotated_secret_still_signs_for_its_overlap(
    client: httpx.AsyncClient,
    as_: Headers,
    admin: dict[str, str],
    receiver: Receiver,
    subscribe: Subscribe,
) -> None:
    subscription = await subscribe(receiver.url, [FINALISED])
    path = f"/webhooks/subscriptions/{subscription['id']}/rotate-secret"
    missing = await client.post(path, json={"overlap_minutes": 60}, headers=admin)
    assert missing.status_code == 428
    rotated = await client.post(
        path, json={"overlap_minutes": 60}, headers={**admin, "If-Match": subscription["etag"]}
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != subscription["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None

    await finalised_entry(client, as_)
    [during] = await receiver.until(1)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    verify(subscription["secret"], during)
    verify(new_secret, during)

    retired = await client.post(
        path, json={"overlap_minutes": 0}, headers={**admin, "If-Match": rotated.headers["etag"]}
    )
    assert retired.status_code == 200
    newest = retired.json()["secret"]
    await finalised_entry(client, as_)
    after = (await receiver.until(2))[1]
    verify(newest, after)
    for old in (subscription["secret"], new_secret):
        with pytest.raises(WebhookVerificationError):
            verify(old, after)


async def test_a_paused_subscription_keeps_its_events_until_resumed(
    client: httpx.AsyncClient,
    as_: Headers,
    admin: dict[str, str],
    receiver: Receiver,
    subscribe: Subscribe,
) -> None:
    subscription = await subscribe(receiver.url, ["uk.gov.fsm.workbook.entry.*"])
    path = f"/webhooks/subscriptions/{subscription['id']}"
    paused = await client.patch(
        path, json={"active": False}, headers={**admin, "If-Match": subscription["etag"]}
    )
    assert paused.status_code == 200, paused.text
    await finalised_entry(client, as_)

    async def queued() -> bool:
        return len(await delivery_log(client, admin, subscription["id"], status="pending")) == 1

    await eventually(queued)
    await asyncio.sleep(0.3)
    assert receiver.deliveries == []
    resumed = await client.patch(
        path, json={"active": True}, headers={**admin, "If-Match": paused.headers["etag"]}
    )
    assert resumed.status_code == 200
    [delivery] = await receiver.until(1)
    assert cloud_event(delivery).get_type() == FINALISED


async def test_metrics_count_external_subscribers_together(
    client: httpx.AsyncClient,
    as_: Headers,
    admin: dict[str, str],
    receiver: Receiver,
    subscribe: Subscribe,
    database_url: str,
) -> None:
    receiver.status = 503
    subscription = await subscribe(receiver.url, [FINALISED])
    await finalised_entry(client, as_)
    await receiver.until(1)
    engine = create_async_engine(async_database_url(database_url))
    try:
        backlog = await measure(engine, kernel)
    finally:
        await engine.dispose()
    assert backlog.subscribers["webhooks"].pending + backlog.subscribers["webhooks"].dead >= 1
    assert not [name for name in backlog.subscribers if subscription["id"] in name]
