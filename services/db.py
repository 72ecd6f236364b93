"""Database access: one async engine per process, and database failures as problem+json.

The request's unit of work lives in services/unit_of_work.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import MetaData, event
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm.exc import StaleDataError

from services.db_reach import RETRY_AFTER_SECONDS as RETRY_AFTER_SECONDS  # re-exported
from services.errors import problem_response, public_path
from services.settings import KernelSettings

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def schema_metadata(schema: str) -> MetaData:
    """Metadata for one service schema, with the house naming convention.

    Each service declares `class Base(DeclarativeBase): metadata = schema_metadata(...)` itself,
    so type checkers see a real class.
    """
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def create_engine(
    settings: KernelSettings,
    *,
    application_name: str,
    pool_size: int | None = None,
    max_overflow: int | None = None,
) -> AsyncEngine:
    """Create an engine (the requests' pool unless sizes are given); it connects lazily."""
    engine = create_async_engine(
        settings.require_database_url(),
        pool_size=settings.db_pool_size if pool_size is None else pool_size,
        max_overflow=settings.db_max_overflow if max_overflow is None else max_overflow,
        pool_pre_ping=True,
        # Within a request's database-wait budget (services/db_reach.py), so that a full pool
        # is told apart from a database that does not answer.
        pool_timeout=settings.db_wait_budget_seconds * 2 / 3,
        connect_args={
            "timeout": settings.db_connect_timeout_seconds,
            "command_timeout": settings.db_statement_timeout_ms / 1000 + 5,
            "server_settings": {
                "application_name": application_name,
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "idle_in_transaction_session_timeout": "60000",
                "TimeZone": "UTC",
            },
        },
    )
    pool = engine.sync_engine.pool
    event.listen(pool, "checkout", _mark_in_use)
    event.listen(pool, "checkin", _mark_returned)
    event.listen(pool, "invalidate", _drop_unanswering_connection)
    return engine


_IN_USE = "fsm.in_use"


def _mark_in_use(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
    # Fired once the pre-ping passed: from here the connection runs the request's queries.
    connection_record.info[_IN_USE] = True


def _mark_returned(dbapi_connection: Any, connection_record: Any) -> None:
    connection_record.info.pop(_IN_USE, None)


def _drop_unanswering_connection(
    dbapi_connection: Any, connection_record: Any, exception: BaseException | None
) -> None:
    """Close a connection given up on during checkout at once, without a goodbye.

    SQLAlchemy closes an invalidated connection gracefully, waiting up to 2 s for the server
    to acknowledge; a server that stopped answering never does, and the request that gave up
    on its pre-ping (services/db_reach.py) would wait those 2 s too. A connection cancelled
    while in use is left to that graceful close: the server is likely alive, and meanwhile
    the driver asks it to stop the cancelled query, which dropping the socket would prevent.
    """
    if connection_record.info.get(_IN_USE):
        return
    if isinstance(exception, asyncio.CancelledError | TimeoutError):
        dbapi_connection.driver_connection.terminate()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def session_on(connection: AsyncConnection) -> AsyncSession:
    """A session configured as the sessionmaker's, on a connection the caller holds."""
    return AsyncSession(bind=connection, expire_on_commit=False, autoflush=False)


_CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    ConnectionError,
    TimeoutError,
    PoolTimeoutError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
)


def is_connection_failure(exc: BaseException) -> bool:
    """Tell whether an exception means the database could not be reached."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        cause = getattr(exc.orig, "__cause__", None)
        if isinstance(cause, _CONNECTION_ERRORS):
            return True
    return isinstance(exc, _CONNECTION_ERRORS)


def install_database_handlers(app: FastAPI) -> None:
    """Map database failures to problem+json: unreachable → 503, conflicts → 409/412."""

    def unavailable(request: Request) -> JSONResponse:
        log.warning("database unavailable on %s %s", request.method, request.url.path)
        return problem_response(
            503,
            "database-unavailable",
            detail="The database is unavailable; retry shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            instance=public_path(request),
        )

    async def on_dbapi(request: Request, exc: Exception) -> JSONResponse:
        if is_connection_failure(exc):
            return unavailable(request)
        if isinstance(exc, IntegrityError):
            return problem_response(
                409,
                "conflict",
                detail="The change conflicts with existing data.",
                instance=public_path(request),
            )
        sqlstate = str(getattr(getattr(exc, "orig", None), "sqlstate", "") or "")
        if sqlstate.startswith("22"):
            # Class 22 is "data exception": a value the client sent that PostgreSQL cannot
            # store (a NUL character, an out-of-range number), not a fault of ours.
            return problem_response(
                422,
                "invalid-data",
                detail="The request contains a value that cannot be stored "
                "(for example a NUL character or an out-of-range number).",
                instance=public_path(request),
            )
        if sqlstate == "57014":  # statement timeout: overloaded, not broken
            return problem_response(
                503,
                "database-timeout",
                detail="The database took too long to answer; retry shortly.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                instance=public_path(request),
            )
        log.exception("database error on %s %s", request.method, request.url.path)
        return problem_response(500, "internal", detail="An unexpected error occurred.")

    async def on_connection(request: Request, exc: Exception) -> JSONResponse:
        return unavailable(request)

    async def on_pool_full(request: Request, exc: Exception) -> JSONResponse:
        # Every pooled connection is in use: the database answers, we are just busy.
        log.warning("connection pool exhausted on %s %s", request.method, request.url.path)
        return problem_response(
            503,
            "overloaded",
            detail="The service is busy; retry shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            instance=public_path(request),
        )

    async def on_stale(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            412,
            "precondition-failed",
            detail="The resource changed since you read it; fetch it again.",
            instance=public_path(request),
        )

    app.add_exception_handler(DBAPIError, on_dbapi)
    app.add_exception_handler(PoolTimeoutError, on_pool_full)
    app.add_exception_handler(OSError, on_connection)
    app.add_exception_handler(TimeoutError, on_connection)
    app.add_exception_handler(StaleDataError, on_stale)
    for exc_type in _CONNECTION_ERRORS[4:]:
        app.add_exception_handler(exc_type, on_connection)
