"""HTTP endpoint of supervision's change feed: `GET /changes?cursor=...`."""

from __future__ import annotations

from services.change_feed.router import change_feed_router
from supervision_api.changes.schemas import SupervisionChangePage
from supervision_api.changes.service import read_changes_page

# The roles that read case records (as the workbook's feed): administrators and the DPO have
# no case to read here.
READING_ROLES = ("practitioner", "team_manager", "auditor", "system")

router = change_feed_router(
    operation_id="read_supervision_changes",
    page_model=SupervisionChangePage,
    read=read_changes_page,
    roles=READING_ROLES,
    summary="Read what changed in the supervision records you may see",
    description="Meetings (under each case on their agenda you may see) and cases' records at"
    " them, oldest first, with a tombstone for a case that left your sight; resume from"
    " `next_cursor`. The system of record sees everything.",
)
