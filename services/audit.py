"""The audit log: who did what to which record, when, why and with what outcome.

Rows are appended inside the request's unit of work just before it commits, so the audit record
and the change commit together. Denials are written even when the request rolls back. A request
takes no lock for its audit rows: they go in unsealed, and the sealer (services/audit_sealer.py)
chains them in commit order off the request path; services/audit_chain.py holds the chain's
canonical form and the verifier that reports its first broken link.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

from fastapi import Request
from pydantic_core import to_jsonable_python
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.audit_chain import SEPARATOR
from services.db import add_after_rollback, add_before_commit, sessionmaker_from
from services.idempotency import PRINCIPAL_SCOPE_KEY
from services.principal import Principal
from services.request_context import current_request_id

log = logging.getLogger(__name__)

Outcome = Literal["success", "denied", "not_found", "error"]
ANONYMOUS = "anonymous"
_QUEUE_KEY = "fsm.audit.queue"


@dataclass(frozen=True)
class AuditEvent:
    """One auditable act; `details` holds ids, counts and field names, never case narrative."""

    action: str
    resource_type: str
    resource_id: str | None
    case_id: UUID | None
    purpose: str
    outcome: Outcome = "success"
    details: dict[str, Any] = field(default_factory=dict)


Actor = Principal | str


def _actor_columns(actor: Actor) -> tuple[str, UUID | None]:
    if isinstance(actor, Principal):
        return actor.subject, actor.practitioner_id
    return actor, None


def _check_text(name: str, value: str | None) -> None:
    # The canonical form joins fields with 0x1f; a value containing it could forge a boundary.
    if value is not None and SEPARATOR in value:
        raise ValueError(f"audit field {name} must not contain the unit separator")


def _row(actor: Actor, request_id: str, event: AuditEvent) -> dict[str, Any]:
    subject, practitioner_id = _actor_columns(actor)
    for name, value in (
        ("actor_subject", subject),
        ("action", event.action),
        ("resource_type", event.resource_type),
        ("resource_id", event.resource_id),
        ("purpose", event.purpose),
        ("outcome", event.outcome),
        ("request_id", request_id),
    ):
        _check_text(name, value)
    return {
        "id": uuid.uuid4(),
        "actor_subject": subject,
        "actor_practitioner_id": practitioner_id,
        "action": event.action,
        "resource_type": event.resource_type,
        "resource_id": event.resource_id,
        "case_id": event.case_id,
        "purpose": event.purpose,
        "outcome": event.outcome,
        "request_id": request_id,
        "details": to_jsonable_python(event.details),
    }


async def write_audit(
    session: AsyncSession,
    table: Table,
    *,
    actor: Actor,
    request_id: str,
    events: Sequence[AuditEvent],
) -> list[int]:
    """Append events, unsealed, in the session's transaction; return their log positions."""
    if not events:
        return []
    rows = [_row(actor, request_id, event) for event in events]
    # No lock and no chain here: the sealer gives the rows their seq and hashes once committed.
    result = await session.execute(insert(table).returning(table.c.position), rows)
    return [int(position) for position in result.scalars()]


async def audit_outside_request(
    sessionmaker: async_sessionmaker[AsyncSession],
    table: Table,
    *,
    actor: Actor,
    request_id: str,
    events: Sequence[AuditEvent],
) -> list[int]:
    """Append events in a short transaction of their own (for denials whose request rolls back)."""
    async with sessionmaker() as session, session.begin():
        return await write_audit(session, table, actor=actor, request_id=request_id, events=events)


def _request_actor(request: Request) -> Actor:
    principal = request.scope.get(PRINCIPAL_SCOPE_KEY)
    return principal if isinstance(principal, Principal) else ANONYMOUS


def audit(request: Request, event: AuditEvent) -> None:
    """Queue an event to be written in the request's unit of work just before it commits.

    If the unit of work rolls back instead, events that record a denial, a miss or an error are
    still written in a transaction of their own; successes that did not happen are not.
    """
    if request.scope.get("fsm.session") is None:
        # Without a unit of work nothing would ever write the queue: fail loudly, not silently.
        raise RuntimeError("audit() needs the request's unit of work (DbSession)")
    queue: list[AuditEvent] | None = request.scope.get(_QUEUE_KEY)
    if queue is not None:
        queue.append(event)
        return
    queue = [event]
    request.scope[_QUEUE_KEY] = queue
    table: Table = request.app.state.kernel.audit_log

    async def write_before_commit(session: AsyncSession) -> None:
        await write_audit(
            session,
            table,
            actor=_request_actor(request),
            request_id=current_request_id(),
            events=queue,
        )

    async def write_after_rollback() -> None:
        unsuccessful = [e for e in queue if e.outcome != "success"]
        if not unsuccessful:
            return
        try:
            await audit_outside_request(
                sessionmaker_from(request),
                table,
                actor=_request_actor(request),
                request_id=current_request_id(),
                events=unsuccessful,
            )
        except Exception:
            # Logged rather than raised: the client must still get the original error.
            log.exception("could not write %d audit events after rollback", len(unsuccessful))

    add_before_commit(request, write_before_commit)
    add_after_rollback(request, write_after_rollback)


async def audit_now(request: Request, event: AuditEvent) -> None:
    """Write an event at once in its own transaction, whatever becomes of the request's."""
    await audit_outside_request(
        sessionmaker_from(request),
        request.app.state.kernel.audit_log,
        actor=_request_actor(request),
        request_id=current_request_id(),
        events=[event],
    )
