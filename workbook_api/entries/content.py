"""What an entry may say: event times, the people it is about, session fields, completeness.

The lifecycle (service.py) calls these when content arrives and when an entry becomes final;
they apply the recording configuration (disciplines/) and answer a 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import invalid
from workbook_api.cases.models import Case
from workbook_api.disciplines.config import RecordingConfig
from workbook_api.disciplines.service import merge_fields, validate_session_fields
from workbook_api.entries.models import SESSION_TYPE, Entry
from workbook_api.entries.schemas import NOT_NULL, EntryContent
from workbook_api.families.repository import member_roles

# Clocks on phones drift; an event a few minutes "in the future" is a clock, not a prophecy.
EVENT_TIME_SKEW = timedelta(minutes=5)
ADULT_ROLES = frozenset({"parent", "carer", "partner", "other_adult"})


def check_event_time(event_at: datetime, now: datetime) -> datetime:
    """Refuse an event time in the future beyond clock skew."""
    if event_at > now + EVENT_TIME_SKEW:
        raise invalid("body", "event_at", message="must not be in the future", code="future")
    return event_at.astimezone(UTC)


async def check_people(
    session: AsyncSession, case: Case, person_ids: Sequence[UUID], *, need_adult: bool
) -> list[UUID]:
    """Keep the people in order without repeats; every one must belong to the case's family."""
    unique = list(dict.fromkeys(person_ids))
    if not unique:
        if need_adult:
            raise invalid(
                "body",
                "person_ids",
                message="a session log is with at least one adult",
                code="adult",
            )
        return unique
    roles = await member_roles(session, case.family_id, unique)
    missing = [str(pid) for pid in unique if pid not in roles]
    if missing:
        raise invalid(
            "body",
            "person_ids",
            message=f"not members of this case's family: {', '.join(missing)}",
            code="not_family_member",
        )
    if need_adult and not ADULT_ROLES.intersection(roles.values()):
        raise invalid(
            "body", "person_ids", message="a session log is with at least one adult", code="adult"
        )
    return unique


async def apply_content(
    session: AsyncSession,
    config: RecordingConfig,
    case: Case,
    entry: Entry,
    content: EntryContent,
    now: datetime,
) -> list[str]:
    """Apply the members the client sent; return their names for the audit record."""
    given = content.model_fields_set
    for name in NOT_NULL:
        if name in given and getattr(content, name) is None:
            raise invalid("body", name, message="must not be null", code="null")
    if content.event_at is not None:
        entry.event_at = check_event_time(content.event_at, now)
    if content.person_ids is not None:
        entry.person_ids = await check_people(
            session, case, content.person_ids, need_adult=entry.entry_type == SESSION_TYPE
        )
    if content.significant is not None:
        entry.significant = content.significant
    if content.sensitivity is not None:
        entry.sensitivity = content.sensitivity
    if "narrative" in given:
        entry.narrative = content.narrative
    if "shareable_summary" in given:
        entry.shareable_summary = content.shareable_summary
    if "fields" in given:
        if entry.entry_type != SESSION_TYPE:
            raise invalid(
                "body",
                "fields",
                message="only MDT session logs carry structured fields",
                code="not_session",
            )
        split = validate_session_fields(
            config, entry.discipline, content.fields or {}, complete=False
        )
        entry.fields, entry.restricted_fields = split.shared, split.restricted
        entry.config_version = config.version
    if entry.restricted_fields and entry.sensitivity == "standard":
        if content.sensitivity == "standard":
            raise invalid(
                "body",
                "sensitivity",
                message="restricted session fields need a restricted entry",
                code="restricted",
            )
        # Promoting is the safe direction: it only ever hides more.
        entry.sensitivity = "restricted"
    return sorted(given)


def check_complete(config: RecordingConfig, entry: Entry) -> None:
    """What a final entry must have: detail, a summary when restricted, required fields."""
    if entry.entry_type == SESSION_TYPE:
        split = validate_session_fields(
            config,
            entry.discipline,
            merge_fields(entry.fields, entry.restricted_fields),
            complete=True,
        )
        # Re-split against today's configuration: a field it now restricts must move.
        entry.fields, entry.restricted_fields = split.shared, split.restricted
        entry.config_version = config.version
        if entry.restricted_fields and entry.sensitivity == "standard":
            entry.sensitivity = "restricted"
    elif not entry.narrative:
        raise invalid(
            "body", "narrative", message="is required before the entry is final", code="missing"
        )
    if entry.sensitivity == "restricted" and not entry.shareable_summary:
        raise invalid(
            "body",
            "shareable_summary",
            message="restricted detail needs a shareable summary",
            code="missing",
        )
