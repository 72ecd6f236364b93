"""A signed-off parenting assessment as a PDF for a court bundle or a conference.

What a bundle needs: the document says what it is and which version (id, version number, what
it supersedes), who wrote it and who signed it off when, each section with its analysis and the
records it rests on, one list of all the evidence with dates and references, the sign-off, and
page numbers ("Page 3 of 9") with the assessment's reference on every page, so a loose page can
be put back. Times are England's (Europe/London), as the court reads them.

On the house page (`services/documents`: DejaVu Sans, so any name prints as typed; the marking
and reference on every page). Rendering is pure computation over plain data (`printable`); the
router runs it in a layout process (services/documents/process.py), so this module must not
import the app at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from fpdf.enums import XPos, YPos

from services.documents import FAMILY, HousePage, london
from services.working_days import LONDON

if TYPE_CHECKING:  # Not at run time: a layout process must not import the app's schemas.
    from intervention_api.assessments.schemas import AssessmentOut


@dataclass(frozen=True)
class PrintedEvidence:
    """A record a section rests on, as printed."""

    ref_id: UUID
    label: str
    occurred_at: datetime


@dataclass(frozen=True)
class PrintedSection:
    """A section as printed: its heading, analysis and evidence."""

    heading: str
    analysis: str | None
    evidence: list[PrintedEvidence]


@dataclass(frozen=True)
class PrintedStep:
    """A step of the version's lifecycle, as printed."""

    action: str
    actor_name: str
    at: datetime


@dataclass(frozen=True)
class PrintedAssessment:
    """What the PDF prints of a version: plain data, to be laid out in a child process."""

    id: UUID
    series_id: UUID
    number: int
    case_id: UUID
    title: str
    status: str
    supersedes_id: UUID | None
    superseded_by_id: UUID | None
    author_name: str
    signed_off_at: datetime | None
    signed_off_by_name: str | None
    sign_off_comment: str | None
    sections: list[PrintedSection]
    transitions: list[PrintedStep]


def printable(view: AssessmentOut) -> PrintedAssessment:
    """The parts of `view` the PDF prints."""
    return PrintedAssessment(
        view.id,
        view.series_id,
        view.number,
        view.case_id,
        view.title,
        view.status,
        view.supersedes_id,
        view.superseded_by_id,
        view.author_name,
        view.signed_off_at,
        view.signed_off_by_name,
        view.sign_off_comment,
        [
            PrintedSection(
                section.heading,
                section.analysis,
                [PrintedEvidence(e.ref_id, e.label, e.occurred_at) for e in section.evidence],
            )
            for section in view.sections
        ],
        [PrintedStep(t.action, t.actor_name, t.at) for t in view.transitions],
    )


def london_day(moment: datetime) -> str:
    """A date as England reads it: `3 December 2026`."""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"


def _evidence_line(item: PrintedEvidence) -> str:
    return f"{item.label}, {london_day(item.occurred_at)} (reference {item.ref_id})"


def render(view: PrintedAssessment, generated_at: datetime, family_name: str | None) -> bytes:
    """The signed-off version `view` as a PDF (naming the family when the workbook did)."""
    if view.status != "signed_off" or view.signed_off_at is None:
        raise ValueError("only a signed-off assessment is rendered for a bundle")
    reference = f"Parenting assessment {view.series_id} v{view.number}"
    pdf = HousePage(reference)
    pdf.set_title(f"{view.title} (version {view.number})")
    pdf.set_author(view.author_name)
    pdf.set_subject("Parenting assessment")
    pdf.set_creation_date(generated_at)
    pdf.add_page()

    pdf.heading("Parenting assessment", 18)
    pdf.heading(view.title, 13)
    if view.superseded_by_id is not None:
        # A reader of a bundle must not mistake a replaced version for the current one.
        pdf.heading(f"Superseded: version {view.number + 1} replaces this version.", 11)
    facts = [("Family", family_name)] if family_name else []
    facts += [
        ("Case", str(view.case_id)),
        ("Assessment", str(view.series_id)),
        ("Version", f"{view.number} ({view.id})"),
        ("Written by", view.author_name),
        ("Signed off by", f"{view.signed_off_by_name} on {london(view.signed_off_at)}"),
    ]
    if view.supersedes_id is not None:
        facts.append(("Supersedes", f"version {view.number - 1} ({view.supersedes_id})"))
    if view.superseded_by_id is not None:
        facts.append(("Superseded by", f"a later version ({view.superseded_by_id})"))
    facts.append(("Printed", london(generated_at)))
    pdf.facts(facts)

    for number, section in enumerate(view.sections, start=1):
        pdf.heading(f"{number}. {section.heading}", 13)
        pdf.paragraph(section.analysis or "No analysis recorded.")
        if section.evidence:
            pdf.set_font(FAMILY, "B", 10)
            pdf.cell(0, 6, "Evidence", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            for item in section.evidence:
                pdf.paragraph(f"• {_evidence_line(item)}", size=9)
        pdf.ln(2)

    pdf.heading("Evidence relied on", 13)
    listed = [(s.heading, item) for s in view.sections for item in s.evidence]
    if not listed:
        pdf.paragraph("This assessment cites no records.")
    for heading, item in listed:
        pdf.paragraph(f"{heading}: {_evidence_line(item)}", size=9)

    pdf.heading("Sign-off", 13)
    pdf.paragraph(
        f"Signed off by {view.signed_off_by_name} on {london(view.signed_off_at)}.",
    )
    if view.sign_off_comment:
        pdf.paragraph(f"Manager's comment: {view.sign_off_comment}")
    # The steps, not a manager's comments on earlier drafts: those were for the author.
    history = [
        f"{london(t.at)}: {t.action.replace('_', ' ')} by {t.actor_name}" for t in view.transitions
    ]
    if history:
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(0, 6, "History", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for line in history:
            pdf.paragraph(line, size=9)
    return bytes(pdf.output())
