"""Who may use the directory API, and how far their view reaches."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from gateway.directory.administrators import ADMINISTRATOR
from gateway.directory.service import DirectoryScope
from gateway.principals import PrincipalResolver
from services.auth import CurrentPrincipal, require_any_role
from services.errors import Forbidden, ProblemError
from services.pagination import decode_cursor
from services.principal import Principal

TEAM_MANAGER = "team_manager"

Administrator = Annotated[Principal, Depends(require_any_role(ADMINISTRATOR))]


async def reader_scope(principal: CurrentPrincipal) -> DirectoryScope:
    """Administrators see every team; team managers only the teams they manage."""
    if principal.has_role(ADMINISTRATOR):
        return DirectoryScope.everything()
    if principal.has_role(TEAM_MANAGER):
        return DirectoryScope(all_teams=False, team_ids=principal.managed_team_ids)
    raise Forbidden("Only administrators and team managers can read the directory.")


ReaderScope = Annotated[DirectoryScope, Depends(reader_scope)]


async def principal_resolver(request: Request) -> PrincipalResolver:
    """The gateway's principal cache, to forget subjects whose record changed."""
    resolver: PrincipalResolver = request.app.state.gateway.principals
    return resolver


Principals = Annotated[PrincipalResolver, Depends(principal_resolver)]


def name_cursor(cursor: str | None) -> tuple[str, UUID] | None:
    """Decode a (name, id) keyset cursor; anything malformed is a 400."""
    if cursor is None:
        return None
    name, raw_id = decode_cursor(cursor, 2)
    try:
        if not isinstance(name, str) or not isinstance(raw_id, str) or "\x00" in name:
            raise ValueError("cursor parts must be strings PostgreSQL can compare")
        return name, UUID(raw_id)
    except ValueError as exc:
        raise ProblemError(400, "invalid-cursor", "The cursor is not valid.") from exc
