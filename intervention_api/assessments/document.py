"""A signed-off parenting assessment as a PDF for a court bundle or a conference.

What a bundle needs: the document says what it is and which version (id, version number, what
it supersedes), who wrote it and who signed it off when, each section with its analysis and the
records it rests on, one list of all the evidence with dates and references, the sign-off, and
page numbers ("Page 3 of 9") with the assessment's reference on every page, so a loose page can
be put back. Times are England's (Europe/London), as the court reads them.

Text is set in DejaVu Sans (bundled, under its licence in fonts/LICENSE) so that any name or
word a practitioner typed prints as typed, not only what the PDF core fonts' Latin-1 can hold.
Rendering is pure computation over the view; the router runs it off the event loop.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from intervention_api.assessments.schemas import AssessmentOut, EvidenceOut
from services.working_days import LONDON

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
MARKING = "OFFICIAL-SENSITIVE"


def london(moment: datetime) -> str:
    """A time as England reads it: `3 December 2026, 14:05`."""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y, %H:%M}"


def london_day(moment: datetime) -> str:
    """A date as England reads it: `3 December 2026`."""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"


class _Bundle(FPDF):
    """An A4 page with the marking and reference on top and the page count at the foot."""

    def __init__(self, reference: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.reference = reference
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(20, 20, 20)

    def header(self) -> None:
        self.set_font(FAMILY, "B", 8)
        self.cell(0, 5, MARKING, align="L")
        self.set_font(FAMILY, "", 8)
        self.cell(0, 5, self.reference, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")


def _heading(pdf: _Bundle, text: str, size: float) -> None:
    pdf.set_font(FAMILY, "B", size)
    pdf.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _paragraph(pdf: _Bundle, text: str, *, size: float = 10) -> None:
    pdf.set_font(FAMILY, "", size)
    pdf.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _facts(pdf: _Bundle, rows: list[tuple[str, str]]) -> None:
    for name, value in rows:
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(50, 6, name)
        pdf.set_font(FAMILY, "", 10)
        pdf.multi_cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _evidence_line(item: EvidenceOut) -> str:
    return f"{item.label}, {london_day(item.occurred_at)} (reference {item.ref_id})"


def render(view: AssessmentOut, *, generated_at: datetime, family_name: str | None) -> bytes:
    """The signed-off version `view` as a PDF (naming the family when the workbook did)."""
    if view.status != "signed_off" or view.signed_off_at is None:
        raise ValueError("only a signed-off assessment is rendered for a bundle")
    reference = f"Parenting assessment {view.series_id} v{view.number}"
    pdf = _Bundle(reference)
    pdf.set_title(f"{view.title} (version {view.number})")
    pdf.set_author(view.author_name)
    pdf.set_subject("Parenting assessment")
    pdf.set_creation_date(generated_at)
    pdf.add_page()

    _heading(pdf, "Parenting assessment", 18)
    _heading(pdf, view.title, 13)
    if view.superseded_by_id is not None:
        # A reader of a bundle must not mistake a replaced version for the current one.
        _heading(pdf, f"Superseded: version {view.number + 1} replaces this version.", 11)
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
    _facts(pdf, facts)

    for number, section in enumerate(view.sections, start=1):
        _heading(pdf, f"{number}. {section.heading}", 13)
        _paragraph(pdf, section.analysis or "No analysis recorded.")
        if section.evidence:
            pdf.set_font(FAMILY, "B", 10)
            pdf.cell(0, 6, "Evidence", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            for item in section.evidence:
                _paragraph(pdf, f"• {_evidence_line(item)}", size=9)
        pdf.ln(2)

    _heading(pdf, "Evidence relied on", 13)
    listed = [(s.heading, item) for s in view.sections for item in s.evidence]
    if not listed:
        _paragraph(pdf, "This assessment cites no records.")
    for heading, item in listed:
        _paragraph(pdf, f"{heading}: {_evidence_line(item)}", size=9)

    _heading(pdf, "Sign-off", 13)
    _paragraph(
        pdf,
        f"Signed off by {view.signed_off_by_name} on {london(view.signed_off_at)}.",
    )
    if view.sign_off_comment:
        _paragraph(pdf, f"Manager's comment: {view.sign_off_comment}")
    # The steps, not a manager's comments on earlier drafts: those were for the author.
    history = [
        f"{london(t.at)}: {t.action.replace('_', ' ')} by {t.actor_name}" for t in view.transitions
    ]
    if history:
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(0, 6, "History", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for line in history:
            _paragraph(pdf, line, size=9)
    return bytes(pdf.output())
