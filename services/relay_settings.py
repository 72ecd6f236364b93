"""Where a unit's outbox relay delivers (`FSM_RELAY_*`): subscribers, pace and retries."""

from __future__ import annotations

from typing import Self

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.events import secret_key

MIN_PRODUCTION_SECRET_BYTES = 24


class Subscriber(BaseModel):
    """A consumer of this service's events, reached by signed webhook."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,62}$")
    url: AnyHttpUrl
    secret: SecretStr
    # Type prefixes: "uk.gov.fsm.workbook.case." takes every case event; "" takes everything.
    types: list[str] = Field(min_length=1)
    timeout: float = Field(default=10.0, gt=0, le=60)

    def wants(self, event_type: str) -> bool:
        """Tell whether this subscriber takes events of `event_type`."""
        return any(event_type.startswith(prefix) for prefix in self.types)


class RelaySettings(BaseSettings):
    """Relay configuration from `FSM_RELAY_*`; `FSM_RELAY_SUBSCRIBERS` is a JSON list."""

    model_config = SettingsConfigDict(env_prefix="FSM_RELAY_", extra="forbid")

    subscribers: list[Subscriber] = Field(default_factory=list)
    poll_interval_seconds: float = Field(default=1.0, gt=0, le=60)
    batch_size: int = Field(default=100, ge=1, le=1000)
    concurrency: int = Field(default=8, ge=1, le=64)
    max_attempts: int = Field(default=15, ge=1, le=100)
    lease_seconds: float = Field(default=90.0, gt=0, le=3600)
    backoff_base_seconds: float = Field(default=1.0, gt=0)
    backoff_max_seconds: float = Field(default=600.0, gt=0)
    shutdown_grace_seconds: float = Field(default=15.0, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [s.name for s in self.subscribers]
        if len(names) != len(set(names)):
            raise ValueError("subscriber names must be unique")
        # A lease shorter than a call would let a second relay redeliver while the first waits.
        if any(s.timeout >= self.lease_seconds for s in self.subscribers):
            raise ValueError("lease_seconds must exceed every subscriber timeout")
        return self

    def check_for(self, environment: str) -> None:
        """Refuse weak subscriber secrets outside development."""
        if environment == "development":
            return
        for subscriber in self.subscribers:
            if len(secret_key(subscriber.secret)) < MIN_PRODUCTION_SECRET_BYTES:
                raise ValueError(f"subscriber {subscriber.name}: secret is too short")
