"""Authentication with failures counted, limited and recorded per client address.

The per-subject limit never sees a bad token (there is no subject), so failures get a limiter
of their own, keyed by client address (gateway.client_address). Over it, the answer is 429
before the token is parsed or verified. A token already verified and cached is let through
without looking at the address at all: good tokens are not slowed, and a colleague behind the
same council NAT as a misbehaving client keeps working. Every failure, and every 429 it earns,
is tallied for the audit log (gateway.refusals.token_failures).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass

from fastapi import FastAPI
from prometheus_client import Counter
from starlette.types import Scope

from gateway.authn import (
    InvalidToken,
    MissingToken,
    TokenAuthenticator,
    VerifiedToken,
    bearer_token,
)
from gateway.client_address import IPNetwork, client_address
from gateway.ratelimit import RateLimiter
from gateway.refusals.token_failures import TokenFailureLog, audit_writer
from gateway.settings import GatewaySettings
from services.errors import ProblemError
from services.request_context import current_request_id

log = logging.getLogger(__name__)


class TooManyFailures(ProblemError):
    """This address has failed to authenticate too often; it must wait."""

    def __init__(self, wait_seconds: float) -> None:
        super().__init__(
            429,
            "too-many-failed-authentications",
            "Too many requests without a valid access token from your address;"
            " retry after the time given.",
            headers={"Retry-After": RateLimiter.retry_after_header(wait_seconds)},
        )


@dataclass(frozen=True)
class FailedAuthentications:
    """Limit and tally failed authentications by client address."""

    limiter: RateLimiter | None
    trusted_proxies: Sequence[IPNetwork]
    log: TokenFailureLog
    # Refusals by this limit (a child of the app's fsm_gateway_rate_limited_total).
    rate_limited: Counter | None = None

    async def authenticate(self, scope: Scope, tokens: TokenAuthenticator) -> VerifiedToken:
        """Return the caller's verified token; raise 401, 429 or 503 as a ProblemError."""
        try:
            token = bearer_token(scope["headers"])
        except (MissingToken, InvalidToken) as refused:
            address = client_address(scope, self.trusted_proxies)
            self._refuse_if_limited(address)
            self._fail(address, refused.reason, None)
            raise
        verified = tokens.cached(token)
        if verified is not None:
            return verified
        address = client_address(scope, self.trusted_proxies)
        self._refuse_if_limited(address)
        try:
            return await tokens.authenticate(token)
        except InvalidToken as refused:
            self._fail(address, refused.reason, token)
            raise

    def refuse_other_credential(self, scope: Scope, reason: str) -> None:
        """Count a failed non-token credential (SCIM's) like a failed token; raise 429 if over."""
        address = client_address(scope, self.trusted_proxies)
        self._refuse_if_limited(address)
        self._fail(address, reason, None)

    def check_limit(self, scope: Scope) -> None:
        """Refuse (429) an address that failed too often, before its credential is checked."""
        self._refuse_if_limited(client_address(scope, self.trusted_proxies))

    def _refuse_if_limited(self, address: str) -> None:
        if self.limiter is None:
            return
        wait = self.limiter.wait(address)
        if wait is not None:
            self.log.note(address, "rate_limited", None, current_request_id())
            if self.rate_limited is not None:
                self.rate_limited.inc()
            raise TooManyFailures(wait)

    def _fail(self, address: str, reason: str, token: str | None) -> None:
        if self.limiter is not None:
            self.limiter.acquire(address)
        self.log.note(address, reason, token, current_request_id())


def start_failed_authentications(
    app: FastAPI, stack: AsyncExitStack, settings: GatewaySettings
) -> FailedAuthentications:
    """Build the limiter and the tally, and write the tally until shutdown (then all of it)."""
    if settings.environment == "production" and not settings.gateway_trusted_proxies:
        log.warning(
            "FSM_GATEWAY_TRUSTED_PROXIES is empty: every caller is known by its socket peer; "
            "behind an ingress they all share its address, and its limit on failed sign-ins"
        )
    tally = TokenFailureLog(
        window_seconds=settings.auth_failure_audit_window_seconds,
        max_addresses=settings.auth_failure_audit_max_addresses,
    )
    write = audit_writer(app.state.sessionmaker, app.state.kernel.audit_log)
    tally.start(write)
    stack.push_async_callback(tally.stop, write)
    limiter = None
    if settings.auth_failure_limit_enabled:
        limiter = RateLimiter(
            requests=settings.auth_failure_limit_requests,
            window_seconds=settings.auth_failure_limit_window_seconds,
            burst=settings.auth_failure_limit_burst,
            max_subjects=settings.auth_failure_max_addresses,
        )
    return FailedAuthentications(
        limiter,
        settings.gateway_trusted_proxies,
        tally,
        rate_limited=app.state.rate_limited.labels("address"),
    )
