"""Optimistic concurrency over HTTP: ETag out, If-Match in (428 when missing, 412 when stale)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Header, Request, Response

from services.errors import ProblemError

IF_MATCH_HEADER = "If-Match"
IF_MATCH_DESCRIPTION = "The ETag you last read; the change is refused (412) if it is stale."
IfMatch = Annotated[str | None, Header(alias=IF_MATCH_HEADER, description=IF_MATCH_DESCRIPTION)]


def etag_for(resource_id: UUID, version: int) -> str:
    """A strong validator that changes whenever the stored version does."""
    return f'"{resource_id.hex}.{version}"'


def set_etag(response: Response, resource_id: UUID, version: int) -> None:
    """Send the resource's current ETag."""
    response.headers["ETag"] = etag_for(resource_id, version)


def check_if_match(supplied: str | None, resource_id: UUID, version: int) -> None:
    """Refuse an update that does not name the version it was based on."""
    if supplied is None:
        raise ProblemError(
            428,
            "precondition-required",
            "Send If-Match with the ETag you last read, so changes are not lost.",
        )
    current = etag_for(resource_id, version)
    candidates = [part.strip() for part in supplied.split(",")]
    if "*" in candidates or current in candidates:
        return
    raise ProblemError(
        412,
        "precondition-failed",
        "The resource changed since you read it; fetch it again.",
        current_etag=current,
    )


def require_if_match(request: Request, resource_id: UUID, version: int) -> None:
    """Check the request's If-Match header (for handlers that read it from the request)."""
    check_if_match(request.headers.get("if-match"), resource_id, version)
