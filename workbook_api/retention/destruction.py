"""Destroying a case's narrative after review: the operator's command, never an endpoint.

Everything is checked again at the time, in the transaction that destroys, under a lock on the
case: the case is closed, its retention ran out, no legal hold stands, and the latest review,
made once it fell due, decided to destroy. Any refusal says why and changes nothing.

What is destroyed is what people wrote: narrative, summaries, structured session detail,
reasons and justifications. The skeleton stays (ids, times, kinds, authors' names in their
role), each text replaced by a tombstone naming the certificate, so the chronology still shows
that something happened when, and the audit log, which is never deleted, still points at
records that exist. The family and its people are left: they may be on another case, and a
family's own retention is decided with the subject access work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.audit import write_audit
from services.errors import ProblemError
from services.event_contracts import WORKBOOK_CASE_DESTROYED, CaseDestroyed
from services.outbox import publish
from services.retention.certificates import PURPOSE, destruction_audit
from services.retention.handler import destroy_copies
from services.retention.tombstones import tombstone
from services.settings import KernelSettings
from workbook_api.cases.events import SOURCE
from workbook_api.cases.models import Case
from workbook_api.models import kernel
from workbook_api.retention import repository, service
from workbook_api.retention.narratives import NARRATIVES, tombstone_exported_records
from workbook_api.retention.repository import certificates

OPERATOR_PURPOSE = PURPOSE


class DestructionRefused(ProblemError):
    """The case may not be destroyed now; `detail` says why."""

    def __init__(self, why: str) -> None:
        super().__init__(409, "destruction-refused", why)


@dataclass(frozen=True)
class Certificate:
    """What was destroyed, why, by whom, under which rule."""

    id: UUID
    case_id: UUID
    rule: str
    due_on: date
    review_id: UUID
    reviewed_by: UUID
    review_reason: str
    operator: str
    destroyed: dict[str, int]

    def describe(self) -> str:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.destroyed.items()))
        return (
            f"certificate {self.id}: case {self.case_id} destroyed by {self.operator} under the"
            f" {self.rule} rule (due {self.due_on}), reviewed by {self.reviewed_by}"
            f" (review {self.review_id}: {self.review_reason}); {counts}"
        )


async def _check(session: AsyncSession, settings: KernelSettings, case_id: UUID) -> tuple[Any, ...]:
    facts = await repository.case_facts(session, case_id, lock=True)
    if facts is None:
        raise DestructionRefused(f"No case {case_id}.")
    done = await repository.certificate_of(session, case_id)
    if done is not None:
        raise DestructionRefused(
            f"Case {case_id} was destroyed already (certificate {done.id}, {done.destroyed_at})."
        )
    if facts.status != "closed":
        raise DestructionRefused(f"Case {case_id} is open; only closed cases are destroyed.")
    rule, due = await service.due_on(session, settings, facts)
    today = await service.today(session)
    if due is None or due > today:
        until = f"until {due}" if due is not None else "(no due day can be worked out)"
        raise DestructionRefused(f"Case {case_id} is kept under the {rule.kind} rule {until}.")
    held = await repository.active_holds(session, case_id)
    if held:
        holds = "; ".join(
            f"hold {h.id} placed by {h.placed_by_name} on {h.placed_at.date()}: {h.reason}"
            for h in held
        )
        raise DestructionRefused(f"Case {case_id} is under legal hold: {holds}.")
    review = await repository.latest_review(session, case_id)
    if review is None or not repository.is_after(review.reviewed_at, due):
        raise DestructionRefused(
            f"Case {case_id} has not been reviewed since it fell due on {due}; the DPO records"
            " a review first."
        )
    if review.decision != "destroy":
        raise DestructionRefused(
            f"The latest review of case {case_id} ({review.reviewed_at.date()}) decided to"
            f" retain it: {review.reason}"
        )
    return rule, due, review


async def _tombstone(session: AsyncSession, case_id: UUID, certificate_id: UUID) -> dict[str, int]:
    """Tombstone the workbook's records of the case and its words in the kernel tables."""
    counts = await destroy_copies(session, kernel, NARRATIVES, case_id, certificate_id)
    counts["subject_access_exports"] = await tombstone_exported_records(
        session, case_id, tombstone(certificate_id)
    )
    return counts


async def _announce(
    session: AsyncSession, case_id: UUID, certificate_id: UUID, rule: str, destroyed_at: datetime
) -> None:
    # In the destruction's transaction: the other units hear of it exactly when it commits.
    case = (
        await session.execute(select(Case.family_id, Case.owning_team_id).where(Case.id == case_id))
    ).one()
    destroyed = CaseDestroyed(
        case_id=case_id,
        family_id=case.family_id,
        certificate_id=certificate_id,
        rule=rule,
        destroyed_at=destroyed_at,
    )
    await publish(
        session,
        kernel.outbox_event,
        type=WORKBOOK_CASE_DESTROYED,
        source=SOURCE,
        subject=f"cases/{case_id}",
        data=destroyed.model_dump(mode="json"),
        team_id=case.owning_team_id,
    )


async def destroy_case(
    session: AsyncSession, settings: KernelSettings, case_id: UUID, operator: str
) -> Certificate:
    """Check, tombstone, certify and audit, in the session's transaction."""
    rule, due, review = await _check(session, settings, case_id)
    certificate_id = uuid.uuid4()
    destroyed = await _tombstone(session, case_id, certificate_id)
    certificate = Certificate(
        id=certificate_id,
        case_id=case_id,
        rule=rule.kind,
        due_on=due,
        review_id=review.id,
        reviewed_by=review.reviewed_by,
        review_reason=review.reason,
        operator=operator,
        destroyed=destroyed,
    )
    destroyed_at = await session.scalar(
        insert(certificates)
        .values(
            id=certificate.id,
            case_id=case_id,
            rule=certificate.rule,
            due_on=due,
            review_id=review.id,
            reviewed_by=review.reviewed_by,
            review_reason=review.reason,
            operator=operator,
            destroyed=destroyed,
        )
        .returning(certificates.c.destroyed_at)
    )
    assert destroyed_at is not None
    await _announce(session, case_id, certificate_id, rule.kind, destroyed_at)
    event = destruction_audit(
        case_id,
        certificate_id,
        destroyed,
        rule=rule.kind,
        due_on=due.isoformat(),
        review_id=str(review.id),
    )
    await write_audit(
        session,
        kernel.audit_log,
        actor=f"operator:{operator}",
        request_id=f"fsm-retention-{certificate_id}",
        events=[event],
    )
    return certificate


async def destroy_with(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: KernelSettings,
    case_id: UUID,
    operator: str,
) -> Certificate:
    """Destroy in a transaction of its own (the operator command's entry point)."""
    async with sessionmaker() as session, session.begin():
        return await destroy_case(session, settings, case_id, operator)
