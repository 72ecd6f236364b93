"""People by external id: updated, created, linked to the one certain match, or sent to review.

A chunk of records is read with a handful of queries (their families, the people their keys
name, who holds their identifiers, and those people locked for the change), decided one
record at a time in memory, and written with one statement per table.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from workbook_api.external import repository
from workbook_api.external.models import MatchReview
from workbook_api.external.schemas import PersonRecord
from workbook_api.external.service.batch import (
    YIELD_EVERY,
    Batch,
    Keyed,
    Outcome,
    RowError,
    duplicate_key,
)
from workbook_api.external.service.keys import key_row
from workbook_api.external.service.matching import (
    SINGLE_VALUED,
    Candidate,
    basis_of,
    judge,
    match_identifiers,
    planned_candidate,
    record_identifiers,
)
from workbook_api.families.models import Person, PersonIdentifier

PERSON_FIELDS = (
    "role",
    "given_name",
    "family_name",
    "date_of_birth",
    "expected_date_of_birth",
    "sex",
    "gender",
)
_LABELS = {"nhs_number": "NHS number", "upn": "UPN"}


def unknown_family(system: str) -> RowError:
    """A record naming a family the workbook does not know by that key."""
    return RowError(
        "family_external_id",
        "unknown_family",
        f"No family has this external id in {system}; import or link the family first.",
    )


@dataclass
class _Review:
    item: Keyed[PersonRecord]
    family_id: UUID
    team_ids: set[UUID]
    candidates: list[Candidate]
    outcome: Outcome


@dataclass
class Change:
    """What applying a record to a person would do, or why it cannot."""

    errors: list[RowError] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.fields or self.identifiers)


class PeopleChunk:
    """One chunk of person records: what was read for it and what it will write."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.session: AsyncSession = batch.session
        self.new_people: list[dict[str, Any]] = []
        self.new_identifiers: list[dict[str, Any]] = []
        self.new_keys: list[dict[str, Any]] = []
        self.reviews: list[_Review] = []
        self.families: dict[str, UUID] = {}
        self.teams: dict[UUID, UUID] = {}
        self.known: dict[str, UUID] = {}
        self.holders: dict[tuple[str, str], UUID] = {}
        self.people: dict[UUID, tuple[Person, UUID]] = {}
        self.keyed: set[UUID] = set()

    async def load(self, items: list[Keyed[PersonRecord]]) -> None:
        """Read everything the chunk's decisions need, locking the people it may change."""
        session, system = self.session, self.batch.system
        family_keys = {item.record.family_external_id for item in items}
        self.families = await repository.record_ids_by_keys(session, "family", system, family_keys)
        self.teams = await repository.teams_of_families(session, set(self.families.values()))
        self.known = await repository.record_ids_by_keys(
            session, "person", system, [item.key for item in items]
        )
        wanted = {ident for item in items for ident in match_identifiers(item.record, item.key)}
        self.holders = await repository.identifier_holders(session, wanted)
        ids = set(self.known.values()) | set(self.holders.values())
        self.people = await repository.people_by_id(session, ids, lock=True)
        self.keyed = set(await repository.keys_of(session, "person", ids, system=system))

    def holder(self, identifier: tuple[str, str]) -> UUID | None:
        """Who holds an identifier, in the database or among this job's planned records."""
        return self.holders.get(identifier) or self.batch.memory.identifiers.get(identifier)

    def decide(self, item: Keyed[PersonRecord]) -> Outcome:
        """Decide one record: update, create, link or review (or refuse it)."""
        if (error := duplicate_key(self.batch, item)) is not None:
            return Outcome.failed(item, error)
        family_id = self.families.get(item.record.family_external_id)
        if family_id is None:
            return Outcome.failed(item, unknown_family(self.batch.system))
        person_id = self.known.get(item.key)
        if person_id is None:
            return self.match(item, family_id)
        person, _ = self.people[person_id]
        change = self.change(item.record, person, family_id)
        if change.errors:
            return Outcome.failed(item, *change.errors)
        if not change.changes:
            return Outcome(item.row, item.key, "unchanged", person.id)
        self.batch.before_change(person.id, person.version)
        self.apply(person, change)
        return Outcome(item.row, item.key, "updated", person.id)

    def match(self, item: Keyed[PersonRecord], family_id: UUID) -> Outcome:
        """A record no key names yet: create it, link it, or ask a manager."""
        found: dict[UUID, set[str]] = {}
        for system, value in match_identifiers(item.record, item.key):
            holder = self.holder((system, value))
            if holder is not None:
                found.setdefault(holder, set()).add(basis_of(system))
        if not found:
            return self.create(item, family_id)
        candidates = [self.candidate(item.record, family_id, pid, on) for pid, on in found.items()]
        if len(candidates) == 1 and candidates[0].certain:
            person, _ = self.people[candidates[0].person_id]
            return self.link(item, person, family_id, candidates[0].basis)
        return self.review(item, family_id, candidates)

    def candidate(
        self, record: PersonRecord, family_id: UUID, person_id: UUID, matched: set[str]
    ) -> Candidate:
        """Weigh one person found by the record's identifiers."""
        memory = self.batch.memory
        loaded = self.people.get(person_id)
        if loaded is None or person_id in memory.keyed_people:
            return planned_candidate(person_id, memory.person_families.get(person_id), matched)
        person, team = loaded
        return judge(
            person, team, record, family_id, matched, has_other_key=person_id in self.keyed
        )

    def change(
        self,
        record: PersonRecord,
        person: Person,
        family_id: UUID,
        *,
        decided: bool = False,
    ) -> Change:
        """What the record would change on a person; `decided`: a manager chose this person,
        so identifiers that disagree are withheld rather than refused, and the family stays."""
        change = Change()
        if person.family_id != family_id and not decided:
            change.errors.append(
                RowError(
                    "family_external_id",
                    "person_in_other_family",
                    "The workbook records this person in another family; people are not moved "
                    "between families by the system of record.",
                    409,
                )
            )
        self._identifier_changes(record, person, change, decided=decided)
        self._field_changes(record, person, change)
        return change

    def _identifier_changes(
        self, record: PersonRecord, person: Person, change: Change, *, decided: bool
    ) -> None:
        held = {(i.system, i.value) for i in person.identifiers}
        for member, system, value in record_identifiers(record):
            if (system, value) in held:
                continue
            holder = self.holder((system, value))
            error = None
            if holder is not None and holder != person.id:
                error = RowError(
                    member,
                    "identifier_in_use",
                    "Another person in the workbook holds this identifier.",
                    409,
                )
            elif system in SINGLE_VALUED and any(s == system for s, _ in held):
                error = RowError(
                    member,
                    "identifier_differs",
                    f"The workbook holds a different {_LABELS[system]} for this person.",
                    409,
                )
            if error is not None:
                if decided:
                    change.withheld.append(member)
                else:
                    change.errors.append(error)
                continue
            change.identifiers.append(
                {"id": uuid.uuid4(), "person_id": person.id, "system": system, "value": value}
            )

    def _field_changes(self, record: PersonRecord, person: Person, change: Change) -> None:
        for name in PERSON_FIELDS:
            value = getattr(record, name)
            if value is not None and value != getattr(person, name):
                change.fields[name] = value
        if "date_of_birth" in change.fields and person.expected_date_of_birth is not None:
            # A birth date replaces the expected one: the child has been born.
            change.fields["expected_date_of_birth"] = None
        if "expected_date_of_birth" in change.fields and person.date_of_birth is not None:
            change.errors.append(
                RowError(
                    "expected_date_of_birth",
                    "birth_date_conflict",
                    "The workbook records this child as born.",
                    409,
                )
            )
        role = change.fields.get("role", person.role)
        expected = change.fields.get("expected_date_of_birth", person.expected_date_of_birth)
        if role != "child" and expected is not None:
            change.errors.append(
                RowError(
                    "role",
                    "birth_date_conflict",
                    "Only a child can have an expected date of birth.",
                )
            )

    def apply(self, person: Person, change: Change) -> None:
        """Set the changed fields (flushed later) and queue the new identifiers."""
        for name, value in change.fields.items():
            setattr(person, name, value)
        self.new_identifiers.extend(change.identifiers)
        for row in change.identifiers:
            self.batch.memory.identifiers[(row["system"], row["value"])] = person.id

    def create(
        self, item: Keyed[PersonRecord], family_id: UUID, *, skip_held: bool = False
    ) -> Outcome:
        """Queue a new person with the record's identifiers and key (`skip_held`: leave out
        identifiers someone else holds, for a manager's decision to create)."""
        record, memory = item.record, self.batch.memory
        person_id = uuid.uuid4()
        values = {name: getattr(record, name) for name in PERSON_FIELDS}
        self.new_people.append(
            {
                **values,
                "id": person_id,
                "family_id": family_id,
                "preferred_name": None,
                "left_household_on": None,
                "version": 1,
            }
        )
        for _, system, value in record_identifiers(record):
            if skip_held and self.holder((system, value)) is not None:
                continue
            self.new_identifiers.append(
                {"id": uuid.uuid4(), "person_id": person_id, "system": system, "value": value}
            )
            memory.identifiers[(system, value)] = person_id
        self.new_keys.append(
            key_row(self.batch.principal, self.batch.system, "person", person_id, item.key)
        )
        memory.keyed_people.add(person_id)
        memory.person_families[person_id] = family_id
        return Outcome(item.row, item.key, "created", person_id)

    def link(
        self,
        item: Keyed[PersonRecord],
        person: Person,
        family_id: UUID,
        basis: str,
        *,
        decided: bool = False,
    ) -> Outcome:
        """Give an existing person the record's key and apply what it says."""
        change = self.change(item.record, person, family_id, decided=decided)
        if change.errors:
            return Outcome.failed(item, *change.errors)
        self.apply(person, change)
        self.new_keys.append(
            key_row(self.batch.principal, self.batch.system, "person", person.id, item.key, basis)
        )
        self.batch.memory.keyed_people.add(person.id)
        outcome = Outcome(item.row, item.key, "linked", person.id, matched_on=basis)
        outcome.withheld = change.withheld
        return outcome

    def review(
        self, item: Keyed[PersonRecord], family_id: UUID, candidates: list[Candidate]
    ) -> Outcome:
        """Queue the record for a manager of every team concerned; nothing of it is applied."""
        teams = {self.teams[family_id]} | {c.owning_team_id for c in candidates if c.owning_team_id}
        outcome = Outcome(item.row, item.key, "review")
        self.reviews.append(_Review(item, family_id, teams, candidates, outcome))
        return outcome

    async def write(self) -> None:
        """Write the chunk: new people, identifiers and keys, changes, reviews."""
        session = self.session
        await repository.insert_rows(session, Person, self.new_people)
        await repository.insert_rows(session, PersonIdentifier, self.new_identifiers)
        await repository.add_keys(session, self.new_keys)
        await session.flush()
        for review in self.reviews:
            review.outcome.review_id = await self._store_review(review)

    async def _store_review(self, review: _Review) -> UUID:
        table = repository.table_of(MatchReview)
        values = {
            "id": uuid.uuid4(),
            "status": "pending",
            "system": self.batch.system,
            "external_id": review.item.key,
            "family_id": review.family_id,
            "team_ids": sorted(review.team_ids),
            "record": review.item.record.model_dump(mode="json"),
            "candidates": [c.as_json() for c in review.candidates],
            "import_job_id": self.batch.import_job_id,
            "import_row": review.item.row or None,
            "requested_by_practitioner_id": self.batch.principal.practitioner_id,
            "version": 1,
        }
        statement = pg_insert(table).values(values)
        refreshed = ("family_id", "team_ids", "record", "candidates", "import_job_id", "import_row")
        stored = await session_scalar(
            self.session,
            statement.on_conflict_do_update(
                index_elements=["system", "external_id"],
                index_where=table.c.status == "pending",
                set_={
                    **{name: statement.excluded[name] for name in refreshed},
                    "version": table.c.version + 1,
                },
                # The same question asked again changes nothing.
                where=(table.c.record != statement.excluded.record)
                | (table.c.candidates != statement.excluded.candidates),
            ).returning(table.c.id),
        )
        if stored is not None:
            return stored
        pending = await session_scalar(
            self.session,
            select(table.c.id).where(
                table.c.system == self.batch.system,
                table.c.external_id == review.item.key,
                table.c.status == "pending",
            ),
        )
        assert pending is not None
        return pending


async def session_scalar(session: AsyncSession, statement: Any) -> UUID | None:
    """The one id a statement returns, if any."""
    found: UUID | None = await session.scalar(statement)
    return found


async def upsert_people(batch: Batch, items: list[Keyed[PersonRecord]]) -> list[Outcome]:
    """Apply a chunk of person records."""
    chunk = PeopleChunk(batch)
    await chunk.load(items)
    outcomes = []
    for index, item in enumerate(items, start=1):
        outcomes.append(chunk.decide(item))
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    await chunk.write()
    return outcomes
