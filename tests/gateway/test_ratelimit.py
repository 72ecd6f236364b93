"""Per-subject rate limiting at the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from gateway.ratelimit import RateLimiter
from tests.gateway.conftest import DirectoryFactory, SettingsFactory, open_gateway
from tests.gateway.upstreams import EchoUpstream

Auth = Callable[[str], dict[str, str]]


async def test_burst_then_429_with_retry_after_then_recovery(
    gateway_settings: SettingsFactory,
    auth: Auth,
    directory: DirectoryFactory,
    echoes: dict[str, EchoUpstream],
) -> None:
    settings = gateway_settings(
        rate_limit_enabled=True,
        rate_limit_requests=3,
        rate_limit_window_seconds=1.0,
        rate_limit_burst=3,
    )
    busy = await directory.practitioner()
    other = await directory.practitioner()
    async with open_gateway(settings, echoes) as (_, client):
        statuses = [
            (await client.get("/workbook/cases", headers=auth(busy.subject))).status_code
            for _ in range(3)
        ]
        assert statuses == [200, 200, 200]
        limited = await client.get("/workbook/cases", headers=auth(busy.subject))
        assert limited.status_code == 429
        assert limited.headers["content-type"] == "application/problem+json"
        assert limited.headers["retry-after"] == "1"
        assert len(echoes["workbook"].seen) == 3

        # The limit is per subject: someone else is not held up.
        assert (await client.get("/me", headers=auth(other.subject))).status_code == 200

        await asyncio.sleep(float(limited.headers["retry-after"]) + 0.05)
        recovered = await client.get("/workbook/cases", headers=auth(busy.subject))
        assert recovered.status_code == 200


def test_bucket_refills_at_the_configured_rate() -> None:
    now = [100.0]
    limiter = RateLimiter(requests=10, window_seconds=10.0, burst=2, clock=lambda: now[0])
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") is None
    wait = limiter.acquire("a")
    assert wait is not None
    assert 0.99 < wait <= 1.0
    now[0] += 0.5
    assert limiter.acquire("a") is not None  # half a token is not a request
    now[0] += 0.5
    assert limiter.acquire("a") is None
    now[0] += 3600
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") is not None  # refilled only up to the burst


def test_forgetting_old_subjects_bounds_memory() -> None:
    limiter = RateLimiter(requests=1, window_seconds=60, burst=1, max_subjects=2)
    for subject in ("a", "b", "c"):
        assert limiter.acquire(subject) is None
    assert limiter.acquire("c") is not None
    assert limiter.acquire("a") is None  # evicted, so it starts again with a full bucket
