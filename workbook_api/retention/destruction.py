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
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, insert, literal, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.audit import AuditEvent, write_audit
from services.errors import ProblemError
from services.settings import KernelSettings
from workbook_api.access.models import BreakGlassGrant
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.chronology.models import ChronologyEvent
from workbook_api.entries.models import Entry, EntryRevision
from workbook_api.models import kernel
from workbook_api.retention import repository, service
from workbook_api.retention.repository import certificates

OPERATOR_PURPOSE = "data_protection"


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


def tombstone(certificate_id: UUID) -> str:
    """What replaces destroyed text."""
    return f"[destroyed under the retention schedule; certificate {certificate_id}]"


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


def _blank(column: Any, text: str) -> ColumnElement[Any]:
    # Keep NULL where there was nothing, so a tombstone never invents text.
    return sql_case((column.is_(None), None), else_=literal(text))


async def _tombstone(session: AsyncSession, case_id: UUID, text: str) -> dict[str, int]:
    empty = literal({}, JSONB)
    counts: dict[str, int] = {}

    async def run(kind: str, statement: Any) -> None:
        result = await session.execute(statement)
        counts[kind] = int(getattr(result, "rowcount", 0) or 0)

    await run(
        "entries",
        update(Entry)
        .where(Entry.case_id == case_id)
        .values(
            narrative=_blank(Entry.narrative, text),
            shareable_summary=_blank(Entry.shareable_summary, text),
            fields=_blank_json(Entry.fields, empty),
            restricted_fields=None,
            withdrawn_reason=_blank(Entry.withdrawn_reason, text),
            # Clients holding an ETag or a synced copy see the entry changed.
            version=Entry.version + 1,
        )
        .execution_options(synchronize_session=False),
    )
    await run(
        "entry_revisions",
        update(EntryRevision)
        .where(EntryRevision.entry_id.in_(_entry_ids(case_id)))
        .values(
            narrative=_blank(EntryRevision.narrative, text),
            shareable_summary=_blank(EntryRevision.shareable_summary, text),
            fields=_blank_json(EntryRevision.fields, empty),
            restricted_fields=None,
            reason=_blank(EntryRevision.reason, text),
        )
        .execution_options(synchronize_session=False),
    )
    await run(
        "chronology_events",
        update(ChronologyEvent)
        .where(ChronologyEvent.case_id == case_id)
        .values(title=text[:300], summary=_blank(ChronologyEvent.summary, text))
        .execution_options(synchronize_session=False),
    )
    await run(
        "episodes",
        update(Episode)
        .where(Episode.case_id == case_id)
        .values(
            opened_reason=_blank(Episode.opened_reason, text),
            closed_reason=_blank(Episode.closed_reason, text),
        )
        .execution_options(synchronize_session=False),
    )
    await run(
        "allocations",
        update(Allocation)
        .where(Allocation.case_id == case_id)
        .values(ended_reason=_blank(Allocation.ended_reason, text))
        .execution_options(synchronize_session=False),
    )
    await run(
        "break_glass_grants",
        update(BreakGlassGrant)
        .where(BreakGlassGrant.case_id == case_id)
        .values(justification=text)
        .execution_options(synchronize_session=False),
    )
    await session.execute(
        update(Case)
        .where(Case.id == case_id)
        .values(opened_reason=text, closed_reason=text, version=Case.version + 1)
        .execution_options(synchronize_session=False)
    )
    return counts


def _entry_ids(case_id: UUID) -> Any:
    return select(Entry.id).where(Entry.case_id == case_id)


def _blank_json(column: Any, empty: Any) -> ColumnElement[Any]:
    return sql_case((column.is_(None), None), else_=empty)


async def destroy_case(
    session: AsyncSession, settings: KernelSettings, case_id: UUID, operator: str
) -> Certificate:
    """Check, tombstone, certify and audit, in the session's transaction."""
    rule, due, review = await _check(session, settings, case_id)
    certificate_id = uuid.uuid4()
    destroyed = await _tombstone(session, case_id, tombstone(certificate_id))
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
    await session.execute(
        insert(certificates).values(
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
    )
    event = AuditEvent(
        action="destroy",
        resource_type="case",
        resource_id=str(case_id),
        case_id=case_id,
        purpose=OPERATOR_PURPOSE,
        details={
            "certificate_id": str(certificate_id),
            "rule": rule.kind,
            "due_on": due.isoformat(),
            "review_id": str(review.id),
            "destroyed": destroyed,
        },
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
