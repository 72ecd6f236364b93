"""The outcomes report: an HTML page with a chart and a table per measure, drawn on the server.

Charts are pygal line charts rendered to SVG, shown as images: pygal's tooltips script (loaded
from the web) is turned off and the configuration script it always writes is taken out, so the
image holds no script at all; withheld and missing months are gaps in a line, and the
table under each chart says which is which. The page is built from the same `Figures` the JSON
answer gives, after suppression, so nothing withheld there can appear here.
"""

from __future__ import annotations

import re
from html import escape

import pygal
from pygal.style import Style

from pathway_api.outcomes.schemas import Cell, Figures, MeasureFigures, Series
from services.html_report import page, svg_image

CHART_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1b1b1b",
    foreground_strong="#1b1b1b",
    foreground_subtle="#888",
    font_family="DejaVu Sans, Arial, sans-serif",
    no_data_font_size=20,
    colors=("#1d5a8c", "#c2571a", "#3b8a3e", "#8e3b8a", "#a3271f", "#5b6770", "#b08b00"),
)
# Lines drawn per chart: the council and its localities, or the caller's teams.
MAX_LINES = 8
SUPPRESSED_MARK = "c"
NO_DATA_MARK = "\u2013"  # an en dash
_SCRIPT = re.compile(rb"<script\b[^>]*>.*?</script>", re.DOTALL)


def chart_svg(measure: MeasureFigures, months: list[str]) -> bytes:
    """A measure's line chart as an SVG document (no script, no external reference)."""
    chart = pygal.Line(
        style=CHART_STYLE,
        width=900,
        height=320,
        js=(),
        show_minor_x_labels=True,
        x_label_rotation=30,
        allow_interpolation=False,
        include_x_axis=True,
        legend_at_bottom=True,
        truncate_legend=40,
        print_values=False,
        title=None,
        no_data_text="Nothing to draw: every figure withheld or missing",
    )
    chart.x_labels = months
    for series in measure.series[:MAX_LINES]:
        values = [cell.value if cell.status == "shown" else None for cell in series.cells]
        chart.add(series.label, values)
    rendered: bytes = chart.render()
    return _SCRIPT.sub(b"", rendered)


def _cell_html(cell: Cell) -> str:
    if cell.status == "suppressed":
        return f'<td class="suppressed" title="withheld">{SUPPRESSED_MARK}</td>'
    if cell.status == "no_data":
        return f'<td class="no-data" title="no figure">{NO_DATA_MARK}</td>'
    return f'<td title="{escape(cell.source or "")}">{cell.value}</td>'


def _trend_html(series: Series) -> str:
    trend = series.trend
    if trend is None:
        return f"<td>{NO_DATA_MARK}</td>"
    word = {True: ("better", "better"), False: ("worse", "worse"), None: ("", "no change")}
    css, text = word[trend.better]
    sign = "+" if trend.change > 0 else ""
    return (
        f'<td class="{css}">{sign}{trend.change} ({escape(text)},'
        f" {escape(trend.from_month)} to {escape(trend.to_month)})</td>"
    )


def _table(measure: MeasureFigures, months: list[str]) -> str:
    head = "".join(f'<th scope="col">{escape(m)}</th>' for m in months)
    rows = "".join(
        f'<tr><th scope="row">{escape(s.label)}</th>'
        + "".join(_cell_html(cell) for cell in s.cells)
        + _trend_html(s)
        + "</tr>"
        for s in measure.series
    )
    return (
        f'<table class="figures"><thead><tr><th scope="col">{escape(measure.code)}</th>{head}'
        f'<th scope="col">Trend</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def _sources(measure: MeasureFigures) -> str:
    if not measure.sources:
        return "no figure shown for these months."
    named = "; ".join(escape(origin) for origin in measure.sources)
    return f"{named} (each figure's own source shows when pointed at)."


def _measure(measure: MeasureFigures, months: list[str]) -> str:
    alt = f"Line chart of {measure.label} by month"
    return (
        f'<section class="measure" id="measure-{escape(measure.code)}">'
        f"<h3>{escape(measure.label)}</h3>"
        f'<p class="definition">{escape(measure.direction.capitalize())}:'
        f" {escape(measure.definition)}</p>"
        f'<figure class="chart">{svg_image(chart_svg(measure, months), alt)}</figure>'
        f"{_table(measure, months)}"
        f'<p class="source">Definition version {measure.definition_version}. Source:'
        f" {_sources(measure)}</p></section>"
    )


def render(figures: Figures, outcome_labels: dict[str, str]) -> str:
    """The whole report page."""
    months = figures.months
    scope = "the council, its localities and teams" if figures.scope == "council" else "your teams"
    parts = [
        f"<h1>{escape(figures.framework_name)}</h1>",
        f'<p class="meta">Figures for {escape(scope)}, {escape(months[0])} to'
        f" {escape(months[-1])}; framework version {figures.framework_version}, reporting"
        f" settings version {figures.settings_version}; generated"
        f" {figures.generated_at:%Y-%m-%d %H:%M} UTC.</p>",
        f'<p class="legend">Every figure counts families. <strong>{SUPPRESSED_MARK}</strong>:'
        f" withheld, fewer than {figures.minimum_cell_count} families or a figure that would"
        f" reveal one. <strong>{NO_DATA_MARK}</strong>: no figure (no return received, or a"
        " month still to come). Charts leave gaps for both.</p>",
    ]
    for code, label in outcome_labels.items():
        measures = [m for m in figures.measures if m.outcome == code]
        if not measures:
            continue
        parts.append(f"<h2>{escape(label)}</h2>")
        parts.extend(_measure(measure, months) for measure in measures)
    return page(figures.framework_name, "".join(parts))
