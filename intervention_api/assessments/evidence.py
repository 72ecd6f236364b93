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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from intervention_api.assessments.models import LABEL_MAX
from services.errors import FieldError
from services.registry import WORKBOOK
from services.unit_calls import AsCaller


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


async def check(
    calls: AsCaller, case_id: UUID, wanted: Sequence[Wanted]
) -> tuple[dict[tuple[str, UUID], CheckedRecord], list[FieldError]]:
    """What each wanted record is, or why it cannot be evidence (one error per record)."""
    found: dict[tuple[str, UUID], CheckedRecord] = {}
    errors: list[FieldError] = []
    for item in wanted:
        answer = await calls.get(WORKBOOK, f"/cases/{case_id}/entries/{item.ref_id}")
        body = answer.body if answer.ok and isinstance(answer.body, dict) else None
        label = _entry_label(body) if body is not None else None
        if body is None or label is None or str(body.get("case_id")) != str(case_id):
            errors.append(
                FieldError(
                    item.location,
                    "No such workbook entry on this case, or not one you may read.",
                    "unknown_evidence",
                )
            )
            continue
        if body.get("status") != "final":
            errors.append(
                FieldError(
                    item.location,
                    "Only final workbook entries are evidence (not drafts or withdrawn ones).",
                    "evidence_not_final",
                )
            )
            continue
        found[(item.kind, item.ref_id)] = CheckedRecord(
            label, datetime.fromisoformat(str(body["event_at"]))
        )
    return found, errors
