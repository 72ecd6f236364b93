"""Correcting a final record's decisions and actions: amendments, as for the record itself.

A final record never changes silently. Correcting one of its decisions or actions writes an
amendment (who, when, why, and the values it replaced) on the record, whose revision grows;
the decision or action then reads as corrected, and its history is the record's amendments. An
amended decision goes on the case's chronology again, marked amended with the reason, through
the outbox like the original. The chair of the meeting or a manager of its team corrects; the
corrected decision maker or action owner must have been invited, and an action stays due on
or after the meeting's day.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import Forbidden, NotFound, ProblemError, invalid
from services.projection import ProjectedCase
from services.working_days import local_date
from supervision_api.meetings import repository as meetings
from supervision_api.meetings.models import Meeting
from supervision_api.records import repository
from supervision_api.records.dependencies import RecordAccess
from supervision_api.records.events import publish_decision_amended
from supervision_api.records.models import CaseRecord, RecordAmendment
from supervision_api.records.schemas import ActionAmendmentIn, DecisionAmendmentIn


def _json(value: Any) -> Any:
    return str(value) if isinstance(value, UUID | date) else value


async def _meeting_run_by_caller(
    session: AsyncSession, case: ProjectedCase, record: CaseRecord
) -> Meeting:
    meeting = await meetings.load_meeting(session, case.principal, record.meeting_id)
    if meeting is None:
        raise NotFound("record")
    runs = meeting.chair_id == case.principal.practitioner_id or (
        meeting.team_id in case.principal.managed_team_ids
    )
    if not runs:
        raise Forbidden("Only the chair or a manager of the team amends a GCS record.")
    if record.status != "final":
        raise ProblemError(
            409, "conflict", "The record is a draft: it is corrected by amendment once final."
        )
    return meeting


async def _check_invited(
    session: AsyncSession, meeting: Meeting, field: str, practitioner_id: UUID | None
) -> None:
    if (
        practitioner_id is not None
        and await meetings.invitee(session, meeting.id, practitioner_id) is None
    ):
        raise invalid("body", field, message="Not invited to this meeting.", code="not_invited")


def _amendment(
    record: CaseRecord, case: ProjectedCase, previous: dict[str, Any], reason: str
) -> RecordAmendment:
    record.revision += 1
    return RecordAmendment(
        record_id=record.id,
        revision=record.revision,
        previous={name: _json(value) for name, value in previous.items()},
        reason=reason,
        amended_by=case.principal.practitioner_id,
    )


async def amend_decision(
    session: AsyncSession, case: ProjectedCase, decision_id: UUID, body: DecisionAmendmentIn
) -> RecordAccess:
    """Correct a decision of a final record; the amended decision goes to the chronology."""
    found = await repository.load_decision(session, case.id, decision_id)
    if found is None:
        raise NotFound("decision")
    decision, record = found
    meeting = await _meeting_run_by_caller(session, case, record)
    given = body.given()
    await _check_invited(session, meeting, "decision_maker_id", given.get("decision_maker_id"))
    amendment = _amendment(
        record, case, {name: getattr(decision, name) for name in sorted(given)}, body.reason
    )
    amendment.decision_id = decision.id
    session.add(amendment)
    for name, value in given.items():
        setattr(decision, name, value)
    await session.flush()
    await publish_decision_amended(session, record, meeting, decision, body.reason)
    return RecordAccess(record, meeting, case)


async def amend_action(
    session: AsyncSession, case: ProjectedCase, action_id: UUID, body: ActionAmendmentIn
) -> RecordAccess:
    """Correct an action agreed at a final record (what, who, by when)."""
    action = await repository.load_action(session, case.id, action_id)
    if action is None:
        raise NotFound("action")
    record = await repository.load_record_by_id(session, action.record_id)
    if record is None:
        raise NotFound("action")
    meeting = await _meeting_run_by_caller(session, case, record)
    given = body.given()
    await _check_invited(session, meeting, "owner_id", given.get("owner_id"))
    due_on = given.get("due_on")
    if due_on is not None and due_on < local_date(meeting.starts_at):
        raise invalid(
            "body",
            "due_on",
            message="An action is due on or after the meeting.",
            code="before_meeting",
        )
    amendment = _amendment(
        record, case, {name: getattr(action, name) for name in sorted(given)}, body.reason
    )
    amendment.action_id = action.id
    session.add(amendment)
    for name, value in given.items():
        setattr(action, name, value)
    await session.flush()
    return RecordAccess(record, meeting, case)
