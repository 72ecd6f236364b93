"""Response headers every service sets the same way."""

from __future__ import annotations

from uuid import UUID

from fastapi import Response

from services.concurrency import set_etag


def created(response: Response, location: str, resource_id: UUID, version: int | None) -> None:
    """Say where a new record lives (its path as the service mounts it) and its version."""
    response.headers["Location"] = location
    if version is not None:
        set_etag(response, resource_id, version)
