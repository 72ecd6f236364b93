"""Capped exponential backoff with jitter, shared by everything that retries."""

from __future__ import annotations

from collections.abc import Callable


def backoff_delay(attempt: int, base: float, cap: float, uniform: Callable[[], float]) -> float:
    """Seconds to wait after the `attempt`-th failure: capped exponential with equal jitter."""
    ceiling = min(cap, base * 2.0 ** min(max(attempt - 1, 0), 62))
    # Half fixed, half random: retries spread out yet never come back sooner than half the step.
    return ceiling / 2 + ceiling / 2 * uniform()
