"""The charts' geometry: bars and lines on one frame (zero at the baseline, a round top, a
slot per point), gaps for missing values, labels that fit, an empty line chart said so."""

from decimal import Decimal

from django.template.loader import render_to_string

from wberp.charts import (
    HEIGHT,
    LEFT,
    TOP,
    WIDTH,
    Point,
    Series,
    bar_chart,
    line_chart,
    line_path,
    nice_ceiling,
)

BASELINE = HEIGHT - 28


def points(*values) -> list[Point]:
    return [Point(f"d{n}", value, f"day {n}: {value}") for n, value in enumerate(values)]


def test_a_round_ceiling_is_one_two_or_five_times_a_power_of_ten():
    assert [nice_ceiling(v) for v in (0, 0.3, 1, 7, 12, 180, 2_449_440)] == [
        1,
        0.5,
        1,
        10,
        20,
        200,
        5_000_000,
    ]


def test_a_line_passes_each_point_on_the_bars_frame():
    values = points(0, 5, 10)
    line = line_chart([Series("orders", values)])
    bars = bar_chart(values)
    dots = line.lines[0].dots
    assert [dot.y for dot in dots] == [BASELINE, (TOP + BASELINE) / 2, TOP]
    assert [round(bar.x + bar.width / 2, 1) for bar in bars.bars[1:]] == [
        round(dot.x, 1) for dot in dots[1:]
    ]
    assert line.y_ticks == bars.y_ticks and line.x_ticks == bars.x_ticks
    assert [dot.tooltip for dot in dots] == ["day 0: 0", "day 1: 5", "day 2: 10"]
    assert line.lines[0].path.startswith(f"M{dots[0].x} {dots[0].y} L")


def test_a_missing_value_breaks_the_line_where_a_zero_does_not():
    line = line_chart([Series("orders", points(3, None, 4, 0))]).lines[0]
    assert len(line.dots) == 3
    assert line.path.count("M") == 2 and line.path.count("L") == 1


def test_two_series_share_one_scale_and_keep_their_own_colour():
    chart = line_chart([Series("orders", points(1, 2)), Series("buyouts", points(40, 1))])
    assert [line.index for line in chart.lines] == [0, 1]
    assert chart.lines[1].dots[0].y == round(TOP + (BASELINE - TOP) * (1 - 40 / 50), 2)
    assert chart.y_ticks[-1].label == "50"


def test_the_left_margin_grows_with_the_widest_label():
    narrow = bar_chart(points(5))
    wide = bar_chart(points(Decimal("2449440")), number=lambda v: f"{v:,}".replace(",", " "))
    assert narrow.left == LEFT
    assert wide.left > LEFT and wide.y_ticks[-1].label == "5 000 000"
    assert wide.bars[0].x >= wide.left and wide.bars[0].x + wide.bars[0].width <= WIDTH


def test_a_line_chart_without_values_renders_its_empty_state():
    chart = line_chart([Series("orders", points(None, None))])
    assert chart.empty
    html = render_to_string(
        "includes/line_chart.html", {"chart": chart, "title": "Orders", "summary": "", "id": "t"}
    )
    assert "<svg" not in html and "Orders:" in html


def test_a_line_chart_renders_tooltips_a_summary_and_no_inline_style():
    chart = line_chart([Series("orders", points(1, 2, 3)), Series("buyouts", points(0, 1, 2))])
    html = render_to_string(
        "includes/line_chart.html",
        {"chart": chart, "title": "Orders", "summary": "Three days.", "id": "t"},
    )
    assert html.count("<circle") == 6 and html.count("<title>day") == 6
    assert 'aria-labelledby="t-title t-desc"' in html and '<desc id="t-desc">Three days.' in html
    assert "style=" not in html and "chart-line-1" in html
    assert line_path([]) == ""
