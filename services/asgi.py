"""Helpers for pure ASGI middleware: problem responses and whole, bounded request bodies."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import Message, Receive, Send

from services.errors import PROBLEM_MEDIA_TYPE, problem_body


async def send_problem(
    send: Send,
    status: int,
    slug: str,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
) -> None:
    """Answer with an RFC 9457 problem from outside FastAPI's exception handlers."""
    body = json.dumps(problem_body(status, slug, detail=detail, instance=instance)).encode()
    raw_headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    for name, value in (headers or {}).items():
        raw_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """The request body exceeded the limit while it was being read."""


class ClientGone(Exception):
    """The client disconnected before sending its whole body."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """Read the whole request body, refusing it as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive callable that hands the app an already-read body, then defers to `receive`."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
