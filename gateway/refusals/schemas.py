"""Response bodies of the refusal endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class TokenFailureWindowRead(BaseModel):
    """Failed authentications from one client address in one window, as audited."""

    address: str
    window_start: datetime
    window_end: datetime
    count: int
    reasons: dict[str, int]
    token_prefixes: list[str]
    first_request_id: str
    recorded_at: datetime
