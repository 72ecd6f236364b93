"""The consumer side of events: verify a signed delivery, then apply each event at most once.

Delivery is at least once, so a consumer records every event id in its inbox in the same
transaction as the event's effect; a redelivered event finds its id there and is skipped.
Each unit declares an `Inbox` (event type prefix → handler) and serves it at `POST /events`,
authenticated by the Standard Webhooks signature under the unit's inbox secrets, never by a
user's token. Handlers must converge whatever the order of deliveries: apply by version or by
event time, never by arrival.
"""

from __future__ import annotations

import binascii
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import SecretStr, ValidationError
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.errors import ProblemError
from services.events import SIGNATURE_VERSION, CloudEvent, sign
from services.metrics import observe_inbox_lag

log = logging.getLogger(__name__)

DEFAULT_TOLERANCE_SECONDS = 300
MAX_SIGNATURES = 10


def _refuse(detail: str) -> ProblemError:
    # No Bearer challenge: a webhook authenticates by signature, not by token.
    return ProblemError(401, "invalid-webhook-signature", detail)


def _lower(headers: Mapping[str, str] | Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


def _signature_matches(
    secrets: Iterable[SecretStr | str | bytes], msg_id: str, timestamp: int, body: bytes, given: str
) -> bool:
    # Several signatures may be sent while a secret is rotated; any valid one will do.
    offered = [s for s in given.split(" ") if s.startswith(f"{SIGNATURE_VERSION},")]
    matched = False
    for secret in secrets:
        expected = sign(secret, msg_id, timestamp, body).encode("ascii")
        for candidate in offered[:MAX_SIGNATURES]:
            # Compare every pair so the time taken does not reveal which one matched.
            matched |= hmac.compare_digest(expected, candidate.encode("ascii", "replace"))
    return matched


def verify_webhook(
    headers: Mapping[str, str] | Any,
    body: bytes,
    secrets: Iterable[SecretStr | str | bytes],
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
) -> CloudEvent:
    """Check a delivery's Standard Webhooks signature and freshness, then parse its CloudEvent."""
    lowered = _lower(headers)
    msg_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    given = lowered.get("webhook-signature")
    if not msg_id or not stamp or not given:
        raise _refuse("The delivery is not signed.")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise _refuse("The delivery's timestamp is not valid.") from None
    current = time.time() if now is None else now
    # Refused both ways: an old delivery may be a replay, a future one a forged clock.
    if abs(current - timestamp) > tolerance:
        raise _refuse("The delivery's timestamp is outside the accepted window.")
    try:
        valid = _signature_matches(secrets, msg_id, timestamp, body, given)
    except (ValueError, binascii.Error):
        valid = False
    if not valid:
        raise _refuse("The delivery's signature is not valid.")
    try:
        event = CloudEvent.model_validate_json(body)
    except ValidationError:
        # Authentic but unreadable: say so without echoing any of it.
        raise ProblemError(
            400, "invalid-event", "The body is not a CloudEvents 1.0 event."
        ) from None
    if str(event.id) != msg_id:
        raise ProblemError(400, "invalid-event", "webhook-id does not match the event id.")
    return event


async def accept_once(session: AsyncSession, inbox_table: Table, event: CloudEvent) -> bool:
    """Record the event id in the caller's transaction; False means it was already applied."""
    result = await session.execute(
        pg_insert(inbox_table)
        .values(id=event.id, type=event.type, source=event.source)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(inbox_table.c.id)
    )
    accepted = result.scalar_one_or_none() is not None
    if accepted:
        observe_inbox_lag(session, event)
    return accepted


EventHandler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]


class EventNotApplicable(ProblemError):
    """An authentic event this unit can never apply (malformed data, an unknown case).

    Answered 422 so the relay dead-letters it at once for an operator, rather than retrying
    something that cannot succeed.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(422, "event-not-applicable", detail)


class Inbox:
    """The event types a unit takes, by type prefix, and the handler that applies each."""

    def __init__(self) -> None:
        self._handlers: list[tuple[str, EventHandler]] = []

    def handles(self, prefix: str) -> Callable[[EventHandler], EventHandler]:
        """Register the decorated handler for events whose type starts with `prefix`."""

        def register(handler: EventHandler) -> EventHandler:
            self._handlers.append((prefix, handler))
            return handler

        return register

    def handler_for(self, event_type: str) -> EventHandler | None:
        """The handler of the longest matching prefix, if any."""
        matches = [(p, h) for p, h in self._handlers if event_type.startswith(p)]
        return max(matches, key=lambda match: len(match[0]))[1] if matches else None

    async def apply(self, session: AsyncSession, table: Table, event: CloudEvent) -> bool:
        """Apply an event once, in the caller's transaction; False when it was seen before."""
        if not await accept_once(session, table, event):
            return False
        handler = self.handler_for(event.type)
        if handler is None:
            # Recorded as seen all the same: a type nobody here handles is not an error.
            log.info("event of type %s taken and ignored: no handler", event.type)
            return True
        await handler(session, event)
        return True


INBOX_PATH = "/events"
MAX_EVENT_BYTES = 256 * 1024


def inbox_router(inbox: Inbox) -> APIRouter:
    """`POST /events`: the other units' signed deliveries, each applied exactly once."""
    router = APIRouter(include_in_schema=False)

    @router.post(INBOX_PATH, status_code=204)
    async def receive_event(request: Request) -> Response:
        """Verify a delivery's signature, then apply its event in one transaction."""
        if int(request.headers.get("content-length") or 0) > MAX_EVENT_BYTES:
            raise ProblemError(413, "too-large", "The event is too large.")
        body = await request.body()
        if len(body) > MAX_EVENT_BYTES:
            raise ProblemError(413, "too-large", "The event is too large.")
        settings = request.app.state.settings
        event = verify_webhook(request.headers, body, settings.inbox_secrets)
        sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
        async with sessionmaker() as session, session.begin():
            await inbox.apply(session, request.app.state.kernel.inbox_event, event)
        return Response(status_code=204)

    return router
