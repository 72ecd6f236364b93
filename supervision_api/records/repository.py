"""SQL for records, decisions, actions and amendments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.principal import Principal
from supervision_api.cadence.models import CaseCadence
from supervision_api.meetings.models import Meeting
from supervision_api.models import projection
from supervision_api.records.models import (
    CaseRecord,
    Decision,
    GcsAction,
    RecordAmendment,
    WorkerUpdate,
)

# The action's case column as a Core column, for the projection's rule.
ACTION_CASE: ColumnElement[UUID] = GcsAction.__table__.c.case_id


async def load_record(
    session: AsyncSession, meeting_id: UUID, case_id: UUID, *, lock: bool = False
) -> CaseRecord | None:
    """The record of the case at the meeting."""
    query = select(CaseRecord).where(
        CaseRecord.meeting_id == meeting_id, CaseRecord.case_id == case_id
    )
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


async def worker_updates(session: AsyncSession, record_id: UUID) -> Sequence[WorkerUpdate]:
    query = (
        select(WorkerUpdate)
        .where(WorkerUpdate.record_id == record_id)
        .order_by(WorkerUpdate.written_at)
    )
    return (await session.scalars(query)).all()


async def worker_update(
    session: AsyncSession, record_id: UUID, practitioner_id: UUID
) -> WorkerUpdate | None:
    return await session.get(WorkerUpdate, (record_id, practitioner_id))


async def decisions(session: AsyncSession, record_id: UUID) -> Sequence[Decision]:
    query = (
        select(Decision)
        .where(Decision.record_id == record_id)
        .order_by(Decision.recorded_at, Decision.id)
    )
    return (await session.scalars(query)).all()


async def actions_of_record(session: AsyncSession, record_id: UUID) -> Sequence[GcsAction]:
    query = (
        select(GcsAction)
        .where(GcsAction.record_id == record_id)
        .order_by(GcsAction.due_on, GcsAction.id)
    )
    return (await session.scalars(query)).all()


async def open_actions_before(
    session: AsyncSession, case_id: UUID, record_id: UUID, before: datetime
) -> Sequence[GcsAction]:
    """The case's open actions agreed at earlier meetings: what this meeting carries forward."""
    earlier = (
        select(CaseRecord.id)
        .join(Meeting, Meeting.id == CaseRecord.meeting_id)
        .where(CaseRecord.case_id == case_id, CaseRecord.id != record_id)
        .where(Meeting.starts_at < before)
    )
    query = (
        select(GcsAction)
        .where(
            GcsAction.case_id == case_id,
            GcsAction.status == "open",
            GcsAction.record_id.in_(earlier),
        )
        .order_by(GcsAction.due_on, GcsAction.id)
    )
    return (await session.scalars(query)).all()


async def case_actions(
    session: AsyncSession, case_id: UUID, *, only_open: bool
) -> Sequence[GcsAction]:
    query = select(GcsAction).where(GcsAction.case_id == case_id)
    if only_open:
        query = query.where(GcsAction.status == "open")
    return (await session.scalars(query.order_by(GcsAction.due_on, GcsAction.id))).all()


async def load_action(session: AsyncSession, case_id: UUID, action_id: UUID) -> GcsAction | None:
    query = (
        select(GcsAction)
        .where(GcsAction.id == action_id, GcsAction.case_id == case_id)
        .with_for_update()
    )
    return (await session.scalars(query)).one_or_none()


async def load_decision(
    session: AsyncSession, case_id: UUID, decision_id: UUID
) -> tuple[Decision, CaseRecord] | None:
    """A decision on the case and its record, the record locked (amendments number on it)."""
    query = (
        select(Decision, CaseRecord)
        .join(CaseRecord, CaseRecord.id == Decision.record_id)
        .where(Decision.id == decision_id, CaseRecord.case_id == case_id)
        .with_for_update(of=CaseRecord)
    )
    row = (await session.execute(query)).one_or_none()
    return (row[0], row[1]) if row else None


async def load_record_by_id(session: AsyncSession, record_id: UUID) -> CaseRecord | None:
    """A record, locked (amendments number on it)."""
    return await session.get(CaseRecord, record_id, with_for_update=True)


async def amendments(session: AsyncSession, record_id: UUID) -> Sequence[RecordAmendment]:
    query = (
        select(RecordAmendment)
        .where(RecordAmendment.record_id == record_id)
        .order_by(RecordAmendment.revision)
    )
    return (await session.scalars(query)).all()


async def has_final_record(session: AsyncSession, meeting_id: UUID) -> bool:
    query = select(CaseRecord.id).where(
        CaseRecord.meeting_id == meeting_id, CaseRecord.status == "final"
    )
    return (await session.scalar(query.limit(1))) is not None


async def move_last_gcs(session: AsyncSession, case_id: UUID, held_at: datetime) -> None:
    """The case's last GCS becomes `held_at` unless a later one is already recorded."""
    insert = pg_insert(CaseCadence).values(case_id=case_id, last_gcs_at=held_at, version=1)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[CaseCadence.case_id],
            set_={
                "last_gcs_at": func.greatest(CaseCadence.last_gcs_at, insert.excluded.last_gcs_at),
                "version": CaseCadence.version + 1,
            },
        )
    )


async def actions_owned_by(
    session: AsyncSession, principal: Principal, *, only_open: bool
) -> Sequence[GcsAction]:
    """The caller's own actions on cases they may still see, earliest due first."""
    query = select(GcsAction).where(
        GcsAction.owner_id == principal.practitioner_id,
        projection.case_visible(principal, ACTION_CASE),
    )
    if only_open:
        query = query.where(GcsAction.status == "open")
    return (await session.scalars(query.order_by(GcsAction.due_on, GcsAction.id))).all()
