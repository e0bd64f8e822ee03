"""Supporters over time as an SVG drawn on the server: no JavaScript, no chart library.

The chart is a picture with a title and description for screen readers (role="img"), and the
template puts the same numbers in a table next to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 36


@dataclass
class Chart:
    width: int
    height: int
    line: str  # polyline points
    area: str  # polygon points
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str, str]]  # x, label, text-anchor
    goal_y: float | None
    title: str
    description: str
    rows: list[tuple[date, int, int]] = field(default_factory=list)  # day, new, running total
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    bottom_edge: int = HEIGHT - BOTTOM


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^k that is at least value: a y-axis maximum people can read."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def supporters_chart(*, daily: dict[date, int], start: date, end: date, goal: int) -> Chart:
    if daily:
        start = min(start, min(daily))
        end = max(end, max(daily))
    end = max(end, start)
    days = (end - start).days + 1
    totals, rows, running = [], [], 0
    for offset in range(days):
        day = start + timedelta(days=offset)
        new = daily.get(day, 0)
        running += new
        totals.append(running)
        if new:
            rows.append((day, new, running))
    top = nice_ceiling(max(running, 1))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + (plot_w * index / (days - 1) if days > 1 else plot_w)

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / top

    points = [(x(i), y(total)) for i, total in enumerate(totals)]
    if days == 1:
        points.insert(0, (float(LEFT), points[0][1]))
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    base = y(0)
    area = f"{points[0][0]:.1f},{base:.1f} {line} {points[-1][0]:.1f},{base:.1f}"
    y_ticks = [(y(top * k / 4), f"{top * k // 4:,}") for k in range(5) if top * k % 4 == 0]
    x_ticks = [(float(LEFT), f"{start:%-d %b}", "start"), (WIDTH - RIGHT, f"{end:%-d %b}", "end")]
    week_ago = end - timedelta(days=7)
    before = sum(n for day, n in daily.items() if day <= week_ago)
    description = (
        f"{running:,} supporter{'s' if running != 1 else ''} on {end:%-d %B %Y}, "
        f"up {running - before:,} in the last 7 days; counting from {start:%-d %B %Y}. "
        f"The goal is {goal:,}."
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        line=line,
        area=area,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        goal_y=y(goal) if goal <= top else None,
        title="Supporters over time",
        description=description,
        rows=rows,
    )
