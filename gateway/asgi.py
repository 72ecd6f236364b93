"""Small helpers for the gateway's pure ASGI layer: ProblemError responses and headers."""

from __future__ import annotations

from starlette.types import Scope, Send

from services.asgi import send_problem
from services.errors import ProblemError


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
