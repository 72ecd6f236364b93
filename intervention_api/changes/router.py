"""HTTP endpoint of the programme's change feed: `GET /changes?cursor=...`."""

from __future__ import annotations

from intervention_api.changes.schemas import InterventionChangePage
from intervention_api.changes.service import read_changes_page
from services.change_feed.router import change_feed_router

# The roles that read case records (as the workbook's feed): administrators and the DPO have
# no case to read here.
READING_ROLES = ("practitioner", "team_manager", "auditor", "system")

router = change_feed_router(
    operation_id="read_intervention_changes",
    page_model=InterventionChangePage,
    read=read_changes_page,
    roles=READING_ROLES,
    summary="Read what changed in the programme records you may see",
    description="Enrolments with their plans, programme sessions with their MITI codings and"
    " parenting assessment versions, oldest first, with a tombstone for a case that left your"
    " sight; resume from `next_cursor`. The system of record sees every case, never restricted"
    " detail, and no parenting assessment (as in the API).",
)
