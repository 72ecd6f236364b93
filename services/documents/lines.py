"""Breaking running text into lines that fit a width, for the house page.

fpdf2's `multi_cell` measures a line again from its start for every character it adds, so its
cost grows with the square of a line's length: a subject access bundle of ten thousand records
spent most of its time there. Here each word is measured once (from cached glyph widths, by the
caller's `measure`), and lines are filled greedily, breaking at spaces as `multi_cell` does:
a line break in the text is kept, the space a line breaks at is dropped, and a word wider than
a whole line is broken between characters.
"""

from __future__ import annotations

from collections.abc import Callable

Measure = Callable[[str], float]


def _split_long(word: str, measure: Measure, width: float) -> list[str]:
    """A word wider than a line, in pieces that fit (at least a character each)."""
    pieces: list[str] = []
    start = 0
    used = 0.0
    for end, char in enumerate(word):
        glyph = measure(char)
        if end > start and used + glyph > width:
            pieces.append(word[start:end])
            start, used = end, 0.0
        used += glyph
    pieces.append(word[start:])
    return pieces


def wrap(text: str, measure: Measure, width: float) -> list[str]:
    """`text` as lines no wider than `width` (an empty text is one empty line)."""
    space = measure(" ")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for word in paragraph.split(" "):
            size = measure(word)
            if line and used + space + size > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            if not line and size > width:
                *whole, rest = _split_long(word, measure, width)
                lines.extend(whole)
                line, used = [rest], measure(rest)
                continue
            used = used + space + size if line else size
            line.append(word)
        lines.append(" ".join(line))
    return lines
