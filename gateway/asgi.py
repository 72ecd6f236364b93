"""Small helpers for the gateway's pure ASGI layer: problem responses and header reading."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import Scope, Send

from services.errors import PROBLEM_MEDIA_TYPE, ProblemError, problem_body


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


async def send_problem_error(send: Send, error: ProblemError, scope: Scope) -> None:
    """Render a ProblemError raised in the ASGI layer."""
    await send_problem(
        send,
        error.status,
        error.slug,
        error.detail or error.title,
        headers=error.headers,
        instance=scope.get("path"),
    )


def header_values(scope: Scope, name: bytes) -> list[bytes]:
    """Every value of one (lower-case) request header, in order."""
    return [value for key, value in scope.get("headers", ()) if key == name]
