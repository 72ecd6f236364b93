"""A tiny app on the real kernel, for testing kernel behaviour over HTTP.

It stores "widgets" in a test-only table so that idempotency, If-Match and outage behaviour can
be exercised through create_service_app exactly as the services use it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Integer, String, TextClause, Uuid, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.app import create_service_app
from services.audit import AuditEvent
from services.auditing import Audit, audit, audited
from services.auth import CurrentPrincipal
from services.concurrency import require_if_match, set_etag
from services.db import schema_metadata
from services.errors import NotFound, ProblemError
from services.pagination import Page, decode_cursor, page_params, split_page
from services.registry import SUPERVISION
from services.routing import kit_router
from services.settings import KernelSettings
from services.unit_of_work import DbSession, Work, sessionmaker_from
from supervision_api.models import kernel

WIDGET_SCHEMA = "kernel_test"


class WidgetBase(DeclarativeBase):
    metadata = schema_metadata(WIDGET_SCHEMA)


class Widget(WidgetBase):
    __tablename__ = "widget"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    owner: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class WidgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    delay_seconds: float = Field(default=0, ge=0, le=5)


class WidgetOut(BaseModel):
    id: uuid.UUID
    name: str
    version: int


router = kit_router()


@router.post("/widgets", status_code=201, summary="Create a widget")
async def create_widget(
    body: WidgetIn, session: DbSession, principal: CurrentPrincipal, response: Response
) -> WidgetOut:
    """Create a widget (optionally slowly, to hold an idempotency key in flight)."""
    widget = Widget(owner=principal.subject, name=body.name)
    session.add(widget)
    await session.flush()
    if body.delay_seconds:
        await asyncio.sleep(body.delay_seconds)
    response.headers["Location"] = f"/widgets/{widget.id}"
    set_etag(response, widget.id, widget.version)
    return WidgetOut(id=widget.id, name=widget.name, version=widget.version)


@router.post("/widgets/after-wait", status_code=201, summary="Create a widget after a wait")
async def create_widget_after_wait(
    body: WidgetIn, session: DbSession, work: Work, principal: CurrentPrincipal
) -> WidgetOut:
    """Read, wait `delay_seconds` with no transaction open (as a solver or a call to another
    unit would), then create the widget in the request's second transaction."""
    await session.scalar(select(Widget.id).where(Widget.owner == principal.subject).limit(1))
    async with work.outside_transaction():
        await asyncio.sleep(body.delay_seconds)
    widget = Widget(owner=principal.subject, name=body.name)
    session.add(widget)
    await session.flush()
    return WidgetOut(id=widget.id, name=widget.name, version=widget.version)


@router.post("/widgets/write-then-wait", status_code=201, summary="Write, then try to wait")
async def write_then_wait(body: WidgetIn, session: DbSession, work: Work) -> WidgetOut:
    """Wrong on purpose: a request that has written may not end its transaction early."""
    widget = Widget(owner="nobody", name=body.name)
    session.add(widget)
    await session.flush()
    await work.end_reads()
    return WidgetOut(id=widget.id, name=widget.name, version=widget.version)


async def _load(session: DbSession, principal: CurrentPrincipal, widget_id: uuid.UUID) -> Widget:
    widget: Widget | None = await session.scalar(
        select(Widget).where(Widget.id == widget_id, Widget.owner == principal.subject)
    )
    if widget is None:
        raise NotFound("widget")
    return widget


@router.get("/widgets/{widget_id}", summary="Read a widget")
async def get_widget(
    widget_id: uuid.UUID, session: DbSession, principal: CurrentPrincipal, response: Response
) -> WidgetOut:
    """Read one of the caller's widgets."""
    widget = await _load(session, principal, widget_id)
    set_etag(response, widget.id, widget.version)
    return WidgetOut(id=widget.id, name=widget.name, version=widget.version)


@router.put("/widgets/{widget_id}", summary="Rename a widget")
async def rename_widget(
    widget_id: uuid.UUID,
    body: WidgetIn,
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    response: Response,
) -> WidgetOut:
    """Rename a widget, guarded by If-Match."""
    widget = await _load(session, principal, widget_id)
    require_if_match(request, widget.id, widget.version)
    widget.name = body.name
    if body.delay_seconds:
        await asyncio.sleep(body.delay_seconds)
    await session.flush()
    set_etag(response, widget.id, widget.version)
    return WidgetOut(id=widget.id, name=widget.name, version=widget.version)


@router.get("/widgets", summary="List widgets")
async def list_widgets(
    session: DbSession,
    principal: CurrentPrincipal,
    page: Annotated[tuple[int, str | None], Depends(page_params)],
) -> Page[WidgetOut]:
    """List the caller's widgets in id order, a keyset page at a time."""
    limit, cursor = page
    query = select(Widget).where(Widget.owner == principal.subject).order_by(Widget.id)
    if cursor is not None:
        (after,) = decode_cursor(cursor, 1)
        try:
            query = query.where(Widget.id > uuid.UUID(after))
        except (TypeError, ValueError) as exc:
            raise ProblemError(400, "invalid-cursor", "The cursor is not valid.") from exc
    rows = (await session.scalars(query.limit(limit + 1))).all()
    items, next_cursor = split_page(rows, limit, lambda w: (w.id,))
    return Page[WidgetOut](
        items=[WidgetOut(id=w.id, name=w.name, version=w.version) for w in items],
        next_cursor=next_cursor,
    )


def _tagged_sleep(marker: uuid.UUID) -> TextClause:
    # The marker is a UUID (parsed by FastAPI), so nothing but hex and dashes reaches the SQL.
    return text(f"SELECT pg_sleep(:seconds) /* {marker} */")


@router.get("/slow/read", summary="Read slowly, auditing by hand")
async def read_slowly(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    seconds: Annotated[float, Query(ge=0, le=10)],
    marker: uuid.UUID,
) -> dict[str, str]:
    """Read for a while, with an audit event queued by hand before the query."""
    audit(
        request,
        AuditEvent(
            action="read",
            resource_type="widget",
            resource_id=str(marker),
            case_id=None,
            purpose="direct_work",
        ),
    )
    await session.execute(_tagged_sleep(marker), {"seconds": seconds})
    return {"marker": str(marker)}


@router.get("/slow/audited-read", summary="Read slowly, audited by the kit")
@audited("read", "widget", resource="")
async def read_slowly_inside_an_audited_block(
    session: DbSession,
    principal: CurrentPrincipal,
    note: Audit,
    seconds: Annotated[float, Query(ge=0, le=10)],
    marker: uuid.UUID,
) -> dict[str, str]:
    """Read for a while in an endpoint the kit audits, as the workbook's case reads are."""
    note.resource_id = str(marker)
    await session.execute(_tagged_sleep(marker), {"seconds": seconds})
    return {"marker": str(marker)}


@router.get("/slow/stream", summary="Stream slowly")
async def stream_slowly(
    request: Request,
    principal: CurrentPrincipal,
    seconds: Annotated[float, Query(ge=0, le=10)],
    chunks: Annotated[int, Query(ge=1, le=100)],
    marker: uuid.UUID,
) -> StreamingResponse:
    """Stream chunks, each read from the database slowly through a session of its own."""
    sessions = sessionmaker_from(request)

    async def body() -> AsyncIterator[bytes]:
        async with sessions() as session:
            for number in range(chunks):
                await session.execute(_tagged_sleep(marker), {"seconds": seconds})
                yield f"chunk {number}\n".encode()

    return StreamingResponse(body(), media_type="text/plain")


def create_widget_app_from_environment() -> FastAPI:
    """The widget app configured from FSM_* variables, for a real uvicorn process."""
    return create_widget_app(KernelSettings())


def create_widget_app(settings: KernelSettings) -> FastAPI:
    """Build the widget app on the supervision unit's kernel tables."""
    return create_service_app(
        unit=SUPERVISION,
        settings=settings,
        kernel=kernel,
        routers=[router],
        title="widgets",
        description="kernel test app",
    )
