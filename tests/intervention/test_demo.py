"""The demo data: seeded once however often it runs, and readable once the projection knows the
workbook's demo cases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from intervention_api import demo
from intervention_api.practice.models import MitiCoding
from intervention_api.sessions.models import ProgrammeSession
from services.event_contracts import AllocationSnapshot, CaseSnapshot
from services.principal import Principal
from tests.intervention.conftest import Headers
from tests.projection.factories import announce
from tests.support.change_feed import ids_of, read_all


async def test_the_demo_seeds_once_and_shows_the_programme_on_the_demo_cases(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    for _ in range(2):
        async with AsyncSession(db_engine) as session, session.begin():
            await demo.seed_demo(session)
    async with AsyncSession(db_engine) as session:
        demo_sessions = await session.scalar(
            select(func.count()).where(
                ProgrammeSession.id.in_([demo.demo_id(3, n) for n in range(1, 6)])
            )
        )
        codings = await session.scalar(
            select(func.count()).where(MitiCoding.id.in_([demo.demo_id(4, n) for n in range(1, 5)]))
        )
    assert (demo_sessions, codings) == (5, 4)

    opened = datetime.now(UTC) - timedelta(days=90)
    case = CaseSnapshot(
        case_id=demo.ASHDOWN_CASE,
        family_id=uuid.uuid4(),
        owning_team_id=demo.TEAM_NORTH,
        status="open",
        opened_at=opened,
        episode_number=1,
        version=1,
    )
    worker = Principal(
        subject="demo|social-worker-north",
        practitioner_id=demo.SOCIAL_WORKER_NORTH,
        display_name="Demo Social Worker (Team North)",
        discipline="social_worker",
        roles=frozenset({"practitioner"}),
        team_ids=frozenset({demo.TEAM_NORTH}),
        managed_team_ids=frozenset(),
    )
    await announce(
        client,
        case,
        AllocationSnapshot(
            allocation_id=uuid.uuid4(),
            case_id=demo.ASHDOWN_CASE,
            practitioner_id=demo.SOCIAL_WORKER_NORTH,
            discipline="social_worker",
            is_allocated_social_worker=True,
            starts_at=opened,
            ends_at=None,
            version=1,
        ),
    )
    view = await client.get(f"/cases/{demo.ASHDOWN_CASE}/enrolments", headers=as_(worker))
    assert view.status_code == 200, view.text
    enrolment = view.json()["enrolments"][0]
    assert enrolment["programme_title"] == "Eight Module Programme (example catalogue)"
    assert len(enrolment["modules"]) == 8
    assert enrolment["modules"][0]["status"] == "completed"
    assert enrolment["attendance_rate"] == 0.75
    practice = await client.get("/practice/miti", params={"months": 3}, headers=as_(worker))
    assert sum(p["summary"]["codings"] for p in practice.json()) == 3
    # The change feed has the demo's programme at once.
    items, _ = await read_all(client, as_(worker))
    assert enrolment["id"] in ids_of(items, "enrolment")
    assert {str(demo.demo_id(3, n)) for n in range(1, 6)} & set(ids_of(items, "programme_session"))
