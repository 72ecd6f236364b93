"""What every SCIM change shares: its audit row, its event, this replica's cache."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.principals import PrincipalResolver
from gateway.scim.credentials import ScimCaller
from gateway.scim.errors import ScimError
from services.audit import AuditEvent, write_audit
from services.request_context import current_request_id

PURPOSE = "identity provisioning"


async def audit_change(
    request: Request,
    session: AsyncSession,
    caller: ScimCaller,
    action: str,
    resource_type: str,
    resource_id: Any,
    **details: Any,
) -> None:
    """Record one SCIM change in the directory's audit log, in the change's transaction."""
    event = AuditEvent(
        action=f"directory.{resource_type}.{action}",
        resource_type=resource_type,
        resource_id=str(resource_id),
        case_id=None,
        purpose=PURPOSE,
        details={"via": "scim", **details},
    )
    await write_audit(
        session,
        request.app.state.kernel.audit_log,
        actor=caller.actor,
        request_id=current_request_id(),
        events=[event],
    )


def principals(request: Request) -> PrincipalResolver:
    """This replica's principal cache (the others hear of changes through the database)."""
    resolver: PrincipalResolver = request.app.state.gateway.principals
    return resolver


def invalid_value(detail: str) -> ScimError:
    """A 400 invalidValue."""
    return ScimError(400, detail, "invalidValue")


def conflict(detail: str) -> ScimError:
    """A 409 uniqueness conflict."""
    return ScimError(409, detail, "uniqueness")
