"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from services.errors import problem_response

router = APIRouter(tags=["health"])


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
    return JSONResponse({"status": "ready"})
