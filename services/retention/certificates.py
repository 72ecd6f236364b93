"""A workflow unit's record of a destruction it carried out, and the audit row saying so.

The workbook decides destruction and keeps the certificate (who reviewed, why, the operator);
each other unit keeps, beside its records, one row per destroyed case (`retention_destruction`):
the workbook's certificate id, the rule, when the workbook destroyed, when this unit did, and how
many of each kind of record it tombstoned. It is also how the unit knows a case was destroyed
(`destroyed_certificate`), so a redelivered event changes nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Column, DateTime, MetaData, Table, Text, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit import AuditEvent
from services.errors import ProblemError

PURPOSE = "data_protection"
TABLE = "retention_destruction"


def define_destruction_table(metadata: MetaData) -> Table:
    """Declare `retention_destruction` on a unit's metadata."""
    return Table(
        TABLE,
        metadata,
        Column("case_id", PgUUID(as_uuid=True), primary_key=True),
        Column("certificate_id", PgUUID(as_uuid=True), nullable=False, unique=True),
        Column("rule", Text, nullable=False),
        Column("destroyed_at", DateTime(timezone=True), nullable=False),
        Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # Rows tombstoned per kind of record: counts only.
        Column("destroyed", JSONB, nullable=False),
    )


async def destroyed_certificate(session: AsyncSession, table: Table, case_id: UUID) -> UUID | None:
    """The workbook certificate under which this unit destroyed the case, if it did."""
    found = await session.scalar(select(table.c.certificate_id).where(table.c.case_id == case_id))
    return found if isinstance(found, UUID) else None


def destruction_audit(
    case_id: UUID, certificate_id: UUID, destroyed: dict[str, int], **details: Any
) -> AuditEvent:
    """The audit row of a destruction: ids and counts, never what was destroyed."""
    return AuditEvent(
        action="destroy",
        resource_type="case",
        resource_id=str(case_id),
        case_id=case_id,
        purpose=PURPOSE,
        details={"certificate_id": str(certificate_id), "destroyed": destroyed, **details},
    )


class CaseWasDestroyed(ProblemError):
    """New words on a case whose narrative was destroyed: refused in every unit."""

    def __init__(self, certificate_id: UUID) -> None:
        super().__init__(
            409,
            "case-destroyed",
            f"This case was destroyed under the retention schedule (certificate"
            f" {certificate_id}); nothing more is recorded on it.",
        )


async def refuse_destroyed(session: AsyncSession, table: Table, case_id: UUID) -> None:
    """Raise `CaseWasDestroyed` when this unit destroyed the case."""
    certificate_id = await destroyed_certificate(session, table, case_id)
    if certificate_id is not None:
        raise CaseWasDestroyed(certificate_id)
