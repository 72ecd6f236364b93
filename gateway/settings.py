"""The gateway's configuration: token trust, upstreams, timeouts, limits (`FSM_*` variables)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from pydantic import AnyHttpUrl, Field, IPvAnyNetwork, model_validator

from gateway.issuers import IssuerConfig, check_issuers
from services.jose import EC_ALGORITHMS, RSA_ALGORITHMS
from services.registry import INTERVENTION, PATHWAY, SUPERVISION, WORKBOOK, Unit
from services.settings import KernelSettings

DEV_ISSUER_DEFAULT: Final = "fsm-dev-idp"
AUDIENCE_DEFAULT: Final = "fsm-api"
ALGORITHMS_DEFAULT: Final = ("RS256", "ES256")
ASYMMETRIC_ALGORITHMS: Final = RSA_ALGORITHMS | EC_ALGORITHMS


def _loopback(unit: Unit) -> str:
    return f"http://127.0.0.1:{unit.default_port}"


_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


class GatewaySettings(KernelSettings):
    """Everything the gateway reads beyond the kernel's settings."""

    # The council identity provider. Both are required in production.
    auth_jwks_url: AnyHttpUrl | None = None
    auth_issuer: str | None = None
    auth_audience: str = Field(default=AUDIENCE_DEFAULT, min_length=1)
    auth_algorithms: tuple[str, ...] = ALGORITHMS_DEFAULT
    # Further identity providers (Entra ID tenants, Keycloak realms), as a JSON list; see
    # gateway/issuers.py. FSM_AUTH_JWKS_URL/FSM_AUTH_ISSUER above is one more, matched by `sub`.
    auth_issuers: tuple[IssuerConfig, ...] = ()
    # The local development issuer (`fsm token`). None means DEV_ISSUER_DEFAULT outside
    # production; production refuses to start when it is set at all.
    auth_dev_issuer: str | None = None
    # Web front ends' origins (scheme://host[:port]) allowed to call from a browser; none by
    # default. Production accepts only exact https origins.
    cors_allow_origins: tuple[str, ...] = ()
    auth_clock_skew_seconds: int = Field(default=30, ge=0, le=300)
    auth_max_token_bytes: int = Field(default=8192, ge=512, le=65_536)
    auth_jwks_ttl_seconds: float = Field(default=300.0, gt=0)
    auth_jwks_min_refresh_seconds: float = Field(default=30.0, ge=0)
    # While no key is held (the IdP unreachable at start-up), retry from this delay, doubling
    # up to the maximum, with jitter; the gateway is not ready until it holds a key.
    auth_jwks_retry_initial_seconds: float = Field(default=0.1, gt=0, le=60)
    auth_jwks_retry_max_seconds: float = Field(default=2.0, gt=0, le=300)
    auth_token_cache_entries: int = Field(default=10_000, ge=0)

    # The gateway's private internal-token key (PEM). Outside production the development key
    # under state_dir is used; production must mount one.
    internal_signing_key_file: Path | None = None
    internal_token_ttl_seconds: int = Field(default=60, ge=2, le=300)

    gateway_upstream_workbook: AnyHttpUrl = AnyHttpUrl(_loopback(WORKBOOK))
    gateway_upstream_supervision: AnyHttpUrl = AnyHttpUrl(_loopback(SUPERVISION))
    gateway_upstream_intervention: AnyHttpUrl = AnyHttpUrl(_loopback(INTERVENTION))
    gateway_upstream_pathway: AnyHttpUrl = AnyHttpUrl(_loopback(PATHWAY))
    # Time allowed for the upstream to start answering, per route; the body then streams.
    gateway_timeout_workbook_seconds: float = Field(default=30.0, gt=0, le=600)
    gateway_timeout_supervision_seconds: float = Field(default=30.0, gt=0, le=600)
    gateway_timeout_intervention_seconds: float = Field(default=30.0, gt=0, le=600)
    gateway_timeout_pathway_seconds: float = Field(default=30.0, gt=0, le=600)
    gateway_connect_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    gateway_max_connections: int = Field(default=200, ge=1, le=10_000)
    # Shorter than uvicorn's default 5 s keep-alive, so we never reuse a socket it is closing.
    gateway_keepalive_seconds: float = Field(default=4.0, gt=0, le=300)
    max_request_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # The gateway's own JSON endpoints (/me, /directory) never need more than this.
    max_own_body_bytes: int = Field(default=64 * 1024, ge=1024)

    rate_limit_enabled: bool = True
    rate_limit_requests: int = Field(default=3000, ge=1)
    rate_limit_window_seconds: float = Field(default=60.0, gt=0)
    rate_limit_burst: int = Field(default=300, ge=1)

    # Failed authentications (missing, malformed, invalid or expired tokens) per client address,
    # in a limiter of their own: over it, 429 before any token is parsed.
    auth_failure_limit_enabled: bool = True
    auth_failure_limit_requests: int = Field(default=60, ge=1)
    auth_failure_limit_window_seconds: float = Field(default=60.0, gt=0)
    auth_failure_limit_burst: int = Field(default=30, ge=1)
    auth_failure_max_addresses: int = Field(default=100_000, ge=1)
    # Token failures are audited as one row per client address per window, with the count.
    auth_failure_audit_window_seconds: int = Field(default=60, ge=1, le=3600)
    auth_failure_audit_max_addresses: int = Field(default=1000, ge=1)
    # Reverse proxies in front of the gateway (addresses or networks, as JSON:
    # '["10.0.0.0/8"]'). From them, the client is the address the last trusted one appended to
    # X-Forwarded-For; from anyone else, the socket peer. None by default.
    gateway_trusted_proxies: tuple[IPvAnyNetwork, ...] = ()

    # The discipline SCIM-provisioned practitioners start with, until an administrator sets
    # theirs: one that gives no access of its own (allocations check the discipline).
    scim_default_discipline: str = Field(
        default="business_support", pattern=r"^[a-z][a-z0-9_]{0,63}$"
    )

    # Directory answers are cached per subject this long: a deactivation takes effect within it.
    principal_cache_ttl_seconds: float = Field(default=5.0, ge=0, le=300)

    @model_validator(mode="after")
    def _check_trust(self) -> GatewaySettings:
        production = self.environment == "production"
        if production:
            if self.auth_dev_issuer:
                raise ValueError("FSM_AUTH_DEV_ISSUER must not be set in production")
            if (self.auth_jwks_url is None or not self.auth_issuer) and not self.auth_issuers:
                raise ValueError(
                    "production needs FSM_AUTH_ISSUERS, or FSM_AUTH_JWKS_URL and FSM_AUTH_ISSUER"
                )
            if self.auth_jwks_url is not None and self.auth_jwks_url.scheme != "https":
                raise ValueError("FSM_AUTH_JWKS_URL must use https in production")
            if self.internal_signing_key_file is None:
                raise ValueError("production needs FSM_INTERNAL_SIGNING_KEY_FILE")
        elif self.auth_dev_issuer is None:
            self.auth_dev_issuer = DEV_ISSUER_DEFAULT
        if (self.auth_jwks_url is None) != (not self.auth_issuer):
            raise ValueError("set FSM_AUTH_JWKS_URL and FSM_AUTH_ISSUER together")
        if self.auth_dev_issuer and self.auth_dev_issuer == self.auth_issuer:
            raise ValueError("the development issuer must differ from FSM_AUTH_ISSUER")
        check_issuers(self.auth_issuers, production=production)
        listed = {iss for entry in self.auth_issuers for iss in entry.issuers}
        if listed & {self.auth_issuer, self.auth_dev_issuer}:
            raise ValueError("FSM_AUTH_ISSUERS repeats FSM_AUTH_ISSUER or the development issuer")
        if self.auth_issuer and any(entry.lookup == "subject" for entry in self.auth_issuers):
            raise ValueError("FSM_AUTH_ISSUER already matches by subject; no other issuer may")
        for origin in self.cors_allow_origins:
            if not _ORIGIN.match(origin) or (
                self.environment == "production" and not origin.startswith("https://")
            ):
                raise ValueError(f"FSM_CORS_ALLOW_ORIGINS: {origin!r} is not an exact origin")
        if not self.auth_algorithms or not set(self.auth_algorithms) <= ASYMMETRIC_ALGORITHMS:
            # A shared-secret algorithm would let anyone holding the JWKS forge tokens.
            raise ValueError("FSM_AUTH_ALGORITHMS must list RS*/ES* algorithms only")
        return self

    @model_validator(mode="after")
    def _check_jwks_retry(self) -> GatewaySettings:
        if self.auth_jwks_retry_max_seconds < self.auth_jwks_retry_initial_seconds:
            raise ValueError("FSM_AUTH_JWKS_RETRY_MAX_SECONDS must be at least the initial delay")
        return self

    @property
    def dev_issuer_trusted(self) -> str | None:
        """The development issuer, when this environment trusts one."""
        if self.environment == "production":
            return None
        return self.auth_dev_issuer or None

    def upstream_url(self, unit: Unit) -> str:
        """The base URL of a backend, without a trailing slash."""
        url = {
            WORKBOOK.name: self.gateway_upstream_workbook,
            SUPERVISION.name: self.gateway_upstream_supervision,
            INTERVENTION.name: self.gateway_upstream_intervention,
            PATHWAY.name: self.gateway_upstream_pathway,
        }[unit.name]
        return str(url).rstrip("/")

    def upstream_timeout(self, unit: Unit) -> float:
        """Seconds a backend may take to start answering."""
        return {
            WORKBOOK.name: self.gateway_timeout_workbook_seconds,
            SUPERVISION.name: self.gateway_timeout_supervision_seconds,
            INTERVENTION.name: self.gateway_timeout_intervention_seconds,
            PATHWAY.name: self.gateway_timeout_pathway_seconds,
        }[unit.name]
