"""HTTP endpoints for the continuum's configuration."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from pathway_api.configuration import service
from pathway_api.configuration.schemas import ConfigurationRead, ConfigurationWrite
from services.auditing import Audit, audited
from services.auth import CurrentPrincipal, require_any_role
from services.errors import raises
from services.principal import Principal
from services.routing import kit_router
from services.unit_of_work import DbSession

router = kit_router(tags=["configuration"])
Administrator = Annotated[Principal, Depends(require_any_role("administrator"))]
Version = Annotated[int, Path(ge=1, le=1_000_000, description="The configuration's version")]


@router.get("/configuration", summary="Read the configuration in force")
async def read_current(session: DbSession, principal: CurrentPrincipal) -> ConfigurationRead:
    """The levels of need, headline areas, eligibility rule and review cadence in force."""
    return ConfigurationRead.of(await service.current_row(session))


@router.get("/configuration/versions/{version}", summary="Read a configuration version")
@raises(404)
async def read_version(
    version: Version, session: DbSession, principal: CurrentPrincipal
) -> ConfigurationRead:
    """A version as it was published (decisions name the version they were taken under)."""
    return ConfigurationRead.of(await service.version(session, version))


@router.post("/configuration", status_code=201, summary="Publish a configuration version")
@audited("create", "configuration", resource="")
async def publish(
    body: ConfigurationWrite,
    response: Response,
    session: DbSession,
    principal: Administrator,
    note: Audit,
) -> ConfigurationRead:
    """Publish the next version of the continuum (administrators); it is in force at once."""
    row = await service.publish(session, principal, body)
    note.resource_id = str(row.version)
    response.headers["Location"] = f"/configuration/versions/{row.version}"
    return ConfigurationRead.of(row)
