"""Break-glass: a practitioner opens a case they cannot see, for a while, saying why.

A grant is looked up by case id, which the practitioner has from another channel (the system of
record, a referral): a missing case is 404, but the existence of an id someone already holds is
not the secret; its content is. Grants are audited, published so the owning team's manager is
told, listed for managers, expire by time and can be revoked. They give the access an allocated
practitioner has, except restricted detail (access/visibility.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import Forbidden, NotFound, ProblemError, invalid
from services.outbox import publish
from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.principal import Principal
from workbook_api.access.models import BreakGlassGrant
from workbook_api.access.repository import CaseAccess
from workbook_api.cases.events import EVENT_PREFIX, SOURCE
from workbook_api.cases.models import Case
from workbook_api.models import kernel
from workbook_api.settings import WorkbookSettings

GRANT_ORDER = Keyset((BreakGlassGrant.granted_at, aware_datetime), (BreakGlassGrant.id, uuid_value))


def _validation(field: str, message: str) -> ProblemError:
    return invalid("body", field, message=message, code="value_error")


async def publish_grant_event(
    session: AsyncSession, grant: BreakGlassGrant, case: Case, name: str
) -> None:
    """Flag a grant to the owning team; the justification stays in the workbook."""
    await publish(
        session,
        kernel.outbox_event,
        type=f"{EVENT_PREFIX}.break_glass.{name}",
        source=SOURCE,
        subject=f"cases/{case.id}/break-glass/{grant.id}",
        data={
            "grant_id": grant.id,
            "case_id": case.id,
            "practitioner_id": grant.practitioner_id,
            "practitioner_name": grant.practitioner_name,
            "discipline": grant.discipline,
            "granted_at": grant.granted_at,
            "expires_at": grant.expires_at,
            "revoked_at": grant.revoked_at,
        },
        team_id=case.owning_team_id,
    )


async def grant_break_glass(
    session: AsyncSession,
    principal: Principal,
    case_id: UUID,
    *,
    justification: str,
    duration_minutes: int,
    settings: WorkbookSettings,
) -> tuple[BreakGlassGrant, Case]:
    """Open a case to the caller for a limited time."""
    if not principal.has_role("practitioner"):
        raise Forbidden("Only practitioners can use break-glass access.")
    if len(justification) < settings.break_glass_min_justification:
        raise _validation(
            "justification",
            f"Explain why in at least {settings.break_glass_min_justification} characters.",
        )
    if duration_minutes > settings.break_glass_max_minutes:
        raise _validation(
            "duration_minutes", f"At most {settings.break_glass_max_minutes} minutes."
        )
    case = await session.scalar(select(Case).where(Case.id == case_id))
    if case is None:
        raise NotFound("case")
    now = await transaction_now(session)
    grant = BreakGlassGrant(
        case_id=case.id,
        practitioner_id=principal.practitioner_id,
        practitioner_subject=principal.subject,
        practitioner_name=principal.display_name,
        discipline=principal.discipline,
        justification=justification,
        granted_at=now,
        expires_at=now + timedelta(minutes=duration_minutes),
    )
    session.add(grant)
    await session.flush()
    await publish_grant_event(session, grant, case, "granted")
    return grant, case


async def list_grants(
    session: AsyncSession,
    principal: Principal,
    page: PageRequest,
    *,
    team_id: UUID | None,
    active_only: bool,
) -> tuple[list[tuple[BreakGlassGrant, Case]], str | None, datetime]:
    """Grants on cases owned by the teams the caller manages, newest first, and the time now."""
    if not principal.managed_team_ids:
        raise Forbidden("Only team managers can list break-glass use.")
    if team_id is not None and team_id not in principal.managed_team_ids:
        raise Forbidden("You can list break-glass use only for teams you manage.")
    teams = [team_id] if team_id is not None else list(principal.managed_team_ids)
    now = await transaction_now(session)
    query = (
        select(BreakGlassGrant, Case)
        .join(Case, Case.id == BreakGlassGrant.case_id)
        .where(Case.owning_team_id.in_(teams))
    )
    if active_only:
        query = query.where(BreakGlassGrant.expires_at > now, BreakGlassGrant.revoked_at.is_(None))
    rows = [(grant, case) for grant, case in await session.execute(GRANT_ORDER.apply(query, page))]
    items, next_cursor = GRANT_ORDER.page(rows, page, lambda row: (row[0].granted_at, row[0].id))
    return items, next_cursor, now


async def revoke_grant(
    session: AsyncSession, access: CaseAccess, grant_id: UUID
) -> BreakGlassGrant:
    """End a grant now (the caller manages the case)."""
    grant = await session.scalar(
        select(BreakGlassGrant)
        .where(BreakGlassGrant.id == grant_id, BreakGlassGrant.case_id == access.case.id)
        .with_for_update()
    )
    if grant is None:
        raise NotFound("break-glass grant")
    now = await transaction_now(session)
    if grant.revoked_at is not None or grant.expires_at <= now:
        raise ProblemError(409, "grant-not-active", "This grant has already ended.")
    grant.revoked_at = now
    grant.revoked_by_practitioner_id = access.principal.practitioner_id
    await session.flush()
    await publish_grant_event(session, grant, access.case, "revoked")
    return grant
