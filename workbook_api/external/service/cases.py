"""Cases by external id: opened (or recorded closed), linked, closed and reopened.

New cases are written in bulk but announced through the same event functions as the API's
(`workbook_api/cases/events.py`), so other units' projections see an imported case exactly as
one a manager opened. Closing and reopening an existing case go through the cases service
itself: they end allocations and open episodes, and happen one case at a time.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import ProblemError
from services.event_contracts import FAMILY_SAFEGUARDING
from services.outbox import batched_publishing
from workbook_api.cases import repository as cases_repository
from workbook_api.cases import service as cases
from workbook_api.cases.events import case_announcement, publish_announcement
from workbook_api.cases.models import Case, Episode
from workbook_api.external import repository
from workbook_api.external.schemas import CaseRecord
from workbook_api.external.service.batch import (
    YIELD_EVERY,
    Batch,
    Keyed,
    Outcome,
    RowError,
    duplicate_key,
    row_errors,
)
from workbook_api.external.service.families import team_differs
from workbook_api.external.service.keys import key_row


def already_open() -> RowError:
    """A second open case of one kind for a family: the workbook keeps one involvement of
    each kind at a time."""
    return RowError(
        "family_external_id",
        "case_already_open",
        "This family already has an open case of this kind in the workbook.",
        409,
    )


@dataclass
class _NewCase:
    case: dict[str, Any]
    episode: dict[str, Any]
    key: dict[str, Any]


class CasesChunk:
    """One chunk of case records: what was read for it and the cases it will create."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.session: AsyncSession = batch.session
        self.new: list[_NewCase] = []
        self.links: list[dict[str, Any]] = []

    async def load(self, items: list[Keyed[CaseRecord]]) -> None:
        """Read the families, the cases the keys name, and the families' open cases (locked)."""
        session, system = self.session, self.batch.system
        self.families = await repository.record_ids_by_keys(
            session, "family", system, {item.record.family_external_id for item in items}
        )
        self.known = await repository.record_ids_by_keys(
            session, "case", system, [item.key for item in items]
        )
        self.cases = await repository.cases_by_id(session, set(self.known.values()), lock=True)
        self.open = await repository.open_cases_of(session, set(self.families.values()))
        open_ids = [case.id for case in self.open.values()]
        self.open_keyed = set(await repository.keys_of(session, "case", open_ids, system=system))

    async def decide(self, item: Keyed[CaseRecord]) -> Outcome:
        """Decide one record: create, link, close, reopen or leave (or refuse it)."""
        if (error := duplicate_key(self.batch, item)) is not None:
            return Outcome.failed(item, error)
        record = item.record
        family_id = self.families.get(record.family_external_id)
        if family_id is None:
            return Outcome.failed(
                item,
                RowError(
                    "family_external_id",
                    "unknown_family",
                    f"No family has this external id in {self.batch.system}; import it first.",
                ),
            )
        known = self.known.get(item.key)
        if known is not None:
            return await self.update(item, self.cases[known], family_id)
        if record.closed_at is not None:
            return self.create(item, family_id)
        open_case = self.open.get((family_id, record.kind))
        if (family_id, record.kind) in self.batch.memory.open_families or (
            open_case is not None and open_case.id in self.open_keyed
        ):
            return Outcome.failed(item, already_open())
        if open_case is None:
            return self.create(item, family_id)
        # The family's open case was opened in the workbook and no key of this system names
        # it yet: it is the involvement the system of record means.
        if open_case.owning_team_id != record.owning_team_id:
            return Outcome.failed(item, team_differs("owning_team_id"))
        self.links.append(
            key_row(
                self.batch.principal, self.batch.system, "case", open_case.id, item.key, "open_case"
            )
        )
        self.open_keyed.add(open_case.id)
        self.batch.memory.open_families.add((family_id, record.kind))
        return Outcome(item.row, item.key, "linked", open_case.id, matched_on="open_case")

    def create(self, item: Keyed[CaseRecord], family_id: UUID) -> Outcome:
        """Queue a new case (open, or closed as the system of record recorded it)."""
        record, system = item.record, self.batch.system
        principal = self.batch.principal
        closed = record.closed_at is not None
        case_id = uuid.uuid4()
        opened_reason = record.opened_reason or f"Opened in {system}"
        closed_reason = (record.closed_reason or f"Closed in {system}") if closed else None
        case = {
            "id": case_id,
            "family_id": family_id,
            "owning_team_id": record.owning_team_id,
            "status": "closed" if closed else "open",
            "kind": record.kind,
            "opened_at": record.opened_at,
            "opened_reason": opened_reason,
            "opened_by_practitioner_id": principal.practitioner_id,
            "closed_at": record.closed_at,
            "closed_reason": closed_reason,
            "closed_by_practitioner_id": principal.practitioner_id if closed else None,
            "version": 1,
        }
        episode = {
            "id": uuid.uuid4(),
            "case_id": case_id,
            "number": 1,
            "opened_at": record.opened_at,
            "closed_at": record.closed_at,
            "opened_by_event": "case_opened",
            "opened_reason": opened_reason,
            "closed_reason": closed_reason,
        }
        key = key_row(principal, system, "case", case_id, item.key)
        self.new.append(_NewCase(case, episode, key))
        if not closed:
            self.batch.memory.open_families.add((family_id, record.kind))
        return Outcome(item.row, item.key, "created", case_id)

    async def update(self, item: Keyed[CaseRecord], case: Case, family_id: UUID) -> Outcome:
        """Close or reopen a case the key names, when the record says so."""
        record = item.record
        if case.family_id != family_id:
            return Outcome.failed(
                item,
                RowError(
                    "family_external_id",
                    "case_of_other_family",
                    "The workbook has this case with another family.",
                    409,
                ),
            )
        if case.owning_team_id != record.owning_team_id:
            return Outcome.failed(item, team_differs("owning_team_id"))
        if case.kind != record.kind:
            return Outcome.failed(
                item,
                RowError(
                    "kind",
                    "kind_differs",
                    f"The workbook has this case as {case.kind.replace('_', ' ')}; a case's "
                    "kind never changes (a step up or down opens a case of its own).",
                    409,
                ),
            )
        closing = case.status == "open" and record.closed_at is not None
        reopening = case.status == "closed" and record.closed_at is None
        if not (closing or reopening):
            return Outcome(item.row, item.key, "unchanged", case.id)
        self.batch.before_change(case.id, case.version)
        try:
            # A refusal leaves nothing of this record behind, and the chunk goes on.
            async with self.session.begin_nested():
                if closing:
                    await self.close(case, record)
                else:
                    await self.reopen(case, family_id)
        except ProblemError as exc:
            if exc.status not in (409, 422):
                raise
            return Outcome.failed(item, *row_errors(exc))
        return Outcome(item.row, item.key, "updated", case.id)

    async def close(self, case: Case, record: CaseRecord) -> None:
        """Close the case when the system of record says it closed."""
        assert record.closed_at is not None
        episode = await cases_repository.open_episode(self.session, case.id)
        since = episode.opened_at if episode is not None else case.opened_at
        if record.closed_at < since:
            raise ProblemError(
                409,
                "closed-before-episode",
                "closed_at is before the case's current workbook episode opened.",
                errors=[
                    {
                        "location": ["body", "closed_at"],
                        "message": "Before the case's current workbook episode opened.",
                        "code": "closed_before_episode",
                    }
                ],
            )
        reason = record.closed_reason or f"Closed in {self.batch.system}"
        await cases.close_case(
            self.session, self.batch.principal, case, episode, reason, at=record.closed_at
        )

    async def reopen(self, case: Case, family_id: UUID) -> None:
        """Reopen the case when the system of record says it is open again."""
        if (family_id, case.kind) in self.batch.memory.open_families:
            raise cases.family_already_open()
        await cases.reopen_case(self.session, case, f"Reopened in {self.batch.system}")
        self.batch.memory.open_families.add((family_id, case.kind))

    async def write(self) -> None:
        """Insert the new cases, their first episodes and keys; announce them; add links."""
        session = self.session
        if self.new:
            await repository.insert_rows(session, Case, [new.case for new in self.new])
            await repository.insert_rows(session, Episode, [new.episode for new in self.new])
            await repository.add_keys(session, [new.key for new in self.new])
            async with batched_publishing(session):
                for new in self.new:
                    await announce(session, new.case)
        await repository.add_keys(session, self.links)


async def announce(session: AsyncSession, row: dict[str, Any]) -> None:
    """Publish what the API publishes for a new case: the whole case as it now stands."""
    # Only what the snapshot reads: a full ORM object per case cost more than its insert.
    case = Case(
        id=row["id"],
        family_id=row["family_id"],
        owning_team_id=row["owning_team_id"],
        status=row["status"],
        kind=row.get("kind", FAMILY_SAFEGUARDING),
        opened_at=row["opened_at"],
        closed_at=row["closed_at"],
        version=row["version"],
    )
    # One snapshot says it all (subscribers keep the newest version): a case imported closed
    # is announced closed, with its opening and closing times.
    change = "closed" if row["closed_at"] is not None else "opened"
    await publish_announcement(session, case_announcement(case, 1, change))


async def upsert_cases(batch: Batch, items: list[Keyed[CaseRecord]]) -> list[Outcome]:
    """Apply a chunk of case records."""
    chunk = CasesChunk(batch)
    await chunk.load(items)
    outcomes = []
    for index, item in enumerate(items, start=1):
        outcomes.append(await chunk.decide(item))
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    await chunk.write()
    return outcomes
