"""An external subscriber: a real HTTP server on loopback that keeps every delivery it gets."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI, Request, Response


@dataclass(frozen=True)
class Delivery:
    """One POST the subscriber received."""

    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the subscriber answers (`status`), and what it got."""

    status: int = 204
    deliveries: list[Delivery] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hooks")
        async def receive(request: Request) -> Response:
            self.deliveries.append(Delivery(dict(request.headers), await request.body()))
            return Response(status_code=self.status)

        return app

    async def until(self, count: int, *, limit: float = 15.0) -> list[Delivery]:
        """Wait for at least `count` deliveries."""
        deadline = asyncio.get_running_loop().time() + limit
        while len(self.deliveries) < count:
            assert asyncio.get_running_loop().time() < deadline, (
                f"{len(self.deliveries)} of {count} deliveries arrived"
            )
            await asyncio.sleep(0.05)
        return self.deliveries


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def serving(receiver: Receiver) -> AsyncIterator[Receiver]:
    """Serve the receiver on a free loopback port until the block ends."""
    receiver.port = free_port()
    config = uvicorn.Config(
        receiver.app(), host="127.0.0.1", port=receiver.port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + 10
    while not server.started:
        assert asyncio.get_running_loop().time() < deadline, "receiver did not start"
        assert not task.done(), "receiver exited early"
        await asyncio.sleep(0.01)
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
