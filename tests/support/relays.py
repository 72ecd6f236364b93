"""One unit's outbox relayed to another unit's inbox in process, as `fsm run` wires them.

For tests that follow an event across units without starting processes: the publisher's own
`OutboxRelay` fans its undispatched events out and delivers them, signed, over ASGI to the
receiver's `/events`, until nothing is left to deliver.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from fastapi import FastAPI

from services.relay import OutboxRelay, RelaySettings, Subscriber
from tests.support.events import TEST_INBOX_SECRET


async def relay(
    publisher: FastAPI, receiver: FastAPI, receiver_name: str, types: Sequence[str]
) -> None:
    """Deliver every event of `types` the publisher has not yet dispatched to the receiver."""
    base = f"http://{receiver_name}.relayed"
    async with httpx.AsyncClient(
        mounts={base: httpx.ASGITransport(app=receiver)}, timeout=30
    ) as client:
        outbox = OutboxRelay(
            publisher.state.sessionmaker,
            publisher.state.kernel,
            RelaySettings(
                subscribers=[
                    Subscriber(
                        name=receiver_name,
                        url=f"{base}/events",
                        secret=TEST_INBOX_SECRET,
                        types=list(types),
                    )
                ]
            ),
            client,
        )
        while await outbox.fan_out():
            pass
        while await outbox.run_once():
            pass
