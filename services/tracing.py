"""OpenTelemetry tracing across the gateway, the services, the database and the outbox.

Off unless an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, and `OTEL_SDK_DISABLED` not true): then nothing of the SDK
or the instrumentations is imported and every hook here is a cheap check. When on, each unit
exports its spans over OTLP/HTTP as `fsm-<unit>` (or `OTEL_SERVICE_NAME`), with the FastAPI,
SQLAlchemy and aiohttp-client instrumentations; W3C `traceparent` goes from the gateway to the
services on every proxied request and onto every outbox event, which the relay sends as the
CloudEvents distributed-tracing extension.

Spans leave the process scrubbed (`ScrubbingSpanProcessor`): no query strings (search terms can
be names), no client addresses or user agents, no captured headers, no exception messages or
error descriptions (PostgreSQL quotes the offending value in them). Paths keep their ids, as the
request log's route template does not; ids are not personal data, narrative never is in a path.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final

from starlette.types import ASGIApp, Scope

if TYPE_CHECKING:
    import aiohttp
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from sqlalchemy.ext.asyncio import AsyncEngine

ENDPOINT_VARIABLES: Final = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# Probes every few seconds from every kubelet would drown the traces that matter.
EXCLUDED_URLS: Final = "/healthz$,/readyz$"
_DROPPED_ATTRIBUTES: Final = frozenset(
    {
        "client.address",
        "client.port",
        "http.client_ip",
        "net.peer.ip",
        "net.sock.peer.addr",
        "net.sock.peer.port",
        "network.peer.address",
        "network.peer.port",
        "http.user_agent",
        "user_agent.original",
        "user_agent.synthetic.type",
        "url.query",
    }
)
_URL_ATTRIBUTES: Final = frozenset({"http.url", "url.full", "http.target"})
_DROPPED_PREFIXES: Final = ("http.request.header.", "http.response.header.")
_KEPT_EXCEPTION_ATTRIBUTES: Final = frozenset({"exception.type", "exception.escaped"})

_exporter_override: SpanExporter | None = None
_active = False  # set once any unit in this process traces; gates current_traceparent()

SpanDetails = Callable[[Scope], tuple[str, dict[str, Any]]]


def tracing_configured() -> bool:
    """Whether this process should trace: an OTLP endpoint is set and the SDK is not disabled."""
    if _exporter_override is not None:
        return True
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(os.environ.get(name) for name in ENDPOINT_VARIABLES)


@contextmanager
def exporting_to(exporter: SpanExporter) -> Iterator[None]:
    """Trace apps built inside this block, sending spans to `exporter` synchronously.

    For tests and diagnostics: the spans still pass the scrubbing processor.
    """
    global _exporter_override
    previous, _exporter_override = _exporter_override, exporter
    try:
        yield
    finally:
        _exporter_override = previous


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span (for an outbox row), or None when not tracing."""
    if not _active:
        return None
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    return carrier.get("traceparent")


def strip_query(url: Any) -> str:
    """A URL without its query string or fragment."""
    text = str(url)
    for mark in ("?", "#"):
        text = text.split(mark, 1)[0]
    return text


def scrub_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Drop or trim the attributes that can carry personal data."""
    kept: dict[str, Any] = {}
    for key, value in attributes.items():
        if key in _DROPPED_ATTRIBUTES or key.startswith(_DROPPED_PREFIXES):
            continue
        kept[key] = strip_query(value) if key in _URL_ATTRIBUTES else value
    return kept


def scrubbed(span: ReadableSpan) -> ReadableSpan:
    """A copy of a finished span with personal data and error texts taken out."""
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.trace import Status

    events = [
        Event(
            event.name,
            {k: v for k, v in (event.attributes or {}).items() if k in _KEPT_EXCEPTION_ATTRIBUTES}
            if event.name == "exception"
            else scrub_attributes(event.attributes or {}),
            event.timestamp,
        )
        for event in span.events
    ]
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=scrub_attributes(span.attributes or {}),
        events=events,
        links=span.links,
        kind=span.kind,
        status=Status(span.status.status_code),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def _scrubbing_processor(inner: Any) -> Any:
    from opentelemetry.sdk.trace import SpanProcessor

    class ScrubbingSpanProcessor(SpanProcessor):
        """Hand `inner` a scrubbed copy of every finished span."""

        def on_start(self, span: Any, parent_context: Any = None) -> None:
            inner.on_start(span, parent_context=parent_context)

        def on_end(self, span: ReadableSpan) -> None:
            inner.on_end(scrubbed(span))

        def shutdown(self) -> None:
            inner.shutdown()

        def force_flush(self, timeout_millis: int = 30_000) -> bool:
            return bool(inner.force_flush(timeout_millis))

    return ScrubbingSpanProcessor()


class Tracing:
    """One unit's tracer provider and the instrumentations that feed it."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider

    @classmethod
    def for_unit(cls, unit_name: str) -> Tracing | None:
        """Build tracing for a unit when configured; None (and nothing imported) otherwise."""
        if not tracing_configured():
            return None
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        global _active
        attributes = (
            {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: f"fsm-{unit_name}"}
        )
        provider = TracerProvider(resource=Resource.create(attributes))
        if _exporter_override is not None:
            processor: Any = SimpleSpanProcessor(_exporter_override)
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            # Endpoint, headers and timeout come from the standard OTEL_EXPORTER_OTLP_* variables.
            processor = BatchSpanProcessor(OTLPSpanExporter())
        provider.add_span_processor(_scrubbing_processor(processor))
        _active = True
        return cls(provider)

    def instrument_app(self, app: FastAPI) -> None:
        """Trace every request FastAPI's middleware stack handles, named by route template."""
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=self.provider, excluded_urls=EXCLUDED_URLS
        )

    def wrap_asgi(self, app: ASGIApp, span_details: SpanDetails) -> ASGIApp:
        """Trace requests handled by `app` outside FastAPI's stack (the gateway's proxy)."""
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        wrapped: ASGIApp = OpenTelemetryMiddleware(
            app,
            excluded_urls=EXCLUDED_URLS,
            default_span_details=span_details,
            tracer_provider=self.provider,
        )
        return wrapped

    def instrument_engine(self, engine: AsyncEngine) -> None:
        """Trace the engine's statements (placeholders only: values are never recorded)."""
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
        from opentelemetry.instrumentation.sqlalchemy.version import __version__
        from opentelemetry.metrics import NoOpMeter

        # Per engine, not the instrumentor's process-wide patching: tests run several apps.
        tracer = self.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__)
        usage = NoOpMeter("fsm").create_up_down_counter("db.client.connections.usage")
        EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]

    def client_trace_configs(self) -> Sequence[aiohttp.TraceConfig]:
        """aiohttp trace configs that open a client span and send `traceparent` upstream."""
        from opentelemetry.instrumentation.aiohttp_client import create_trace_config

        return [create_trace_config(url_filter=strip_query, tracer_provider=self.provider)]

    async def shutdown(self) -> None:
        """Flush what is buffered and stop exporting (off the event loop: it may block)."""
        await asyncio.to_thread(self.provider.shutdown)
