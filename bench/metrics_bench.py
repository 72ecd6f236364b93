"""Measure what the request-metrics middleware adds to each request (run by hand, not a test).

    .venv/bin/python bench/metrics_bench.py [--requests 50000] [--rounds 7]

Calls an ASGI app directly, in one process, with no network: a minimal endpoint that sets a
route template (as the gateway's proxy sets its LoggedRoute) and answers, alone and wrapped in
`RequestMetricsMiddleware`, in interleaved rounds. Prints each variant's median CPU time per
request over the rounds and their difference: the middleware's own cost, which every request
of every unit pays (the gateway's proxy path included). The same-run difference is the figure;
absolute times move with the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from prometheus_client import CollectorRegistry
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.proxy_routes import LoggedRoute
from services.metrics import RequestMetrics, RequestMetricsMiddleware

ROUTE = LoggedRoute("/workbook/{path}")
START: Message = {"type": "http.response.start", "status": 200, "headers": []}
BODY: Message = {"type": "http.response.body", "body": b"{}"}


async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """Route and answer, as cheaply as an ASGI app can."""
    scope["route"] = ROUTE
    await send(START)
    await send(BODY)


async def drive(app: ASGIApp, requests: int) -> float:
    """CPU seconds per request for `requests` sequential calls."""
    template: dict[str, Any] = {"type": "http", "method": "GET", "path": "/workbook/cases/1"}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        return None

    started = time.process_time()
    for _ in range(requests):
        await app(dict(template), receive, send)
    return (time.process_time() - started) / requests


async def main(requests: int, rounds: int) -> None:
    bare: ASGIApp = endpoint
    measured: ASGIApp = RequestMetricsMiddleware(endpoint, RequestMetrics(CollectorRegistry()))
    await drive(bare, 1000)  # warm up both paths
    await drive(measured, 1000)
    results: dict[str, list[float]] = {"bare": [], "with metrics": []}
    for round_number in range(rounds):
        order = [("bare", bare), ("with metrics", measured)]
        if round_number % 2:
            order.reverse()
        for name, app in order:
            results[name].append(await drive(app, requests))
    medians = {name: statistics.median(values) * 1e6 for name, values in results.items()}
    for name, value in medians.items():
        print(f"{name:>13}: {value:6.2f} us/request (median of {rounds} rounds)")
    print(f"   middleware: {medians['with metrics'] - medians['bare']:6.2f} us/request")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=7)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.rounds))
