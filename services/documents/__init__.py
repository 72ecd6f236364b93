"""Printed documents: the house's A4 page (fpdf2 with the bundled DejaVu fonts).

Text is set in DejaVu Sans (bundled, under its licence in fonts/LICENSE) so that any name or
word a practitioner typed prints as typed, not only what the PDF core fonts' Latin-1 can hold.
Every page carries the protective marking and the document's reference on top and its page
count at the foot, so a loose page can be put back.

Running text and headings are set line by line with `text()` after breaking them here
(`lines.py`), left-aligned, rather than with `multi_cell`, whose cost grows with the square of
a line's length (a 2,000-page bundle took minutes); glyph widths are measured once per font
and size. Left-aligned text is also the easier to read (unjustified, as accessibility guidance
asks).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from services.documents.lines import wrap
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
        # Widths of words already measured, per font style and size.
        self._widths: dict[tuple[str, float], dict[str, float]] = {}

    def header(self) -> None:
        # Set with text() (a cell costs several times more, on each of thousands of pages).
        baseline = self.baseline(5)
        self.set_font(FAMILY, "B", 8)
        self.text(self.l_margin + self.c_margin, baseline, MARKING)
        self.set_font(FAMILY, "", 8)
        right = self.w - self.r_margin - self.c_margin
        self.text(right - self.measure(self.reference), baseline, self.reference)
        self.x = self.l_margin
        self.y += 5
        self.ln(4)

    def footer(self) -> None:
        # A cell: fpdf2 fills in the page count only in cells and multi_cells.
        self.set_y(-15)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 10, f"Page {self.page_no()} of {PAGE_COUNT}", align="C")

    def measure(self, text: str) -> float:
        """The width of `text` in the current font and size (words are measured once)."""
        widths = self._widths.setdefault((self.font_style, self.font_size_pt), {})  # one family
        width = widths.get(text)
        if width is None:
            if len(text) > 1:
                width = sum(self.measure(char) for char in text)
            else:
                width = self.get_string_width(text)
            widths[text] = width
        return width

    def text_line(self, text: str, height: float) -> None:
        """One line of text at the left margin in a row `height` high, as `cell` would place
        it, then the next row; a new page first if the row does not fit."""
        if self.y + height > self.page_break_trigger:
            self.add_page()
        if text:
            self.text(self.l_margin + self.c_margin, self.baseline(height), text)
        self.x = self.l_margin
        self.y += height

    def baseline(self, height: float) -> float:
        """Where `cell` puts the baseline in a row `height` high from the current y: half
        the row, then 0.3 of the font size below it."""
        return self.y + 0.5 * height + 0.3 * self.font_size

    def text_lines(self, text: str, height: float) -> None:
        """Running text across the page's width, broken into lines (carriage returns
        dropped, as `multi_cell` drops them)."""
        for line in wrap(text.replace("\r", ""), self.measure, self.epw - 2 * self.c_margin):
            self.text_line(line, height)

    def heading(self, text: str, size: float) -> None:
        """A bold heading and a little space after it."""
        self.set_font(FAMILY, "B", size)
        self.text_lines(text, size * 0.55)
        self.ln(2)

    def paragraph(self, text: str, *, size: float = 10) -> None:
        """Running text."""
        self.set_font(FAMILY, "", size)
        self.text_lines(text, size * 0.5)
        self.ln(2)

    def facts(self, rows: list[tuple[str, str]]) -> None:
        """Name and value pairs."""
        for name, value in rows:
            self.set_font(FAMILY, "B", 10)
            self.cell(50, 6, name)
            self.set_font(FAMILY, "", 10)
            self.multi_cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)
