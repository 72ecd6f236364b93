"""Idempotency-Key on creating requests, so clients on poor signal can retry safely.

Every POST the kit routes (services/routing.py) accepts the header. Its key is claimed inside
the request's own unit of work, under an advisory lock on (caller, key); the response is stored
in that same transaction just before it commits, so "the work happened" and "its response is
stored" commit together or not at all. A retry replays the stored response; the same key with
another request is 422; a retry while the first is still running is 409. Only 2xx responses are
stored: a failed request changed nothing, so running it again is safe.

A request that ends its transaction before slow work (`UnitOfWork.outside_transaction`, only
while it has written nothing) claims its key again first thing in the transaction it writes in:
it waits for a rival's short transaction rather than refusing, and if a retry finished
meanwhile its stored response is replayed instead of writing the change twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.auth import CurrentPrincipal
from services.errors import ProblemError, raises
from services.unit_of_work import UnitOfWork, Work

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Visible ASCII, as the document says (HTTP strips a value's outer spaces, so none are allowed).
KEY_PATTERN = rf"^[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}$"
_KEY = re.compile(KEY_PATTERN)
REPLAY_HEADER = "idempotent-replayed"
# Response headers worth replaying; others (dates, request ids) belong to the new exchange.
_REPLAYED_HEADERS = {"content-type", "location", "etag"}


@dataclass(frozen=True)
class StoredResponse:
    """A response kept for replay."""

    status: int
    headers: dict[str, str]
    body: bytes


class IdempotentReplay(Exception):
    """Raised instead of running a request whose response is already stored."""

    def __init__(self, stored: StoredResponse) -> None:
        super().__init__("replay")
        self.stored = stored


@dataclass(frozen=True)
class KeyedRequest:
    """A request under an Idempotency-Key: whose, which, and a digest of what it asked."""

    subject: str
    key: str
    method: str
    path: str
    request_hash: str


def _lock_key(subject: str, key: str) -> int:
    digest = hashlib.sha256(f"{subject}\x1f{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def request_digest(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same request" for a key: method, path and body."""
    digest = hashlib.sha256(method.encode() + b"\x1f" + path.encode() + b"\x1f")
    digest.update(body)
    return digest.hexdigest()


async def claim(
    session: AsyncSession, table: Table, keyed: KeyedRequest, *, wait: bool = False
) -> None:
    """Lock the key for this transaction, then replay, refuse, or let the request run.

    `wait` waits for the lock instead of answering 409: for a request claiming its key again
    after slow work, whose rival can hold the key only for a short transaction (its reads, or
    storing its response), and whose own work would otherwise be thrown away."""
    # The lock first, then the lookup in a statement of its own: under READ COMMITTED its
    # snapshot is taken after the lock is held, so it sees a response committed just before.
    lock_key = _lock_key(keyed.subject, keyed.key)
    if wait:
        await session.execute(select(func.pg_advisory_xact_lock(lock_key)))
        locked = True
    else:
        locked = bool(await session.scalar(select(func.pg_try_advisory_xact_lock(lock_key))))
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
            ).where(table.c.subject == keyed.subject, table.c.key == keyed.key)
        )
    ).one_or_none()
    if row is None:
        return
    if (row.request_hash, row.method, row.path) != (
        keyed.request_hash,
        keyed.method,
        keyed.path,
    ):
        raise ProblemError(
            422,
            "idempotency-key-reused",
            "This Idempotency-Key was used with a different request; use a new key.",
        )
    raise IdempotentReplay(
        StoredResponse(row.response_status, dict(row.response_headers), row.response_body)
    )


async def store(session: AsyncSession, table: Table, keyed: KeyedRequest, response: Any) -> None:
    """Record a successful response under its key, in the request's transaction."""
    headers = {
        name: value for name, value in response.headers.items() if name.lower() in _REPLAYED_HEADERS
    }
    await session.execute(
        insert(table).values(
            subject=keyed.subject,
            key=keyed.key,
            method=keyed.method,
            path=keyed.path,
            request_hash=keyed.request_hash,
            response_status=response.status_code,
            response_headers=headers,
            response_body=bytes(response.body),
        )
    )


async def purge_expired(session: AsyncSession, table: Table, hours: int = 24) -> int:
    """Forget keys older than `hours`; returns how many were removed."""
    result = await session.execute(
        delete(table).where(table.c.created_at < func.now() - timedelta(hours=hours))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _valid_key(key: str) -> bool:
    return _KEY.fullmatch(key) is not None


@raises(400, 409, 422)
async def idempotency_key(
    request: Request,
    uow: Work,
    principal: CurrentPrincipal,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description=(
                "A unique value per intended change (a UUID). Retrying with the same key "
                "replays the first response instead of repeating the change."
            ),
            # Documented, not checked by FastAPI: a malformed key is a 400 of its own type.
            json_schema_extra={
                "minLength": 1,
                "maxLength": MAX_KEY_LENGTH,
                "pattern": KEY_PATTERN,
            },
        ),
    ] = None,
) -> None:
    """Claim the request's Idempotency-Key in its unit of work, or replay what is stored."""
    if key is None:
        return
    if not _valid_key(key):
        raise ProblemError(
            400,
            "invalid-idempotency-key",
            f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} visible ASCII characters.",
        )
    keyed = KeyedRequest(
        subject=principal.subject,
        key=key,
        method=request.method,
        path=request.url.path,
        request_hash=request_digest(request.method, request.url.path, await request.body()),
    )
    table: Table = request.app.state.kernel.idempotency_key
    await claim(uow.session, table, keyed)
    uow.on_resume(lambda session: claim(session, table, keyed, wait=True))
    uow.before_commit(_storer(uow, table, keyed))


def _storer(uow: UnitOfWork, table: Table, keyed: KeyedRequest) -> Any:
    async def store_response(session: AsyncSession) -> None:
        response = uow.response
        if response is not None and 200 <= response.status_code < 300:
            await store(session, table, keyed, response)

    return store_response
