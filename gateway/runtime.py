"""What the gateway holds while it runs: verifiers, caches, limiter and upstream clients."""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass, replace

import httpx
from fastapi import FastAPI
from prometheus_client import Counter
from starlette.types import Scope

from gateway.authn import TokenAuthenticator, trust_from_settings
from gateway.directory_watch import DirectoryWatch, listener_dsn
from gateway.failed_auth import FailedAuthentications, start_failed_authentications
from gateway.jwks import AccessTokenVerifier, JwksCache
from gateway.principals import NotAPractitioner, PrincipalResolver
from gateway.proxy import Proxy
from gateway.proxy_routes import Route, upstream_session
from gateway.ratelimit import RateLimiter
from gateway.refusals.audit import audit_refusal, subject_actor
from gateway.settings import GatewaySettings
from services.dev_keys import DevKeys, ensure_dev_keys
from services.errors import ProblemError
from services.health import add_readiness_check
from services.internal_token import InternalTokenIssuer
from services.jose import jwk_thumbprint, public_jwk
from services.principal import Principal
from services.registry import BACKENDS
from services.tracing import Tracing

log = logging.getLogger(__name__)

JWKS_FETCH_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class GatewayRuntime:
    """The per-process state the gateway's middleware and endpoints use."""

    settings: GatewaySettings
    tokens: TokenAuthenticator
    principals: PrincipalResolver
    limiter: RateLimiter | None
    proxy: Proxy
    failures: FailedAuthentications
    # Refusals by the per-subject limit (a child of the app's fsm_gateway_rate_limited_total).
    rate_limited: Counter | None = None

    async def admit(self, scope: Scope) -> Principal:
        """Authenticate, rate-limit and resolve the caller; raise a ProblemError to refuse."""
        verified = await self.failures.authenticate(scope, self.tokens)
        if self.limiter is not None:
            wait = self.limiter.acquire(verified.subject)
            if wait is not None:
                if self.rate_limited is not None:
                    self.rate_limited.inc()
                raise ProblemError(
                    429,
                    "rate-limited",
                    "Too many requests; slow down and retry after the time given.",
                    headers={"Retry-After": RateLimiter.retry_after_header(wait)},
                )
        try:
            principal = await self.principals.resolve(verified.identity)
        except NotAPractitioner:
            await audit_refusal(
                scope,
                subject_actor(verified.subject),
                403,
                {"reason": "not-an-active-practitioner"},
            )
            raise
        if verified.roles is not None:
            # The identity provider's roles or groups, mapped (gateway/role_mapping.py).
            principal = replace(principal, roles=verified.roles.apply(principal.roles))
        return principal


def _internal_signing_key(settings: GatewaySettings, dev_keys: DevKeys | None) -> tuple[bytes, str]:
    if settings.internal_signing_key_file is not None:
        pem = settings.internal_signing_key_file.read_bytes()
        # The same kid rule as the development keys: the RFC 7638 thumbprint of the public key.
        kid = jwk_thumbprint(public_jwk(pem, kid="-", algorithm="ES256"))
        return pem, kid
    if dev_keys is None:
        raise RuntimeError("no internal signing key: set FSM_INTERNAL_SIGNING_KEY_FILE")
    return dev_keys.internal_private_pem, dev_keys.internal_kid


async def _hold_idp_keys(app: FastAPI, stack: AsyncExitStack, jwks: JwksCache) -> None:
    """Fetch the IdP's keys, keep retrying in the background if that fails, gate readiness."""

    def keys_held() -> str | None:
        if jwks.has_keys:
            return None
        return "No signing key from the identity provider yet."

    add_readiness_check(app, keys_held)
    if await jwks.warm_up():
        return
    log.warning("identity provider keys unavailable at startup; sign-ins answer 503 until then")
    retry = asyncio.create_task(jwks.retry_until_keys(), name="jwks-start-up-retry")

    async def stop_retrying() -> None:
        retry.cancel()
        with suppress(asyncio.CancelledError):
            await retry

    stack.push_async_callback(stop_retrying)


async def _watch_directory(
    app: FastAPI, stack: AsyncExitStack, settings: GatewaySettings, principals: PrincipalResolver
) -> None:
    """Listen for directory changes for as long as the app runs (gateway/directory_watch.py)."""
    watch = DirectoryWatch(
        listener_dsn(settings.require_database_url()),
        principals,
        connect_timeout_seconds=settings.db_connect_timeout_seconds,
    )
    task = asyncio.create_task(watch.run(), name="directory-watch")
    app.state.directory_watch = watch

    async def stop_watching() -> None:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    stack.push_async_callback(stop_watching)


async def start_runtime(
    app: FastAPI,
    stack: AsyncExitStack,
    *,
    jwks_transport: httpx.AsyncBaseTransport | None = None,
) -> GatewayRuntime:
    """Create clients and caches for the app's lifetime; close them on shutdown."""
    settings: GatewaySettings = app.state.settings
    dev_keys = None if settings.environment == "production" else ensure_dev_keys(settings.state_dir)

    jwks_client = None
    if settings.auth_jwks_url is not None or settings.auth_issuers:
        jwks_client = httpx.AsyncClient(
            transport=jwks_transport,
            timeout=JWKS_FETCH_TIMEOUT_SECONDS,
            follow_redirects=False,
        )
        stack.push_async_callback(jwks_client.aclose)
    trust = trust_from_settings(settings, jwks_client=jwks_client, dev_keys=dev_keys)
    for jwks in trust.caches:
        await _hold_idp_keys(app, stack, jwks)
    if trust.caches:
        # Metrics report the first provider's keys (the only one, in most councils).
        app.state.jwks = trust.caches[0]

    pem, kid = _internal_signing_key(settings, dev_keys)
    issuer = InternalTokenIssuer(pem, kid, ttl_seconds=settings.internal_token_ttl_seconds)
    routes = []
    tracing: Tracing | None = app.state.tracing
    trace_configs = tracing.client_trace_configs() if tracing is not None else ()
    for unit in BACKENDS:
        assert unit.route_prefix is not None
        session = upstream_session(settings, trace_configs)
        stack.push_async_callback(session.close)
        routes.append(
            Route(
                unit=unit,
                prefix=unit.route_prefix,
                base_url=settings.upstream_url(unit),
                upstream=session,
                timeout_seconds=settings.upstream_timeout(unit),
                connect_timeout_seconds=settings.gateway_connect_timeout_seconds,
            )
        )

    failures = start_failed_authentications(app, stack, settings)
    limiter = None
    if settings.rate_limit_enabled:
        limiter = RateLimiter(
            requests=settings.rate_limit_requests,
            window_seconds=settings.rate_limit_window_seconds,
            burst=settings.rate_limit_burst,
        )
    principals = PrincipalResolver(
        app.state.sessionmaker,
        reach=app.state.db_reach,
        ttl_seconds=settings.principal_cache_ttl_seconds,
    )
    await _watch_directory(app, stack, settings, principals)
    runtime = GatewayRuntime(
        settings=settings,
        tokens=TokenAuthenticator(
            AccessTokenVerifier(trust.issuers),
            rules=trust.rules,
            max_entries=settings.auth_token_cache_entries,
        ),
        principals=principals,
        limiter=limiter,
        proxy=Proxy(routes, issuer, max_body_bytes=settings.max_request_body_bytes),
        failures=failures,
        rate_limited=app.state.rate_limited.labels("subject"),
    )
    app.state.gateway = runtime
    return runtime
