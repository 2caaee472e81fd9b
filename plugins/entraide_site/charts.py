"""Bar charts drawn at build time as static SVG: no JavaScript, readable without colour (values written).

`bar_chart` computes the geometry; theme/templates/_chart.html draws it, so every label is escaped.
Each row has a label then two bars, requests above offers, the order used everywhere on the site.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 400  # close to a phone's width, so the 14px text stays 14px where it matters most
VALUE_SPACE = 44
LABEL_HEIGHT = 18
BAR_HEIGHT = 15
ROW_GAP = 10


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


def bar_chart(id: str, title: str, description: str, rows: list[tuple[str, int, int]]) -> Chart:
    """`rows` are (label, requests, offers): the label on its own line, then the two bars under it."""
    span = WIDTH - VALUE_SPACE
    largest = max([max(requests, offers) for _, requests, offers in rows] + [1])
    row_height = LABEL_HEIGHT + 2 * BAR_HEIGHT + ROW_GAP
    drawn = []
    for index, (label, requests, offers) in enumerate(rows):
        top = index * row_height
        bars = tuple(
            Bar(kind, value, 0, top + LABEL_HEIGHT + position * BAR_HEIGHT, round(span * value / largest))
            for position, (kind, value) in enumerate((("request", requests), ("offer", offers)))
        )
        drawn.append(Row(label, top + LABEL_HEIGHT - 5, bars))
    return Chart(id, title, description, tuple(drawn), WIDTH, len(rows) * row_height)
