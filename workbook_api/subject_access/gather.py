"""Turning what the record holds about a family into the items of a subject access export.

Every record of the subject's family is gathered, not only those naming the subject: a note
about a visit to the household is about everyone in it, and the other parent's session log
says things about the subject too. What belongs to someone else is then proposed for
redaction (marking.py), never silently left out, so the reviewer sees what was withheld.

The right of access covers all personal data held when the request arrives, not only the
finished record: drafts and entries withdrawn as recorded in error are gathered too, each
labelled as what it is in a first "Status" section (and in the item's `record_status`), so the
subject is never told a draft is the record, nor a withdrawn entry passed off as current.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from services.documents import london
from services.subject_access.records import SubjectRecord
from workbook_api.cases.models import Case
from workbook_api.chronology.models import ChronologyEvent
from workbook_api.entries.models import SESSION_TYPE, Entry
from workbook_api.families.models import Person, PersonIdentifier
from workbook_api.subject_access.marking import Mark, Marker, Section

WORKBOOK = "workbook"
FINAL = "final"
DRAFT = "draft"
WITHDRAWN = "withdrawn"
STATUS_LABEL = "Status"
DRAFT_NOTE = "Draft: not part of the record yet."


def words(code: str) -> str:
    """A configured code as words: `substances_detected` reads "Substances detected"."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_value(part) for part in value)
    return str(value)


def _fields(values: dict[str, Any] | None) -> str:
    return "\n".join(f"{words(key)}: {_value(value)}" for key, value in (values or {}).items())


def status_note(entry: Entry) -> str | None:
    """What an entry that is not part of the record says first, or None for a final one."""
    if entry.status == DRAFT:
        return DRAFT_NOTE
    if entry.status == WITHDRAWN:
        when = f" on {london(entry.withdrawn_at)}" if entry.withdrawn_at else ""
        by = f" by {entry.withdrawn_by_name}" if entry.withdrawn_by_name else ""
        return f"Withdrawn{when}{by}, as recorded in error. Reason: {entry.withdrawn_reason}"
    return None


def entry_sections(entry: Entry) -> list[Section]:
    """What an entry prints: its status if not final, its summary, its narrative, its fields
    and restricted detail; a withdrawn entry's parts are marked as such for redaction."""
    restricted = entry.sensitivity == "restricted"
    withdrawn = entry.status == WITHDRAWN
    owners = tuple(entry.person_ids or ())
    note = status_note(entry)
    sections = [
        Section(STATUS_LABEL, note or ""),
        Section("Summary", entry.shareable_summary or "", withdrawn=withdrawn),
        Section("Record", entry.narrative or "", restricted, owners, withdrawn),
        Section("Recorded details", _fields(entry.fields), withdrawn=withdrawn),
        Section("Restricted details", _fields(entry.restricted_fields), True, owners, withdrawn),
    ]
    return [section for section in sections if section.text]


def entry_title(entry: Entry) -> str:
    """An entry's heading in the bundle."""
    kind = "MDT session log" if entry.entry_type == SESSION_TYPE else words(entry.entry_type)
    return kind[:300]


def case_sections(case: Case) -> list[Section]:
    """What a case's opening and closing print."""
    sections = [Section("Opened", case.opened_reason)]
    if case.closed_reason:
        sections.append(Section("Closed", case.closed_reason))
    return sections


def person_sections(person: Person, identifiers: Sequence[PersonIdentifier]) -> list[Section]:
    """The subject's own details as the record holds them."""
    facts = [
        f"Name: {person.given_name} {person.family_name}",
        f"Preferred name: {person.preferred_name}" if person.preferred_name else "",
        f"Role in the household: {words(person.role)}",
        f"Date of birth: {person.date_of_birth.isoformat()}" if person.date_of_birth else "",
        f"Sex: {words(person.sex)}" if person.sex else "",
        f"Gender: {person.gender}" if person.gender else "",
        *(f"{words(i.system)}: {i.value}" for i in identifiers),
    ]
    return [Section("Personal details", "\n".join(fact for fact in facts if fact))]


def remote_sections(record: SubjectRecord) -> list[Section]:
    """A record another unit holds, as marking reads it."""
    return [
        Section(part.label, part.text, part.restricted, tuple(part.owners))
        for part in record.sections
        if part.text
    ]


class ItemWriter:
    """Collects items and the redactions proposed in them, in bundle order, as rows."""

    def __init__(self, export_id: UUID, marker: Marker) -> None:
        self.export_id = export_id
        self.marker = marker
        self.position = 0
        self.items: list[dict[str, Any]] = []
        self.redactions: list[dict[str, Any]] = []

    def add(
        self,
        *,
        unit: str,
        kind: str,
        record_id: str,
        case_id: UUID | None,
        occurred_at: datetime,
        title: str,
        author: str | None,
        sections: list[Section],
        record_status: str = FINAL,
    ) -> None:
        """Add one item and mark it."""
        item_id = uuid.uuid4()
        self.items.append(
            {
                "id": item_id,
                "export_id": self.export_id,
                "position": self.position,
                "unit": unit,
                "kind": kind,
                "record_id": record_id,
                "case_id": case_id,
                "occurred_at": occurred_at,
                "title": title[:300],
                "author": author,
                "sections": [{"label": s.label, "text": s.text} for s in sections],
                "record_status": record_status,
            }
        )
        self.position += 1
        for mark in self.marker.marks(sections):
            self.redactions.append(self._redaction(item_id, mark))

    def _redaction(self, item_id: UUID, mark: Mark) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(),
            "export_id": self.export_id,
            "item_id": item_id,
            "section": mark.section,
            "start": mark.start,
            "end": mark.end,
            "reason": mark.reason,
            "third_party": mark.third_party,
            "decision": "proposed",
            "version": 1,
        }

    def add_entry(self, entry: Entry) -> None:
        """Add a workbook entry."""
        self.add(
            unit=WORKBOOK,
            kind=entry.entry_type,
            record_id=str(entry.id),
            case_id=entry.case_id,
            occurred_at=entry.event_at,
            title=entry_title(entry),
            author=entry.author_name,
            sections=entry_sections(entry),
            record_status=entry.status,
        )

    def add_chronology(self, event: ChronologyEvent) -> None:
        """Add an event another unit put on the case's chronology."""
        self.add(
            unit=WORKBOOK,
            kind="chronology_event",
            record_id=str(event.id),
            case_id=event.case_id,
            occurred_at=event.occurred_at,
            title=event.title,
            author=None,
            sections=[Section("Chronology", event.summary or event.title)],
        )

    def add_remote(self, unit: str, record: SubjectRecord) -> None:
        """Add a record another unit answered with."""
        self.add(
            unit=unit,
            kind=record.kind,
            record_id=record.record_id,
            case_id=record.case_id,
            occurred_at=record.occurred_at,
            title=record.title,
            author=record.author,
            sections=remote_sections(record),
        )

    def take(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The rows collected since the last take."""
        items, redactions = self.items, self.redactions
        self.items, self.redactions = [], []
        return items, redactions
