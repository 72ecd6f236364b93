"""SCIM Groups: teams a SCIM client provisioned, their members the team's current members.

A Group is a team (`displayName` is its name, unique). Its members are the practitioners this
client provisioned who hold an open membership of the team; adding one opens a `member`
membership from today, removing one ends it today (history is kept). Who *manages* a team is
not provisioned: it stays an administrator's decision in the directory, and a manager the
client also lists keeps their membership as manager. Memberships an administrator gave to
practitioners the client did not provision are invisible to it and left alone. Deleting a
Group deactivates the team.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from scim2_models import Meta
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory import events
from gateway.directory.models import Practitioner, ScimGroup, ScimUser, Team, TeamMembership
from gateway.directory.service import london_today
from gateway.scim.credentials import ScimCaller
from gateway.scim.errors import not_found
from gateway.scim.filters import Column, filter_clause
from gateway.scim.provisioning import conflict, invalid_value
from gateway.scim.resources import TeamGroup, TeamMember
from gateway.scim.users import _EXTERNAL_ID, _TEXT

COLUMNS: Final = {
    "id": Column(Team.id, case_exact=True),
    "displayName": Column(Team.name),
    "externalId": Column(ScimGroup.external_id, case_exact=True),
}

Row = tuple[Team, ScimGroup]


def _visible(caller: ScimCaller) -> Any:
    return select(Team, ScimGroup).join(
        ScimGroup, (ScimGroup.team_id == Team.id) & (ScimGroup.client == caller.name)
    )


async def members_of(
    session: AsyncSession, caller: ScimCaller, team_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The provisioned members of each team, by team."""
    rows = await session.execute(
        select(TeamMembership.team_id, TeamMembership.practitioner_id)
        .join(
            ScimUser,
            (ScimUser.practitioner_id == TeamMembership.practitioner_id)
            & (ScimUser.client == caller.name),
        )
        .where(TeamMembership.team_id.in_(list(team_ids)), TeamMembership.valid_to.is_(None))
        .order_by(TeamMembership.created_at, TeamMembership.id)
    )
    found: dict[uuid.UUID, list[uuid.UUID]] = {}
    for team_id, practitioner_id in rows:
        found.setdefault(team_id, []).append(practitioner_id)
    return found


def to_resource(
    row: Row, members: Sequence[uuid.UUID], location: str, user_location: str
) -> TeamGroup:
    """The team as a SCIM Group."""
    team, link = row
    return TeamGroup(
        id=str(team.id),
        external_id=link.external_id,
        display_name=team.name,
        members=[TeamMember(value=str(m), ref=f"{user_location}/{m}", type="User") for m in members]
        or None,
        meta=Meta(
            resource_type="Group",
            created=link.created_at,
            last_modified=team.updated_at,
            location=location,
            version=f'W/"{team.version}"',
        ),
    )


async def get_group(session: AsyncSession, caller: ScimCaller, group_id: str) -> Row:
    """The group with this id, if this client provisioned it; 404 otherwise."""
    try:
        team_id = uuid.UUID(group_id)
    except ValueError:
        raise not_found("Group") from None
    row = (
        await session.execute(_visible(caller).where(Team.id == team_id).with_for_update())
    ).one_or_none()
    if row is None:
        raise not_found("Group")
    return row[0], row[1]


async def list_groups(
    session: AsyncSession, caller: ScimCaller, filter_text: str | None, start: int, count: int
) -> tuple[int, Sequence[Row]]:
    """The total matching and one page of them, oldest first."""
    condition = filter_clause(filter_text, COLUMNS)
    total = await session.scalar(
        select(func.count()).select_from(_visible(caller).where(condition).subquery())
    )
    rows = (
        await session.execute(
            _visible(caller)
            .where(condition)
            .order_by(ScimGroup.created_at, ScimGroup.team_id)
            .offset(start - 1)
            .limit(count)
        )
    ).all()
    return int(total or 0), [(team, link) for team, link in rows]


def _clean(desired: TeamGroup) -> tuple[str, str | None, set[uuid.UUID]]:
    name = (desired.display_name or "").strip()
    if not _TEXT.match(name):
        raise invalid_value("displayName must be 1-200 printable characters.")
    if desired.external_id is not None and not _EXTERNAL_ID.match(desired.external_id):
        raise invalid_value("externalId must be 1-255 printable characters.")
    members: set[uuid.UUID] = set()
    for member in desired.members or ():
        try:
            members.add(uuid.UUID(str(member.value)))
        except ValueError:
            raise invalid_value("A member's value must be the id of a User.") from None
    return name, desired.external_id, members


async def _refuse_taken(session: AsyncSession, name: str, except_id: uuid.UUID | None) -> None:
    clash = select(Team.id).where(func.lower(Team.name) == name.lower())
    if except_id is not None:
        clash = clash.where(Team.id != except_id)
    if await session.scalar(clash.limit(1)) is not None:
        raise conflict("Another team already has this displayName.")


async def _set_members(
    session: AsyncSession, caller: ScimCaller, team: Team, wanted: set[uuid.UUID]
) -> set[uuid.UUID]:
    known = set(
        await session.scalars(
            select(ScimUser.practitioner_id).where(
                ScimUser.client == caller.name, ScimUser.practitioner_id.in_(wanted)
            )
        )
    )
    if known != wanted:
        raise invalid_value("Every member must be a User this client provisioned.")
    current = {
        m.practitioner_id: m
        for m in await session.scalars(
            select(TeamMembership)
            .join(
                ScimUser,
                (ScimUser.practitioner_id == TeamMembership.practitioner_id)
                & (ScimUser.client == caller.name),
            )
            .where(TeamMembership.team_id == team.id, TeamMembership.valid_to.is_(None))
            .with_for_update(of=TeamMembership)
        )
    }
    today = london_today()
    for practitioner_id in current.keys() - wanted:
        membership = current[practitioner_id]
        membership.valid_to = max(today, membership.valid_from or today)
    for practitioner_id in wanted - current.keys():
        session.add(
            TeamMembership(
                id=uuid.uuid4(),
                practitioner_id=practitioner_id,
                team_id=team.id,
                role_in_team="member",
                valid_from=today,
            )
        )
    await session.flush()
    touched = (current.keys() - wanted) | (wanted - current.keys())
    for practitioner in await session.scalars(
        select(Practitioner).where(Practitioner.id.in_(touched))
    ):
        await events.practitioner_changed(session, practitioner, memberships_changed=True)
    return touched


async def create_group(session: AsyncSession, caller: ScimCaller, desired: TeamGroup) -> Row:
    """Provision a team and its members."""
    name, external_id, members = _clean(desired)
    await _refuse_taken(session, name, None)
    team_id = uuid.uuid4()
    team = Team(id=team_id, name=name, code=f"SCIM-{team_id.hex[:12]}", active=True)
    session.add(team)
    await session.flush()
    link = ScimGroup(team_id=team.id, client=caller.name, external_id=external_id)
    session.add(link)
    await session.flush()
    await events.team_changed(session, team)
    await _set_members(session, caller, team, members)
    return team, link


async def update_group(
    session: AsyncSession, caller: ScimCaller, row: Row, desired: TeamGroup
) -> tuple[list[str], set[uuid.UUID]]:
    """Make the team what the client now says; return what changed and whose membership."""
    team, link = row
    name, external_id, members = _clean(desired)
    changed: list[str] = []
    if name != team.name:
        await _refuse_taken(session, name, team.id)
        team.name = name
        changed.append("displayName")
    if external_id != link.external_id:
        link.external_id = external_id
        changed.append("externalId")
    if "displayName" in changed:
        team.updated_at = datetime.now(UTC)
        await session.flush()
        await events.team_changed(session, team)
    touched = await _set_members(session, caller, team, members)
    if touched:
        changed.append("members")
    return changed, touched


async def delete_group(session: AsyncSession, row: Row) -> None:
    """Deactivate the team and forget the client's link (memberships stay in history)."""
    team, link = row
    team.active = False
    team.updated_at = datetime.now(UTC)
    await session.delete(link)
    await session.flush()
    await events.team_changed(session, team)
