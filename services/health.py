"""Liveness and readiness probes.

Readiness asks one question of the database: does it answer? A full connection pool is not
"not ready": the database answers, this replica is busy, and its requests already say so with a
fast 503 `overloaded`. Reporting busy replicas unready would take them out of rotation exactly
when load peaks, pushing it onto the others until every replica is out: an outage made by the
probe. So the probe reaches the database as requests do (services/db_reach.py) and tells the
two answers apart: unreachable or hung is 503; busy is ready, with `"database": "busy"`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from services.db_reach import DatabaseBusy, DatabaseReach
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
    """Report whether the database answers; a busy pool is still ready (see the module)."""
    engine = request.app.state.engine
    reach: DatabaseReach | None = getattr(request.app.state, "db_reach", None)
    database = "ok"
    try:
        if reach is None:  # an app built without the kernel's lifespan (a test widget)
            async with asyncio.timeout(1.0), engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        else:
            connection = await reach.checkout(engine)
            try:
                async with asyncio.timeout(reach.budget_seconds):
                    await connection.execute(text("SELECT 1"))
            finally:
                await connection.close()
    except DatabaseBusy:
        database = "busy"
    except Exception:  # unreachable, hung (DatabaseUnavailable) or failing: not ready
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
    if database == "busy":
        return JSONResponse({"status": "ready", "database": "busy"})
    return JSONResponse({"status": "ready"})
