"""HTTP endpoints for bulk imports of the system of record's extracts.

`POST /imports?kind=people&system=mosaic` with the file as the body (`text/csv` or
`application/x-ndjson`, gzip-compressed with `Content-Encoding: gzip` if you like) answers 202
with the job; `GET /imports/{id}` shows its progress and a summary in words, and
`GET /imports/{id}/errors` every row it could not take, by row and column. `dry_run=true`
checks and counts everything and changes nothing. Importing the same file again changes
nothing either: every record it holds is already as it says. Imports are for the system of
record and for administrators.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Path, Query, Request, Response

from services.auditing import AccessPurpose, Audit, audited
from services.auth import require_any_role
from services.errors import ProblemError, raises
from services.pagination import Page, PageQuery
from services.principal import Principal
from services.request_context import current_request_id
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.access.visibility import SYSTEM_ROLE
from workbook_api.external.dependencies import SystemQuery
from workbook_api.imports import repository, service
from workbook_api.imports.columns import LAYOUTS
from workbook_api.imports.reader import UnreadableFile, first_look
from workbook_api.imports.schemas import ImportJobRead, ImportKind, ImportRowErrorRead
from workbook_api.settings import WorkbookSettingsDep

router = kit_router(tags=["imports"])
Importer = Annotated[Principal, Depends(require_any_role(SYSTEM_ROLE, "administrator"))]
ImportId = Annotated[UUID, Path(description="The import")]
FORMATS = {
    "text/csv": "csv",
    "application/x-ndjson": "ndjson",
    "application/ndjson": "ndjson",
}
_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The extract: CSV with a header row, or one JSON object per line; "
        "columns as the Standard Safeguarding Dataset names them (see the README).",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


def _media(request: Request) -> tuple[str, str]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in FORMATS:
        raise ProblemError(415, "unsupported-media-type", "Send text/csv or application/x-ndjson.")
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise ProblemError(415, "unsupported-encoding", "Content-Encoding may be gzip or none.")
    return FORMATS[media], encoding


async def _body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) past the import limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ProblemError(413, "too-large", f"An import file is at most {limit} bytes.")
    content = await request.body()
    if len(content) > limit:
        raise ProblemError(413, "too-large", f"An import file is at most {limit} bytes.")
    return content


@router.post(
    "/imports",
    status_code=202,
    summary="Import an extract from the system of record",
    openapi_extra=_BODY,
)
@audited("create", "import_job", resource="")
@raises(413, 415, 422)
async def create_import(
    request: Request,
    principal: Importer,
    session: DbSession,
    settings: WorkbookSettingsDep,
    purpose: AccessPurpose,
    response: Response,
    note: Audit,
    kind: Annotated[ImportKind, Query(description="What the file holds")],
    system: SystemQuery,
    dry_run: Annotated[bool, Query(description="Check and count; change nothing")] = False,
) -> ImportJobRead:
    """Queue an import of a file of one kind of record; its progress and result are on the
    job it returns."""
    file_format, encoding = _media(request)
    content = await _body(request, settings.import_max_bytes)
    layout = LAYOUTS[kind]
    try:
        await asyncio.to_thread(
            first_look, content, encoding, file_format, layout, settings.import_max_bytes
        )
    except UnreadableFile as exc:
        raise ProblemError(422, "unreadable-file", str(exc)) from None
    job = await service.create_job(
        session,
        principal,
        kind=kind,
        system=system,
        dry_run=dry_run,
        file_format=file_format,
        content_encoding=encoding,
        content=content,
        request_id=current_request_id(),
        purpose=purpose,
    )
    note.resource_id = str(job.id)
    note.details.update(kind=kind, system=system, dry_run=dry_run, bytes=len(content))
    response.headers["Location"] = f"/imports/{job.id}"
    runner = getattr(request.app.state, "import_runner", None)
    if runner is not None:
        runner.wake()
    return service.job_read(job)


@router.get("/imports", summary="List imports")
@audited("list", "import_job", resource="")
async def list_imports(
    principal: Importer, session: DbSession, page: PageQuery, note: Audit
) -> Page[ImportJobRead]:
    """List imports, newest first."""
    jobs, next_cursor = await repository.list_jobs(session, page)
    note.details["count"] = len(jobs)
    return Page[ImportJobRead](items=[service.job_read(j) for j in jobs], next_cursor=next_cursor)


@router.get("/imports/{import_id}", summary="Read an import's progress and result")
@audited("read", "import_job")
@raises(404)
async def get_import(import_id: ImportId, principal: Importer, session: DbSession) -> ImportJobRead:
    """Read an import: its status, progress, counts and a summary in words."""
    return service.job_read(await repository.load_job_or_404(session, import_id))


@router.get("/imports/{import_id}/errors", summary="List an import's row errors")
@audited("read", "import_job", resource="import_id")
@raises(404)
async def list_import_errors(
    import_id: ImportId, principal: Importer, session: DbSession, page: PageQuery, note: Audit
) -> Page[ImportRowErrorRead]:
    """List what was wrong with each row the import could not take, in row order."""
    note.action = "read_errors"
    job = await repository.load_job_or_404(session, import_id)
    errors, next_cursor = await repository.list_errors(session, job.id, page)
    return Page[ImportRowErrorRead](
        items=[ImportRowErrorRead.of(e) for e in errors], next_cursor=next_cursor
    )


@router.post("/imports/{import_id}/cancel", summary="Cancel an import")
@audited("cancel", "import_job")
@raises(404, 409)
async def cancel_import(
    import_id: ImportId, principal: Importer, session: DbSession
) -> ImportJobRead:
    """Stop an import that has not finished; the chunks it already committed stay applied."""
    job = await repository.load_job_or_404(session, import_id, lock=True)
    await service.cancel_job(session, job)
    return service.job_read(job)
