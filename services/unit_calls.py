"""Calling another unit's API as the request's caller (services/delegation.py says who may).

The call carries the caller's own internal token, request id, access purpose and trace, so the
unit called applies its access rules and writes its audit row as if the caller had asked it
directly: a workflow can never see more of the record through another unit than its caller
could. The answer comes back as it is (a 404 means the caller may not see it, or it is not
there); a unit that does not answer in time, or fails, is a 503 with `Retry-After`, never a 500.
Only reads are offered: what a workflow changes on the record travels as events.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request

from services.auditing import PURPOSE_HEADER, RequestAudit
from services.delegation import callees_of
from services.errors import ProblemError
from services.principal import credential_of
from services.registry import BACKENDS, Unit
from services.request_context import current_request_id
from services.settings import KernelSettings
from services.tracing import current_traceparent

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
# Answers are JSON documents of one page; anything larger is not what was asked for.
MAX_ANSWER_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class UnitAnswer:
    """What the unit called answered: its status and, when it sent JSON, the document."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def _unavailable(unit: Unit, reason: str) -> ProblemError:
    log.warning("call to %s failed: %s", unit.name, reason)
    return ProblemError(
        503,
        "unit-unavailable",
        f"The {unit.name} service could not be reached just now; try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class UnitCalls:
    """The app's pooled HTTP client for the units it may call, opened with its lifespan."""

    def __init__(self, caller: str, urls: Mapping[str, str], timeout_seconds: float) -> None:
        self._caller = caller
        # Only the units the gateway addresses this unit's tokens to: any other would refuse.
        self._urls = {name: urls[name].rstrip("/") for name in callees_of(caller) if name in urls}
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            trust_env=False,
        )

    @classmethod
    def for_unit(cls, unit: Unit, settings: KernelSettings) -> UnitCalls | None:
        """The client `unit` needs, or None when it calls no other unit."""
        callees = [callee for callee in BACKENDS if callee.name in callees_of(unit.name)]
        if not callees:
            return None
        urls = {callee.name: settings.unit_url(callee) for callee in callees}
        return cls(unit.name, urls, settings.unit_call_timeout_seconds)

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

    async def get(
        self,
        unit: Unit,
        path: str,
        *,
        credential: str,
        purpose: str | None,
        params: Mapping[str, str | int | Sequence[str]] | None = None,
    ) -> UnitAnswer:
        """GET `path` from `unit` with the caller's credential."""
        base = self._urls.get(unit.name)
        if base is None:
            # A programming or deployment error, but still not the client's 500.
            raise _unavailable(unit, f"{self._caller} may not call {unit.name}")
        headers = {
            "Authorization": f"Bearer {credential}",
            "Accept": "application/json",
            "X-Request-ID": current_request_id(),
        }
        if purpose is not None:
            headers[PURPOSE_HEADER] = purpose
        traceparent = current_traceparent()
        if traceparent is not None:
            headers["traceparent"] = traceparent
        try:
            response = await self._client.get(base + path, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise _unavailable(unit, type(exc).__name__) from None
        if response.status_code >= 500 or response.status_code == 401:
            # A 401 means our own token was refused: the unit is misconfigured, not the caller.
            raise _unavailable(unit, f"answered {response.status_code}")
        return UnitAnswer(response.status_code, _json_of(response))


def _json_of(response: httpx.Response) -> Any:
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type or len(response.content) > MAX_ANSWER_BYTES:
        return None
    try:
        return response.json()
    except ValueError:
        return None


@dataclass(frozen=True)
class AsCaller:
    """Another unit's API, as this request's caller."""

    calls: UnitCalls
    credential: str
    purpose: str | None

    async def get(
        self, unit: Unit, path: str, params: Mapping[str, str | int | Sequence[str]] | None = None
    ) -> UnitAnswer:
        """GET `path` (a path of `unit`'s own API) as the caller."""
        return await self.calls.get(
            unit, path, credential=self.credential, purpose=self.purpose, params=params
        )


async def as_caller(request: Request) -> AsCaller:
    """The request's caller, ready to read another unit's API."""
    credential = credential_of(request.scope)
    calls: UnitCalls | None = getattr(request.app.state, "unit_calls", None)
    if credential is None or calls is None:
        raise RuntimeError("calls on the caller's behalf need an internally authenticated request")
    trail = RequestAudit.of(request)
    purpose = trail.purpose if trail is not None else request.headers.get(PURPOSE_HEADER)
    return AsCaller(calls, credential, purpose)


CallerCalls = Annotated[AsCaller, Depends(as_caller)]
