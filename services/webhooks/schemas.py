"""Request and response bodies of the webhook subscriptions API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from services.schemas import Input, ReadModel

EventType = Annotated[
    str,
    Field(
        max_length=255,
        pattern=r"^[a-z0-9]+(\.[a-z0-9_]+)+(\.\*)?$",
        description="An event type, or a prefix ending in `.*` (`uk.gov.fsm.workbook.entry.*`).",
    ),
]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=50)]
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")]
# The shape a target must have (http(s), a host, no credentials, no fragment); which hosts the
# deployment's policy admits (https only, public addresses that resolve) is checked on submit.
Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=2000,
        pattern=r"^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?([/?][^\s#]*)?$",
        description="Where deliveries go: an http(s) URL with a host, no credentials, no"
        " fragment; production admits only https to public addresses.",
    ),
]
# No NUL: PostgreSQL's text cannot hold one, so the document says so rather than the database.
Description = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\x00]*$")]
DeliveryStatus = Literal["pending", "delivered", "dead"]


class SubscriptionCreate(Input):
    """A new external subscriber to this unit's events."""

    name: Name
    url: Url
    event_types: EventTypes
    description: Description | None = None
    start_from: AwareDatetime | None = Field(
        default=None,
        description="Deliver the events since this time (within the configured window);"
        " absent: only events from now on.",
    )


class SubscriptionUpdate(Input):
    """Changes to a subscription; members left out stay as they are."""

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    active: bool | None = Field(
        default=None, description="Paused subscriptions keep their events queued until resumed."
    )


class SecretRotation(Input):
    """Replace the signing secret, the old one still signing for an overlap."""

    overlap_minutes: int = Field(
        default=1440,
        ge=0,
        description="How long deliveries carry a signature with the old secret too (capped by"
        " configuration); 0 retires it at once.",
    )


class SubscriptionRead(ReadModel):
    """An external subscription (its secret is never shown again after it is issued)."""

    id: UUID
    name: str
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    starts_at: datetime
    previous_secret_expires_at: datetime | None = Field(
        description="While a rotated secret still signs beside the new one: until when."
    )
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class SubscriptionWithSecret(SubscriptionRead):
    """A subscription with its new signing secret: shown once, keep it now."""

    secret: str = Field(description="`whsec_...` (Standard Webhooks); verify deliveries with it.")


class AttemptRead(ReadModel):
    """One attempt at a delivery."""

    attempted_at: datetime
    status: int | None = Field(description="The subscriber's HTTP status, if it answered.")
    error: str | None
    duration_ms: int


class DeliveryRead(ReadModel):
    """A delivery of one event to the subscriber, and how far it got."""

    id: int
    event_id: UUID
    event_type: str
    event_time: datetime
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None
    created_at: datetime


class DeliveryDetail(DeliveryRead):
    """A delivery with every attempt made."""

    attempt_log: list[AttemptRead]


class Replayed(BaseModel):
    """How many dead deliveries were scheduled again."""

    replayed: int
