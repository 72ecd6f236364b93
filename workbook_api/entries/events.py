"""Entry and summary events through the outbox, carrying no narrative and no restricted detail.

Subscribers (supervision, the system of record) are not per-worker access-checked, and an event
outlives the allocations of the moment it was written, so the payload holds no recorded words at
all, not even the shareable summary: ids, type, times and flags. Whoever needs the text fetches
it over HTTP with a caller's identity, through the access rules.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.outbox import publish
from workbook_api.cases.models import Case
from workbook_api.entries.models import Entry
from workbook_api.models import kernel

SOURCE = "/workbook"
FINALISED = "uk.gov.fsm.workbook.entry.finalised"
AMENDED = "uk.gov.fsm.workbook.entry.amended"
WITHDRAWN = "uk.gov.fsm.workbook.entry.withdrawn"
SUMMARY_WRITTEN = "uk.gov.fsm.workbook.summary.written"
SUMMARY_AMENDED = "uk.gov.fsm.workbook.summary.amended"


def entry_event_data(entry: Entry) -> dict[str, Any]:
    """The whole payload: deliberately an allow-list, so a new column cannot slip into it."""
    return {
        "case_id": entry.case_id,
        "entry_id": entry.id,
        "episode_id": entry.episode_id,
        "entry_type": entry.entry_type,
        "status": entry.status,
        "event_at": entry.event_at,
        "recorded_at": entry.recorded_at,
        "finalised_at": entry.finalised_at,
        "withdrawn_at": entry.withdrawn_at,
        "author_id": entry.author_id,
        "discipline": entry.discipline,
        "significant": entry.significant,
        "sensitivity": entry.sensitivity,
        "has_shareable_summary": entry.shareable_summary is not None,
        "revision": entry.revision,
    }


async def publish_entry_event(session: AsyncSession, type_: str, entry: Entry, case: Case) -> None:
    """Write the event in the change's transaction."""
    await publish(
        session,
        kernel.outbox_event,
        type=type_,
        source=SOURCE,
        subject=f"cases/{entry.case_id}/entries/{entry.id}",
        data=entry_event_data(entry),
        team_id=case.owning_team_id,
    )
