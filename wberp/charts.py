"""Charts drawn on the server: the geometry of an SVG bar chart, which a template renders.

No JavaScript and no inline style (the CSP allows neither): the template places the shapes this
module computes, its classes take their colours from the admin's CSS variables (so dark mode
works), each bar has a <title> as its tooltip, and the figure carries a text summary for
screen readers.
"""

from dataclasses import dataclass
from decimal import Decimal
from math import floor, log10

# The drawing's own units; the SVG scales to the width of its box.
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 10, 28
Y_TICKS = 4
# At most this many labels under the x axis, so that they never overlap at any width.
X_LABELS = 5


@dataclass(frozen=True)
class Point:
    """One bar's value; None draws no bar (a day without data), unlike a zero."""

    label: str  # under the axis
    value: int | Decimal | None
    tooltip: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    tooltip: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM
    label_y: int = HEIGHT - 8


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (1 for nothing)."""
    if value <= 0:
        return 1
    power = 10 ** floor(log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def bar_chart(points: list[Point], *, number=str) -> BarChart:
    """The bars, axis ticks and labels of `points`, left to right; `number` formats the y axis."""
    values = [point.value for point in points if point.value is not None]
    top = nice_ceiling(float(max(values, default=0)))
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - RIGHT - LEFT) / max(len(points), 1)
    gap = min(2.0, slot * 0.2)

    def y_of(value: float) -> float:
        return TOP + plot_height * (1 - value / top)

    bars = [
        Bar(
            x=round(LEFT + index * slot + gap / 2, 2),
            y=round(y_of(float(point.value)), 2),
            width=round(slot - gap, 2),
            height=round(plot_height * float(point.value) / top, 2),
            tooltip=point.tooltip,
        )
        for index, point in enumerate(points)
        if point.value is not None
    ]
    y_ticks = [
        Tick(round(y_of(top * step / Y_TICKS), 2), number(tick_value(top * step / Y_TICKS)))
        for step in range(Y_TICKS + 1)
    ]
    return BarChart(bars=bars, y_ticks=y_ticks, x_ticks=x_ticks(points, slot))


def tick_value(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def x_ticks(points: list[Point], slot: float) -> list[Tick]:
    """Evenly spaced labels, the first and the last among them."""
    if not points:
        return []
    count = min(len(points), X_LABELS)
    indexes = sorted({round(i * (len(points) - 1) / max(count - 1, 1)) for i in range(count)})
    return [Tick(round(LEFT + (i + 0.5) * slot, 2), points[i].label) for i in indexes]
