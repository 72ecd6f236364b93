"""What the programme holds about a family's cases, for a subject access export
(services/subject_access/): enrolments, sessions with their restricted detail (marked with the
parent it is about, so the workbook proposes it for redaction when that is someone else) and
parenting assessments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.assessments.models import Assessment, AssessmentSection
from intervention_api.enrolments.models import Enrolment
from intervention_api.sessions.models import ProgrammeSession
from services.subject_access.records import SubjectRecord, SubjectSection


def _words(code: str) -> str:
    return code.replace("_", " ")


async def records_about(session: AsyncSession, case_ids: Sequence[UUID]) -> list[SubjectRecord]:
    """Every enrolment, session and assessment of the cases."""
    records: list[SubjectRecord] = []
    enrolments = list(
        await session.scalars(
            select(Enrolment).where(Enrolment.case_id.in_(case_ids)).order_by(Enrolment.enrolled_at)
        )
    )
    owner = {e.id: e.person_id for e in enrolments}
    for enrolment in enrolments:
        facts = f"Participant: {enrolment.participant}; status: {enrolment.status}"
        sections = [SubjectSection(label="Enrolment", text=facts)]
        if enrolment.end_reason:
            sections.append(SubjectSection(label="Ended", text=enrolment.end_reason))
        records.append(
            SubjectRecord(
                kind="enrolment",
                record_id=str(enrolment.id),
                case_id=enrolment.case_id,
                occurred_at=enrolment.enrolled_at,
                title="Enrolment on the intervention programme",
                sections=sections,
            )
        )
    sessions = await session.scalars(
        select(ProgrammeSession)
        .where(ProgrammeSession.case_id.in_(case_ids))
        .order_by(ProgrammeSession.held_on, ProgrammeSession.id)
    )
    for held in sessions:
        person = owner.get(held.enrolment_id)
        sections = [
            SubjectSection(label="Attendance", text=_words(held.attendance)),
            SubjectSection(label="Summary", text=held.summary),
        ]
        if held.restricted_detail:
            sections.append(
                SubjectSection(
                    label="Restricted detail",
                    text=held.restricted_detail,
                    restricted=True,
                    owners=[person] if person is not None else [],
                )
            )
        if held.withdrawal_reason:
            sections.append(SubjectSection(label="Withdrawn", text=held.withdrawal_reason))
        records.append(
            SubjectRecord(
                kind="programme_session",
                record_id=str(held.id),
                case_id=held.case_id,
                occurred_at=datetime.combine(held.held_on, time(12), UTC),
                title=f"Programme session ({', '.join(held.module_codes) or 'no module'})",
                sections=sections,
            )
        )
    assessments = await session.execute(
        select(Assessment, AssessmentSection)
        .join(AssessmentSection, AssessmentSection.assessment_id == Assessment.id)
        .where(Assessment.case_id.in_(case_ids))
        .order_by(Assessment.created_at, Assessment.id, AssessmentSection.position)
    )
    by_assessment: dict[UUID, SubjectRecord] = {}
    for assessment, part in assessments:
        record = by_assessment.get(assessment.id)
        if record is None:
            record = by_assessment[assessment.id] = SubjectRecord(
                kind="parenting_assessment",
                record_id=str(assessment.id),
                case_id=assessment.case_id,
                occurred_at=assessment.created_at,
                title=f"Parenting assessment: {assessment.title} (version {assessment.number})",
                author=assessment.author_name,
                sections=[SubjectSection(label="Status", text=_words(assessment.status))],
            )
            records.append(record)
        if part.analysis:
            record.sections.append(SubjectSection(label=part.heading, text=part.analysis))
    return records
