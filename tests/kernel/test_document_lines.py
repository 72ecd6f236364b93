"""Running text on the house page: broken into lines that fit, nothing lost or reordered, and
printed so that a PDF reader reads back the same words."""

from __future__ import annotations

import io
import itertools

from pypdf import PdfReader

from services.documents import FAMILY, HousePage
from services.documents.lines import wrap


def monospace(text: str) -> float:
    """One unit a character, so the expected lines can be read off the test."""
    return float(len(text))


def test_lines_fill_greedily_and_break_at_spaces() -> None:
    assert wrap("the cat sat on the mat", monospace, 10) == ["the cat", "sat on the", "mat"]


def test_a_line_break_in_the_text_is_kept_and_an_empty_text_is_one_line() -> None:
    assert wrap("Name: Dana\n\nRole: parent", monospace, 40) == ["Name: Dana", "", "Role: parent"]
    assert wrap("", monospace, 10) == [""]


def test_a_word_wider_than_a_line_is_broken_between_characters() -> None:
    assert wrap("see https://example.org/very/long ok", monospace, 10) == [
        "see",
        "https://ex",
        "ample.org/",
        "very/long",
        "ok",
    ]


def test_spaces_inside_a_line_are_kept() -> None:
    assert wrap("a  b   c", monospace, 20) == ["a  b   c"]


def test_no_line_is_wider_than_the_page_and_no_word_is_lost() -> None:
    pdf = HousePage("test")
    pdf.add_page()
    pdf.set_font(FAMILY, "", 9)
    text = " ".join(f"Visit {n}: Zoë saw the family at home, in Ōtautahi." for n in range(60))
    width = pdf.epw - 2 * pdf.c_margin
    lines = wrap(text, pdf.measure, width)
    assert len(lines) > 10
    assert all(pdf.get_string_width(line) <= width + 1e-6 for line in lines)
    # Each line is as full as it can be: the next line's first word would not have fitted.
    for line, following in itertools.pairwise(lines):
        assert pdf.get_string_width(f"{line} {following.split(' ')[0]}") > width
    assert " ".join(lines) == text


def test_a_printed_paragraph_reads_back_as_written_across_pages() -> None:
    pdf = HousePage("REF-1")
    pdf.add_page()
    words = [f"word{n}" for n in range(4000)]
    pdf.heading("A heading that says what follows", 11)
    pdf.paragraph(" ".join(words), size=9)
    reader = PdfReader(io.BytesIO(bytes(pdf.output())))

    assert len(reader.pages) > 2
    printed = " ".join(page.extract_text() for page in reader.pages).split()
    assert [word for word in printed if word.startswith("word")] == words
    assert "OFFICIAL-SENSITIVE" in printed
    assert printed.count("REF-1") == len(reader.pages)
