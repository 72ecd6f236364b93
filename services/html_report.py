"""Server-rendered HTML reports: one self-contained page, its stylesheet pinned by hash.

A report a manager opens in a browser or prints must load nothing from anywhere: its charts
are SVG images inlined as data: URLs and its one stylesheet is inline, allowed by its SHA-256
in the content-security policy (services/security_headers.py `REPORT_POLICY`, for every unit's
`/reports/...` pages), so no script runs and no other style applies. A page built by `page()`
always carries exactly this stylesheet, so the hash always matches.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Final

REPORT_STYLESHEET: Final = """
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2rem; color: #1b1b1b; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #1d5a8c; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
p.meta, p.source, p.definition { color: #444; font-size: 0.85rem; margin: 0.2rem 0; }
section.measure { margin: 1.2rem 0 2rem; page-break-inside: avoid; break-inside: avoid; }
figure.chart { margin: 0.6rem 0; }
figure.chart img { width: 100%; max-width: 900px; height: auto; border: 1px solid #ddd; }
table.figures { border-collapse: collapse; font-size: 0.78rem; margin-top: 0.4rem; }
table.figures th, table.figures td { border: 1px solid #bbb; padding: 0.15rem 0.35rem; }
table.figures td { text-align: right; }
table.figures th[scope=row] { text-align: left; font-weight: normal; }
td.suppressed, td.no-data { color: #777; }
.better { color: #1a6d2b; } .worse { color: #a3271f; }
.legend { font-size: 0.8rem; background: #f3f6f9; padding: 0.5rem 0.8rem; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; font-size: 10pt; }
  h2 { page-break-before: auto; break-after: avoid; }
  figure.chart img { width: auto; max-width: 100%; max-height: 8cm; border: none; }
  .legend { background: none; border: 1px solid #bbb; }
}
"""

REPORT_STYLE_HASH: Final = base64.b64encode(
    hashlib.sha256(REPORT_STYLESHEET.encode("utf-8")).digest()
).decode("ascii")
REPORT_CSP: Final = (
    f"default-src 'none'; img-src data:; style-src 'sha256-{REPORT_STYLE_HASH}';"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def svg_image(svg: bytes, alt: str) -> str:
    """An <img> showing an SVG document inline (a data: URL; SVG as an image runs no script)."""
    data = base64.b64encode(svg).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{escape(alt)}">'


def page(title: str, body: str) -> str:
    """A whole HTML document with the report stylesheet; `body` is already escaped HTML."""
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{REPORT_STYLESHEET}</style></head>"
        f"<body>{body}</body></html>"
    )
