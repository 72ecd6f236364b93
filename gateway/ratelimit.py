"""Token buckets per key (a subject, a client address), held in this process's memory."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated_at: float


class RateLimiter:
    """Allow each subject `requests` per `window_seconds`, with bursts up to `burst`.

    The buckets live in this replica's memory, so the limit is per replica: with N gateway
    replicas behind a load balancer a subject may get up to N times the rate. That bounds a
    runaway client cheaply without a shared store on the hot path; a hard global quota would
    belong in the ingress or a shared store.
    """

    def __init__(
        self,
        *,
        requests: int,
        window_seconds: float,
        burst: int,
        max_subjects: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if requests < 1 or window_seconds <= 0 or burst < 1 or max_subjects < 1:
            raise ValueError("rate limit parameters must be positive")
        self._rate = requests / window_seconds
        self._burst = float(burst)
        self._max_subjects = max_subjects
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def wait(self, subject: str) -> float | None:
        """Seconds until `subject` may go again, or None; takes nothing and remembers nothing."""
        bucket = self._buckets.get(subject)
        if bucket is None:
            return None
        elapsed = max(0.0, self._clock() - bucket.updated_at)
        tokens = min(self._burst, bucket.tokens + elapsed * self._rate)
        if tokens >= 1.0:
            return None
        return (1.0 - tokens) / self._rate

    def acquire(self, subject: str) -> float | None:
        """Take one token for `subject`; return None if allowed, else seconds until allowed."""
        now = self._clock()
        bucket = self._buckets.get(subject)
        if bucket is None:
            bucket = _Bucket(self._burst, now)
            self._buckets[subject] = bucket
            # A forgotten subject comes back with a full bucket, which only ever errs lenient.
            while len(self._buckets) > self._max_subjects:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(subject)
            elapsed = max(0.0, now - bucket.updated_at)
            bucket.tokens = min(self._burst, bucket.tokens + elapsed * self._rate)
            bucket.updated_at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / self._rate

    @staticmethod
    def retry_after_header(wait_seconds: float) -> str:
        """Render a wait as Retry-After (whole seconds, at least one)."""
        return str(max(1, math.ceil(wait_seconds)))
