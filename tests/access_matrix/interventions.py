"""The intervention unit's part of the matrix: its records in the world and in scratch copies.

The intervention unit learns cases from the workbook's events, so every case the matrix opens
for it (case A, each write's scratch copy) is relayed to its inbox before it is used, as the
workbook's relay would (one relay at a time, so each returns only once all it found is
delivered). The unit applies the workbook's access rule without break-glass (break-glass is a
workbook matter), so its case records' audience is case A's less the break-glass holder.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from services.registry import INTERVENTION
from tests.access_matrix import personas as p
from tests.access_matrix.scratch import Scratch
from tests.access_matrix.stack import Stack, relay_case_events
from tests.access_matrix.world import World, member, ok, post

MODULES = ("module_1", "module_2")
# Each write operation's scratch enrolment and session, by its Scratch.
_enrolments: WeakKeyDictionary[Scratch, str] = WeakKeyDictionary()
_sessions: WeakKeyDictionary[Scratch, str] = WeakKeyDictionary()
_locks: WeakKeyDictionary[Scratch, asyncio.Lock] = WeakKeyDictionary()


def catalogue(code: str) -> bytes:
    """A small valid catalogue file (YAML) of two modules with a tool each."""
    modules = "".join(
        f"  - code: {m}\n    title: Matrix {m}\n    aims: [Matrix aim]\n"
        f"    suggested_sessions: 1\n    tools:\n      - code: {m}_tool\n        title: Tool\n"
        for m in MODULES
    )
    return f"code: {code}\ntitle: Matrix programme\nmodules:\n{modules}".encode()


async def call(
    stack: Stack, persona: str, method: str, path: str, status: int, **kwargs: Any
) -> dict[str, Any]:
    """A request to the unit as a persona that must answer `status`."""
    return ok(await stack.call(persona, INTERVENTION, method, path, **kwargs), status)


async def load_programme(stack: Stack) -> str:
    """A fresh programme loaded by the administrator; its version's id."""
    made = await call(
        stack,
        p.ADMINISTRATOR,
        "POST",
        "/programmes",
        201,
        headers={"Content-Type": "application/yaml"},
        content=catalogue(f"matrix_{uuid.uuid4().hex[:12]}"),
    )
    return str(made["id"])


async def enrol(stack: Stack, world: World, case_id: str, family_id: str) -> str:
    """The social worker enrols a new parent of the case's family on the world's programme
    (a new one each time: the same parent twice on one programme is a 409)."""
    parent = member("carer", "Matrix", f"Carer {uuid.uuid4().hex[:6]}")
    person = await post(stack, p.TEAM_MANAGER, f"/families/{family_id}/members", parent)
    body = {
        "programme_id": world.interventions["programme"],
        "participant": "parent",
        "person_id": str(person["id"]),
        "plan": [{"module_code": m} for m in MODULES],
    }
    made = await call(
        stack, p.SOCIAL_WORKER, "POST", f"/cases/{case_id}/enrolments", 201, json=body
    )
    return str(made["id"])


async def log_session(
    stack: Stack, case_id: str, enrolment_id: str, *, summary: str, detail: str | None
) -> str:
    """The specialist logs an attended session (with restricted detail when given)."""
    body: dict[str, Any] = {
        "held_on": datetime.now(UTC).date().isoformat(),
        "attendance": "attended",
        "engagement": 4,
        "modules": [MODULES[0]],
        "summary": summary,
    }
    if detail is not None:
        body["restricted_detail"] = detail
    path = f"/cases/{case_id}/enrolments/{enrolment_id}/sessions"
    return str((await call(stack, p.SPECIALIST, "POST", path, 201, json=body))["id"])


async def build_intervention_world(stack: Stack, world: World) -> None:
    """Case A's programme: an enrolment and a session whose restricted detail is marked."""
    m = world.markers
    await relay_case_events(stack)
    world.interventions["programme"] = await load_programme(stack)
    world.interventions["enrolment"] = await enrol(stack, world, world.case_a, world.family_a)
    world.interventions["session"] = await log_session(
        stack,
        world.case_a,
        world.interventions["enrolment"],
        # No marker: a session summary is sent to the chronology as an event by design, and
        # events must carry none (test_no_marker_reaches_any_events_or_audit_record).
        summary="Programme session on case A.",
        detail=f"Programme detail {m.restricted.text}",
    )


def _lock(scratch: Scratch) -> asyncio.Lock:
    return _locks.setdefault(scratch, asyncio.Lock())


async def scratch_case(scratch: Scratch) -> str:
    """The operation's scratch case, known to the unit."""
    case = await scratch.case()
    await relay_case_events(scratch.stack)
    return case.case_id


async def scratch_enrolment(scratch: Scratch, *, fresh: bool) -> str:
    """An enrolment on the operation's scratch case (its own, or a new one each call)."""
    case_id = await scratch_case(scratch)
    family_id = (await scratch.case()).family_id
    if fresh:
        return await enrol(scratch.stack, scratch.world, case_id, family_id)
    async with _lock(scratch):
        if scratch not in _enrolments:
            _enrolments[scratch] = await enrol(scratch.stack, scratch.world, case_id, family_id)
        return _enrolments[scratch]


async def scratch_session(scratch: Scratch, *, fresh: bool = False) -> str:
    """A session of the operation's scratch enrolment (its own, or a new one each call)."""
    enrolment = await scratch_enrolment(scratch, fresh=False)
    case_id = (await scratch.case()).case_id
    if fresh:
        return await log_session(
            scratch.stack, case_id, enrolment, summary="Scratch session.", detail=None
        )
    async with _lock(scratch):
        if scratch not in _sessions:
            _sessions[scratch] = await log_session(
                scratch.stack, case_id, enrolment, summary="Scratch session.", detail=None
            )
        return _sessions[scratch]
