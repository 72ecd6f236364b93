"""Checking evidence: each record exists and its author may read it, asked of the unit holding it.

A workbook entry is read from the workbook's API as the caller (services/unit_calls.py), so the
workbook applies its own access rule and audits the read as theirs: an entry the author may not
see is, for the assessment, one that does not exist. Only final entries are evidence: a draft
can still change, and a withdrawn entry was entered in error. What is kept is a label of codes
and the event's time, never what the entry says.

A programme session is this unit's own record, so it is checked against its own table, by the
sessions API's rule: it belongs to the assessment's case, which the caller may see (the
dependency that loaded the assessment said so; the query says it again), and it has not been
withdrawn as entered in error. Its label is its attendance and the modules it covered; its
summary and restricted detail stay with the session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.assessments.models import LABEL_MAX
from intervention_api.models import projection
from intervention_api.sessions.models import ProgrammeSession
from services.errors import FieldError
from services.projection import ProjectedCase
from services.registry import WORKBOOK
from services.unit_calls import AsCaller, UnitAnswer
from services.working_days import LONDON

ENTRY, SESSION = "workbook_entry", "programme_session"

# Reads in flight at once per request: enough to keep a long evidence list quick, few enough
# not to crowd the workbook on behalf of one caller.
CONCURRENT_READS = 8


@dataclass(frozen=True)
class CheckedRecord:
    """A record that may be evidence: how the assessment names it."""

    label: str
    occurred_at: datetime


@dataclass(frozen=True)
class Wanted:
    """One record a section asks to rest on, and where the request named it."""

    kind: str
    ref_id: UUID
    location: tuple[str, ...]


def _entry_label(body: dict[str, Any]) -> str | None:
    entry_type, discipline = body.get("entry_type"), body.get("discipline")
    if not isinstance(entry_type, str) or not isinstance(discipline, str):
        return None
    return f"Workbook entry: {entry_type} by {discipline}"[:LABEL_MAX]


async def _read_all(calls: AsCaller, case_id: UUID, ref_ids: Sequence[UUID]) -> list[UnitAnswer]:
    slots = asyncio.Semaphore(CONCURRENT_READS)

    async def read(ref_id: UUID) -> UnitAnswer:
        async with slots:
            return await calls.get(WORKBOOK, f"/cases/{case_id}/entries/{ref_id}")

    return list(await asyncio.gather(*(read(ref_id) for ref_id in ref_ids)))


def _judge(case_id: UUID, answer: UnitAnswer) -> CheckedRecord | tuple[str, str]:
    """What the entry is, or why it is not evidence: (code, message)."""
    body = answer.body if answer.ok and isinstance(answer.body, dict) else None
    label = _entry_label(body) if body is not None else None
    if body is None or label is None or str(body.get("case_id")) != str(case_id):
        return ("unknown_evidence", "No such workbook entry on this case, or not one you may read.")
    if body.get("status") != "final":
        return (
            "evidence_not_final",
            "Only final workbook entries are evidence (not drafts or withdrawn ones).",
        )
    return CheckedRecord(label, datetime.fromisoformat(str(body["event_at"])))


def session_label(row: ProgrammeSession) -> str:
    """How the assessment names a session: its attendance and the modules it covered."""
    modules = ", ".join(row.module_codes) or "no module"
    return f"Programme session: {row.attendance.replace('_', ' ')}, {modules}"[:LABEL_MAX]


def held_at(held_on: date) -> datetime:
    """The moment the evidence list dates a session by."""
    # A session is logged by its day; the evidence list dates it by the start of that day.
    return datetime.combine(held_on, time(), tzinfo=LONDON)


async def _sessions(
    session: AsyncSession, case: ProjectedCase, ref_ids: Sequence[UUID]
) -> dict[UUID, CheckedRecord | tuple[str, str]]:
    """Each session asked for that is on the case and in the caller's sight: what it is, or why
    it is not evidence. Sessions not in the answer do not exist for the caller."""
    if not ref_ids:
        return {}
    S = ProgrammeSession
    rows = await session.scalars(
        select(S).where(
            S.id.in_(set(ref_ids)),
            S.case_id == case.id,
            projection.case_visible(case.principal, S.case_id.expression),
        )
    )
    judged: dict[UUID, CheckedRecord | tuple[str, str]] = {}
    for row in rows:
        if row.withdrawn_at is not None:
            judged[row.id] = (
                "evidence_withdrawn",
                "This programme session was withdrawn as entered in error.",
            )
        else:
            judged[row.id] = CheckedRecord(session_label(row), held_at(row.held_on))
    return judged


async def _judge_all(
    calls: AsCaller,
    session: AsyncSession,
    case: ProjectedCase,
    refs: Sequence[tuple[str, UUID]],
) -> list[CheckedRecord | tuple[str, str]]:
    """What each (kind, id) is, or why it is not evidence, in the order asked."""
    entry_ids = [ref_id for kind, ref_id in refs if kind == ENTRY]
    answers = dict(zip(entry_ids, await _read_all(calls, case.id, entry_ids), strict=True))
    sessions = await _sessions(session, case, [ref_id for kind, ref_id in refs if kind == SESSION])
    missing_session = (
        "unknown_evidence",
        "No such programme session on this case, or not one you may read.",
    )
    return [
        _judge(case.id, answers[ref_id]) if kind == ENTRY else sessions.get(ref_id, missing_session)
        for kind, ref_id in refs
    ]


async def check(
    calls: AsCaller, session: AsyncSession, case: ProjectedCase, wanted: Sequence[Wanted]
) -> tuple[dict[tuple[str, UUID], CheckedRecord], list[FieldError]]:
    """What each wanted record is, or why it cannot be evidence (one error per record)."""
    found: dict[tuple[str, UUID], CheckedRecord] = {}
    errors: list[FieldError] = []
    judged_all = await _judge_all(calls, session, case, [(i.kind, i.ref_id) for i in wanted])
    for item, judged in zip(wanted, judged_all, strict=True):
        if isinstance(judged, CheckedRecord):
            found[(item.kind, item.ref_id)] = judged
        else:
            errors.append(FieldError(item.location, judged[1], judged[0]))
    return found, errors


@dataclass(frozen=True)
class Stale:
    """Evidence that is no longer what it was when linked (withdrawn, or out of sight)."""

    section: str
    kind: str
    ref_id: UUID
    code: str


async def still_current(
    calls: AsCaller,
    session: AsyncSession,
    case: ProjectedCase,
    linked: Sequence[tuple[str, str, UUID]],
) -> list[Stale]:
    """Of the (section key, kind, id) linked, those the caller can no longer rely on.

    Checked again before a version goes to a manager and before it is signed off: an entry or
    a session withdrawn as entered in error since it was linked must not reach a court bundle.
    """
    judged_all = await _judge_all(calls, session, case, [(kind, ref) for _, kind, ref in linked])
    return [
        Stale(section, kind, ref_id, judged[0])
        for (section, kind, ref_id), judged in zip(linked, judged_all, strict=True)
        if not isinstance(judged, CheckedRecord)
    ]
