"""`fsm run` under database faults: the embedded PostgreSQL is supervised like any other child.

One stack serves the whole module (starting it takes 10-20 s); the test that stops it runs last.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.directory.demo import DEMO_PRACTITIONERS
from tests.support.stack import Stack, alive, children_of, get, running_stack, wait_until

pytestmark = pytest.mark.slow

SOCIAL_WORKER = "demo-social-worker-north"
NEWCOMER = "demo-team-manager-north"
PROBLEM = "application/problem+json"
OPEN_CASES = "/workbook/cases?status=open"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`fsm run` over an embedded database of its own, in a private state dir.

    Not under pytest's temporary root: every pytest run on the machine resets that to 0700,
    which would lock out the database's unprivileged account between a start and a restart.
    """
    state_dir = Path(tempfile.mkdtemp(prefix="fsm-faults-"))
    try:
        with running_stack(tmp_path_factory.mktemp("run-logs"), state_dir=state_dir) as running:
            yield running
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


WAIT_BOUND_SECONDS = 2.0
FAIL_FAST_SECONDS = 0.5


@dataclass(frozen=True)
class Answer:
    """What one request got while the database hung, and how long it took."""

    method: str
    path: str
    status: int
    seconds: float
    retry_after: str | None
    problem_type: str

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status} in {self.seconds:.2f}s"


@contextmanager
def paused(postmaster: int) -> Iterator[None]:
    """Freeze PostgreSQL: it still accepts connections (the kernel queues them) but answers
    nothing, as a hung server does. The postmaster first, so it forks nothing meanwhile."""
    os.kill(postmaster, signal.SIGSTOP)
    family = [postmaster, *children_of(postmaster)]
    for pid in family[1:]:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in reversed(family):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def every_route(document: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(method, path with its parameters filled in, has a body) for every operation."""
    routes = []
    for template, item in document["paths"].items():
        if template.startswith("/scim/"):
            # SCIM takes its own credential and answers in its own error format (its 503s
            # are SCIM errors with Retry-After: gateway/scim/errors.py).
            continue
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            path = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    integer = parameter.get("schema", {}).get("type") == "integer"
                    value = "1" if integer else str(uuid.uuid4())
                    path = path.replace("{" + parameter["name"] + "}", value)
            assert "{" not in path, path
            routes.append((method.upper(), path, "requestBody" in operation))
    return routes


async def ask(
    client: httpx.AsyncClient, method: str, path: str, has_body: bool, token: str
) -> Answer:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    started = time.monotonic()
    response = await client.request(
        method, path, headers=headers, json={} if has_body else None, timeout=40
    )
    seconds = time.monotonic() - started
    problem = response.json() if response.headers.get("content-type") == PROBLEM else {}
    return Answer(
        method,
        path,
        response.status_code,
        seconds,
        response.headers.get("retry-after"),
        str(problem.get("type", "")),
    )


async def admitted_subjects(
    client: httpx.AsyncClient, routes: list[tuple[str, str, bool]], tokens: dict[str, str]
) -> dict[tuple[str, str, bool], str]:
    """For each route, a demo practitioner its role check admits (social worker first).

    Asked, not looked up: a route refused by role would answer 403 without touching the
    database, and what is measured must be the route's own work on it. New routes and new
    roles need no change here, so long as some demo practitioner may call them.
    """
    chosen = {}
    for route in routes:
        for subject, token in tokens.items():
            if (await ask(client, *route, token)).status not in (401, 403):
                chosen[route] = subject
                break
        else:
            chosen[route] = SOCIAL_WORKER  # nobody in the demo may: refused by role, then
    return chosen


async def test_a_hung_database_is_503_within_two_seconds_on_every_route(stack: Stack) -> None:
    gateway = f"http://127.0.0.1:{stack.ports['gateway']}"
    subjects = [
        SOCIAL_WORKER,
        *(p.subject for p in DEMO_PRACTITIONERS if p.subject != SOCIAL_WORKER),
    ]
    tokens = {subject: stack.token(subject) for subject in subjects}
    async with httpx.AsyncClient(base_url=gateway) as client:
        # The first merged document asks every unit for its own: slow on a loaded machine.
        document = (await client.get("/openapi.json", timeout=60)).json()
        routes = every_route(document)
        assert len(routes) > 30, "the merged document should list every unit's routes"
        caller = await admitted_subjects(client, routes, tokens)
        for subject, token in tokens.items():  # the gateway now knows them (cached 5 s)
            me = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, subject

        with paused(stack.postmaster_pid()):
            # First contact: the gateway (for its own routes, and looking up a practitioner
            # it has not cached, for concurrent requests sharing one lookup and one joining
            # it late) and a backend each find out by themselves, within their wait budget.
            newcomer = stack.token(NEWCOMER)
            shared = [ask(client, "GET", OPEN_CASES, False, newcomer) for _ in range(6)]
            first_contact = asyncio.gather(
                ask(client, "GET", "/me", False, tokens[SOCIAL_WORKER]),
                ask(client, "GET", OPEN_CASES, False, tokens[SOCIAL_WORKER]),
                *shared,
            )
            await asyncio.sleep(0.5)
            latecomer = await ask(client, "GET", OPEN_CASES, False, newcomer)
            contact = [*await first_contact, latecomer]
            # Then every route of every unit, a few at a time as clients send them.
            clients = asyncio.Semaphore(8)

            async def ask_in_turn(method: str, path: str, has_body: bool) -> Answer:
                async with clients:
                    route = (method, path, has_body)
                    return await ask(client, *route, tokens[caller[route]])

            answers = await asyncio.gather(*(ask_in_turn(*route) for route in routes))

        slow = [str(a) for a in [*contact, *answers] if a.seconds > WAIT_BOUND_SECONDS]
        assert not slow, slow
        assert all(a.status == 503 and a.retry_after for a in contact), [str(a) for a in contact]
        # Routes that need no database (probes, documents, configuration) still answer.
        unavailable = [a for a in answers if not 200 <= a.status < 300]
        refused = [a for a in unavailable if a.status != 503 or not a.retry_after]
        assert not refused, [str(a) for a in refused]
        assert len(unavailable) > len(routes) * 3 // 4, "most routes need the database"
        # Knowing their database hangs, the units say so at once instead of waiting again.
        assert {a.problem_type.rsplit("/", 1)[1] for a in unavailable} <= {
            "database-unavailable",
            "not-ready",
        }
        assert statistics.median(a.seconds for a in unavailable) < FAIL_FAST_SECONDS

        # Continued, the database is used again without anyone restarting anything.
        async def recovered() -> bool:
            cases = await client.get(
                OPEN_CASES, headers={"Authorization": f"Bearer {tokens[SOCIAL_WORKER]}"}
            )
            ready = [
                (await client.get(stack.url(unit, "/readyz"))).status_code for unit in stack.ports
            ]
            return cases.status_code == 200 and set(ready) == {200}

        started = time.monotonic()
        while not await recovered():
            assert time.monotonic() - started < 10, "not recovered 10 s after the database was"
            await asyncio.sleep(0.2)


def test_a_killed_postmaster_is_restarted_and_stopping_leaves_no_postgres(stack: Stack) -> None:
    token = stack.token(SOCIAL_WORKER)
    assert get(stack, "gateway", OPEN_CASES, token).status_code == 200
    first = stack.postmaster_pid()
    first_family = {first, *children_of(first)}

    os.kill(first, signal.SIGKILL)

    def serving() -> bool:
        try:
            return get(stack, "gateway", OPEN_CASES, token).status_code == 200
        except httpx.HTTPError:
            return False

    # Crash recovery fsyncs the data folder first: a few seconds on a slow disk.
    wait_until(serving, timeout=30, what="requests after the postmaster was killed")
    second = stack.postmaster_pid()
    assert second != first
    assert stack.process.poll() is None
    assert "database (pid" in stack.log()
    every_postgres = first_family | {second, *children_of(second)}

    stack.process.send_signal(signal.SIGINT)

    assert stack.process.wait(timeout=30) == 0, stack.log()[-4000:]
    wait_until(
        lambda: not any(alive(pid) for pid in every_postgres),
        timeout=5,
        what="every postgres process of the stack gone",
    )
    assert not (stack.pgdata / "postmaster.pid").exists()
