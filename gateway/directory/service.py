"""Directory reads and writes; who may see what is decided inside each query."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory import events
from gateway.directory.administrators import guard_deactivation, guard_roles_change
from gateway.directory.models import (
    Discipline,
    Practitioner,
    Team,
    TeamMembership,
)
from gateway.directory.schemas import (
    MembershipCreate,
    PractitionerCreate,
    TeamCreate,
)
from services.errors import NotFound, ProblemError

LONDON = ZoneInfo("Europe/London")


def london_today() -> date:
    """Today's date where the councils work; memberships change at local midnight."""
    return datetime.now(LONDON).date()


def is_current(today: date) -> ColumnElement[bool]:
    """Memberships in force on `today` (valid_from inclusive, valid_to exclusive)."""
    return and_(
        or_(TeamMembership.valid_from.is_(None), TeamMembership.valid_from <= today),
        or_(TeamMembership.valid_to.is_(None), TeamMembership.valid_to > today),
    )


@dataclass(frozen=True, slots=True)
class DirectoryScope:
    """Which teams' records a reader may see: all of them, or those they manage."""

    all_teams: bool
    team_ids: frozenset[UUID] = frozenset()

    @classmethod
    def everything(cls) -> DirectoryScope:
        return cls(all_teams=True)


def _in_scope_practitioner(scope: DirectoryScope, today: date) -> ColumnElement[bool] | None:
    if scope.all_teams:
        return None
    return exists().where(
        TeamMembership.practitioner_id == Practitioner.id,
        TeamMembership.team_id.in_(scope.team_ids),
        is_current(today),
    )


# --- disciplines ---------------------------------------------------------------------------


async def list_disciplines(session: AsyncSession) -> Sequence[Discipline]:
    """Every discipline, active first, then by label."""
    result = await session.scalars(
        select(Discipline).order_by(Discipline.active.desc(), Discipline.label)
    )
    return result.all()


async def require_discipline(session: AsyncSession, code: str) -> Discipline:
    """Return an active discipline or refuse the request."""
    discipline = await session.get(Discipline, code)
    if discipline is None or not discipline.active:
        raise ProblemError(422, "unknown-discipline", f"There is no active discipline {code!r}.")
    return discipline


# --- teams ---------------------------------------------------------------------------------


async def list_teams(
    session: AsyncSession,
    scope: DirectoryScope,
    *,
    limit: int,
    after: tuple[str, UUID] | None,
    active: bool | None,
) -> Sequence[Team]:
    """Up to limit+1 teams in (name, id) order after the cursor."""
    stmt = select(Team)
    if not scope.all_teams:
        stmt = stmt.where(Team.id.in_(scope.team_ids))
    if active is not None:
        stmt = stmt.where(Team.active.is_(active))
    if after is not None:
        stmt = stmt.where(tuple_(Team.name, Team.id) > tuple_(*after))
    result = await session.scalars(stmt.order_by(Team.name, Team.id).limit(limit + 1))
    return result.all()


async def get_team(session: AsyncSession, scope: DirectoryScope, team_id: UUID) -> Team:
    """Return a team the reader may see; anything else is 404."""
    stmt = select(Team).where(Team.id == team_id)
    if not scope.all_teams:
        stmt = stmt.where(Team.id.in_(scope.team_ids))
    team = await session.scalar(stmt)
    if team is None:
        raise NotFound("team")
    return team


async def _refuse_duplicate_team(
    session: AsyncSession, name: str | None, code: str | None, except_id: UUID | None = None
) -> None:
    clauses = []
    if name is not None:
        clauses.append(Team.name == name)
    if code is not None:
        clauses.append(Team.code == code)
    if not clauses:
        return
    stmt = select(Team.id).where(or_(*clauses))
    if except_id is not None:
        stmt = stmt.where(Team.id != except_id)
    if await session.scalar(stmt.limit(1)) is not None:
        raise ProblemError(409, "team-exists", "Another team already has this name or code.")


async def create_team(session: AsyncSession, data: TeamCreate) -> Team:
    """Add a team."""
    await _refuse_duplicate_team(session, data.name, data.code)
    team = Team(id=uuid.uuid4(), name=data.name, code=data.code, active=True)
    session.add(team)
    await session.flush()
    await events.team_changed(session, team)
    return team


async def update_team(session: AsyncSession, team: Team, changes: dict[str, Any]) -> list[str]:
    """Apply changes; return the names of the fields that actually changed."""
    await _refuse_duplicate_team(session, changes.get("name"), changes.get("code"), team.id)
    changed = _apply(team, changes)
    if changed:
        team.updated_at = datetime.now(UTC)
        await session.flush()
        await events.team_changed(session, team)
    return changed


# --- practitioners -------------------------------------------------------------------------


async def list_practitioners(
    session: AsyncSession,
    scope: DirectoryScope,
    *,
    limit: int,
    after: tuple[str, UUID] | None,
    team_id: UUID | None,
    active: bool | None,
    today: date,
) -> Sequence[Practitioner]:
    """Up to limit+1 practitioners in (display_name, id) order after the cursor."""
    stmt = select(Practitioner)
    visible = _in_scope_practitioner(scope, today)
    if visible is not None:
        stmt = stmt.where(visible)
    if team_id is not None:
        stmt = stmt.where(
            exists().where(
                TeamMembership.practitioner_id == Practitioner.id,
                TeamMembership.team_id == team_id,
                is_current(today),
            )
        )
    if active is not None:
        stmt = stmt.where(Practitioner.active.is_(active))
    if after is not None:
        stmt = stmt.where(tuple_(Practitioner.display_name, Practitioner.id) > tuple_(*after))
    stmt = stmt.order_by(Practitioner.display_name, Practitioner.id).limit(limit + 1)
    return (await session.scalars(stmt)).all()


async def get_practitioner(
    session: AsyncSession, scope: DirectoryScope, practitioner_id: UUID, today: date
) -> Practitioner:
    """Return a practitioner the reader may see; anything else is 404."""
    stmt = select(Practitioner).where(Practitioner.id == practitioner_id)
    visible = _in_scope_practitioner(scope, today)
    if visible is not None:
        stmt = stmt.where(visible)
    practitioner = await session.scalar(stmt)
    if practitioner is None:
        raise NotFound("practitioner")
    return practitioner


async def create_practitioner(session: AsyncSession, data: PractitionerCreate) -> Practitioner:
    """Add a practitioner."""
    await require_discipline(session, data.discipline)
    taken = await session.scalar(
        select(Practitioner.id).where(Practitioner.subject == data.subject)
    )
    if taken is not None:
        raise ProblemError(
            409, "practitioner-exists", "A practitioner with this subject already exists."
        )
    practitioner = Practitioner(
        id=uuid.uuid4(),
        subject=data.subject,
        display_name=data.display_name,
        email=data.email,
        discipline_code=data.discipline,
        roles=list(data.roles),
        active=True,
    )
    session.add(practitioner)
    await session.flush()
    await events.practitioner_changed(session, practitioner)
    return practitioner


async def update_practitioner(
    session: AsyncSession, practitioner: Practitioner, changes: dict[str, Any]
) -> list[str]:
    """Apply changes; return the names of the fields that actually changed."""
    await guard_roles_change(session, practitioner, changes.get("roles"))
    if "discipline" in changes:
        await require_discipline(session, changes["discipline"])
        # The column is discipline_code; the API (and the audit's field names) say discipline.
        changes = {
            ("discipline_code" if name == "discipline" else name): value
            for name, value in changes.items()
        }
    changed = _apply(practitioner, changes)
    if changed:
        practitioner.updated_at = datetime.now(UTC)
        await session.flush()
        await events.practitioner_changed(session, practitioner)
    return ["discipline" if name == "discipline_code" else name for name in changed]


async def set_practitioner_active(
    session: AsyncSession, practitioner: Practitioner, active: bool, *, actor_id: UUID
) -> bool:
    """Activate or deactivate; tell whether anything changed.

    Nobody deactivates themselves, and the last active administrator stays active.
    """
    if not active:
        await guard_deactivation(session, practitioner, actor_id)
    changed = _apply(practitioner, {"active": active})
    if changed:
        practitioner.updated_at = datetime.now(UTC)
        await session.flush()
        await events.practitioner_changed(session, practitioner)
    return bool(changed)


def _apply(record: Any, changes: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in changes.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    return changed


# --- memberships ---------------------------------------------------------------------------


async def list_memberships(
    session: AsyncSession, scope: DirectoryScope, practitioner_id: UUID
) -> Sequence[tuple[TeamMembership, str]]:
    """A practitioner's memberships (newest first) in teams the reader may see."""
    stmt = (
        select(TeamMembership, Team.name)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(TeamMembership.practitioner_id == practitioner_id)
    )
    if not scope.all_teams:
        stmt = stmt.where(TeamMembership.team_id.in_(scope.team_ids))
    stmt = stmt.order_by(TeamMembership.created_at.desc(), TeamMembership.id)
    rows = (await session.execute(stmt)).all()
    return [(membership, name) for membership, name in rows]


async def add_membership(
    session: AsyncSession, practitioner: Practitioner, data: MembershipCreate
) -> tuple[TeamMembership, Team]:
    """Put a practitioner in a team; one open membership per team at a time."""
    team = await session.get(Team, data.team_id)
    if team is None:
        raise ProblemError(422, "unknown-team", "There is no such team.")
    if not team.active:
        raise ProblemError(422, "inactive-team", "The team is inactive.")
    open_already = await session.scalar(
        select(TeamMembership.id).where(
            TeamMembership.practitioner_id == practitioner.id,
            TeamMembership.team_id == team.id,
            TeamMembership.valid_to.is_(None),
        )
    )
    if open_already is not None:
        raise ProblemError(
            409, "membership-exists", "The practitioner already has an open membership here."
        )
    membership = TeamMembership(
        id=uuid.uuid4(),
        practitioner_id=practitioner.id,
        team_id=team.id,
        role_in_team=data.role_in_team,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
    )
    session.add(membership)
    await session.flush()
    await events.practitioner_changed(session, practitioner, memberships_changed=True)
    return membership, team


async def end_membership(
    session: AsyncSession, practitioner_id: UUID, membership_id: UUID, valid_to: date
) -> tuple[TeamMembership, str]:
    """End a membership on `valid_to` (exclusive); ending it again is refused."""
    stmt = (
        select(TeamMembership, Team.name)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(
            TeamMembership.id == membership_id,
            TeamMembership.practitioner_id == practitioner_id,
        )
        .with_for_update(of=TeamMembership)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        raise NotFound("membership")
    membership, team_name = row
    if membership.valid_to is not None:
        raise ProblemError(409, "membership-ended", "This membership has already ended.")
    if membership.valid_from is not None and valid_to < membership.valid_from:
        raise ProblemError(422, "invalid-period", "A membership cannot end before it starts.")
    membership.valid_to = valid_to
    await session.flush()
    practitioner = await session.get(Practitioner, practitioner_id)
    assert practitioner is not None  # the membership's foreign key holds
    await events.practitioner_changed(session, practitioner, memberships_changed=True)
    return membership, team_name
