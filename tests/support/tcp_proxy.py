"""A TCP forwarder that tests can cut and restore, or freeze and thaw, to play a database
going away (refusing connections) or hanging (accepting them and answering nothing)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url


@dataclass
class Target:
    """Where the proxy forwards: a TCP address or a Unix socket."""

    host: str | None = None
    port: int = 5432
    unix_path: str | None = None

    @classmethod
    def from_database_url(cls, url: str) -> Target:
        parsed = make_url(url)
        socket_dir = parsed.query.get("host")
        port = parsed.port or 5432
        if isinstance(socket_dir, str) and socket_dir.startswith("/"):
            return cls(unix_path=f"{socket_dir}/.s.PGSQL.{port}")
        return cls(host=parsed.host or "127.0.0.1", port=port)

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.unix_path is not None:
            return await asyncio.open_unix_connection(self.unix_path)
        assert self.host is not None
        return await asyncio.open_connection(self.host, self.port)


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class CuttableProxy:
    """Forward 127.0.0.1:port to a target until cut; restore listens on the same port again."""

    target: Target
    port: int = field(default_factory=free_port)
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _flowing: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self._flowing.set()

    def freeze(self) -> None:
        """Keep accepting connections but forward nothing either way, as a hung server."""
        self._flowing.clear()

    def thaw(self) -> None:
        """Forward again, held bytes first."""
        self._flowing.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def cut(self) -> None:
        """Stop listening and drop every open connection, as a crashed server would."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await self.target.open()
        except OSError:
            writer.transport.abort()
            return
        self._writers.update({writer, upstream_writer})
        pumps = {
            asyncio.create_task(self._pump(reader, upstream_writer, self._flowing)),
            asyncio.create_task(self._pump(upstream_reader, writer, self._flowing)),
        }
        self._tasks.update(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
        for w in (writer, upstream_writer):
            w.transport.abort()
            self._writers.discard(w)
        self._tasks.difference_update(pumps)

    @staticmethod
    async def _pump(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, flowing: asyncio.Event
    ) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                await flowing.wait()
                writer.write(data)
                await writer.drain()
