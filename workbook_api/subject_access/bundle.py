"""The disclosure bundle: a PDF with an index, and the same records as JSON.

Both are built from the same redacted items, so what the requester reads and what a machine
reads are the same disclosure; each redaction is a marker naming its reason, never a gap.
The index comes first and gives each record's page; it is laid out after the records (fpdf2's
placeholder), on a number of pages fixed in advance from one line per record. Redaction and
layout are pure computation over plain data (`lay_out`): the runner runs them in a layout
process (services/documents/process.py), so this module must not import the app.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from fpdf import FPDF

from services.documents import FAMILY, HousePage, london
from workbook_api.subject_access.marking import Span, redact

INDEX_LINES_PER_PAGE = 40
_INDEX_LINE = 5.0
_TITLE_WIDTH = 110
# How a heading says that a record is not (or no longer) part of the record.
STATUS_WORDS = {"draft": "draft, not part of the record yet", "withdrawn": "withdrawn"}


@dataclass(frozen=True)
class Cover:
    """What the bundle says about the request it answers."""

    request_id: UUID
    subject_name: str
    requester_name: str
    received_on: date
    due_on: date
    produced_at: datetime


@dataclass(frozen=True)
class BundleItem:
    """One record, redacted."""

    position: int
    unit: str
    kind: str
    record_id: str
    case_id: UUID | None
    occurred_at: datetime
    title: str
    author: str | None
    sections: list[tuple[str, str]]
    record_status: str = "final"

    @property
    def labelled_title(self) -> str:
        """The title, saying so when the record is a draft or was withdrawn."""
        label = STATUS_WORDS.get(self.record_status)
        return f"{self.title} ({label})" if label else self.title


@dataclass(frozen=True)
class GatheredItem:
    """An item as gathered, before redaction: plain data, to be laid out in a child process."""

    id: UUID
    position: int
    unit: str
    kind: str
    record_id: str
    case_id: UUID | None
    occurred_at: datetime
    title: str
    author: str | None
    sections: list[dict[str, str]]
    record_status: str


@dataclass(frozen=True)
class ConfirmedRedaction:
    """A redaction the reviewer confirmed: which item's section, which span, why."""

    item_id: UUID
    section: int
    start: int
    end: int
    reason: str


BundleSource = tuple[list[GatheredItem], list[ConfirmedRedaction]]


def gathered(items: Sequence[Any], confirmed: Sequence[Any]) -> BundleSource:
    """The stored items and confirmed redactions (rows) as plain data."""
    return (
        [
            GatheredItem(
                item.id,
                item.position,
                item.unit,
                item.kind,
                item.record_id,
                item.case_id,
                item.occurred_at,
                item.title,
                item.author,
                [{"label": s["label"], "text": s["text"]} for s in item.sections],
                item.record_status,
            )
            for item in items
        ],
        [ConfirmedRedaction(r.item_id, r.section, r.start, r.end, r.reason) for r in confirmed],
    )


def lay_out(cover: Cover, source: BundleSource) -> tuple[bytes, bytes]:
    """The bundle's PDF and JSON: redaction and layout, run in a layout process."""
    bundled = redacted_items(*source)
    return render_pdf(cover, bundled), render_json(cover, bundled)


def redacted_items(items: Sequence[Any], confirmed: Sequence[Any]) -> list[BundleItem]:
    """The export's items with each confirmed redaction applied to its section."""
    spans: dict[tuple[UUID, int], list[Span]] = defaultdict(list)
    for row in confirmed:
        spans[(row.item_id, row.section)].append(Span(row.start, row.end, row.reason))
    bundled = []
    for item in items:
        sections = [
            (section["label"], redact(section["text"], spans.get((item.id, index), [])))
            for index, section in enumerate(item.sections)
        ]
        bundled.append(
            BundleItem(
                item.position,
                item.unit,
                item.kind,
                item.record_id,
                item.case_id,
                item.occurred_at,
                item.title,
                item.author,
                sections,
                item.record_status,
            )
        )
    return bundled


def _index_line(item: BundleItem) -> str:
    return f"{item.occurred_at.date().isoformat()}  {item.labelled_title}"


def render_pdf(cover: Cover, items: Sequence[BundleItem]) -> bytes:
    """The bundle as a PDF: a cover, the index, then every record in order."""
    pdf = HousePage(f"Subject access request {cover.request_id}")
    pdf.set_title(f"Subject access disclosure: {cover.subject_name}")
    pdf.set_subject("Subject access request (UK GDPR Art 15)")
    pdf.set_creation_date(cover.produced_at)
    pdf.add_page()
    pdf.heading("Subject access disclosure", 18)
    pdf.facts(
        [
            ("Data subject", cover.subject_name),
            ("Requested by", cover.requester_name),
            ("Received", cover.received_on.isoformat()),
            ("Due", cover.due_on.isoformat()),
            ("Records", str(len(items))),
            ("Produced", london(cover.produced_at)),
        ]
    )
    pdf.paragraph(
        "Information about other people has been withheld where they have not agreed to its"
        " disclosure and it would not be reasonable to disclose it without their agreement"
        " (Data Protection Act 2018, Schedule 2, paragraph 16). Each withheld passage is"
        " replaced by a marker saying why."
    )
    pages: dict[int, int] = {}
    index_pages = max(1, math.ceil(len(items) / INDEX_LINES_PER_PAGE))

    def render_index(document: FPDF, _outline: object) -> None:
        # Each line set with `text()` in three columns (title, unit, page at the right): ten
        # thousand records' lines as cells took seconds.
        assert isinstance(document, HousePage)
        document.set_font(FAMILY, "B", 12)
        document.text_line("Index", 8)
        document.set_font(FAMILY, "", 8)
        unit_x = document.l_margin + _TITLE_WIDTH + document.c_margin
        right = document.w - document.r_margin - document.c_margin
        for number, item in enumerate(items):
            if number and number % INDEX_LINES_PER_PAGE == 0:
                document.add_page()
                document.set_font(FAMILY, "", 8)
            baseline = document.baseline(_INDEX_LINE)
            page = str(pages[item.position])
            document.text(document.l_margin + document.c_margin, baseline, _index_line(item)[:80])
            document.text(unit_x, baseline, item.unit)
            document.text(right - document.measure(page), baseline, page)
            document.y += _INDEX_LINE

    pdf.add_page()
    pdf.insert_toc_placeholder(render_index, pages=index_pages)
    for item in items:
        pdf.heading(f"{item.position + 1}. {item.labelled_title}", 11)
        # After the heading: a heading that did not fit began the next page.
        pages[item.position] = pdf.page_no()
        byline = f"{london(item.occurred_at)}, {item.unit}"
        if item.author:
            byline += f", recorded by {item.author}"
        pdf.paragraph(byline, size=8)
        for label, text in item.sections:
            pdf.set_font(FAMILY, "B", 9)
            pdf.text_line(label, 5)
            pdf.paragraph(text, size=9)
    return bytes(pdf.output())


def render_json(cover: Cover, items: Sequence[BundleItem]) -> bytes:
    """The bundle as JSON: the same records, with the same redaction markers."""
    document = {
        "request_id": str(cover.request_id),
        "data_subject": cover.subject_name,
        "requested_by": cover.requester_name,
        "received_on": cover.received_on.isoformat(),
        "due_on": cover.due_on.isoformat(),
        "produced_at": cover.produced_at.isoformat(),
        "records": [
            {
                "position": item.position,
                "unit": item.unit,
                "kind": item.kind,
                "record_id": item.record_id,
                "case_id": str(item.case_id) if item.case_id else None,
                "occurred_at": item.occurred_at.isoformat(),
                "title": item.title,
                "record_status": item.record_status,
                "recorded_by": item.author,
                "sections": [{"label": label, "text": text} for label, text in item.sections],
            }
            for item in items
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode()
