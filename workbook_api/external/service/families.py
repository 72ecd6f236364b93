"""Families by external id: created with their key, renamed; never moved between teams here."""

from __future__ import annotations

import asyncio
import uuid

from workbook_api.external import repository
from workbook_api.external.schemas import FamilyRecord
from workbook_api.external.service.batch import (
    YIELD_EVERY,
    Batch,
    Keyed,
    Outcome,
    RowError,
    duplicate_key,
)
from workbook_api.external.service.keys import key_row
from workbook_api.families.models import Family


def team_differs(field: str) -> RowError:
    """A record that would move between teams: a transfer is the teams' decision, not a feed's."""
    return RowError(
        field,
        "owning_team_differs",
        "The workbook has this record in another team; a transfer is not made by the system "
        "of record.",
        409,
    )


async def upsert_families(batch: Batch, items: list[Keyed[FamilyRecord]]) -> list[Outcome]:
    """Create the families the keys do not name yet and rename those whose name changed."""
    session = batch.session
    known = await repository.record_ids_by_keys(
        session, "family", batch.system, [item.key for item in items]
    )
    families = await repository.families_by_id(session, set(known.values()), lock=True)
    outcomes: list[Outcome] = []
    new_families: list[dict[str, object]] = []
    new_keys: list[dict[str, object]] = []
    for index, item in enumerate(items, start=1):
        if index % YIELD_EVERY == 0:
            await asyncio.sleep(0)
        if (error := duplicate_key(batch, item)) is not None:
            outcomes.append(Outcome.failed(item, error))
            continue
        record = item.record
        known_id = known.get(item.key)
        family = families[known_id] if known_id is not None else None
        if family is None:
            family_id = uuid.uuid4()
            new_families.append(
                {
                    "id": family_id,
                    "name": record.name,
                    "owning_team_id": record.owning_team_id,
                    "created_by_practitioner_id": batch.principal.practitioner_id,
                    "version": 1,
                }
            )
            new_keys.append(key_row(batch.principal, batch.system, "family", family_id, item.key))
            outcomes.append(Outcome(item.row, item.key, "created", family_id))
        elif family.owning_team_id != record.owning_team_id:
            outcomes.append(Outcome.failed(item, team_differs("owning_team_id")))
        elif family.name != record.name:
            batch.before_change(family.id, family.version)
            family.name = record.name
            outcomes.append(Outcome(item.row, item.key, "updated", family.id))
        else:
            outcomes.append(Outcome(item.row, item.key, "unchanged", family.id))
    await repository.insert_rows(session, Family, new_families)
    await repository.add_keys(session, new_keys)
    await session.flush()
    return outcomes
