"""Charts drawn on the server: the geometry of SVG bar and line charts, which templates
render (includes/bar_chart.html, includes/line_chart.html).

No JavaScript and no inline style (the CSP allows neither): the template places the shapes this
module computes, its classes take their colours from the admin's CSS variables (so dark mode
works), each bar or point has a <title> as its tooltip, and the figure carries a text summary
for screen readers. Both kinds share one frame: a y scale from zero to a round ceiling, and
one slot per point along x, labelled at most X_LABELS times.
"""

from dataclasses import dataclass
from decimal import Decimal
from math import floor, log10

# The drawing's own units; the SVG scales to the width of its box.
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 10, 28
# The y axis' labels are 12 px text: about this wide a character, so that the left margin
# grows with the longest ("2 000 000") and no label is cut off.
LABEL_CHARACTER = 7
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


@dataclass(frozen=True)
class Frame:
    """Where values go: y from zero (the baseline) to `top`, one slot of x per point after
    a left margin wide enough for the y axis' labels."""

    top: float
    slots: int
    left: int = LEFT
    plot_height: float = HEIGHT - BOTTOM - TOP

    @property
    def slot(self) -> float:
        return (WIDTH - RIGHT - self.left) / max(self.slots, 1)

    def y_of(self, value: float) -> float:
        return round(TOP + self.plot_height * (1 - value / self.top), 2)

    def height_of(self, value: float) -> float:
        return round(self.plot_height * value / self.top, 2)

    def centre_of(self, index: int) -> float:
        return round(self.left + (index + 0.5) * self.slot, 2)

    def y_ticks(self, number) -> list[Tick]:
        values = [self.top * step / Y_TICKS for step in range(Y_TICKS + 1)]
        return [Tick(self.y_of(value), number(tick_value(value))) for value in values]


def frame_of(values: list, slots: int, number) -> Frame:
    """The frame of `values` (None for a gap) drawn in `slots` slots, its y axis labelled
    by `number`."""
    top = nice_ceiling(float(max((v for v in values if v is not None), default=0)))
    widest = max(len(tick.label) for tick in Frame(top, slots).y_ticks(number))
    return Frame(top, slots, left=max(LEFT, LABEL_CHARACTER * widest + 8))


def bar_chart(points: list[Point], *, number=str) -> BarChart:
    """The bars, axis ticks and labels of `points`, left to right; `number` formats the y axis."""
    frame = frame_of([point.value for point in points], len(points), number)
    gap = min(2.0, frame.slot * 0.2)
    bars = [
        Bar(
            x=round(frame.left + index * frame.slot + gap / 2, 2),
            y=frame.y_of(float(point.value)),
            width=round(frame.slot - gap, 2),
            height=frame.height_of(float(point.value)),
            tooltip=point.tooltip,
        )
        for index, point in enumerate(points)
        if point.value is not None
    ]
    return BarChart(
        bars=bars, y_ticks=frame.y_ticks(number), x_ticks=x_ticks(points, frame), left=frame.left
    )


@dataclass(frozen=True)
class Series:
    """One line: its name (for the legend) and its points, one per slot, as every series of
    the chart has."""

    name: str
    points: list[Point]


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    tooltip: str


@dataclass(frozen=True)
class Line:
    name: str
    index: int  # picks its colour (chart-line-0, chart-line-1, …)
    path: str  # SVG path data: a run of points a segment, broken where a value is missing
    dots: list[Dot]


@dataclass(frozen=True)
class LineChart:
    lines: list[Line]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM
    label_y: int = HEIGHT - 8

    @property
    def empty(self) -> bool:
        return not any(line.dots for line in self.lines)


def line_chart(series: list[Series], *, number=str) -> LineChart:
    """Lines through each series' points, left to right, on one y scale; `number` formats
    the y axis. A missing value (None) breaks its line rather than drawing it at zero."""
    slots = max((len(one.points) for one in series), default=0)
    frame = frame_of([point.value for one in series for point in one.points], slots, number)
    lines = []
    for index, one in enumerate(series):
        dots = [
            (position, Dot(frame.centre_of(position), frame.y_of(float(p.value)), p.tooltip))
            for position, p in enumerate(one.points)
            if p.value is not None
        ]
        lines.append(Line(one.name, index, line_path(dots), [dot for _, dot in dots]))
    points = series[0].points if series else []
    return LineChart(
        lines=lines, y_ticks=frame.y_ticks(number), x_ticks=x_ticks(points, frame), left=frame.left
    )


def line_path(dots: list[tuple[int, Dot]]) -> str:
    """SVG path data through the dots; a new segment ("M") after each gap in positions."""
    parts, previous = [], None
    for position, dot in dots:
        move = "L" if previous is not None and position == previous + 1 else "M"
        parts.append(f"{move}{dot.x} {dot.y}")
        previous = position
    return " ".join(parts)


def tick_value(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def x_ticks(points: list[Point], frame: Frame) -> list[Tick]:
    """Evenly spaced labels, the first and the last among them."""
    if not points:
        return []
    count = min(len(points), X_LABELS)
    indexes = sorted({round(i * (len(points) - 1) / max(count - 1, 1)) for i in range(count)})
    return [Tick(frame.centre_of(i), points[i].label) for i in indexes]
