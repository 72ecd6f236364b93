"""Load-or-404 dependency for a session of an enrolment, as the caller may see it."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Path
from sqlalchemy import Row

from intervention_api.enrolments.dependencies import EnrolmentOnCase
from intervention_api.sessions import repository
from services.errors import NotFound
from services.unit_of_work import DbSession

SessionId = Annotated[UUID, Path(description="The session")]


async def load_session_row(
    session: DbSession, target: EnrolmentOnCase, session_id: UUID, *, lock: bool = False
) -> Row[Any]:
    """The session row with its detail as the caller may see it, or 404."""
    row = await repository.load(session, target.case, target.enrolment.id, session_id, lock=lock)
    if row is None:
        raise NotFound("session")
    return row
