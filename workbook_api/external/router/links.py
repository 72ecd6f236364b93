"""Say which key a system of record knows an existing family or case by, and list the keys.

Before the first import, a council whose practitioners already recorded families here links
them to the system of record's ids, so the import updates them instead of adding twins.
Whoever may change a family may link it; a case is linked by its managers. A key names one
record: linking a key another record has is a 409.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response

from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.errors import raises
from services.pagination import Page
from services.principal import Principal
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.access.dependencies import ManagedCase, VisibleCase
from workbook_api.external.dependencies import System
from workbook_api.external.schemas import ExternalIdLink, ExternalIdRead
from workbook_api.external.service import keys
from workbook_api.families.dependencies import ChangeableFamily, VisibleFamily

router = kit_router(tags=["system of record"])
_LINKED: dict[int | str, dict[str, Any]] = {201: {"description": "Linked: the key is new"}}


async def _link(
    session: DbSession,
    principal: Principal,
    system: str,
    record_type: str,
    record_id: Any,
    body: ExternalIdLink,
    response: Response,
) -> ExternalIdRead:
    if await keys.link(session, principal, system, record_type, record_id, body.value):
        response.status_code = 201
    found = await keys.keys_for(session, record_type, record_id)
    return next(
        ExternalIdRead.of(key) for key in found if (key.system, key.value) == (system, body.value)
    )


@router.put(
    "/families/{family_id}/external-ids/{system}",
    summary="Link a family to its id in a system of record",
    responses=_LINKED,
)
@audited("link", "family", resource="family_id")
@raises(409)
async def link_family(
    system: System,
    body: ExternalIdLink,
    family: ChangeableFamily,
    principal: CurrentPrincipal,
    session: DbSession,
    response: Response,
    note: Audit,
) -> ExternalIdRead:
    """Record the key a system of record knows this family by (200 when it already did)."""
    note.details["system"] = system
    return await _link(session, principal, system, "family", family.id, body, response)


@router.get("/families/{family_id}/external-ids", summary="List a family's external ids")
@audited("list", "external_id", resource="family_id")
async def list_family_external_ids(
    family: VisibleFamily, session: DbSession, note: Audit
) -> Page[ExternalIdRead]:
    """The keys systems of record know this family by."""
    found = await keys.keys_for(session, "family", family.id)
    note.details["count"] = len(found)
    return Page[ExternalIdRead](items=[ExternalIdRead.of(key) for key in found])


@router.put(
    "/cases/{case_id}/external-ids/{system}",
    summary="Link a case to its id in a system of record",
    responses=_LINKED,
)
@audited("link", "case", resource="case_id")
@raises(409)
async def link_case(
    system: System,
    body: ExternalIdLink,
    access: ManagedCase,
    session: DbSession,
    response: Response,
    note: Audit,
) -> ExternalIdRead:
    """Record the key a system of record knows this case by (200 when it already did)."""
    note.details["system"] = system
    return await _link(session, access.principal, system, "case", access.case.id, body, response)


@router.get("/cases/{case_id}/external-ids", summary="List a case's external ids")
@audited("list", "external_id", resource="case_id")
async def list_case_external_ids(
    access: VisibleCase, session: DbSession, note: Audit
) -> Page[ExternalIdRead]:
    """The keys systems of record know this case by."""
    found = await keys.keys_for(session, "case", access.case.id)
    note.details["count"] = len(found)
    return Page[ExternalIdRead](items=[ExternalIdRead.of(key) for key in found])
