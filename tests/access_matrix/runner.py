"""Replay every operation as every persona and judge each answer: status class and markers."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from services.registry import GATEWAY
from tests.access_matrix import personas as p
from tests.access_matrix.bodies import (
    BuildError,
    Fill,
    RawBody,
    build_body,
    headers_for,
    write_query,
)
from tests.access_matrix.expectations import (
    KNOWN_DEFECTS,
    SIGHT_BEYOND_AUDIENCE,
    Expectation,
    Outcome,
    expect,
    needs_miss,
)
from tests.access_matrix.ids import PATH_IDS, IdChoice, IdSource
from tests.access_matrix.markers import leaked, response_text, seen
from tests.access_matrix.operations import Operation
from tests.access_matrix.queries import accept_types, path_combinations, query_variants
from tests.access_matrix.scratch import Scratch
from tests.access_matrix.stack import Stack
from tests.access_matrix.world import World

# Lines the session's terminal summary prints (conftest.py), whatever the verbosity.
SUMMARY_LINES: list[str] = []


@dataclass(frozen=True)
class Finding:
    """One thing the matrix found wrong."""

    kind: str
    operation: str
    key: str
    persona: str
    request: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.operation} as {self.persona}: {self.request} -> {self.detail}"

    @property
    def known_defect(self) -> str | None:
        """The known defect this finding is, if it is one."""
        if self.kind not in ("status", "server-error"):
            return None
        return KNOWN_DEFECTS.get((self.key, self.persona))


@dataclass
class Report:
    """What one run of the matrix covered and found."""

    findings: list[Finding] = field(default_factory=list)
    operations: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    exercised: set[str] = field(default_factory=set)
    anonymous: set[str] = field(default_factory=set)
    allowed: set[str] = field(default_factory=set)
    unchecked: set[str] = field(default_factory=set)
    seen_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def unexpected(self) -> list[Finding]:
        return [f for f in self.findings if f.known_defect is None]

    def stale_defects(self) -> list[str]:
        """Known defects this run did not reproduce (fixed, or no longer reached)."""
        found = {(f.key, f.persona) for f in self.known()}
        return [
            f"{key} as {persona}" for key, persona in KNOWN_DEFECTS if (key, persona) not in found
        ]

    def known(self) -> list[Finding]:
        return [f for f in self.findings if f.known_defect is not None]

    def leaks(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "leak"]

    def summary(self) -> str:
        units = ", ".join(
            f"{unit} {self.operations[unit]} operations / {self.requests[unit]} requests"
            for unit in {**self.operations, **self.requests}
        )
        return (
            f"{sum(self.operations.values())} operations, {sum(self.requests.values())} "
            f"requests ({units}); {len(self.findings)} findings"
        )


@dataclass(frozen=True)
class Planned:
    """One request of the matrix, with what it targets."""

    op: Operation
    persona: str
    path: str
    params: dict[str, str]
    body: Any
    headers: dict[str, str]
    audience: p.Audience | None
    missing_path: str

    def describe(self) -> str:
        query = "&".join(f"{k}={v}" for k, v in self.params.items())
        accept = f" (Accept: {self.headers['Accept']})" if "Accept" in self.headers else ""
        return f"{self.op.method} {self.path}{'?' + query if query else ''}{accept}"


def answer(response: httpx.Response) -> tuple[int, str]:
    """What a refusal tells its reader: the status and the problem type."""
    kind = ""
    if response.headers.get("content-type", "").startswith("application/problem+json"):
        kind = str(response.json().get("type", ""))
    return response.status_code, kind


def fill_path(template: str, values: dict[str, str]) -> str:
    """A path template with its parameters replaced."""
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def audience_of(ids: dict[str, IdChoice]) -> p.Audience | None:
    """Who may see the record a set of path ids names: the intersection of their audiences."""
    if not ids:
        return None
    audiences = [choice.audience for choice in ids.values()]
    result = audiences[0]
    for audience in audiences[1:]:
        result = result & audience
    return result


class Matrix:
    """One run of the matrix over a stack and its world."""

    def __init__(
        self,
        stack: Stack,
        world: World,
        operations: Sequence[Operation],
        personas: Sequence[str],
        *,
        concurrency: int = 8,
    ) -> None:
        self.stack = stack
        self.world = world
        self.operations = operations
        self.personas = [name for name in personas if name != p.ANONYMOUS]
        self.report = Report()
        self._slots = asyncio.Semaphore(concurrency)
        # Scratch records are made as many at a time as requests are sent: unbounded, every
        # write at once drained the services' pools (seen when SCIM's writes joined).
        self._preparing = asyncio.Semaphore(concurrency)
        # Each write builds its scratch records first, outside the request slots: bound how
        # many do so at once, or they crowd the units' connection pools (503 overloaded).
        self._writers = asyncio.Semaphore(max(1, concurrency // 2))
        self._misses: dict[tuple[str, str], asyncio.Future[httpx.Response]] = {}

    async def run(self, *, writes: bool = True) -> Report:
        """Reads on the untouched world first, then writes on scratch records, then nobody."""
        for op in self.operations:
            self.report.operations[op.unit.name] += 1
        reads = [op for op in self.operations if op.is_read]
        await asyncio.gather(*(self._read(op) for op in reads))
        if writes:
            await asyncio.gather(*(self._write(op) for op in self.operations if not op.is_read))
        await asyncio.gather(*(self._anonymous(op) for op in self.operations))
        self._check_coverage(writes=writes)
        return self.report

    def _fail(self, op: Operation, persona: str, request: str, kind: str, detail: str) -> None:
        self.report.findings.append(Finding(kind, op.label, op.key, persona, request, detail))

    async def _send(self, persona: str, plan: Planned, path: str) -> httpx.Response:
        raw = plan.body if isinstance(plan.body, RawBody) else None
        async with self._slots:
            response = await self.stack.call(
                persona,
                plan.op.unit,
                plan.op.method,
                path,
                params=plan.params,
                json=None if raw is not None else plan.body,
                headers={**plan.headers, **({"Content-Type": raw.media} if raw else {})},
                content=raw.content if raw is not None else None,
            )
        self.report.requests[plan.op.unit.name] += 1
        return response

    async def _judge(self, plan: Planned, expectation: Expectation) -> None:
        miss: tuple[int, str] | None = None
        if needs_miss(expectation):
            miss = await self._miss(plan)
        response = await self._send(plan.persona, plan, plan.path)
        op, status = plan.op, response.status_code
        if plan.persona != p.ANONYMOUS:
            self.report.exercised.add(op.label)
        if expectation.outcome is Outcome.UNCHECKED:
            self.report.unchecked.add(op.label)
        if 200 <= status < 300:
            self.report.allowed.add(op.label)
        if not expectation.satisfied_by(answer(response), miss):
            kind = "server-error" if status >= 500 else "status"
            shown = f"{status}" + (f" (missing id: {miss})" if miss is not None else "")
            detail = f"{shown}, expected {expectation.outcome.value}: {expectation.reason}"
            if status >= 400:
                detail += f" [{response.text[:200]}]"
            self._fail(op, plan.persona, plan.describe(), kind, detail)
        text = response_text(response)
        beyond = SIGHT_BEYOND_AUDIENCE.get(op.key, {}).get(plan.persona, frozenset())
        for marker in leaked(self.world.markers, plan.persona, text):
            if marker.label not in beyond:
                self._fail(op, plan.persona, plan.describe(), "leak", f"{marker.label} marker")
        for marker in seen(self.world.markers, text):
            self.report.seen_by[marker.label].add(plan.persona)

    async def _miss(self, plan: Planned) -> tuple[int, str]:
        """The answer to the same request for ids that do not exist (asked once per persona:
        a query string does not change whether a record exists)."""
        key = (plan.op.label, plan.persona)
        if key not in self._misses:
            self._misses[key] = asyncio.ensure_future(
                self._send(plan.persona, plan, plan.missing_path)
            )
        return answer(await self._misses[key])

    async def _read(self, op: Operation) -> None:
        try:
            choices = {
                param["name"]: self._id_source(op, param["name"]).read(self.world, op)
                for param in op.parameters("path")
            }
            variants = query_variants(op, self.world)
            headers = headers_for(op)
        except BuildError as error:
            self._fail(op, "-", op.key, "fixture", str(error))
            return
        asks = [(params, headers) for params in variants]
        asks += [
            (params, {**headers, "Accept": media})
            for media in accept_types(op)
            for params in variants[:2]
        ]
        missing_path = self._missing_path(op)
        plans = [
            Planned(
                op,
                persona,
                fill_path(op.path, {k: c.value for k, c in ids.items()}),
                params,
                None,
                ask_headers,
                audience_of(ids),
                missing_path,
            )
            for persona in self.personas
            for ids in path_combinations(choices)
            for params, ask_headers in asks
        ]
        await asyncio.gather(
            *(self._judge(plan, expect(op, plan.persona, plan.audience)) for plan in plans)
        )

    async def _write(self, op: Operation) -> None:
        async with self._writers:
            await self._write_now(op)

    async def _write_now(self, op: Operation) -> None:
        scratch = Scratch(self.stack, self.world)
        fill = Fill(op, self.world, scratch)
        try:
            async with self._preparing:
                shared = await self._prepare(op, fill, p.ANONYMOUS)
            judged = [(persona, expect(op, persona, shared.audience)) for persona in self.personas]
            # Refusals change nothing, so they share one set of records and run together.
            await asyncio.gather(
                *(
                    self._judge(replace(shared, persona=persona), expectation)
                    for persona, expectation in judged
                    if expectation.outcome is not Outcome.ALLOWED
                )
            )
            # Successes use records up: each gets its own, one after another.
            for persona, expectation in judged:
                if expectation.outcome is Outcome.ALLOWED:
                    async with self._preparing:
                        planned = await self._prepare(op, fill, persona)
                    await self._judge(planned, expectation)
        except BuildError as error:
            self._fail(op, "-", op.key, "fixture", str(error))

    async def _prepare(self, op: Operation, fill: Fill, persona: str) -> Planned:
        """A write request with fresh records behind its ids and a valid body."""
        ids = {
            param["name"]: await self._id_source(op, param["name"]).write(fill.scratch, op)
            for param in op.parameters("path")
        }
        return Planned(
            op,
            persona,
            fill_path(op.path, {k: c.value for k, c in ids.items()}),
            write_query(op),
            await build_body(op, fill),
            headers_for(op),
            audience_of(ids),
            self._missing_path(op),
        )

    async def _anonymous(self, op: Operation) -> None:
        path = self._missing_path(op)
        plan = Planned(op, p.ANONYMOUS, path, {}, None, {}, None, path)
        await self._judge(plan, expect(op, p.ANONYMOUS, None))
        if op.unit.route_prefix is not None and not op.is_capability:
            # Through the gateway every backend path needs a token, probes included (a
            # capability URL's secret is its credential: tests/gateway/test_capability_urls.py).
            response = await self.stack.call(
                p.ANONYMOUS, GATEWAY, op.method, op.unit.route_prefix + path
            )
            self.report.requests[GATEWAY.name] += 1
            if response.status_code != 401:
                self._fail(
                    op,
                    p.ANONYMOUS,
                    f"{op.method} {op.unit.route_prefix}{path} at the gateway",
                    "status",
                    f"{response.status_code}, expected 401",
                )
        self.report.anonymous.add(op.label)

    def _id_source(self, op: Operation, name: str) -> IdSource:
        source = PATH_IDS.get(name)
        if source is None:
            raise BuildError(
                f"{op.label}: no id source for path parameter {name!r}; teach ids.PATH_IDS"
            )
        return source

    def _missing_path(self, op: Operation) -> str:
        values = {}
        for param in op.parameters("path"):
            source = PATH_IDS.get(param["name"])
            values[param["name"]] = source.missing() if source else "missing"
        return fill_path(op.path, values)

    def _check_coverage(self, *, writes: bool) -> None:
        report = self.report
        for op in self.operations:
            if op.is_read or writes:
                if op.label not in report.exercised:
                    self._fail(op, "-", op.key, "unexercised", "no persona replayed it")
                elif op.label in report.unchecked and op.label not in report.allowed:
                    # A write judged by defaults alone must at least succeed for someone, or
                    # the fixture cannot build a request the service accepts.
                    self._fail(op, "-", op.key, "never-allowed", "no persona got a 2xx")
            if op.label not in report.anonymous:
                self._fail(op, p.ANONYMOUS, op.key, "unexercised", "not replayed anonymously")
        for marker in self.world.markers:
            if not report.seen_by[marker.label] & marker.audience:
                self._fail_marker(marker.label)

    def _fail_marker(self, label: str) -> None:
        self.report.findings.append(
            Finding("unseen-marker", "-", "-", "-", "-", f"{label}: no one in its audience saw it")
        )
