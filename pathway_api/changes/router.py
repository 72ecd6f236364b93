"""HTTP endpoint of the pathway's change feed: `GET /changes?cursor=...`."""

from __future__ import annotations

from pathway_api.changes.schemas import PathwayChangePage
from pathway_api.changes.service import read_changes_page
from services.change_feed.router import change_feed_router

# The roles that read case records (as the workbook's feed): administrators and the DPO have
# no case to read here.
READING_ROLES = ("practitioner", "team_manager", "auditor", "system")

router = change_feed_router(
    operation_id="read_pathway_changes",
    page_model=PathwayChangePage,
    read=read_changes_page,
    roles=READING_ROLES,
    summary="Read what changed in the pathway records you may see",
    description="Early help involvements (stage, consent, the Team Around the Family), levels of"
    " need, assessments, SMART targets, reviews, Signs of Safety mappings and transfers, oldest"
    " first, with a tombstone for a case that left your sight (or whose family's consent to"
    " share changed what you may read); resume from `next_cursor`. The system of record sees"
    " everything.",
)
