"""Applying what a device recorded offline: each operation applied, a conflict, or rejected.

Every operation runs in a savepoint of the push's transaction, so one refused operation changes
nothing and leaves the others to stand. The rules are the web's, unchanged: the same
load-or-404s (a case you may not see does not exist), the same standing (allocated workers and
managers record; drafts are their author's), the same lifecycle (entries/service.py).

No last write wins. An edit names the draft's version the device had (`base_etag`); when the
draft has moved on (edited on the web or on another device) or has been finalised meanwhile, the
edit is a conflict: the server's version stays exactly as it is and both come back, the
server's and the device's, for the worker to merge and push again against the new version.

Pushing the same operation again is harmless: an applied operation is kept by the device's id
for it (`op_id`), and comes back as applied, `replayed`, without being applied twice. An
operation that was a conflict or rejected changed nothing, so sending it again simply asks
again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.audit import AuditEvent, Outcome
from services.concurrency import check_if_match
from services.errors import Forbidden, NotFound, Problem, ProblemError, problem_body
from services.principal import Principal
from workbook_api.access.dependencies import recording_case
from workbook_api.access.repository import CaseAccess, load_case_access
from workbook_api.disciplines.config import RecordingConfig
from workbook_api.entries import repository as entries
from workbook_api.entries import service as lifecycle
from workbook_api.entries.models import SESSION_TYPE
from workbook_api.entries.repository import EntryTarget
from workbook_api.entries.schemas import EntryCreate, EntryOut, SessionLogCreate
from workbook_api.sync import repository
from workbook_api.sync.schemas import (
    CreateEntry,
    Operation,
    OperationResult,
    UpdateDraft,
)

# Refusals that mean "the draft moved on without you": the device must merge, not give up.
_CONFLICTS = frozenset({"precondition-failed", "not-draft"})
_REFUSED: dict[int, Outcome] = {403: "denied", 404: "not_found"}
_ACTIONS = {"create_entry": "create", "create_session_log": "create", "update_draft": "update"}


class Conflict(Exception):
    """The draft is not as the device had it; nothing was changed."""

    def __init__(self, problem: ProblemError, target: EntryTarget) -> None:
        super().__init__(problem.slug)
        self.problem = problem
        self.target = target


@dataclass(frozen=True)
class Pushed:
    """The results of a push, and the audit events its operations leave."""

    results: list[OperationResult]
    audit: list[AuditEvent]


def digest(operation: Operation) -> str:
    """What makes two operations with one `op_id` the same operation."""
    return hashlib.sha256(operation.model_dump_json().encode()).hexdigest()


def _problem(error: ProblemError) -> Problem:
    body = problem_body(error.status, error.slug, title=error.title, detail=error.detail)
    return Problem.model_validate({**error.extensions, **body})


async def push(
    session: AsyncSession,
    principal: Principal,
    config: RecordingConfig,
    operations: Sequence[Operation],
    *,
    purpose: str,
) -> Pushed:
    """Apply a device's operations in order, each on its own; never one for another."""
    results: list[OperationResult] = []
    events: list[AuditEvent] = []
    for operation in operations:
        result = await _one(session, principal, config, operation)
        results.append(result)
        events.append(_audit_event(operation, result, purpose))
    return Pushed(results, events)


async def _one(
    session: AsyncSession, principal: Principal, config: RecordingConfig, operation: Operation
) -> OperationResult:
    sent = digest(operation)
    earlier = await repository.applied(session, principal.subject, operation.op_id)
    if earlier is not None:
        if earlier.request_hash != sent or earlier.entry_id != operation.entry_id:
            reused = ProblemError(
                422, "op-id-reused", "This op_id was used for another operation; use a new one."
            )
            return _rejected(operation, reused)
        try:
            return await _replayed(session, principal, operation)
        except ProblemError as error:
            return _rejected(operation, error)
    try:
        async with session.begin_nested():
            view = await _apply(session, principal, config, operation)
            repository.remember(session, principal.subject, operation.op_id, sent, view.id)
            await session.flush()
    except Conflict as conflict:
        # Read after the savepoint rolled back: the server's version as it stands.
        return OperationResult(
            op_id=operation.op_id,
            entry_id=operation.entry_id,
            status="conflict",
            server=await _server_version(session, conflict.target),
            device=operation,
            problem=_problem(conflict.problem),
        )
    except ProblemError as error:
        return _rejected(operation, error)
    return OperationResult(
        op_id=operation.op_id, entry_id=operation.entry_id, status="applied", entry=view
    )


def _rejected(operation: Operation, error: ProblemError) -> OperationResult:
    return OperationResult(
        op_id=operation.op_id,
        entry_id=operation.entry_id,
        status="rejected",
        device=operation,
        problem=_problem(error),
    )


async def _replayed(
    session: AsyncSession, principal: Principal, operation: Operation
) -> OperationResult:
    """An operation applied before: the entry as it is now, as the caller may see it."""
    access = await load_case_access(session, principal, operation.case_id)
    view = await lifecycle.get_entry_view(session, access, operation.entry_id, summary=False)
    return OperationResult(
        op_id=operation.op_id,
        entry_id=operation.entry_id,
        status="applied",
        replayed=True,
        entry=view,
    )


async def _apply(
    session: AsyncSession, principal: Principal, config: RecordingConfig, operation: Operation
) -> EntryOut:
    access = await load_case_access(session, principal, operation.case_id)
    if isinstance(operation, UpdateDraft):
        return await _update(session, config, access, operation)
    access = await recording_case(principal, access)
    if await repository.entry_exists(session, operation.entry_id):
        raise ProblemError(
            409, "entry-id-taken", "An entry with this id exists; give a new entry a new id."
        )
    body: EntryCreate | SessionLogCreate
    if isinstance(operation, CreateEntry):
        body, entry_type = operation.entry, operation.entry.entry_type
    else:
        body, entry_type = operation.session_log, SESSION_TYPE
    entry, _ = await lifecycle.create_entry(
        session,
        config,
        access,
        entry_type=entry_type,
        content=body.content(),
        finalise=body.finalise,
        entry_id=operation.entry_id,
    )
    assert access.open_episode is not None  # create_entry refused a case without one
    return lifecycle.written_view(entry, access.open_episode.number)


async def _update(
    session: AsyncSession, config: RecordingConfig, access: CaseAccess, operation: UpdateDraft
) -> EntryOut:
    target = await entries.load_entry_for_change(session, access, operation.entry_id, summary=False)
    if target is None:
        raise NotFound("entry")
    if target.entry.author_id != access.principal.practitioner_id:
        raise Forbidden("Only the author may change this.")
    try:
        check_if_match(operation.base_etag, target.entry.id, target.entry.version)
        await lifecycle.update_draft(session, config, target, operation.changes.content())
        if operation.finalise:
            await lifecycle.finalise_entry(session, config, target)
    except ProblemError as error:
        if error.slug in _CONFLICTS:
            raise Conflict(error, target) from error
        raise
    except StaleDataError as error:
        # Changed by another request between our read and our write: the same conflict.
        stale = ProblemError(412, "precondition-failed", "The draft changed meanwhile.")
        raise Conflict(stale, target) from error
    return lifecycle.written_view(target.entry, target.episode_number)


async def _server_version(session: AsyncSession, target: EntryTarget) -> EntryOut:
    """The draft as the server holds it now (its author may read all of it)."""
    return await lifecycle.get_entry_view(session, target.access, target.entry.id, summary=False)


def _audit_event(operation: Operation, result: OperationResult, purpose: str) -> AuditEvent:
    """One audit event per operation: what was attempted on which entry, and what became of it."""
    outcome: Outcome = "success"
    details: dict[str, object] = {"op": operation.op, "sync_status": result.status}
    if result.problem is not None:
        outcome = _REFUSED.get(result.problem.status, "error")
        details["status"] = result.problem.status
    if result.replayed:
        details["replayed"] = True
    return AuditEvent(
        action=_ACTIONS[operation.op],
        resource_type="entry",
        resource_id=str(operation.entry_id),
        case_id=operation.case_id,
        purpose=purpose,
        outcome=outcome,
        details=details,
    )


def entry_ids(results: Sequence[OperationResult]) -> list[UUID]:
    """The entries a push applied something to."""
    return [result.entry_id for result in results if result.status == "applied"]
