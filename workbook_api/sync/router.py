"""HTTP endpoints for a practitioner's device: pull its caseload, push what it recorded offline."""

from __future__ import annotations

from fastapi import Request

from services.auditing import AccessPurpose, Audit, audit, audited
from services.change_feed.router import Cursor, Limit
from services.errors import raises
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.access.dependencies import Recorder
from workbook_api.changes import service as changes
from workbook_api.changes.schemas import ChangePage
from workbook_api.changes.sight import caseload_sight
from workbook_api.disciplines.dependencies import RecordingConfigDep
from workbook_api.sync import service
from workbook_api.sync.schemas import PushBatch, PushResults

router = kit_router(tags=["sync"])


@router.get("/sync/pull", summary="Pull your caseload's changes to a device")
@audited("sync_pull", "change_feed", resource="")
@raises(400, 410)
async def pull_changes(
    principal: Recorder, session: DbSession, note: Audit, cursor: Cursor = None, limit: Limit = 100
) -> ChangePage:
    """Everything changed in the open cases you are allocated to since the device's cursor,
    in pages; a tombstone tells the device to purge a case (and its family) that left you."""
    sight = await caseload_sight(session, principal)
    page = await changes.read_page(
        session, principal, changes.PULL, sight, cursor=cursor, limit=limit
    )
    note.details.update(count=len(page.items), case_ids=changes.case_ids_of(page))
    return page


# Members a device left out of an operation stay out of its echo (`device`): sent back as null,
# they would say something the device never said, and break the documented schema.
@router.post(
    "/sync/push",
    summary="Push what a device recorded offline",
    response_model_exclude_unset=True,
)
@audited("sync_push", "entry", resource="")
async def push_changes(
    body: PushBatch,
    request: Request,
    principal: Recorder,
    session: DbSession,
    config: RecordingConfigDep,
    purpose: AccessPurpose,
    note: Audit,
) -> PushResults:
    """Apply a batch of offline operations (new entries and session logs with the device's ids,
    edits of your drafts against the version the device had): each comes back applied, a
    conflict with both versions (nothing is overwritten) or rejected. Pushing it again is
    harmless."""
    pushed = await service.push(session, principal, config, body.operations, purpose=purpose)
    for event in pushed.audit:
        audit(request, event)
    statuses = [result.status for result in pushed.results]
    note.details.update(
        device_id=body.device_id,
        operations=len(statuses),
        applied=statuses.count("applied"),
        conflicts=statuses.count("conflict"),
        rejected=statuses.count("rejected"),
    )
    return PushResults(results=pushed.results)
