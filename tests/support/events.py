"""Deliver events to a unit's inbox as the relay does: CloudEvents, signed, over HTTP."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from services.events import CloudEvent, webhook_headers

# The inbox secret every app under test is built with (tests/conftest.py: kernel_settings).
TEST_INBOX_SECRET = "test-inbox-secret-for-signed-deliveries"


def cloud_event(type_: str, data: dict[str, Any], *, source: str = "/directory") -> CloudEvent:
    """A fresh CloudEvent of a type, as another unit would send it."""
    return CloudEvent(
        specversion="1.0",
        id=uuid.uuid4(),
        source=source,
        type=type_,
        time=datetime.now(UTC),
        data=data,
    )


async def deliver(
    client: httpx.AsyncClient, event: CloudEvent, *, secret: str = TEST_INBOX_SECRET
) -> httpx.Response:
    """POST one event to the unit's inbox, signed with `secret`."""
    body = event.to_json_bytes()
    headers = webhook_headers(secret, str(event.id), int(time.time()), body)
    return await client.post("/events", content=body, headers=headers)
