"""Settings shared by every service; each app extends them with its own."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, AnyHttpUrl, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.events import secret_key
from services.registry import Unit
from services.relay_settings import MIN_PRODUCTION_SECRET_BYTES, RelaySettings
from services.retention.rules import below_minimum
from services.sealer_settings import SealerSettings
from services.webhooks.settings import WebhookSettings

Environment = Literal["development", "test", "production"]

DEFAULT_ACCESS_PURPOSES = (
    "direct_work",
    "case_management",
    "supervision",
    "safeguarding_enquiry",
    "quality_assurance",
    "system_sync",
    # The data protection officer's work: the access log, retention, subject access.
    "data_protection",
    # Reads made to answer a subject access request (UK GDPR Art 15).
    "subject_access",
)


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
    # Child processes laying out PDFs (services/documents/process.py): each holds fpdf2 and a
    # document in memory, so a few at most.
    layout_processes: int = Field(default=1, ge=1, le=8)
    log_level: str = "INFO"
    log_json: bool = True
    # Public JWKS (JSON text or a file path) of the gateway's internal signing key.
    internal_jwks_file: Path | None = None
    # Why a caller reads or writes case data (X-Access-Purpose); recorded on every audit row.
    access_purposes: tuple[str, ...] = DEFAULT_ACCESS_PURPOSES
    default_access_purpose: str = "direct_work"
    # The retention schedule (services/retention/rules.py says where each default comes from):
    # years after closure for child protection and early help, the looked-after child's age,
    # years from the adoption order. A council may lengthen the first three, never shorten
    # them below the statutory or guidance minimum (checked below); early help is its policy.
    retention_child_protection_years: int = Field(default=35, ge=1, le=150)
    retention_looked_after_age: int = Field(default=75, ge=1, le=150)
    retention_adoption_years: int = Field(default=100, ge=1, le=150)
    retention_early_help_years: int = Field(default=6, ge=1, le=100)
    # Who this unit's outbox relay delivers to, and how (FSM_RELAY_* variables).
    relay: RelaySettings = Field(default_factory=RelaySettings)
    # How the audit sealer paces itself (FSM_AUDIT_SEALER_* variables).
    audit_sealer: SealerSettings = Field(default_factory=SealerSettings)
    # External webhook subscriptions: keys for their secrets, where they may deliver
    # (FSM_WEBHOOK_* variables).
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    # The secrets other units sign their deliveries to this unit's inbox with (a JSON list; a
    # second entry during rotation). Empty: the inbox takes nothing.
    inbox_secrets: tuple[SecretStr, ...] = ()
    # Prometheus `/metrics` on a port of its own, never on the app's routes; None serves none
    # (the default, as in tests). `fsm run` gives each unit its port on loopback; the container
    # binds 0.0.0.0 so Prometheus can scrape the pod.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    # Where the units this one reads as its caller listen (services/delegation.py), a JSON
    # object of unit name to base URL; a unit not named is on loopback at its default port.
    unit_urls: dict[str, AnyHttpUrl] = Field(default_factory=dict)
    unit_call_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    @model_validator(mode="after")
    def _production_needs_explicit_config(self) -> KernelSettings:
        if self.environment == "production" and self.database_url is None:
            raise ValueError("DATABASE_URL is required in production")
        if self.default_access_purpose not in self.access_purposes:
            raise ValueError("default_access_purpose must be one of access_purposes")
        if short := below_minimum(self):
            raise ValueError("FSM_RETENTION_*: " + "; ".join(short))
        # Keys for webhook secrets are checked where they are used (each backend's start-up).
        self.webhooks.policy_for(self.environment)
        if self.environment != "development":
            self.relay.check_for(self.environment)
            if any(len(secret_key(s)) < MIN_PRODUCTION_SECRET_BYTES for s in self.inbox_secrets):
                raise ValueError("FSM_INBOX_SECRETS: every secret needs 24 bytes or more")
        return self

    def require_database_url(self) -> str:
        """Return the database URL, normalised to the asyncpg dialect."""
        if self.database_url is None:
            raise RuntimeError("DATABASE_URL is not set; run through `fsm run` or set it")
        return async_database_url(self.database_url.get_secret_value())

    def unit_url(self, unit: Unit) -> str:
        """The base URL this unit reaches `unit`'s API at."""
        configured = self.unit_urls.get(unit.name)
        if configured is not None:
            return str(configured).rstrip("/")
        return f"http://127.0.0.1:{unit.default_port}"

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
