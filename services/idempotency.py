"""Idempotency-Key for creating requests, so clients on poor signal can retry safely.

The middleware hashes the request and, for a key it has not seen, lets the handler run inside the
unit of work with an advisory lock on the key; it then stores the response in that same
transaction, so "the work happened" and "its response is stored" commit together or not at all.
A retry replays the stored response; the same key with another body is 422; a retry while the
first is still running is 409.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.asgi import BodyTooLarge, ClientGone, read_body, replaying, send_problem
from services.disconnect import commit_begins
from services.errors import ProblemError
from services.request_context import header

SCOPE_KEY = "fsm.idempotency"
PRINCIPAL_SCOPE_KEY = "fsm.principal"
MAX_KEY_LENGTH = 255
REPLAY_HEADER = "idempotent-replayed"
# Response headers worth replaying; others (dates, request ids) belong to the new exchange.
_REPLAYED_HEADERS = {b"content-type", b"location", b"etag"}


@dataclass
class IdempotentRequest:
    """What the middleware learned about a keyed request, shared with the unit of work."""

    key: str
    subject: str
    method: str
    path: str
    request_hash: str
    session: AsyncSession | None = None
    stored_response: dict[str, Any] | None = None
    response_start: Message | None = None
    response_body: list[bytes] = field(default_factory=list)


class IdempotentReplay(Exception):
    """Raised inside the unit of work when a stored response should be sent instead."""

    def __init__(self, stored: dict[str, Any]) -> None:
        super().__init__("replay")
        self.stored = stored


def _lock_key(subject: str, key: str) -> int:
    digest = hashlib.sha256(f"{subject}\x1f{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def claim(session: AsyncSession, table: Table, request: IdempotentRequest) -> None:
    """Inside the request's transaction: lock the key, then replay, refuse or let it run."""
    locked = await session.scalar(
        select(func.pg_try_advisory_xact_lock(_lock_key(request.subject, request.key)))
    )
    if not locked:
        raise ProblemError(
            409,
            "idempotency-in-flight",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            headers={"Retry-After": "1"},
        )
    row = (
        await session.execute(
            select(
                table.c.request_hash,
                table.c.method,
                table.c.path,
                table.c.response_status,
                table.c.response_headers,
                table.c.response_body,
            ).where(table.c.subject == request.subject, table.c.key == request.key)
        )
    ).one_or_none()
    if row is None:
        request.session = session
        return
    if (row.request_hash, row.method, row.path) != (
        request.request_hash,
        request.method,
        request.path,
    ):
        raise ProblemError(
            422,
            "idempotency-key-reused",
            "This Idempotency-Key was used with a different request; use a new key.",
        )
    raise IdempotentReplay(
        {"status": row.response_status, "headers": row.response_headers, "body": row.response_body}
    )


async def store(session: AsyncSession, table: Table, request: IdempotentRequest) -> None:
    """Record the response in the request's transaction."""
    assert request.response_start is not None
    headers = {
        k.decode("latin-1"): v.decode("latin-1")
        for k, v in request.response_start.get("headers", [])
        if k.lower() in _REPLAYED_HEADERS
    }
    await session.execute(
        insert(table).values(
            subject=request.subject,
            key=request.key,
            method=request.method,
            path=request.path,
            request_hash=request.request_hash,
            response_status=request.response_start["status"],
            response_headers=headers,
            response_body=b"".join(request.response_body),
        )
    )


async def purge_expired(session: AsyncSession, table: Table, hours: int = 24) -> int:
    """Forget keys older than `hours`; returns how many were removed."""
    result = await session.execute(
        delete(table).where(table.c.created_at < func.now() - timedelta(hours=hours))
    )
    return int(getattr(result, "rowcount", 0) or 0)


class IdempotencyMiddleware:
    """Buffer keyed POST requests and responses so the unit of work can make them idempotent."""

    def __init__(self, app: ASGIApp, table: Table, max_body_bytes: int = 1_048_576) -> None:
        self.app = app
        self.table = table
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = header(scope, b"idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            await send_problem(
                send,
                400,
                "invalid-idempotency-key",
                "Idempotency-Key must be 1-255 printable characters.",
            )
            return

        principal = scope.get(PRINCIPAL_SCOPE_KEY)
        if principal is None:  # unauthenticated: let the app refuse it
            await self.app(scope, receive, send)
            return

        try:
            body_bytes = await read_body(receive, self.max_body_bytes)
        except ClientGone:
            return
        except BodyTooLarge:
            await send_problem(send, 413, "too-large", "The request body is too large.")
            return

        digest = hashlib.sha256()
        digest.update(scope["method"].encode() + b"\x1f" + scope["path"].encode() + b"\x1f")
        digest.update(body_bytes)
        state = IdempotentRequest(
            key=key,
            subject=principal.subject,
            method=scope["method"],
            path=scope["path"],
            request_hash=digest.hexdigest(),
        )
        scope[SCOPE_KEY] = state

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                state.response_start = message
            elif message["type"] == "http.response.body":
                state.response_body.append(message.get("body", b""))

        try:
            await self.app(scope, replaying(body_bytes, receive), capture)
        except BaseException:
            if state.session is not None:
                await state.session.rollback()
                await state.session.close()
            raise
        await self._finish(state, scope, send)

    async def _finish(self, state: IdempotentRequest, scope: Scope, send: Send) -> None:
        start = state.response_start
        assert start is not None
        session = state.session
        if session is not None:
            # The unit of work left its transaction open for us: store and commit together.
            commit_begins(scope)  # a client hanging up no longer cancels us
            try:
                if 200 <= start["status"] < 300:
                    await store(session, self.table, state)
                await session.commit()
            except Exception:
                await session.rollback()
                await send_problem(
                    send,
                    503,
                    "commit-failed",
                    "The change could not be saved; retry with the same key.",
                    headers={"Retry-After": "1"},
                )
                return
            finally:
                await session.close()
        await send(start)
        await send({"type": "http.response.body", "body": b"".join(state.response_body)})
