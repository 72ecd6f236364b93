"""Printed documents: the house's A4 page (fpdf2 with the bundled DejaVu fonts).

Text is set in DejaVu Sans (bundled, under its licence in fonts/LICENSE) so that any name or
word a practitioner typed prints as typed, not only what the PDF core fonts' Latin-1 can hold.
Every page carries the protective marking and the document's reference on top and its page
count at the foot, so a loose page can be put back.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.working_days import LONDON

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
MARKING = "OFFICIAL-SENSITIVE"
PAGE_COUNT = "{pages}"


def london(moment: datetime) -> str:
    """A time as England reads it: `3 December 2026, 14:05`."""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%B %Y, %H:%M}"


class HousePage(FPDF):
    """An A4 page with the marking and reference on top and the page count at the foot."""

    def __init__(self, reference: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.reference = reference
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(20, 20, 20)
        # A bundle runs to thousands of pages: the alias reserves room for the largest count.
        self.alias_nb_pages(PAGE_COUNT)

    def header(self) -> None:
        self.set_font(FAMILY, "B", 8)
        self.cell(0, 5, MARKING, align="L")
        self.set_font(FAMILY, "", 8)
        self.cell(0, 5, self.reference, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 10, f"Page {self.page_no()} of {PAGE_COUNT}", align="C")

    def heading(self, text: str, size: float) -> None:
        """A bold heading and a little space after it."""
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def paragraph(self, text: str, *, size: float = 10) -> None:
        """Running text."""
        self.set_font(FAMILY, "", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def facts(self, rows: list[tuple[str, str]]) -> None:
        """Name and value pairs."""
        for name, value in rows:
            self.set_font(FAMILY, "B", 10)
            self.cell(50, 6, name)
            self.set_font(FAMILY, "", 10)
            self.multi_cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)
