"""Bar charts drawn at build time as static SVG: no JavaScript, readable without colour (values written).

`bar_chart` computes the geometry; theme/templates/_chart.html draws it, so every label is escaped.
Each row has two bars, requests above offers, the order used everywhere on the site.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 230
VALUE_SPACE = 56
BAR_HEIGHT = 16
ROW_GAP = 14
TOP = 8


@dataclass(frozen=True)
class Bar:
    kind: str  # "request" or "offer": the CSS class gives the colour
    value: int
    x: int
    y: int
    width: int
    height: int = BAR_HEIGHT


@dataclass(frozen=True)
class Row:
    label: str
    label_y: int
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    rows: tuple[Row, ...]
    width: int
    height: int
    label_x: int


def bar_chart(id: str, title: str, description: str, rows: list[tuple[str, int, int]]) -> Chart:
    """`rows` are (label, requests, offers); the longest bar spans the width left after labels."""
    span = WIDTH - LABEL_WIDTH - VALUE_SPACE
    largest = max([max(requests, offers) for _, requests, offers in rows] + [1])
    row_height = 2 * BAR_HEIGHT + ROW_GAP
    drawn = []
    for index, (label, requests, offers) in enumerate(rows):
        y = TOP + index * row_height
        bars = tuple(
            Bar(kind, value, LABEL_WIDTH, y + position * BAR_HEIGHT, round(span * value / largest))
            for position, (kind, value) in enumerate((("request", requests), ("offer", offers)))
        )
        drawn.append(Row(label, y + BAR_HEIGHT + 5, bars))
    return Chart(id, title, description, tuple(drawn), WIDTH, TOP * 2 + len(rows) * row_height, LABEL_WIDTH - 8)
