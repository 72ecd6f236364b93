"""Tracing over real apps: one trace from the gateway through a service to its database and outbox.

The gateway and the workbook are the real apps, the workbook served on a real loopback server
(the gateway reaches it through its production aiohttp client, over a socket), both exporting
to an in-memory exporter through the same scrubbing processor production uses.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.settings import KernelSettings
from services.tracing import exporting_to
from tests.gateway.conftest import DirectoryFactory, SettingsFactory, open_gateway
from tests.workbook.factories import create_family, open_case
from workbook_api.app import create_app as create_workbook_app

CLIENT_ADDRESS = "203.0.113.9"  # what open_gateway's ASGI transport claims the client is


def spans_of(spans: Sequence[ReadableSpan], service: str, kind: SpanKind) -> list[ReadableSpan]:
    return [
        span
        for span in spans
        if span.resource.attributes.get("service.name") == service and span.kind == kind
    ]


def only(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    matching = [span for span in spans if span.name == name]
    assert len(matching) == 1, [span.name for span in spans]
    return matching[0]


def attributes(span: ReadableSpan) -> Mapping[str, Any]:
    return span.attributes or {}


def everything_said(spans: Sequence[ReadableSpan]) -> str:
    """Every span's name, attributes, events and status text, as one string to search."""
    parts: list[Any] = []
    for span in spans:
        parts += [span.name, span.status.description, *attributes(span).items()]
        for event in span.events:
            parts += [event.name, *(event.attributes or {}).items()]
    return repr(parts)


async def test_one_trace_runs_from_the_gateway_to_the_service_its_database_and_outbox(
    gateway_settings: SettingsFactory,
    kernel_settings: KernelSettings,
    directory: DirectoryFactory,
    directory_engine: AsyncEngine,
    auth: Callable[[str], dict[str, str]],
) -> None:
    team = await directory.team()
    manager = await directory.practitioner(
        roles=("practitioner", "team_manager"), discipline="team_manager", manages=[team]
    )
    exporter = InMemorySpanExporter()
    with exporting_to(exporter):
        workbook = create_workbook_app(kernel_settings)
        async with open_gateway(gateway_settings(), {"workbook": workbook}) as (gateway, _):
            transport = httpx.ASGITransport(app=gateway, client=(CLIENT_ADDRESS, 40000))
            async with httpx.AsyncClient(
                transport=transport, base_url="http://gateway.test/workbook"
            ) as client:
                headers = auth(manager.subject)
                family = await create_family(client, headers, team_id=team)
                exporter.clear()
                case = await open_case(client, headers, family_id=family["id"], team_id=team)
                opened = exporter.get_finished_spans()
                exporter.clear()
                search = await client.get(
                    "/search", params={"q": "Brightwell Smith"}, headers=headers
                )
                assert search.status_code == 200, search.text
                searched = exporter.get_finished_spans()

    edge = only(spans_of(opened, "fsm-gateway", SpanKind.SERVER), "POST /workbook/{path}")
    gateway_calls = spans_of(opened, "fsm-gateway", SpanKind.CLIENT)
    hop = [span for span in gateway_calls if "db.system" not in attributes(span)]
    assert len(hop) == 1, [span.name for span in gateway_calls]
    assert hop[0].parent is not None
    assert hop[0].parent.span_id == edge.context.span_id
    served = only(spans_of(opened, "fsm-workbook", SpanKind.SERVER), "POST /cases")
    trace_id = edge.context.trace_id
    # The traceparent the workbook received was the gateway's client span, in the gateway's trace.
    assert served.context.trace_id == trace_id
    assert served.parent is not None
    assert served.parent.span_id == hop[0].context.span_id
    # Background work (the outbox relay, the audit sealer) starts traces of its own, as roots;
    # every statement made inside a request must be in that request's trace.
    statements = [span for span in spans_of(opened, "fsm-workbook", SpanKind.CLIENT) if span.parent]
    assert statements
    assert all(span.context.trace_id == trace_id for span in statements)
    assert any(attributes(span).get("db.system") == "postgresql" for span in statements)

    async with directory_engine.connect() as connection:
        traceparent = (
            await connection.execute(
                text("SELECT traceparent FROM workbook.outbox_event WHERE subject = :subject"),
                {"subject": f"cases/{case['id']}"},
            )
        ).scalar_one()
    version, event_trace, parent_span, flags = traceparent.split("-")
    assert version == "00"
    assert int(flags, 16) & 1  # sampled
    assert int(event_trace, 16) == trace_id
    assert int(parent_span, 16) in {span.context.span_id for span in opened}

    # Search terms, the client's address and the subject never leave in a span.
    said = everything_said(searched + opened)
    assert searched
    for secret in ("Brightwell", "Smith", CLIENT_ADDRESS, manager.subject, "Bearer"):
        assert secret not in said, secret
    assert "/workbook/search" in said  # the path itself is kept, without its query


async def test_without_tracing_no_spans_are_made_and_outbox_rows_carry_none(
    gateway_settings: SettingsFactory,
    kernel_settings: KernelSettings,
    directory: DirectoryFactory,
    directory_engine: AsyncEngine,
    auth: Callable[[str], dict[str, str]],
) -> None:
    team = await directory.team()
    manager = await directory.practitioner(
        roles=("practitioner", "team_manager"), discipline="team_manager", manages=[team]
    )
    workbook = create_workbook_app(kernel_settings)
    assert workbook.state.tracing is None
    async with open_gateway(gateway_settings(), {"workbook": workbook}) as (gateway, _):
        assert gateway.state.tracing is None
        transport = httpx.ASGITransport(app=gateway)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway.test/workbook"
        ) as client:
            headers = auth(manager.subject)
            family = await create_family(client, headers, team_id=team)
            # A client's own traceparent is not a trace we record.
            headers["traceparent"] = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
            case = await open_case(client, headers, family_id=family["id"], team_id=team)
    async with directory_engine.connect() as connection:
        traceparent = (
            await connection.execute(
                text("SELECT traceparent FROM workbook.outbox_event WHERE subject = :subject"),
                {"subject": f"cases/{case['id']}"},
            )
        ).scalar_one()
    assert traceparent is None
