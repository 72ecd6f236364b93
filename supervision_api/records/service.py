"""The record of a case's discussion: minuting, workers' updates, decisions, actions,
finalising (chair only) and amendments; actions carried forward until done or dropped."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import Forbidden, NotFound, ProblemError, invalid
from services.principal import Principal
from services.projection import ProjectedCase
from services.working_days import local_date
from supervision_api.meetings import repository as meetings
from supervision_api.records import repository
from supervision_api.records.dependencies import RecordAccess
from supervision_api.records.events import publish_finalised
from supervision_api.records.models import (
    RECORD_FIELDS,
    CaseRecord,
    Decision,
    GcsAction,
    RecordAmendment,
    WorkerUpdate,
)
from supervision_api.records.schemas import (
    ActionClosure,
    ActionIn,
    ActionList,
    ActionOut,
    AmendmentOut,
    DecisionIn,
    DecisionOut,
    RecordAmendmentIn,
    RecordContent,
    RecordOut,
    WorkerUpdateIn,
    WorkerUpdateOut,
)


def _conflict(detail: str) -> ProblemError:
    return ProblemError(409, "conflict", detail)


def _refuse_unless_draft(access: RecordAccess) -> None:
    if access.meeting.status == "cancelled":
        raise _conflict("The meeting is cancelled.")
    if access.record.status != "draft":
        raise _conflict("The record is final: amend it instead.")


def action_view(action: GcsAction) -> ActionOut:
    """An action as the API shows it."""
    return ActionOut(
        id=action.id,
        case_id=action.case_id,
        record_id=action.record_id,
        description=action.description,
        owner_id=action.owner_id,
        due_on=action.due_on,
        status=action.status,
        closed_reason=action.closed_reason,
        closed_at=action.closed_at,
        version=action.version,
    )


async def view(session: AsyncSession, access: RecordAccess) -> RecordOut:
    """The record with its updates, decisions, actions, carried actions and amendments."""
    record = access.record
    if record.status == "final":
        carried = [ActionOut.model_validate(item) for item in record.carried_forward or []]
    else:
        carried = [
            action_view(a)
            for a in await repository.open_actions_before(
                session, record.case_id, record.id, access.meeting.starts_at
            )
        ]
    return RecordOut(
        id=record.id,
        meeting_id=record.meeting_id,
        case_id=record.case_id,
        meeting_starts_at=access.meeting.starts_at,
        status=record.status,
        lived_experience=record.lived_experience,
        worried_about=record.worried_about,
        working_well=record.working_well,
        needs_to_happen=record.needs_to_happen,
        scaling=record.scaling,
        finalised_at=record.finalised_at,
        finalised_by=record.finalised_by,
        revision=record.revision,
        version=record.version,
        worker_updates=[
            WorkerUpdateOut(
                practitioner_id=u.practitioner_id,
                discipline=u.discipline,
                update=u.update,
                written_at=u.written_at,
            )
            for u in await repository.worker_updates(session, record.id)
        ],
        decisions=[
            DecisionOut(
                id=d.id,
                decision=d.decision,
                rationale=d.rationale,
                decision_maker_id=d.decision_maker_id,
                recorded_by=d.recorded_by,
                recorded_at=d.recorded_at,
            )
            for d in await repository.decisions(session, record.id)
        ],
        actions=[action_view(a) for a in await repository.actions_of_record(session, record.id)],
        carried_forward=carried,
        amendments=[
            AmendmentOut(
                revision=a.revision,
                previous=a.previous,
                reason=a.reason,
                amended_by=a.amended_by,
                amended_at=a.amended_at,
                decision_id=a.decision_id,
                action_id=a.action_id,
            )
            for a in await repository.amendments(session, record.id)
        ],
    )


def _apply(record: CaseRecord, given: dict[str, Any]) -> None:
    for name in RECORD_FIELDS:
        if name in given:
            setattr(record, name, given[name])


async def edit(session: AsyncSession, access: RecordAccess, body: RecordContent) -> list[str]:
    """Write the draft's lived experience, risk analysis or scaling; return what changed."""
    _refuse_unless_draft(access)
    given = body.given()
    _apply(access.record, given)
    await session.flush()
    return sorted(given)


async def write_update(session: AsyncSession, access: RecordAccess, body: WorkerUpdateIn) -> None:
    """A worker allocated to the case writes (or rewrites) their update for the meeting."""
    case = access.case
    if case.allocation_discipline is None:
        raise Forbidden("Only a worker allocated to the case gives an update on it.")
    _refuse_unless_draft(access)
    mine = await repository.worker_update(session, access.record.id, case.principal.practitioner_id)
    if mine is None:
        session.add(
            WorkerUpdate(
                record_id=access.record.id,
                practitioner_id=case.principal.practitioner_id,
                discipline=case.allocation_discipline,
                update=body.update,
            )
        )
    else:
        mine.update = body.update
        mine.discipline = case.allocation_discipline
    await session.flush()


async def _invited(session: AsyncSession, access: RecordAccess, practitioner_id: UUID) -> bool:
    return await meetings.invitee(session, access.meeting.id, practitioner_id) is not None


async def add_decision(session: AsyncSession, access: RecordAccess, body: DecisionIn) -> Decision:
    """Record a decision with its rationale and decision maker (an invitee; the chair)."""
    _refuse_unless_draft(access)
    maker = body.decision_maker_id or access.meeting.chair_id
    if not await _invited(session, access, maker):
        raise invalid(
            "body", "decision_maker_id", message="Not invited to this meeting.", code="not_invited"
        )
    decision = Decision(
        record_id=access.record.id,
        decision=body.decision,
        rationale=body.rationale,
        decision_maker_id=maker,
        recorded_by=access.case.principal.practitioner_id,
    )
    session.add(decision)
    await session.flush()
    return decision


async def add_action(session: AsyncSession, access: RecordAccess, body: ActionIn) -> GcsAction:
    """Record an action with its owner (an invitee) and due date (not before the meeting)."""
    _refuse_unless_draft(access)
    if not await _invited(session, access, body.owner_id):
        raise invalid(
            "body", "owner_id", message="Not invited to this meeting.", code="not_invited"
        )
    if body.due_on < local_date(access.meeting.starts_at):
        raise invalid(
            "body",
            "due_on",
            message="An action is due on or after the meeting.",
            code="before_meeting",
        )
    action = GcsAction(
        case_id=access.record.case_id,
        record_id=access.record.id,
        description=body.description,
        owner_id=body.owner_id,
        due_on=body.due_on,
        status="open",
    )
    session.add(action)
    await session.flush()
    return action


async def finalise(session: AsyncSession, access: RecordAccess) -> None:
    """The chair makes the record final: immutable, its decisions sent to the chronology, the
    carried actions kept as they stand, and the case's last GCS moved to this meeting."""
    _refuse_unless_draft(access)
    now = await transaction_now(session)
    if access.meeting.starts_at > now:
        raise _conflict("The meeting has not started: a record is finalised once it is held.")
    record = access.record
    carried = await repository.open_actions_before(
        session, record.case_id, record.id, access.meeting.starts_at
    )
    record.carried_forward = [action_view(a).model_dump(mode="json") for a in carried]
    record.status = "final"
    record.finalised_at = now
    record.finalised_by = access.case.principal.practitioner_id
    record.revision = 1
    await session.flush()
    await repository.move_last_gcs(session, record.case_id, access.meeting.starts_at)
    decisions = await repository.decisions(session, record.id)
    await publish_finalised(session, record, access.meeting, decisions)


async def amend(session: AsyncSession, access: RecordAccess, body: RecordAmendmentIn) -> list[str]:
    """Correct a final record with a reason, keeping the values it replaces."""
    record = access.record
    if record.status != "final":
        raise _conflict("The record is a draft: edit it instead.")
    given = body.given()
    previous = {name: getattr(record, name) for name in sorted(given)}
    record.revision += 1
    session.add(
        RecordAmendment(
            record_id=record.id,
            revision=record.revision,
            previous=previous,
            reason=body.reason,
            amended_by=access.case.principal.practitioner_id,
        )
    )
    _apply(record, given)
    await session.flush()
    return sorted(given)


async def list_actions(
    session: AsyncSession, case: ProjectedCase, *, only_open: bool
) -> ActionList:
    """The case's actions, earliest due first."""
    found = await repository.case_actions(session, case.id, only_open=only_open)
    return ActionList(items=[action_view(a) for a in found])


async def my_actions(session: AsyncSession, principal: Principal, *, only_open: bool) -> ActionList:
    """The caller's own actions across the cases they may see."""
    found = await repository.actions_owned_by(session, principal, only_open=only_open)
    return ActionList(items=[action_view(a) for a in found])


async def close_action(
    session: AsyncSession, case: ProjectedCase, action_id: UUID, body: ActionClosure
) -> GcsAction:
    """Its owner or a manager of the team marks an action done, or drops it with a reason."""
    action = await repository.load_action(session, case.id, action_id)
    if action is None:
        raise NotFound("action")
    if not (case.manages or action.owner_id == case.principal.practitioner_id):
        raise Forbidden("Only the action's owner or a manager of the team closes it.")
    if action.status != "open":
        raise _conflict("The action is already closed.")
    action.status = body.outcome
    action.closed_reason = body.reason
    action.closed_at = await transaction_now(session)
    action.closed_by = case.principal.practitioner_id
    await session.flush()
    return action
