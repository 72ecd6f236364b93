"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from services.errors import problem_response

router = APIRouter(tags=["health"])

# A readiness check returns None when ready, else why not (said in the 503's detail).
ReadinessCheck = Callable[[], "str | None"]


def add_readiness_check(app: FastAPI, check: ReadinessCheck) -> None:
    """Make `/readyz` also depend on `check` (besides the database)."""
    checks: list[ReadinessCheck] = getattr(app.state, "readiness_checks", [])
    app.state.readiness_checks = [*checks, check]


@router.get("/healthz", summary="Liveness")
async def get_healthz() -> dict[str, str]:
    """Report that the process is alive; touches no dependency."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness", responses={503: {"description": "Not ready"}})
async def get_readyz(request: Request) -> JSONResponse:
    """Report whether the database answers within a second."""
    engine = request.app.state.engine
    try:
        async with asyncio.timeout(1.0):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception:  # any failure means not ready; the reason is in the logs
        return problem_response(
            503,
            "not-ready",
            detail="The database is not reachable.",
            headers={"Retry-After": "5"},
        )
    # Then what else the app needs to serve (the gateway: an IdP signing key when it trusts one).
    checks: list[ReadinessCheck] = getattr(request.app.state, "readiness_checks", [])
    for check in checks:
        reason = check()
        if reason is not None:
            return problem_response(503, "not-ready", detail=reason, headers={"Retry-After": "5"})
    return JSONResponse({"status": "ready"})
