"""Chart geometry for server-rendered inline SVG (no script, no CDN): horizontal stacked bars."""

from __future__ import annotations

from dataclasses import dataclass, field

LABEL_WIDTH = 170
BAR_WIDTH = 420
ROW_HEIGHT = 26
BAR_HEIGHT = 18


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
    y: float
    segments: list[Segment] = field(default_factory=list)


@dataclass
class StackedBars:
    """Rows of stacked segments scaled to the largest row total; `keys` gives legend order and CSS classes."""

    title: str
    keys: list[str]
    rows: list[Row]
    width: int = LABEL_WIDTH + BAR_WIDTH + 60
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(1, len(self.rows)) * ROW_HEIGHT + 6


def stacked_bars(title: str, keys: list[str], data: list[tuple[str, dict[str, float]]]) -> StackedBars:
    """`data` = [(row label, {key: value})]; zero segments are dropped, widths are in SVG units."""
    largest = max((sum(values.get(k, 0) or 0 for k in keys) for _, values in data), default=0) or 1
    rows = []
    for index, (label, values) in enumerate(data):
        x = float(LABEL_WIDTH)
        row = Row(label=label, total=sum(values.get(k, 0) or 0 for k in keys), y=index * ROW_HEIGHT + 4)
        for key in keys:
            value = values.get(key, 0) or 0
            if value <= 0:
                continue
            width = max(1.0, BAR_WIDTH * value / largest)
            row.segments.append(Segment(key=key, value=value, x=round(x, 2), width=round(width, 2)))
            x += width
        rows.append(row)
    return StackedBars(title=title, keys=keys, rows=rows)
