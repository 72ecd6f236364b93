"""What Group Case Supervision holds about a family's cases, for a subject access export
(services/subject_access/): each case's record at each meeting, with the workers' updates,
the decisions and the actions agreed. Drafts are included: they are held, and a DPO decides
what a bundle carries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.subject_access.records import SubjectRecord, SubjectSection
from supervision_api.meetings.models import Meeting
from supervision_api.records.models import CaseRecord, Decision, GcsAction, WorkerUpdate

_FRAMEWORK = (
    ("lived_experience", "The child's lived experience"),
    ("worried_about", "What we are worried about"),
    ("working_well", "What is working well"),
    ("needs_to_happen", "What needs to happen"),
)


async def records_about(session: AsyncSession, case_ids: Sequence[UUID]) -> list[SubjectRecord]:
    """Every GCS case record of the cases, oldest meeting first."""
    rows = await session.execute(
        select(CaseRecord, Meeting.starts_at)
        .join(Meeting, Meeting.id == CaseRecord.meeting_id)
        .where(CaseRecord.case_id.in_(case_ids))
        .order_by(Meeting.starts_at, CaseRecord.id)
    )
    found = list(rows)
    ids = [record.id for record, _ in found]
    updates: dict[UUID, list[WorkerUpdate]] = defaultdict(list)
    decisions: dict[UUID, list[Decision]] = defaultdict(list)
    actions: dict[UUID, list[GcsAction]] = defaultdict(list)
    if ids:
        for update in await session.scalars(
            select(WorkerUpdate).where(WorkerUpdate.record_id.in_(ids))
        ):
            updates[update.record_id].append(update)
        for decision in await session.scalars(
            select(Decision).where(Decision.record_id.in_(ids)).order_by(Decision.recorded_at)
        ):
            decisions[decision.record_id].append(decision)
        for action in await session.scalars(
            select(GcsAction).where(GcsAction.record_id.in_(ids)).order_by(GcsAction.created_at)
        ):
            actions[action.record_id].append(action)
    records = []
    for record, starts_at in found:
        sections = [
            SubjectSection(label=label, text=getattr(record, name))
            for name, label in _FRAMEWORK
            if getattr(record, name)
        ]
        if record.scaling is not None:
            sections.append(SubjectSection(label="Scaling (0-10)", text=str(record.scaling)))
        sections += [
            SubjectSection(label=f"Update ({u.discipline.replace('_', ' ')})", text=u.update)
            for u in updates[record.id]
        ]
        sections += [
            SubjectSection(label="Decision", text=f"{d.decision}\nWhy: {d.rationale}")
            for d in decisions[record.id]
        ]
        sections += [
            SubjectSection(
                label="Action", text=f"{a.description} (due {a.due_on.isoformat()}, {a.status})"
            )
            for a in actions[record.id]
        ]
        records.append(
            SubjectRecord(
                kind="gcs_record",
                record_id=str(record.id),
                case_id=record.case_id,
                occurred_at=starts_at,
                title=f"Group case supervision record ({record.status})",
                sections=sections,
            )
        )
    return records
