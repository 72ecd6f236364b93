"""Cadence: settings per team and per case, and each open case's due date and standing."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.pagination import PageRequest, decode_cursor, invalid_cursor, split_page
from services.principal import Principal
from services.projection import ProjectedCase
from services.working_days import ENGLAND, local_date
from supervision_api.cadence import repository
from supervision_api.cadence.due import Cadence, due_on, due_status
from supervision_api.cadence.models import CaseCadence, TeamCadence
from supervision_api.cadence.schemas import (
    CaseCadenceIn,
    CaseCadenceOut,
    DueCase,
    DueList,
    TeamCadenceIn,
    TeamCadenceOut,
)
from supervision_api.meetings import repository as meetings

DueFilter = Literal["overdue", "due_soon", "attention", "all"]


def team_view(team_id: UUID, stored: TeamCadence | None) -> TeamCadenceOut:
    """A team's cadence as the API shows it."""
    cadence = effective(stored, None)
    return TeamCadenceOut(
        team_id=team_id,
        interval_days=cadence.interval_days,
        first_due_working_days=cadence.first_due_working_days,
        due_soon_working_days=cadence.due_soon_working_days,
        is_default=stored is None,
        updated_at=stored.updated_at if stored else None,
    )


def effective(
    team: TeamCadence | None,
    case: CaseCadence | None = None,
    *,
    case_interval: int | None = None,
    case_first_due: int | None = None,
) -> Cadence:
    """The case's own members over the team's over the defaults."""
    base = Cadence()
    if team is not None:
        base = Cadence(team.interval_days, team.first_due_working_days, team.due_soon_working_days)
    if case is not None:
        case_interval, case_first_due = case.interval_days, case.first_due_working_days
    return Cadence(
        case_interval or base.interval_days,
        case_first_due or base.first_due_working_days,
        base.due_soon_working_days,
    )


async def get_team(session: AsyncSession, team_id: UUID) -> TeamCadenceOut:
    """The team's cadence."""
    return team_view(team_id, await repository.team_cadence(session, team_id))


async def set_team(
    session: AsyncSession, team_id: UUID, principal: Principal, body: TeamCadenceIn
) -> TeamCadenceOut:
    """Replace the team's cadence setting."""
    stored = await repository.team_cadence_for_update(session, team_id)
    if stored is None:
        stored = TeamCadence(team_id=team_id)
        session.add(stored)
    stored.interval_days = body.interval_days
    stored.first_due_working_days = body.first_due_working_days
    stored.due_soon_working_days = body.due_soon_working_days
    stored.updated_by = principal.practitioner_id
    await session.flush()
    return team_view(team_id, stored)


async def today(session: AsyncSession) -> date:
    """Today in England, on the transaction's clock."""
    return local_date(await transaction_now(session))


async def case_view(session: AsyncSession, case: ProjectedCase) -> CaseCadenceOut:
    """The cadence in force for the case and its due date."""
    own = await repository.case_cadence(session, case.id)
    cadence = effective(await repository.team_cadence(session, case.owning_team_id), own)
    last = own.last_gcs_at if own else None
    due = due_on(cadence, case.opened_at, last)
    now = local_date(case.now)
    return CaseCadenceOut(
        case_id=case.id,
        interval_days=cadence.interval_days,
        first_due_working_days=cadence.first_due_working_days,
        own_interval_days=own.interval_days if own else None,
        own_first_due_working_days=own.first_due_working_days if own else None,
        last_gcs_at=last,
        due_on=due,
        status=due_status(due, now, cadence),
        working_days_left=ENGLAND.between(now, due),
    )


async def set_case(
    session: AsyncSession, case: ProjectedCase, body: CaseCadenceIn
) -> CaseCadenceOut:
    """Set the case's own cadence members (null: follow the team)."""
    own = await repository.case_cadence(session, case.id, lock=True)
    if own is None:
        own = CaseCadence(case_id=case.id)
        session.add(own)
    own.interval_days = body.interval_days
    own.first_due_working_days = body.first_due_working_days
    own.updated_by = case.principal.practitioner_id
    await session.flush()
    return await case_view(session, case)


def _wanted(status: str, which: DueFilter) -> bool:
    if which == "all":
        return True
    if which == "attention":
        return status != "not_due"
    return status == which


def _after(cursor: str | None) -> tuple[date, UUID] | None:
    """The (due date, case id) a page starts after; a cursor this list did not make is a 400."""
    if cursor is None:
        return None
    due, case_id = decode_cursor(cursor, 2)
    try:
        return date.fromisoformat(str(due)), UUID(str(case_id))
    except ValueError as exc:
        raise invalid_cursor() from exc


def _sort_key(item: DueCase) -> tuple[date, str]:
    return item.due_on, str(item.case_id)


def _cursor_key(item: DueCase) -> list[Any]:
    return [item.due_on.isoformat(), item.case_id]


async def due_list(
    session: AsyncSession,
    principal: Principal,
    *,
    team_id: UUID | None = None,
    practitioner_id: UUID | None = None,
    which: DueFilter = "attention",
    page: PageRequest | None = None,
) -> DueList:
    """Open cases (of a team, or a practitioner's) with their due dates, most urgent first, a
    page at a time.

    The order is the due date, then the case id, and a cursor is the last item's pair, so a
    page follows on from the one before however cases open, close or fall due meanwhile (the
    kernel's keyset rule). Due dates come from cadence on the working-day calendar, not from a
    column, so the bound is applied here: the query reads the open cases the caller may see (a
    team's caseload), and only the page's cases are looked up for their next meeting.
    """
    after = _after(page.cursor) if page else None
    rows = await repository.open_cases(
        session, principal, team_id=team_id, practitioner_id=practitioner_id
    )
    teams = await repository.team_cadences(session, {row.owning_team_id for row in rows})
    now = await today(session)
    items = [
        item for item in (_due_case(row, teams, now) for row in rows) if _wanted(item.status, which)
    ]
    items.sort(key=_sort_key)
    if after is not None:
        bound = (after[0], str(after[1]))
        items = [item for item in items if _sort_key(item) > bound]
    next_cursor = None
    if page is not None:
        items, next_cursor = split_page(items, page.limit, _cursor_key)
    booked = await meetings.next_meetings(session, [item.case_id for item in items])
    for item in items:
        item.next_meeting_at = booked.get(item.case_id)
    return DueList(today=now, items=items, next_cursor=next_cursor)


def _due_case(row: repository.OpenCase, teams: dict[UUID, TeamCadence], now: date) -> DueCase:
    cadence = effective(
        teams.get(row.owning_team_id),
        case_interval=row.interval_days,
        case_first_due=row.first_due_working_days,
    )
    due = due_on(cadence, row.opened_at, row.last_gcs_at)
    return DueCase(
        case_id=row.id,
        family_id=row.family_id,
        team_id=row.owning_team_id,
        opened_at=row.opened_at,
        last_gcs_at=row.last_gcs_at,
        due_on=due,
        status=due_status(due, now, cadence),
        working_days_left=ENGLAND.between(now, due),
    )
