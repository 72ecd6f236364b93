"""Checking evidence: each record exists and its author may read it, asked of the unit holding it.

A workbook entry is read from the workbook's API as the caller (services/unit_calls.py), so the
workbook applies its own access rule and audits the read as theirs: an entry the author may not
see is, for the assessment, one that does not exist. Only final entries are evidence: a draft
can still change, and a withdrawn entry was entered in error. What is kept is a label of codes
and the event's time, never what the entry says.

Module sessions (the programme's session log) are the other kind of evidence the assessment
will take once they exist in this unit; they will be checked here, against its own tables.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from intervention_api.assessments.models import LABEL_MAX
from services.errors import FieldError
from services.registry import WORKBOOK
from services.unit_calls import AsCaller, UnitAnswer

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


async def check(
    calls: AsCaller, case_id: UUID, wanted: Sequence[Wanted]
) -> tuple[dict[tuple[str, UUID], CheckedRecord], list[FieldError]]:
    """What each wanted record is, or why it cannot be evidence (one error per record)."""
    found: dict[tuple[str, UUID], CheckedRecord] = {}
    errors: list[FieldError] = []
    answers = await _read_all(calls, case_id, [item.ref_id for item in wanted])
    for item, answer in zip(wanted, answers, strict=True):
        judged = _judge(case_id, answer)
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
    calls: AsCaller, case_id: UUID, linked: Sequence[tuple[str, str, UUID]]
) -> list[Stale]:
    """Of the (section key, kind, id) linked, those the caller can no longer rely on.

    Checked again before a version goes to a manager and before it is signed off: an entry
    withdrawn as entered in error since it was linked must not reach a court bundle.
    """
    answers = await _read_all(calls, case_id, [ref_id for _, _, ref_id in linked])
    return [
        Stale(section, kind, ref_id, judged[0])
        for (section, kind, ref_id), answer in zip(linked, answers, strict=True)
        if not isinstance(judged := _judge(case_id, answer), CheckedRecord)
    ]
