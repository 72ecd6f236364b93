"""Applying snapshots to the projection: the newest version wins, whatever order they arrive in.

Each snapshot is an upsert that replaces the stored row only when its version is greater, in
one statement: an older or equal version is a no-op, so duplicated, reordered and
missed-then-replayed deliveries all converge on the newest snapshot. PostgreSQL re-checks the
version against the latest committed row when two deliveries of one record race, so the
newer one wins there too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, delete, func, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import (
    AllocationSnapshot,
    CaseSnapshot,
    PractitionerSnapshot,
    TeamSnapshot,
)
from services.events import CloudEvent
from services.inbox import EventNotApplicable
from services.projection.tables import ProjectionTables

Snapshot = TypeVar("Snapshot", bound=BaseModel)


def read_snapshot(contract: type[Snapshot], event: CloudEvent) -> Snapshot:
    """The event's data as `contract`; an unreadable one is dead-lettered for an operator."""
    try:
        return contract.model_validate(event.data)
    except ValidationError:
        # Name the contract, never echo the data.
        raise EventNotApplicable(f"The {contract.__name__} is not readable.") from None


async def upsert_newer(session: AsyncSession, table: Table, values: Mapping[str, Any]) -> bool:
    """Store `values` (keyed by `id`) unless a row as new is held; True when stored."""
    statement = pg_insert(table).values({**values, "projected_at": func.now()})
    stored = await session.scalar(
        statement.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={name: statement.excluded[name] for name in (*values, "projected_at")},
            where=table.c.version < statement.excluded.version,
        ).returning(table.c.id)
    )
    return stored is not None


async def apply_case(session: AsyncSession, tables: ProjectionTables, case: CaseSnapshot) -> bool:
    """Keep the case's newest snapshot; True when this one was it."""
    return await upsert_newer(
        session,
        tables.cases,
        {
            "id": case.case_id,
            "family_id": case.family_id,
            "owning_team_id": case.owning_team_id,
            "status": case.status,
            "kind": case.kind,
            "opened_at": case.opened_at,
            "closed_at": case.closed_at,
            "episode_number": case.episode_number,
            "version": case.version,
        },
    )


async def apply_allocation(
    session: AsyncSession, tables: ProjectionTables, allocation: AllocationSnapshot
) -> bool:
    """Keep the allocation's newest snapshot; True when this one was it."""
    return await upsert_newer(
        session,
        tables.allocations,
        {
            "id": allocation.allocation_id,
            "case_id": allocation.case_id,
            "practitioner_id": allocation.practitioner_id,
            "discipline": allocation.discipline,
            "is_allocated_social_worker": allocation.is_allocated_social_worker,
            "starts_at": allocation.starts_at,
            "ends_at": allocation.ends_at,
            "version": allocation.version,
        },
    )


async def apply_practitioner(
    session: AsyncSession, tables: ProjectionTables, practitioner: PractitionerSnapshot
) -> bool:
    """Keep the practitioner's newest snapshot, memberships included; True when stored."""
    stored = await upsert_newer(
        session,
        tables.practitioners,
        {
            "id": practitioner.practitioner_id,
            "display_name": practitioner.display_name,
            "discipline": practitioner.discipline,
            "roles": sorted(practitioner.roles),
            "active": practitioner.active,
            "version": practitioner.version,
        },
    )
    if stored:
        # The upsert holds the practitioner's row lock, so no other delivery interleaves here.
        memberships = tables.memberships
        await session.execute(
            delete(memberships).where(memberships.c.practitioner_id == practitioner.practitioner_id)
        )
        if practitioner.memberships:
            await session.execute(
                insert(memberships),
                [
                    {
                        "practitioner_id": practitioner.practitioner_id,
                        "position": position,
                        "team_id": m.team_id,
                        "role_in_team": m.role_in_team,
                        "valid_from": m.valid_from,
                        "valid_to": m.valid_to,
                    }
                    for position, m in enumerate(practitioner.memberships)
                ],
            )
    return stored


async def apply_team(session: AsyncSession, tables: ProjectionTables, team: TeamSnapshot) -> bool:
    """Keep the team's newest snapshot; True when this one was it."""
    return await upsert_newer(
        session,
        tables.teams,
        {
            "id": team.team_id,
            "name": team.name,
            "code": team.code,
            "active": team.active,
            "version": team.version,
        },
    )
