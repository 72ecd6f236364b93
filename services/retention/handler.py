"""A workflow unit's side of a destruction: the workbook's `case.destroyed` event, applied.

The workbook alone decides destruction (legal holds and the DPO's reviews live there) and says
so in its outbox, in the transaction that destroys. Each unit that takes the workbook's case
events registers `DestructionHandler` on its inbox with the list of what it holds about a case
(`Narrative`s, the checklist being the unit's `subject_access.py`); in the inbox's transaction
the handler tombstones those, the case's words in the unit's kernel tables
(`kernel_copies.py`), records the unit's certificate row and writes an audit row. A case
destroyed here already changes nothing, so a redelivery (or a second event) is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit import write_audit
from services.event_contracts import WORKBOOK_CASE_DESTROYED, CaseDestroyed
from services.events import CloudEvent
from services.inbox import EventNotApplicable, Inbox
from services.kernel_tables import KernelTables
from services.retention.certificates import destroyed_certificate, destruction_audit
from services.retention.kernel_copies import forget_stored_responses, tombstone_outbox
from services.retention.tombstones import Narrative, case_rows, tombstone, tombstone_case


def read_destroyed(event: CloudEvent) -> CaseDestroyed:
    """The event's data; an unreadable one is dead-lettered (named, never echoed)."""
    try:
        return CaseDestroyed.model_validate(event.data)
    except ValidationError:
        raise EventNotApplicable("The CaseDestroyed is not readable.") from None


async def record_ids(
    session: AsyncSession, narratives: Sequence[Narrative], case_id: UUID
) -> set[UUID]:
    """The ids of every listed record of the case (tables keyed by `id`)."""
    ids: set[UUID] = {case_id}
    for narrative in narratives:
        column = narrative.table.c.get("id")
        if column is not None:
            ids.update(await session.scalars(select(column).where(case_rows(narrative, case_id))))
    return ids


async def destroy_copies(
    session: AsyncSession,
    kernel: KernelTables,
    narratives: Sequence[Narrative],
    case_id: UUID,
    certificate_id: UUID,
) -> dict[str, int]:
    """Tombstone the unit's records of the case and the case's words in its kernel tables."""
    words = tombstone(certificate_id)
    # Ids first: a stored response names records by id, whatever their text becomes.
    ids = await record_ids(session, narratives, case_id)
    counts = await tombstone_case(session, narratives, case_id, words)
    counts["outbox_events"] = await tombstone_outbox(session, kernel, case_id, words)
    counts["stored_responses"] = await forget_stored_responses(session, kernel, ids)
    return counts


class DestructionHandler:
    """What one unit destroys when the workbook destroys a case."""

    def __init__(
        self, kernel: KernelTables, certificates: Table, narratives: Sequence[Narrative]
    ) -> None:
        self.kernel = kernel
        self.certificates = certificates
        self.narratives = tuple(narratives)

    def register(self, inbox: Inbox) -> Inbox:
        """Take `case.destroyed` on `inbox` (a longer prefix than the projection's)."""
        inbox.handles(WORKBOOK_CASE_DESTROYED)(self.apply)
        return inbox

    async def apply(self, session: AsyncSession, event: CloudEvent) -> None:
        """Destroy the unit's copies of the case once, in the inbox's transaction."""
        destroyed = read_destroyed(event)
        case_id = destroyed.case_id
        if await destroyed_certificate(session, self.certificates, case_id) is not None:
            return
        counts = await destroy_copies(
            session, self.kernel, self.narratives, case_id, destroyed.certificate_id
        )
        await session.execute(
            insert(self.certificates).values(
                case_id=case_id,
                certificate_id=destroyed.certificate_id,
                rule=destroyed.rule,
                destroyed_at=destroyed.destroyed_at,
                destroyed=counts,
            )
        )
        await write_audit(
            session,
            self.kernel.audit_log,
            actor=f"event:{event.source}",
            request_id=f"fsm-retention-{destroyed.certificate_id}",
            events=[
                destruction_audit(case_id, destroyed.certificate_id, counts, event_id=str(event.id))
            ],
        )
