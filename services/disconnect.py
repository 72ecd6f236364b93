"""Cancel a request's work when its client hangs up, except while its commit is under way.

Left alone, a handler whose client went away runs to its end: its query holds a pooled
connection all that time, and a read nobody received is audited as a success.

Once the app has read the whole request body (at once, for a request without one) and the
request has run for `WATCH_AFTER_SECONDS`, a watcher task takes over `receive`. When it hears
`http.disconnect` it cancels the task running the request. The CancelledError unwinds the
handler: the unit of work rolls back and returns its connection, then writes the request's
audit events in a short transaction of its own, each success that did not happen recorded as
`aborted` (services/db.py, services/audit.py). Later calls the app makes to `receive`
(Starlette listens for a disconnect while it streams) wait for the watcher's news instead,
since two readers of one `receive` would race.

The window that is never cancelled runs from the moment a unit of work begins to commit
(`commit_begins`) until the response starts. A commit interrupted on our side may still have
happened on the database's, and the change would then be recorded as aborted although it was
made. So a request in that window runs to its end: its change is committed and audited as a
success, and a retry with the same Idempotency-Key gets the stored response. A disconnect heard
in the window is let go, since all that is left is sending a response nobody will read. Once
the response has started the window is closed again: a streamed body (the chronology CSV
export) stops reading the database as soon as its client goes. Once the response is complete,
nothing is cancelled.

A request whose body the app never reads is not watched: reading it is the app's to do.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

ABORTED_KEY: Final = "fsm.aborted"
_WATCH_KEY: Final = "fsm.disconnect_watch"
_DISCONNECT: Final[Message] = {"type": "http.disconnect"}
# A request is watched once it has run this long: one that ends sooner is over before a
# hang-up could spare any work, and watching costs a task per request.
WATCH_AFTER_SECONDS: Final = 0.05


def commit_begins(scope: Scope) -> None:
    """Say that the request's commit is starting: from now until its response starts, a
    client hanging up no longer cancels it."""
    watch = scope.get(_WATCH_KEY)
    if isinstance(watch, _Watch):
        watch.committing = True


def aborted_by_client(scope: Scope) -> bool:
    """Whether the request was cancelled because its client went away."""
    return bool(scope.get(ABORTED_KEY))


def _has_no_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return False
    return True


class _Watch:
    """One request's watcher: once the body is in and the request has run for a moment, it
    reads `receive` and cancels the request on hang-up."""

    def __init__(self, scope: Scope, task: asyncio.Task[object]) -> None:
        self.scope = scope
        self.task = task
        self.gone = asyncio.Event()
        self.committing = False
        self.complete = False
        self.cancelled = False
        self.receive: Receive | None = None  # set once the app has the whole body
        self.due = False
        self.watcher: asyncio.Task[None] | None = None
        self.timer = asyncio.get_running_loop().call_later(WATCH_AFTER_SECONDS, self._arm)

    def body_read(self, receive: Receive) -> None:
        """The body is in: from now on only the watcher reads `receive`."""
        self.receive = receive
        self._maybe_start()

    def _arm(self) -> None:
        self.due = True
        self._maybe_start()

    def _maybe_start(self) -> None:
        if self.due and self.receive is not None and self.watcher is None and not self.complete:
            self.watcher = asyncio.create_task(self._listen(self.receive), name="hang-up-watch")

    def stop(self) -> None:
        self.timer.cancel()
        if self.watcher is not None:
            self.watcher.cancel()

    async def _listen(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass  # nothing else may arrive after the body; a server that sends more is ignored
        self.gone.set()
        if self.complete:
            return
        if self.committing:
            log.info("client went away while the request committed; finishing it")
            return
        log.info("client went away; cancelling its request")
        self.cancelled = True
        self.scope[ABORTED_KEY] = True
        self.task.cancel()


class CancelOnDisconnect:
    """Pure ASGI middleware: cancel a request when its client hangs up (see module doc)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        task = asyncio.current_task()
        if scope["type"] != "http" or task is None:
            await self.app(scope, receive, send)
            return
        watch = _Watch(scope, task)
        scope[_WATCH_KEY] = watch
        pending: deque[Message] = deque()
        if _has_no_body(scope):
            # The server has the whole (empty) request already: take it now, so that the
            # watcher may have `receive` whenever it starts, and hand it to the app on demand.
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    watch.stop()
                    scope[ABORTED_KEY] = True
                    return
                pending.append(message)
                if not message.get("more_body", False):
                    break
            watch.body_read(receive)

        async def app_receive() -> Message:
            if pending:
                return pending.popleft()
            if watch.receive is None:
                message = await receive()
                if message["type"] == "http.request" and not message.get("more_body", False):
                    watch.body_read(receive)
                return message
            await watch.gone.wait()
            return _DISCONNECT

        async def app_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                watch.committing = False
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                watch.complete = True
            await send(message)

        try:
            await self.app(scope, app_receive, app_send)
        except asyncio.CancelledError:
            if not watch.cancelled or task.uncancel() > 0:
                raise  # not ours, or someone else cancels the request too (shutdown)
            return
        finally:
            watch.stop()
        if watch.cancelled:
            task.uncancel()  # the app swallowed our cancellation; do not leave it pending
