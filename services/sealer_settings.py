"""How the audit sealer paces itself (`FSM_AUDIT_SEALER_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SealerSettings(BaseSettings):
    """Audit sealer configuration from `FSM_AUDIT_SEALER_*`."""

    model_config = SettingsConfigDict(env_prefix="FSM_AUDIT_SEALER_", extra="forbid")

    poll_interval_seconds: float = Field(default=0.2, gt=0, le=60)
    # Empty polls double the interval up to this, so an idle service costs next to nothing.
    idle_poll_interval_seconds: float = Field(default=1.0, gt=0, le=60)
    batch_size: int = Field(default=500, ge=1, le=10_000)
    # Rows waiting longer than this are logged as a lagging sealer (and fail `fsm audit verify`).
    stale_after_seconds: float = Field(default=300.0, gt=0)
    max_backoff_seconds: float = Field(default=30.0, gt=0)
    shutdown_grace_seconds: float = Field(default=5.0, gt=0)
