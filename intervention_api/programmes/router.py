"""HTTP endpoints for the programme catalogue: load a version (administrators), read them.

`POST /programmes` takes the catalogue file itself as the body (`application/yaml` or
`application/json`); a file with any fault is refused whole, every fault named by line and
field, and nothing is stored.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Path, Query, Request, Response

from intervention_api.programmes import repository, service
from intervention_api.programmes.catalogue_file import MAX_BYTES, InvalidCatalogue
from intervention_api.programmes.definition import CODE_PATTERN
from intervention_api.programmes.schemas import ProgrammeRead, ProgrammeSummary
from services.auditing import Audit, audited
from services.auth import CurrentPrincipal, require_any_role
from services.errors import ProblemError, raises
from services.principal import Principal
from services.responses import created
from services.routing import kit_router
from services.unit_of_work import DbSession

router = kit_router(tags=["programmes"])
Administrator = Annotated[Principal, Depends(require_any_role("administrator"))]
ProgrammeId = Annotated[UUID, Path(description="The programme version")]
FORMATS = {
    "application/yaml": "yaml",
    "application/x-yaml": "yaml",
    "text/yaml": "yaml",
    "application/json": "json",
}
_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The catalogue file: one programme with its modules (code, title, aims, "
        "suggested_sessions, tools), as YAML; a JSON file is taken too, sent as "
        "application/json. The README shows the layout.",
        "content": {"application/yaml": {"schema": {"type": "string"}}},
    }
}


def _format(request: Request) -> str:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in FORMATS:
        raise ProblemError(
            415, "unsupported-media-type", "Send the file as application/yaml or application/json."
        )
    return FORMATS[media]


async def _content(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BYTES:
        raise ProblemError(413, "too-large", f"A catalogue file is at most {MAX_BYTES} bytes.")
    content = await request.body()
    if len(content) > MAX_BYTES:
        raise ProblemError(413, "too-large", f"A catalogue file is at most {MAX_BYTES} bytes.")
    return content


def invalid_catalogue(error: InvalidCatalogue) -> ProblemError:
    """A 422 listing every fault, each with its line and field (never the file's values)."""
    return ProblemError(
        422,
        "invalid-catalogue",
        "The catalogue file was not loaded; see errors (nothing was changed).",
        errors=[
            {
                "location": ["body", *([e.field] if e.field else [])],
                "message": f"Line {e.line}"
                + (f", {e.field}" if e.field else "")
                + f": {e.message}",
                "code": "invalid_catalogue",
                "line": e.line,
                "field": e.field,
            }
            for e in error.errors
        ],
    )


@router.post(
    "/programmes", status_code=201, summary="Load a programme version", openapi_extra=_BODY
)
@audited("create", "programme", resource="")
@raises(413, 415, 422)
async def load_programme(
    request: Request,
    principal: Administrator,
    session: DbSession,
    response: Response,
    note: Audit,
) -> ProgrammeRead:
    """Load a catalogue file as the next version of its programme (administrators)."""
    source_format = _format(request)
    content = await _content(request)
    try:
        programme = await service.load_catalogue(session, principal, content, source_format)
    except InvalidCatalogue as error:
        raise invalid_catalogue(error) from None
    note.resource_id = str(programme.id)
    note.details.update(code=programme.code, version=programme.version)
    created(response, f"/programmes/{programme.id}", programme.id, None)
    return service.read(programme)


@router.get("/programmes", summary="List programme versions")
async def list_programmes(
    principal: CurrentPrincipal,
    session: DbSession,
    code: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    latest: Annotated[bool, Query(description="Only each programme's newest version")] = False,
) -> list[ProgrammeSummary]:
    """The catalogue's programme versions, by code, newest version first."""
    found = await repository.list_versions(session, code=code, latest_only=latest)
    return [service.summary(p) for p in found]


@router.get("/programmes/{programme_id}", summary="Read a programme version")
@raises(404)
async def get_programme(
    programme_id: ProgrammeId, principal: CurrentPrincipal, session: DbSession
) -> ProgrammeRead:
    """A programme version with its modules, aims, suggested sessions and tools."""
    return service.read(await service.get_programme(session, programme_id))
