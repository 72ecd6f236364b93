"""Webhook subscriptions' settings (`FSM_WEBHOOK_*`): keys for secrets at rest, target rules."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

TargetPolicy = Literal["public_https", "any"]


class WebhookSettings(BaseSettings):
    """Configuration of external webhook subscriptions from `FSM_WEBHOOK_*`."""

    model_config = SettingsConfigDict(env_prefix="FSM_WEBHOOK_", extra="forbid")

    # Fernet keys (a JSON list) that encrypt subscribers' signing secrets at rest: the first
    # encrypts, every one decrypts, so a key is rotated by putting the new one first. Required
    # in production; elsewhere a key is made in the state directory on first use.
    secret_keys: tuple[SecretStr, ...] = ()
    # Where deliveries may go: `public_https` (https to public addresses only; production's
    # only choice) or `any` (development and tests, which deliver to loopback). Unset: by
    # environment.
    target_policy: TargetPolicy | None = None
    # How far back a new subscriber may ask to start.
    max_replay_days: int = Field(default=30, ge=0, le=365)
    # How long a rotated secret may keep signing beside its successor.
    max_overlap_hours: int = Field(default=168, ge=0, le=24 * 30)
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    # Whether this process's relay delivers to external subscribers (every replica does by
    # default; false leaves a process serving the API only).
    deliver: bool = True

    def policy_for(self, environment: str) -> TargetPolicy:
        """The target policy in force: production never delivers off the public internet."""
        if environment == "production":
            if self.target_policy == "any":
                raise ValueError("FSM_WEBHOOK_TARGET_POLICY=any is refused in production")
            return "public_https"
        return self.target_policy or "any"
