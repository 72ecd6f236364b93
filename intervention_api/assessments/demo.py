"""Synthetic demo parenting assessments (never real people) for `fsm seed --demo`.

The Brightwell family's case (Team North) gets an assessment signed off by the team's manager
a fortnight ago, and a second version in draft that will supersede it. Both cite the family's
programme sessions (this unit's own records, seeded just before by intervention_api/demo.py,
labelled as the service labels them); the draft cites the later session too. Workbook entries
are checked against the workbook as their author reads them, which a seeder cannot do (it never
reads the workbook's tables); the README shows linking a demo entry to the draft.

Ids are fixed so reruns change nothing. The case, team and practitioner ids repeat the
workbook's and the directory's demo constants (services never import each other);
tests/intervention/test_assessment_demo.py checks them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final
from uuid import UUID, uuid5

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.assessments.events import publish_signed_off
from intervention_api.assessments.evidence import SESSION, held_at, session_label
from intervention_api.assessments.models import (
    Assessment,
    AssessmentEvidence,
    AssessmentSection,
    AssessmentTransition,
)
from intervention_api.assessments.sections import DEFAULT_SECTIONS
from intervention_api.sessions.models import ProgrammeSession

# Copied from workbook_api/demo.py and gateway/directory/demo.py (they own them).
BRIGHTWELL_CASE: Final = UUID("d3a0f5e1-0001-4000-8003-000000000002")
TEAM_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000001")
MANAGER_NORTH: Final = (
    UUID("d3a0f5e1-0000-4000-8000-000000000101"),
    "Demo Team Manager (Team North)",
)
SOCIAL_WORKER_NORTH: Final = (
    UUID("d3a0f5e1-0000-4000-8000-000000000102"),
    "Demo Social Worker (Team North)",
)

# The Brightwell family's demo programme sessions (intervention_api/demo.py demo_id(3, n)):
# the evening-routine session before the sign-off, the wellbeing session since.
ROUTINE_SESSION: Final = UUID("d3a0f5e1-0031-4000-8003-000000000006")
WELLBEING_SESSION: Final = UUID("d3a0f5e1-0031-4000-8003-000000000005")
# Which section rests on which sessions, in each version.
SIGNED_OFF_EVIDENCE: Final[dict[str, tuple[UUID, ...]]] = {
    "guidance_and_boundaries": (ROUTINE_SESSION,)
}
DRAFT_EVIDENCE: Final[dict[str, tuple[UUID, ...]]] = {
    "guidance_and_boundaries": (ROUTINE_SESSION,),
    "emotional_warmth": (WELLBEING_SESSION,),
}

SIGNED_OFF_ID: Final = uuid5(BRIGHTWELL_CASE, "demo-parenting-assessment-1")
DRAFT_ID: Final = uuid5(BRIGHTWELL_CASE, "demo-parenting-assessment-2")
TITLE: Final = "Parenting assessment of the Brightwell parents (demo)"

ANALYSES: Final = {
    "basic_care": "Demo: meals, clothing and bedtimes were in place at every visit.",
    "ensuring_safety": "Demo: the safety plan is known to both parents and was followed.",
    "emotional_warmth": "Demo: the children sought comfort from both parents and got it.",
    "stimulation": "Demo: reading at bedtime most nights; school attendance has risen.",
    "guidance_and_boundaries": "Demo: calm, consistent limits observed at teatime.",
    "stability": "Demo: the household has been settled for four months.",
    "capacity_to_change": "Demo: the parents used the programme's tools between sessions.",
}
REVISED: Final = {
    "stability": "Demo (revision): a house move is planned; the plan for school continuity is "
    "to be agreed before this version is submitted.",
}


def _version(number: int, status: str, made: datetime) -> Assessment:
    author_id, author_name = SOCIAL_WORKER_NORTH
    return Assessment(
        id=SIGNED_OFF_ID if number == 1 else DRAFT_ID,
        series_id=SIGNED_OFF_ID,
        number=number,
        case_id=BRIGHTWELL_CASE,
        title=TITLE,
        status=status,
        supersedes_id=None if number == 1 else SIGNED_OFF_ID,
        author_id=author_id,
        author_name=author_name,
        created_at=made,
        updated_at=made,
    )


def _sections(assessment: Assessment, analyses: dict[str, str]) -> list[AssessmentSection]:
    return [
        AssessmentSection(
            id=uuid5(assessment.id, key),
            assessment_id=assessment.id,
            position=position,
            key=key,
            heading=heading,
            analysis=analyses.get(key),
        )
        for position, (key, heading) in enumerate(DEFAULT_SECTIONS.items())
    ]


async def _evidence(
    session: AsyncSession,
    assessment: Assessment,
    cited: dict[str, tuple[UUID, ...]],
    linked_at: datetime,
) -> list[AssessmentEvidence]:
    """The sections' session evidence, labelled from the sessions as the service labels it."""
    ids = {ref for refs in cited.values() for ref in refs}
    sessions = {
        row.id: row
        for row in await session.scalars(
            select(ProgrammeSession).where(ProgrammeSession.id.in_(ids))
        )
    }
    author_id, _ = SOCIAL_WORKER_NORTH
    return [
        AssessmentEvidence(
            id=uuid5(assessment.id, f"{key}:{ref}"),
            section_id=uuid5(assessment.id, key),
            position=position,
            kind=SESSION,
            ref_id=ref,
            label=session_label(sessions[ref]),
            occurred_at=held_at(sessions[ref].held_on),
            linked_by_id=author_id,
            linked_at=linked_at,
        )
        for key, refs in cited.items()
        for position, ref in enumerate(refs)
    ]


async def seed_demo_assessments(session: AsyncSession) -> None:
    """A signed-off assessment and a draft of its next version, unless already there."""
    if await session.scalar(select(Assessment.id).where(Assessment.id == SIGNED_OFF_ID)):
        return
    now = datetime.now(UTC)
    manager_id, manager_name = MANAGER_NORTH
    author_id, author_name = SOCIAL_WORKER_NORTH
    submitted_at, signed_at = now - timedelta(days=16), now - timedelta(days=14)

    first = _version(1, "submitted", now - timedelta(days=21))
    first.submitted_at = submitted_at
    session.add(first)
    await session.flush()
    session.add_all(_sections(first, ANALYSES))
    await session.flush()
    session.add_all(await _evidence(session, first, SIGNED_OFF_EVIDENCE, submitted_at))
    session.add_all(
        [
            AssessmentTransition(
                assessment_id=first.id,
                action="submitted",
                actor_id=author_id,
                actor_name=author_name,
                at=submitted_at,
            ),
            AssessmentTransition(
                assessment_id=first.id,
                action="signed_off",
                actor_id=manager_id,
                actor_name=manager_name,
                at=signed_at,
                comment="Demo: agreed; review after the programme's next module.",
            ),
        ]
    )
    await session.flush()
    # Signed off last, as the service does: the row is frozen from here on.
    first.status, first.updated_at = "signed_off", signed_at
    first.signed_off_at, first.signed_off_by_id = signed_at, manager_id
    first.signed_off_by_name = manager_name
    first.sign_off_comment = "Demo: agreed; review after the programme's next module."
    await session.flush()
    await publish_signed_off(session, first, TEAM_NORTH)

    draft = _version(2, "draft", now - timedelta(days=2))
    session.add(draft)
    await session.flush()
    session.add_all(_sections(draft, {**ANALYSES, **REVISED}))
    await session.flush()
    session.add_all(await _evidence(session, draft, DRAFT_EVIDENCE, draft.created_at))
    await session.flush()
