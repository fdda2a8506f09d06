"""Charts of the dashboards: a plotly figure built on the server and the table of its numbers.

A ``Chart`` carries both, so the page, the screen reader, the printout and the CSV/Excel
download all show the same numbers: the table is what is downloaded, the figure is drawn from
the same frame. Figures are serialised to JSON here and drawn by plotly.js from our own static
files (static/analytics/charts.js); no figure is rendered with an inline script.

Colours are the Okabe–Ito palette, which stays distinguishable with the common forms of colour
blindness; a heat map uses the single-hue sequential ``Blues`` scale.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from plotly.utils import PlotlyJSONEncoder

# What Django's json_script escapes, so a label cannot end the script element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion,
# reddish purple, sky blue, yellow, black.
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
]
FONT_FAMILY = (
    '"Hiragino Kaku Gothic ProN", "Hiragino Sans", "BIZ UDPGothic", Meiryo, '
    '"Noto Sans JP", "Noto Sans CJK JP", sans-serif'
)
# No mode bar: its buttons would be keyboard stops inside a picture whose numbers the table
# beside it already gives (and the download links save them); hover still shows values.
PLOT_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}


@dataclass
class Chart:
    """One figure on a dashboard and the table of exactly the numbers it shows."""

    slug: str
    title: str
    table: pd.DataFrame
    figure: go.Figure | None = None
    note: str = ""
    source: str = ""
    # Extra rows printed under the table heading (e.g. "n = 12 pairs"), not downloaded.
    details: list[str] = field(default_factory=list)

    def figure_json(self) -> str | None:
        """The figure as plotly.js reads it (data and layout), or None for a table only."""
        if self.figure is None:
            return None
        return json.dumps(self.figure.to_plotly_json(), cls=PlotlyJSONEncoder, ensure_ascii=False)

    def figure_script(self) -> SafeString:
        """A JSON data block (never executed) for charts.js, escaped as ``json_script`` does."""
        text = self.figure_json()
        if text is None:
            return mark_safe("")
        escaped = text.translate(_JSON_ESCAPES)
        return format_html(
            '<script type="application/json" id="chart-{}-figure">{}</script>',
            self.slug,
            mark_safe(escaped),  # noqa: S308 - <, > and & are escaped above
        )

    def table_rows(self) -> list[list[str]]:
        """The table's cells as text, in order (the template needs no filters)."""
        return [[_cell(value) for value in row] for row in self.table.itertuples(index=False)]

    @property
    def columns(self) -> list[str]:
        return [str(column) for column in self.table.columns]

    @property
    def is_empty(self) -> bool:
        return self.table.empty


def _cell(value) -> str:
    if value is None:
        return "−"
    if isinstance(value, float):
        if pd.isna(value):
            return "−"
        return f"{value:,.1f}" if not value.is_integer() else f"{int(value):,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def styled(fig: go.Figure, *, title: str | None = None, height: int = 380) -> go.Figure:
    """Apply the house layout: palette, Japanese fonts, room for labels, sized by the page."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"} if title else None,
        colorway=PALETTE,
        font={"family": FONT_FAMILY, "size": 14, "color": "#1a1a1a"},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        height=height,
        margin={"l": 56, "r": 16, "t": 48 if title else 16, "b": 56},
        legend={"orientation": "h", "y": -0.2},
        autosize=True,
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    fig.update_xaxes(gridcolor="#d9d9d9", linecolor="#595959", automargin=True)
    fig.update_yaxes(gridcolor="#d9d9d9", linecolor="#595959", automargin=True)
    return fig


def _series(frame: pd.DataFrame, column: str) -> list:
    """Values for plotly with gaps (None) where a cell is hidden or missing, never 0."""
    return [None if pd.isna(v) else v for v in frame[column].tolist()]


def bar_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str | list[str],
    title: str,
    horizontal: bool = False,
    color: str | None = None,
    text: str | None = None,
) -> go.Figure:
    """Bars of one or more value columns (``y``) over categories (``x``).

    ``color`` names a column whose values split the bars into groups instead (long format).
    ``horizontal`` puts the categories on the vertical axis, in the frame's order top-down.
    """
    fig = go.Figure()
    groups: list[tuple[str, pd.DataFrame, str]]
    if color is not None:
        value = y if isinstance(y, str) else y[0]
        groups = [(str(name), part, value) for name, part in frame.groupby(color, sort=False)]
    else:
        columns = [y] if isinstance(y, str) else y
        groups = [(column, frame, column) for column in columns]
    for name, part, value in groups:
        categories = [str(c) for c in part[x].tolist()]
        values = _series(part, value)
        labels = [str(t) for t in part[text].tolist()] if text else None
        fig.add_trace(
            go.Bar(
                name=name,
                x=values if horizontal else categories,
                y=categories if horizontal else values,
                orientation="h" if horizontal else "v",
                text=labels,
                textposition="auto" if labels else None,
                hovertemplate=None,
            )
        )
    fig.update_layout(barmode="group", showlegend=len(groups) > 1)
    if horizontal:
        fig.update_yaxes(autorange="reversed")
    return styled(fig, title=title, height=max(320, 28 * len(frame) + 120) if horizontal else 380)


def line_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str | list[str],
    title: str,
    color: str | None = None,
    markers: bool = True,
) -> go.Figure:
    """Lines of one or more value columns over ``x`` (or one line per ``color`` group)."""
    fig = go.Figure()
    mode = "lines+markers" if markers else "lines"
    if color is not None:
        value = y if isinstance(y, str) else y[0]
        for name, part in frame.groupby(color, sort=False):
            fig.add_trace(
                go.Scatter(name=str(name), x=part[x].tolist(), y=_series(part, value), mode=mode)
            )
    else:
        for column in [y] if isinstance(y, str) else y:
            fig.add_trace(
                go.Scatter(name=column, x=frame[x].tolist(), y=_series(frame, column), mode=mode)
            )
    fig.update_layout(showlegend=len(fig.data) > 1)
    return styled(fig, title=title)


def heatmap(
    frame: pd.DataFrame,
    *,
    title: str,
    zmin: float = 0,
    zmax: float = 100,
    text: pd.DataFrame | None = None,
    colorbar_title: str = "%",
) -> go.Figure:
    """A heat map of a rows × columns frame (index = rows); hidden cells stay blank."""
    z = [[None if pd.isna(v) else v for v in row] for row in frame.to_numpy().tolist()]
    labels = text.astype(str).to_numpy().tolist() if text is not None else None
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(c) for c in frame.columns],
            y=[str(i) for i in frame.index],
            zmin=zmin,
            zmax=zmax,
            colorscale="Blues",
            colorbar={"title": {"text": colorbar_title}},
            text=labels,
            texttemplate="%{text}" if labels else None,
            hoverongaps=False,
        )
    )
    fig.update_yaxes(autorange="reversed")
    return styled(fig, title=title, height=max(320, 32 * len(frame.index) + 140))
