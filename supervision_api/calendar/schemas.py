"""Calendar feed bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class FeedIssued(BaseModel):
    """A new feed: its URL holds the secret, shown this once (it is stored only hashed)."""

    url: str = Field(description="The path under the gateway to subscribe a calendar to")
    created_at: datetime


class FeedStatus(BaseModel):
    """Whether you have a live feed, and since when."""

    active: bool
    created_at: datetime | None
