"""Synthetic demo entries, session logs and role summaries for the demo cases (never real people).

Called from workbook_api/demo.py after the demo families and cases exist. Authors, disciplines
and family members are read back from the seeded allocations and people, so this module does
not repeat the demo directory. Ids derive from the case id, so a rerun adds nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit import AuditEvent, write_audit
from services.errors import ProblemError
from services.principal import Principal
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.demo_spec import demo_id
from workbook_api.disciplines.config import (
    RecordingConfig,
    load_recording_config,
)
from workbook_api.disciplines.service import validate_session_fields
from workbook_api.entries import events
from workbook_api.entries.models import ROLE_SUMMARY_TYPE, SESSION_TYPE, Entry
from workbook_api.entries.service import snapshot_revision
from workbook_api.families.models import Person
from workbook_api.models import kernel
from workbook_api.settings import WorkbookSettings

DEMO_CASE_NUMBERS = (1, 2, 3)
ADULT_ROLES = frozenset({"parent", "carer", "partner", "other_adult"})

# Session fields per discipline; anything not configured for the author is left out.
_SESSION_FIELDS: dict[str, dict[str, Any]] = {
    "recovery_worker": {
        "attendance": "attended",
        "session_focus": "Relapse prevention and the weekend routine",
        "tools_used": ["motivational_interviewing", "decisional_balance"],
        "test_taken": True,
        "test_type": "oral_fluid",
        "test_result": "negative",
    },
    "da_victim_worker": {
        "attendance": "attended",
        "session_focus": "Safety planning",
        "tools_used": ["safety_plan"],
        "risk_indicators": ["coercive_control"],
        "dash_risk_level": "medium",
        "safety_plan_reviewed": True,
    },
    "mental_health_practitioner": {
        "attendance": "did_not_attend",
        "session_focus": "Mood and sleep",
    },
}


@dataclass(frozen=True)
class _Spec:
    slot: int
    entry_type: str
    days_ago: int
    narrative: str
    significant: bool = False
    shareable_summary: str | None = None
    final: bool = True


def _demo_author(allocation: Allocation) -> Principal:
    return Principal(
        subject=f"demo|{allocation.practitioner_id}",
        practitioner_id=allocation.practitioner_id,
        display_name=allocation.practitioner_name,
        discipline=allocation.discipline,
        roles=frozenset({"practitioner"}),
        team_ids=frozenset(),
        managed_team_ids=frozenset(),
    )


def _entry(
    case: Case,
    episode: Episode,
    author: Principal,
    spec: _Spec,
    now: datetime,
    people: list[uuid.UUID],
    config: RecordingConfig,
) -> Entry:
    event_at = now - timedelta(days=spec.days_ago)
    entry = Entry(
        id=uuid.uuid5(case.id, f"demo-entry-{spec.slot}"),
        case_id=case.id,
        episode_id=episode.id,
        entry_type=spec.entry_type,
        status="final" if spec.final else "draft",
        author_id=author.practitioner_id,
        author_name=author.display_name,
        discipline=author.discipline,
        event_at=event_at,
        recorded_at=event_at + timedelta(hours=2),
        finalised_at=event_at + timedelta(hours=2) if spec.final else None,
        updated_at=event_at + timedelta(hours=2),
        significant=spec.significant,
        sensitivity="standard",
        person_ids=people,
        narrative=spec.narrative,
        shareable_summary=spec.shareable_summary,
        revision=1 if spec.final else 0,
    )
    if spec.entry_type == SESSION_TYPE:
        configured = config.session_fields(author.discipline) or {}
        wanted = _SESSION_FIELDS[author.discipline]
        split = validate_session_fields(
            config,
            author.discipline,
            {k: v for k, v in wanted.items() if k in configured},
            complete=True,
        )
        entry.fields, entry.restricted_fields = split.shared, split.restricted
        entry.config_version = config.version
        if split.restricted:
            entry.sensitivity = "restricted"
    return entry


def _specs_for(discipline: str, base: int, config: RecordingConfig) -> list[_Spec]:
    if discipline in ("social_worker", "consultant_social_worker"):
        return [
            _Spec(
                base + 1,
                "home_visit",
                20,
                "Demo: unannounced home visit. Both children seen; home warm and tidy. "
                "Parent spoke about the week and the plan for school mornings.",
                significant=True,
            ),
            _Spec(base + 2, "phone_call", 12, "Demo: school confirmed attendance this week."),
            _Spec(
                base + 3,
                "direct_work_with_child",
                6,
                "Demo: three houses exercise with the eldest child; worries about arguments.",
                significant=True,
            ),
            _Spec(
                base + 4,
                "meeting",
                1,
                "Demo: notes for the core group meeting (not finished).",
                final=False,
            ),
            _Spec(
                base + 5,
                ROLE_SUMMARY_TYPE,
                2,
                "Demo: the family has engaged with every visit this month; school attendance "
                "is up and the parents are working with their specialists.",
            ),
        ]
    if discipline in _SESSION_FIELDS and config.session_fields(discipline) is not None:
        return [
            _Spec(
                base + 1,
                SESSION_TYPE,
                8,
                "Demo: session notes kept by the specialist.",
                significant=discipline == "da_victim_worker",
                shareable_summary="Demo: specialist session held; work continues as planned.",
            )
        ]
    return []


async def _seed_case(
    session: AsyncSession, case: Case, now: datetime, config: RecordingConfig
) -> int:
    episode = await session.scalar(
        select(Episode).where(Episode.case_id == case.id, Episode.closed_at.is_(None))
    )
    if episode is None:
        return 0
    allocations = (
        await session.scalars(
            select(Allocation)
            .where(Allocation.case_id == case.id, Allocation.ends_at.is_(None))
            .order_by(Allocation.starts_at, Allocation.id)
        )
    ).all()
    members = (
        await session.execute(
            select(Person.id, Person.role).where(Person.family_id == case.family_id)
        )
    ).all()
    adults = [m.id for m in members if m.role in ADULT_ROLES][:1]
    children = [m.id for m in members if m.role == "child"]
    made = 0
    for index, allocation in enumerate(allocations):
        author = _demo_author(allocation)
        for spec in _specs_for(allocation.discipline, index * 10, config):
            people = adults if spec.entry_type == SESSION_TYPE else children
            if spec.entry_type == ROLE_SUMMARY_TYPE:
                people = []
            try:
                entry = _entry(case, episode, author, spec, now, people, config)
            except ProblemError:
                # A council configuration without these demo fields: skip the demo session.
                continue
            session.add(entry)
            await session.flush()
            if entry.status == "final":
                session.add(
                    snapshot_revision(
                        entry,
                        reason=None,
                        recorded_by_id=entry.author_id,
                        recorded_by_name=entry.author_name,
                        recorded_at=entry.recorded_at,
                    )
                )
                kind = (
                    events.SUMMARY_WRITTEN
                    if entry.entry_type == ROLE_SUMMARY_TYPE
                    else events.FINALISED
                )
                await events.publish_entry_event(session, kind, entry, case)
            made += 1
    return made


async def seed_demo_entries(session: AsyncSession) -> None:
    """Record demo entries on the open demo cases that have none yet."""
    config = load_recording_config(WorkbookSettings().workbook_recording_config)
    now = datetime.now(UTC)
    for number in DEMO_CASE_NUMBERS:
        case = await session.scalar(select(Case).where(Case.id == demo_id(3, number)))
        if case is None or case.status != "open":
            continue
        already = await session.scalar(select(Entry.id).where(Entry.case_id == case.id).limit(1))
        if already is not None:
            continue
        made = await _seed_case(session, case, now, config)
        await write_audit(
            session,
            kernel.audit_log,
            actor="fsm-demo-seed",
            request_id="demo-seed",
            events=[
                AuditEvent(
                    action="seed",
                    resource_type="entry",
                    resource_id=None,
                    case_id=case.id,
                    purpose="system_sync",
                    details={"entries": made},
                )
            ],
        )
