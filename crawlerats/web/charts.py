"""Chart geometry for server-rendered bars (no script, no CDN): horizontal stacked bars.

Each row is HTML text (label, total) around a small inline SVG holding the segments; the SVG's viewBox is
0-100 wide and stretches to the row, so labels stay real text at full size on any screen (no scaled-down
SVG text) and no inline style is needed (the CSP forbids it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: viewBox width of a bar; segment x/width are percentages of the largest row total.
BAR_UNITS = 100.0


@dataclass
class Segment:
    key: str
    value: float
    x: float
    width: float


@dataclass
class Row:
    label: str
    total: float
    segments: list[Segment] = field(default_factory=list)


@dataclass
class StackedBars:
    """Rows of stacked segments scaled to the largest row total; `keys` gives legend order and CSS classes."""

    title: str
    keys: list[str]
    rows: list[Row]


def stacked_bars(title: str, keys: list[str], data: list[tuple[str, dict[str, float]]]) -> StackedBars:
    """`data` = [(row label, {key: value})]; zero segments are dropped, x/width are in 0-100 bar units."""
    largest = max((sum(values.get(k, 0) or 0 for k in keys) for _, values in data), default=0) or 1
    rows = []
    for label, values in data:
        x = 0.0
        row = Row(label=label, total=sum(values.get(k, 0) or 0 for k in keys))
        for key in keys:
            value = values.get(key, 0) or 0
            if value <= 0:
                continue
            width = max(0.5, BAR_UNITS * value / largest)
            row.segments.append(Segment(key=key, value=value, x=round(x, 3), width=round(width, 3)))
            x += width
        rows.append(row)
    return StackedBars(title=title, keys=keys, rows=rows)
