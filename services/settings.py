"""Settings shared by every service; each app extends them with its own."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]


def default_state_dir() -> Path:
    """Where local data (embedded database, development keys) lives: `.fsm/` in the checkout."""
    return Path.cwd() / ".fsm"


class KernelSettings(BaseSettings):
    """Configuration every service process reads from `FSM_*` variables (and `DATABASE_URL`)."""

    model_config = SettingsConfigDict(env_prefix="FSM_", extra="forbid", populate_by_name=True)

    environment: Environment = "development"
    database_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "FSM_DATABASE_URL")
    )
    state_dir: Path = Field(default_factory=default_state_dir)
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    db_connect_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # How long a request may wait to reach a responsive database (a pooled connection, a new
    # one, its pre-ping) before it is answered 503; queries then run to the statement timeout.
    db_wait_budget_seconds: float = Field(default=1.0, gt=0, le=30)
    db_statement_timeout_ms: int = Field(default=15_000, ge=100)
    log_level: str = "INFO"
    log_json: bool = True
    # Public JWKS (JSON text or a file path) of the gateway's internal signing key.
    internal_jwks_file: Path | None = None
    max_page_size: int = Field(default=200, ge=1, le=1000)

    @model_validator(mode="after")
    def _production_needs_explicit_config(self) -> KernelSettings:
        if self.environment == "production" and self.database_url is None:
            raise ValueError("DATABASE_URL is required in production")
        return self

    def require_database_url(self) -> str:
        """Return the database URL, normalised to the asyncpg dialect."""
        if self.database_url is None:
            raise RuntimeError("DATABASE_URL is not set; run through `fsm run` or set it")
        return async_database_url(self.database_url.get_secret_value())

    def resolved_internal_jwks_file(self) -> Path:
        """Where the gateway's public internal-token keys are read from."""
        return self.internal_jwks_file or self.state_dir / "keys" / "internal.jwks.json"


def async_database_url(url: str) -> str:
    """Accept postgres://, postgresql:// or postgresql+asyncpg:// and return the asyncpg form."""
    for prefix in (
        "postgresql+asyncpg://",
        "postgresql+psycopg2://",
        "postgresql://",
        "postgres://",
    ):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must be a PostgreSQL URL")
