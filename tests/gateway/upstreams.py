"""Test-only upstreams: an echo app that records what reached it, and real uvicorn servers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tests.support.tcp_proxy import free_port


@dataclass
class Seen:
    """One request as the upstream received it."""

    method: str
    path: str
    raw_path: bytes
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> list[str]:
        """Every value of a header, by lower-case name."""
        wanted = name.lower().encode()
        return [value.decode("latin-1") for key, value in self.headers if key.lower() == wanted]

    @property
    def header_names(self) -> set[str]:
        return {key.decode("latin-1").lower() for key, _ in self.headers}


@dataclass
class EchoUpstream:
    """An ASGI backend that records requests and answers with what it saw.

    Paths with meaning: /slow/<seconds> sleeps first; /cookie sets a cookie; /created answers
    201 with a root-relative Location; /hop answers with hop-by-hop headers; /chunks streams;
    /cacheable asks to be cached and framed, as a careless backend might.
    """

    name: str
    seen: list[Seen] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message: Message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        path: str = scope["path"]
        record = Seen(
            method=scope["method"],
            path=path,
            raw_path=scope.get("raw_path") or path.encode(),
            query_string=scope.get("query_string", b""),
            headers=[(bytes(k), bytes(v)) for k, v in scope["headers"]],
            body=body,
        )
        self.seen.append(record)
        status = 200
        extra: list[tuple[bytes, bytes]] = []
        if path.startswith("/slow/"):
            await asyncio.sleep(float(path.rsplit("/", 1)[1]))
        elif path == "/cookie":
            extra.append((b"set-cookie", b"session=user-secret; Path=/"))
        elif path == "/created":
            status = 201
            extra.append((b"location", b"/cases/123"))
        elif path == "/cacheable":
            extra += [
                (b"cache-control", b"public, max-age=600"),
                (b"x-frame-options", b"SAMEORIGIN"),
                (b"content-security-policy", b"default-src *"),
                (b"x-kept", b"yes"),
            ]
        elif path == "/hop":
            extra += [
                (b"connection", b"x-upstream-private"),
                (b"x-upstream-private", b"1"),
                (b"keep-alive", b"timeout=5"),
                (b"proxy-authenticate", b"Basic"),
                (b"x-request-id", b"upstream-made-this-up"),
                (b"x-kept", b"yes"),
            ]
        payload = json.dumps(
            {"upstream": self.name, "path": path, "body_bytes": len(body)}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), *extra],
            }
        )
        if path == "/chunks":
            for _ in range(3):
                await send({"type": "http.response.body", "body": b"chunk;", "more_body": True})
        await send({"type": "http.response.body", "body": payload})


@asynccontextmanager
async def serve(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Run an ASGI app on a real loopback port (a free one unless given) with uvicorn; yield
    its base URL."""
    port = port or free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        # An upstream still sleeping for a timed-out request must not hold up the shutdown.
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.01)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


class Slot:
    """An ASGI app that hands each request to whichever app a test mounted on it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        if app is None:
            body = f"nothing mounted on the {self.name} test upstream".encode()
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)


@dataclass
class LoopbackUpstreams:
    """One real uvicorn server per backend on 127.0.0.1, started once; tests mount apps on them.

    The gateway reaches them through its production aiohttp client, over real sockets.
    """

    slots: dict[str, Slot]
    urls: dict[str, str]

    @classmethod
    @asynccontextmanager
    async def running(cls, names: Iterable[str]) -> AsyncIterator[LoopbackUpstreams]:
        async with AsyncExitStack() as stack:
            slots = {name: Slot(name) for name in names}
            urls = {
                name: await stack.enter_async_context(serve(slot)) for name, slot in slots.items()
            }
            yield cls(slots, urls)

    @contextmanager
    def mounted(self, apps: Mapping[str, ASGIApp]) -> Iterator[dict[str, str]]:
        """Serve `apps` by backend name until exit; yield their base URLs."""
        previous = {name: self.slots[name].app for name in apps}
        for name, app in apps.items():
            self.slots[name].app = app
        try:
            yield {name: self.urls[name] for name in apps}
        finally:
            for name, before in previous.items():
                self.slots[name].app = before
