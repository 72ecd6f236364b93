"""Families whose early help closed, made ready (or not) to claim for, through the real API.

The lifecycle runs as it would, all in one day; then every date the pathway recorded for the
family is moved back by the same number of days (SQL on the test database), so the family
closed long enough ago for its progress to have been sustained. Moving every date together
keeps the working days between them as they were.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.event_contracts import EARLY_HELP
from services.principal import Principal
from tests.pathway.conftest import Record
from tests.pathway.factories import (
    TO_PATHWAY,
    Relay,
    assessment_body,
    post_ok,
    snapshot_of,
    target_body,
)
from tests.projection.factories import announce
from tests.workbook.factories import allocate, create_family, manager_of, principal

Headers = Any
# Closed this long ago, the default six months' progress is sustained.
SUSTAINED_DAYS = 200
# Claims join the batch of the claim period their result fell in, and batches are the
# database's, shared with every test before these (the access matrix's scratch claims count up
# from 20 steps of 100 days back). A test that needs a batch to itself takes a period far
# beyond theirs; steps of 100 days never share a quarter.
_own_periods = itertools.count(100)


def a_period_of_its_own() -> int:
    """Days ago to close a family so that its claim's batch is this test's alone."""
    return SUSTAINED_DAYS + 100 * next(_own_periods)


SUPPORTING_FAMILIES = principal(
    discipline="business_support", roles=("supporting_families",), name="Sam Supporting"
)
AUDITOR = principal(discipline="auditor", roles=("auditor",), teams=(uuid.uuid4(),))


@dataclass
class ClosedFamily:
    """An early help case of a team, its lead, and the parent who consents."""

    team_id: UUID
    case_id: UUID
    family_id: UUID
    lead: Principal
    manager: Principal
    parent_id: UUID

    def path(self, tail: str = "") -> str:
        return f"/cases/{self.case_id}{tail}"


async def open_family(
    client: httpx.AsyncClient, record: Record, team_id: UUID | None = None
) -> ClosedFamily:
    """A family on the workbook with an early help case and its lead practitioner, learnt by
    the pathway from the workbook's own events (consents name the family's real members)."""
    team = team_id or uuid.uuid4()
    manager = manager_of(team)
    lead = principal(discipline="family_support_worker", teams=(team,))
    wb = record.as_wb(manager)
    registered = await create_family(record.workbook, wb, team_id=team)
    body = {
        "family_id": registered["id"],
        "owning_team_id": str(team),
        "reason": "Needs identified by the school",
        "kind": EARLY_HELP,
    }
    case = await post_ok(record.workbook, "/cases", body, wb)
    await allocate(record.workbook, wb, case["id"], lead, social_worker=True)
    await Relay(record.engine)("workbook", TO_PATHWAY, client, f"cases/{case['id']}%")
    await announce(client, snapshot_of(lead, team))
    parent = next(m["id"] for m in registered["members"] if m["role"] == "parent")
    return ClosedFamily(
        team, UUID(case["id"]), UUID(registered["id"]), lead, manager, UUID(str(parent))
    )


async def close_family(
    client: httpx.AsyncClient,
    as_: Headers,
    family: ClosedFamily,
    *,
    areas: tuple[str, ...] = ("education", "housing"),
    targets: tuple[str, ...] | None = None,
    progress: str = "achieved",
) -> None:
    """Consent, assessment of `areas`, targets for `targets` (default all), plan under way, a
    review finding needs met, and closure: all today."""
    lead = as_(family.lead)

    async def move(to: str) -> None:
        body = {"to": to, "reason": f"Moving to {to}"}
        await post_ok(client, family.path("/involvement/transitions"), body, lead)

    consent = {
        "person_id": str(family.parent_id),
        "member_name": "Pat Parent",
        "form": "written",
        "scopes": ["assessment", "plan", "information_sharing"],
        "given_on": date.today().isoformat(),
    }
    await move("consent")
    await post_ok(client, family.path("/consents"), consent, lead)
    await move("assessment")
    await post_ok(client, family.path("/assessments"), assessment_body(*areas), lead)
    await move("plan")
    ids = [
        (await post_ok(client, family.path("/plan/targets"), target_body(area), lead))["id"]
        for area in (areas if targets is None else targets)
    ]
    await move("do")
    today = date.today().isoformat()
    review = {
        "held_on": today,
        "outcome": "needs_met" if progress == "achieved" else "continue",
        "progress": [{"target_id": i, "progress": progress, "note": "Seen at school"} for i in ids],
        "summary": "Attendance and the tenancy are settled.",
    }
    await post_ok(client, family.path("/reviews"), review, lead)
    closure = {"reason": "Needs met; the family agreed to end", "family_informed_on": today}
    await post_ok(client, family.path("/involvement/close"), closure, lead)


async def age(engine: AsyncEngine, case_id: UUID, days: int = SUSTAINED_DAYS) -> None:
    """Move every date the pathway recorded for the case `days` days back."""
    shift = {"case_id": case_id, "back": timedelta(days=days), "days": days}
    statements = [
        "UPDATE pathway.stage_change SET changed_at = changed_at - CAST(:back AS interval)"
        " WHERE case_id = :case_id",
        "UPDATE pathway.involvement"
        " SET stage_changed_at = stage_changed_at - CAST(:back AS interval),"
        " family_informed_on = family_informed_on - CAST(:days AS integer)"
        " WHERE case_id = :case_id",
        "UPDATE pathway.assessment SET completed_at = completed_at - CAST(:back AS interval)"
        " WHERE case_id = :case_id",
        "UPDATE pathway.plan_target SET created_at = created_at - CAST(:back AS interval)"
        " WHERE case_id = :case_id",
        "UPDATE pathway.plan_review SET held_on = held_on - CAST(:days AS integer),"
        " recorded_at = recorded_at - CAST(:back AS interval) WHERE case_id = :case_id",
        # The case as the pathway projects it, and its lead's allocation, began earlier too.
        "UPDATE pathway.projected_case SET opened_at = opened_at - CAST(:back AS interval)"
        " WHERE id = :case_id",
        "UPDATE pathway.projected_allocation SET starts_at = starts_at - CAST(:back AS interval)"
        " WHERE case_id = :case_id",
    ]
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement), shift)


async def ready_family(
    client: httpx.AsyncClient,
    record: Record,
    as_: Headers,
    engine: AsyncEngine,
    team_id: UUID | None = None,
    *,
    days: int = SUSTAINED_DAYS,
) -> ClosedFamily:
    """A family closed `days` ago (long enough by default), having met every criterion."""
    family = await open_family(client, record, team_id)
    await close_family(client, as_, family)
    await age(engine, family.case_id, days)
    return family


async def claim(client: httpx.AsyncClient, as_: Headers, family: ClosedFamily) -> dict[str, Any]:
    return await post_ok(client, family.path("/claims"), {}, as_(SUPPORTING_FAMILIES))
