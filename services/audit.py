"""The audit log: who did what to which record, when, why and with what outcome.

This module appends rows. Requests queue their events on the unit of work
(services/unit_of_work.py, services/auditing.py), which writes them just before it commits, so
the audit record and the change commit together; denials are written even when the request
rolls back. A request takes no lock for its audit rows: they go in unsealed, and the sealer
(services/audit_sealer.py) chains them in commit order off the request path;
services/audit_chain.py holds the chain's canonical form and the verifier that reports its
first broken link.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

from pydantic_core import to_jsonable_python
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.audit_chain import SEPARATOR
from services.principal import Principal

log = logging.getLogger(__name__)

# "aborted": the client went away before the request finished; nothing it did was committed.
Outcome = Literal["success", "denied", "not_found", "error", "aborted"]
# Who the log names when no practitioner is known (a refused or unauthenticated request).
ANONYMOUS = "anonymous"


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
