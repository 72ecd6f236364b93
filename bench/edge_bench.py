"""Benchmark what the edge defences cost per request, in process (run by hand, not a test).

    .venv/bin/python bench/edge_bench.py [--requests 50000] [--rounds 5]

Three questions, each answered as a ratio to a baseline measured in the same run, interleaved
round by round (medians over the rounds), because the machine is shared and noisy:

  headers    a trivial ASGI response, with and without the security-headers middleware:
             what every response of every unit now pays.
  good token admitting a cached, good token the way the gateway did before (bearer_token +
             TokenAuthenticator.authenticate) and now (FailedAuthentications.authenticate):
             good tokens must not be slowed.
  bad token  a flood of forged tokens (well-formed, bad signature) from one address: each one
             verified, as before, against each one refused by the per-address limit once over
             it, as now.

No database, no network: development keys in a temp dir. See bench/README.md for figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from gateway.authn import TokenAuthenticator, bearer_token, trusted_issuers
from gateway.failed_auth import FailedAuthentications
from gateway.jwks import AccessTokenVerifier
from gateway.ratelimit import RateLimiter
from gateway.refusals.token_failures import TokenFailureLog
from gateway.settings import AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT, GatewaySettings
from services.dev_keys import ensure_dev_keys, mint_dev_access_token
from services.errors import ProblemError
from services.security_headers import SecurityHeadersMiddleware

Step = Callable[[], Awaitable[Any]]


async def trivial_app(scope: Any, receive: Any, send: Any) -> None:
    """A JSON answer with the headers a typical handler sets."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"2"),
                (b"etag", b'"abc"'),
                (b"x-request-id", b"0123456789abcdef"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"{}"})


async def _discard(message: Any) -> None:
    return None


async def _nothing() -> Any:
    return {"type": "http.request", "body": b"", "more_body": False}


def asgi_step(app: Any) -> Step:
    scope = {"type": "http", "method": "GET", "path": "/workbook/cases/1", "headers": []}

    async def step() -> None:
        await app(scope, _nothing, _discard)

    return step


async def per_request_us(step: Step, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        await step()
    return (time.perf_counter() - started) / requests * 1e6


async def compare(
    name: str, baseline: tuple[str, Step], candidate: tuple[str, Step], args: Any
) -> None:
    base: list[float] = []
    new: list[float] = []
    for round_number in range(args.rounds):
        order = [(baseline[1], base), (candidate[1], new)]
        if round_number % 2:
            order.reverse()
        for step, into in order:
            into.append(await per_request_us(step, args.requests))
    b, c = statistics.median(base), statistics.median(new)
    print(
        f"{name:<10} {baseline[0]:<34} {b:8.2f} us   {candidate[0]:<34} {c:8.2f} us"
        f"   x{c / b:5.2f}  ({c - b:+.2f} us)"
    )


async def main(args: Any) -> None:
    state = Path(tempfile.mkdtemp(prefix="edge-bench-"))
    keys = ensure_dev_keys(state)
    settings = GatewaySettings(environment="development", state_dir=state)
    issuers, _ = trusted_issuers(settings, jwks_client=None, dev_keys=keys)
    good = mint_dev_access_token(
        keys, subject="bench", issuer=DEV_ISSUER_DEFAULT, audience=AUDIENCE_DEFAULT
    )
    head, body, signature = good.split(".")
    # Same length, one character changed: it decodes, and the signature check itself fails.
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    forged = f"{head}.{body}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"

    await compare(
        "headers",
        ("bare app", asgi_step(trivial_app)),
        ("with SecurityHeadersMiddleware", asgi_step(SecurityHeadersMiddleware(trivial_app))),
        args,
    )

    tokens = TokenAuthenticator(AccessTokenVerifier(issuers))
    await tokens.authenticate(good)  # cached from here on, as for a signed-in user
    good_headers = [(b"authorization", f"Bearer {good}".encode())]
    scope = {"type": "http", "client": ("192.0.2.1", 5000), "headers": good_headers}
    guard = FailedAuthentications(
        RateLimiter(requests=60, window_seconds=60, burst=30),
        (),
        TokenFailureLog(window_seconds=60, max_addresses=1000),
    )

    async def before_good() -> Any:
        return await tokens.authenticate(bearer_token(good_headers))

    async def after_good() -> Any:
        return await guard.authenticate(scope, tokens)

    await compare(
        "good token",
        ("bearer_token + authenticate", before_good),
        ("FailedAuthentications.authenticate", after_good),
        args,
    )

    flood_headers = [(b"authorization", f"Bearer {forged}".encode())]
    flood = {**scope, "headers": flood_headers}

    async def before_bad() -> Any:
        try:
            await tokens.authenticate(bearer_token(flood_headers))
        except ProblemError as refused:
            return refused

    async def after_bad() -> Any:
        try:
            await guard.authenticate(flood, tokens)
        except ProblemError as refused:
            return refused

    await after_bad()  # nothing is refused until the address is over its budget
    for _ in range(100):
        await after_bad()
    bad_args = argparse.Namespace(requests=max(1, args.requests // 20), rounds=args.rounds)
    await compare(
        "bad token",
        ("each forged token verified", before_bad),
        ("refused by the per-address limit", after_bad),
        bad_args,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50_000, help="requests per timed run")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    asyncio.run(main(parser.parse_args()))
