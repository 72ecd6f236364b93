"""What the workbook holds in words about a case, for destruction (`destruction.py`).

Entries and every revision of them (narrative, shareable summary, structured fields, withdrawal
reasons; restricted detail goes entirely), the chronology (the workflows' contributions
included), episodes' and allocations' reasons, break-glass justifications, and the case's own
reasons. Subject access copies too: the items gathered for an export keep their kind, ids and
section labels, their title and text become tombstones, and the other units' records stored on
an export are tombstoned the same way where they are about the case. A laid-out bundle is left:
it is the record of what was disclosed to the data subject (its hash is on the disclosure) and
is kept, and destroyed, with the request under its own retention.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Text, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.retention.tombstones import Narrative, Via, table_of
from workbook_api.access.models import BreakGlassGrant
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.chronology.models import ChronologyEvent
from workbook_api.entries.models import Entry, EntryRevision
from workbook_api.subject_access.models import SubjectAccessExport, SubjectAccessItem

NARRATIVES = (
    Narrative(
        "entries",
        table_of(Entry),
        text=("narrative", "shareable_summary", "withdrawn_reason"),
        json=("fields",),
        nulled=("restricted_fields",),
        # Clients holding an ETag or a synced copy see the entry changed.
        version="version",
    ),
    Narrative(
        "entry_revisions",
        table_of(EntryRevision),
        text=("narrative", "shareable_summary", "reason"),
        json=("fields",),
        nulled=("restricted_fields",),
        via=Via("entry_id", table_of(Entry)),
    ),
    Narrative("chronology_events", table_of(ChronologyEvent), text=("title", "summary")),
    Narrative("episodes", table_of(Episode), text=("opened_reason", "closed_reason")),
    Narrative("allocations", table_of(Allocation), text=("ended_reason",)),
    Narrative("break_glass_grants", table_of(BreakGlassGrant), text=("justification",)),
    Narrative(
        "case",
        table_of(Case),
        text=("opened_reason", "closed_reason"),
        case_column="id",
        version="version",
    ),
    Narrative(
        "subject_access_items",
        table_of(SubjectAccessItem),
        text=("title",),
        json_words={"sections": ("text",)},
    ),
)


def _about_case(record: Any, case_id: str, text: str) -> Any:
    if not isinstance(record, dict) or record.get("case_id") != case_id:
        return record
    sections = [
        {**section, "text": text} if isinstance(section, dict) else section
        for section in record.get("sections") or []
    ]
    return {**record, "title": text, "sections": sections}


async def tombstone_exported_records(session: AsyncSession, case_id: UUID, text: str) -> int:
    """Tombstone the case's records among the other units' records stored on exports."""
    exports = await session.execute(
        select(SubjectAccessExport.id, SubjectAccessExport.remote_records).where(
            cast(SubjectAccessExport.remote_records, Text).contains(str(case_id))
        )
    )
    count = 0
    for export_id, parts in exports.all():
        rewritten = [
            {**part, "records": [_about_case(r, str(case_id), text) for r in part["records"]]}
            if isinstance(part, dict) and isinstance(part.get("records"), list)
            else part
            for part in parts
        ]
        await session.execute(
            update(SubjectAccessExport)
            .where(SubjectAccessExport.id == export_id)
            .values(remote_records=rewritten)
            .execution_options(synchronize_session=False)
        )
        count += 1
    return count
