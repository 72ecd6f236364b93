"""The demo assessments: seeded once, on the demo case, readable and printable by its workers."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
from pypdf import PdfReader
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gateway.directory import demo as directory_demo
from intervention_api.assessments import demo
from intervention_api.assessments.evidence import session_label
from intervention_api.assessments.models import Assessment, AssessmentEvidence, AssessmentSection
from intervention_api.demo import seed_demo
from intervention_api.sessions.models import ProgrammeSession
from services.principal import Principal
from tests.projection.factories import allocation_snapshot, announce, case_snapshot
from workbook_api import demo as workbook_demo


def test_the_demo_names_the_workbook_s_case_and_the_directory_s_people() -> None:
    assert workbook_demo.demo_id(3, 2) == demo.BRIGHTWELL_CASE
    assert demo.TEAM_NORTH == directory_demo.DEMO_TEAM_NORTH_ID
    people = {p.id: p.display_name for p in directory_demo.DEMO_PRACTITIONERS}
    for practitioner_id, name in (demo.MANAGER_NORTH, demo.SOCIAL_WORKER_NORTH):
        assert people[practitioner_id] == name


async def test_the_demo_seeds_a_signed_off_assessment_and_a_draft_once(
    db_engine: AsyncEngine,
    client: httpx.AsyncClient,
    as_: Callable[[Principal], dict[str, str]],
) -> None:
    for _ in range(2):
        async with AsyncSession(db_engine) as session, session.begin():
            await seed_demo(session)

    async with AsyncSession(db_engine) as session:
        versions = (
            await session.scalars(
                select(Assessment)
                .where(Assessment.series_id == demo.SIGNED_OFF_ID)
                .order_by(Assessment.number)
            )
        ).all()
        published = await session.scalar(
            select(func.count())
            .select_from(text("intervention.outbox_event"))
            .where(text("subject = :subject"))
            .params(subject=f"assessments/{demo.SIGNED_OFF_ID}")
        )
    assert [(v.number, v.status) for v in versions] == [(1, "signed_off"), (2, "draft")]
    assert versions[1].supersedes_id == versions[0].id
    assert published == 1

    # The demo case's social worker reads both and prints the signed-off one.
    case = case_snapshot(demo.TEAM_NORTH, case_id=demo.BRIGHTWELL_CASE)
    worker_id, worker_name = demo.SOCIAL_WORKER_NORTH
    await announce(client, case, allocation_snapshot(case, worker_id))
    worker = Principal(
        subject="demo-social-worker-north",
        practitioner_id=worker_id,
        display_name=worker_name,
        discipline="social_worker",
        roles=frozenset({"practitioner"}),
        team_ids=frozenset({demo.TEAM_NORTH}),
        managed_team_ids=frozenset(),
    )
    listed = await client.get(
        "/assessments", params={"case_id": str(demo.BRIGHTWELL_CASE)}, headers=as_(worker)
    )
    assert listed.status_code == 200, listed.text
    assert [i["number"] for i in listed.json()["items"]] == [2, 1]
    printed = await client.get(f"/assessments/{demo.SIGNED_OFF_ID}/document", headers=as_(worker))
    assert printed.status_code == 200, printed.text
    text_ = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.content)).pages)
    assert demo.TITLE in text_
    assert "Demo Team Manager (Team North)" in text_
    assert str(demo.SIGNED_OFF_ID) in text_


async def test_the_demo_assessments_cite_the_familys_programme_sessions(
    db_engine: AsyncEngine,
) -> None:
    async with AsyncSession(db_engine) as session, session.begin():
        await seed_demo(session)
    async with AsyncSession(db_engine) as session:
        rows = (
            await session.execute(
                select(AssessmentSection.assessment_id, AssessmentSection.key, AssessmentEvidence)
                .join(AssessmentEvidence, AssessmentEvidence.section_id == AssessmentSection.id)
                .where(AssessmentSection.assessment_id.in_([demo.SIGNED_OFF_ID, demo.DRAFT_ID]))
                .order_by(AssessmentSection.assessment_id, AssessmentSection.position)
            )
        ).all()
        sessions = {
            row.id: row
            for row in await session.scalars(
                select(ProgrammeSession).where(
                    ProgrammeSession.id.in_([demo.ROUTINE_SESSION, demo.WELLBEING_SESSION])
                )
            )
        }
    cited = {(a, key, e.ref_id) for a, key, e in rows}
    assert cited == {
        (demo.SIGNED_OFF_ID, "guidance_and_boundaries", demo.ROUTINE_SESSION),
        (demo.DRAFT_ID, "guidance_and_boundaries", demo.ROUTINE_SESSION),
        (demo.DRAFT_ID, "emotional_warmth", demo.WELLBEING_SESSION),
    }
    for _, _, item in rows:
        held = sessions[item.ref_id]
        # Each is a live session of the assessed case, labelled as the service labels it.
        assert (held.case_id, held.withdrawn_at, item.kind) == (
            demo.BRIGHTWELL_CASE,
            None,
            "programme_session",
        )
        assert item.label == session_label(held)
    signed_off_at = next(
        a.signed_off_at for a in (await _versions(db_engine)) if a.id == demo.SIGNED_OFF_ID
    )
    assert signed_off_at is not None
    assert sessions[demo.ROUTINE_SESSION].held_on < signed_off_at.date()


async def _versions(engine: AsyncEngine) -> list[Assessment]:
    async with AsyncSession(engine) as session:
        return list(await session.scalars(select(Assessment)))
