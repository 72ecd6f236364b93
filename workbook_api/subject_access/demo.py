"""A demo subject access request, so the DPO can run one at once (`fsm seed --demo`; idempotent).

Casey Brightwell (demo family 2) asks for her records. Seeded here beside her family's demo
entries: the other parent Jordan's restricted recovery session, and a home visit note naming
Jordan and a neighbour known to the record (Alex Carrow, of demo family 3). An export proposes
the session's restricted detail and both names for redaction, and keeps the social worker's.
Everything held is gathered, so the family also has a note withdrawn as recorded on the wrong
family's case (labelled, and proposed for redaction whole) and a draft not yet finalised
(labelled as not part of the record yet).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Final
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import ProblemError
from workbook_api.cases.models import Case, Episode
from workbook_api.disciplines.config import load_recording_config
from workbook_api.disciplines.service import validate_session_fields
from workbook_api.entries import events
from workbook_api.entries.models import SESSION_TYPE, Entry
from workbook_api.entries.service import snapshot_revision
from workbook_api.settings import WorkbookSettings
from workbook_api.subject_access.models import SubjectAccessRequest
from workbook_api.subject_access.service import add_months

DEMO_REQUEST_ID: Final = UUID("d3a0f5e1-0001-4000-8013-000000000001")
# Copied from gateway/directory/demo.py and workbook_api/demo.py (their owners).
DEMO_DPO_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000903")
SOCIAL_WORKER: Final = (
    UUID("d3a0f5e1-0000-4000-8000-000000000102"),
    "Demo Social Worker (Team North)",
    "social_worker",
)
RECOVERY_WORKER: Final = (
    UUID("d3a0f5e1-0000-4000-8000-000000000104"),
    "Demo Recovery Worker (Team North)",
    "recovery_worker",
)
SESSION_FIELDS: Final = {"attendance": "attended", "test_taken": True, "test_result": "positive"}
NOTE: Final = (
    "Demo: home visit. Casey and Jordan were both in. Their neighbour Alex Carrow had called"
    " the office about shouting on Saturday night; Casey said it was the television."
)
WITHDRAWN_NOTE: Final = (
    "Demo: home visit. The kitchen was damp and the boiler had failed; the landlord was told."
)
WITHDRAWN_REASON: Final = "Demo: recorded on the wrong family's case; re-entered on theirs."
DRAFT_NOTE: Final = "Demo: draft. Casey asked about a college course in the new year; to follow"


def _entry(
    case: Case,
    episode: Episode,
    name: str,
    at: datetime,
    author: tuple[UUID, str, str],
    people: list[UUID],
) -> Entry:
    return Entry(
        id=uuid.uuid5(case.id, name),
        case_id=case.id,
        episode_id=episode.id,
        entry_type="home_visit",
        status="final",
        author_id=author[0],
        author_name=author[1],
        discipline=author[2],
        event_at=at,
        recorded_at=at,
        finalised_at=at,
        updated_at=at,
        significant=False,
        sensitivity="standard",
        person_ids=people,
        revision=1,
    )


def _recovery_session(case: Case, episode: Episode, at: datetime, jordan: UUID) -> Entry | None:
    """Jordan's recovery session, its test result restricted, if the council records one."""
    config = load_recording_config(WorkbookSettings().workbook_recording_config)
    try:
        split = validate_session_fields(
            config, RECOVERY_WORKER[2], dict(SESSION_FIELDS), complete=True
        )
    except ProblemError:
        return None
    entry = _entry(case, episode, "demo-subject-access-session", at, RECOVERY_WORKER, [jordan])
    entry.entry_type = SESSION_TYPE
    entry.narrative = "Demo: Jordan talked about a lapse after a family funeral."
    entry.shareable_summary = "Demo: recovery session held; plan reviewed."
    entry.fields, entry.restricted_fields = split.shared, split.restricted
    entry.sensitivity = "restricted" if split.restricted else "standard"
    entry.config_version = config.version
    return entry


async def _record(session: AsyncSession, case: Case, entry: Entry) -> bool:
    """Finalise `entry` unless seeded already; whether it was recorded now."""
    if await session.get(Entry, entry.id) is not None:
        return False
    session.add(entry)
    await session.flush()
    session.add(
        snapshot_revision(
            entry,
            reason=None,
            recorded_by_id=entry.author_id,
            recorded_by_name=entry.author_name,
            recorded_at=entry.recorded_at,
        )
    )
    await events.publish_entry_event(session, events.FINALISED, entry, case)
    return True


async def _record_withdrawn(session: AsyncSession, case: Case, episode: Episode) -> None:
    """A note recorded, then withdrawn as recorded in error, as the entries' service does."""
    at = datetime.now(UTC) - timedelta(days=6)
    entry = _entry(case, episode, "demo-subject-access-withdrawn", at, SOCIAL_WORKER, [])
    entry.narrative = WITHDRAWN_NOTE
    if not await _record(session, case, entry):
        return
    entry.status = "withdrawn"
    entry.withdrawn_at = entry.updated_at = at + timedelta(hours=2)
    entry.withdrawn_by_id, entry.withdrawn_by_name = SOCIAL_WORKER[0], SOCIAL_WORKER[1]
    entry.withdrawn_reason = WITHDRAWN_REASON
    await session.flush()
    await events.publish_entry_event(session, events.WITHDRAWN, entry, case)


async def _record_draft(session: AsyncSession, case: Case, episode: Episode) -> None:
    """A note its author has not finalised: private to them, but held all the same."""
    at = datetime.now(UTC) - timedelta(days=1)
    entry = _entry(case, episode, "demo-subject-access-draft", at, SOCIAL_WORKER, [])
    entry.narrative, entry.status, entry.finalised_at, entry.revision = DRAFT_NOTE, "draft", None, 0
    if await session.get(Entry, entry.id) is None:
        session.add(entry)


async def seed_demo_subject_access(
    session: AsyncSession, case_id: UUID, casey_id: UUID, jordan_id: UUID
) -> None:
    """The session and the note, and Casey's request, unless they are there already."""
    case = await session.get(Case, case_id)
    if case is None:
        return
    episode = await session.scalar(
        select(Episode).where(Episode.case_id == case_id, Episode.closed_at.is_(None))
    )
    if episode is not None:
        at = datetime.now(UTC) - timedelta(days=3)
        note = _entry(case, episode, "demo-subject-access-note", at, SOCIAL_WORKER, [])
        note.entry_type, note.narrative = "home_visit", NOTE
        await _record(session, case, note)
        session_log = _recovery_session(case, episode, at - timedelta(days=1), jordan_id)
        if session_log is not None:
            await _record(session, case, session_log)
        await _record_withdrawn(session, case, episode)
        await _record_draft(session, case, episode)
    if await session.get(SubjectAccessRequest, DEMO_REQUEST_ID) is None:
        received = date.today() - timedelta(days=5)
        session.add(
            SubjectAccessRequest(
                id=DEMO_REQUEST_ID,
                person_id=casey_id,
                family_id=case.family_id,
                requester_name="Casey Brightwell",
                requester_relationship="self",
                received_on=received,
                due_on=add_months(received, 1),
                status="open",
                registered_by_id=DEMO_DPO_ID,
                registered_by_name="Demo Data Protection Officer",
            )
        )
    await session.flush()
