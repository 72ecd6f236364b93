"""The gateway's own metrics: the identity provider's keys and rate-limit refusals."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI
from prometheus_client import Counter
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gateway.jwks import JwksCache


def install_gateway_metrics(app: FastAPI) -> None:
    """Add the gateway's metrics to the app's registry, once, when the app is built."""
    registry = app.state.metrics.registry
    registry.register(JwksCollector(app))
    app.state.rate_limited = Counter(
        "fsm_gateway_rate_limited",
        "Requests the gateway refused with 429, by the limit that refused them.",
        ["limit"],
        registry=registry,
    )


class JwksCollector(Collector):
    """How old the cached IdP key set is, how many keys it holds, how many fetches failed."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def collect(self) -> Iterator[Metric]:
        """Yield the JWKS gauges (none without an IdP); the age is left out with no key."""
        jwks: JwksCache | None = getattr(self._app.state, "jwks", None)
        if jwks is None:
            return
        age = jwks.age_seconds
        if age is not None:
            yield GaugeMetricFamily(
                "fsm_jwks_age_seconds",
                "Seconds since the identity provider's signing keys were last fetched.",
                value=age,
            )
        yield GaugeMetricFamily(
            "fsm_jwks_keys",
            "Signing keys held from the identity provider (0: sign-ins answer 503).",
            value=float(jwks.key_count),
        )
        yield CounterMetricFamily(
            "fsm_jwks_refresh_failures",
            "Failed fetches of the identity provider's JWKS since start-up.",
            value=float(jwks.refresh_failures),
        )
