import csv
from datetime import date, timedelta
from io import StringIO

import pytest

from campaigns.charts import nice_ceiling, supporters_chart
from campaigns.exports import safe_cell


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (47, 50), (51, 100), (999, 1000)],
)
def test_nice_ceiling(value, ceiling):
    assert nice_ceiling(value) == ceiling


def test_chart_counts_every_day_cumulatively_and_tables_the_days_with_support():
    start = date(2026, 11, 1)
    daily = {start: 3, start + timedelta(days=2): 4, start + timedelta(days=9): 1}
    chart = supporters_chart(daily=daily, start=start, end=start + timedelta(days=9), goal=10)
    assert chart.rows == [
        (start, 3, 3),
        (start + timedelta(days=2), 4, 7),
        (start + timedelta(days=9), 1, 8),
    ]
    points = chart.line.split()
    assert len(points) == 10  # one per day
    assert points[0].startswith("56.0,") and points[-1].startswith("624.0,")
    # 8 supporters on a 0..10 axis: the last point is at 80% of the plot height.
    assert points[-1] == "624.0,57.6"
    assert chart.goal_y == pytest.approx(16.0)
    assert [label for _, label in chart.y_ticks] == ["0", "5", "10"]
    assert "8 supporters on 10 November 2026, up 1 in the last 7 days" in chart.description
    assert "The goal is 10." in chart.description


def test_chart_without_supporters_is_a_flat_line_with_an_empty_table():
    day = date(2026, 11, 1)
    chart = supporters_chart(daily={}, start=day, end=day, goal=100)
    assert chart.rows == []
    assert chart.line == "56.0,224.0 624.0,224.0"
    assert chart.goal_y is None  # a goal of 100 is far off a 0..1 axis
    assert chart.description.startswith("0 supporters on 1 November 2026")


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Alice Okafor", "Alice Okafor"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_safe_cell_neutralises_formulas(value, safe):
    assert safe_cell(value) == safe
    # And the CSV module keeps the neutralised value whole.
    out = StringIO()
    csv.writer(out).writerow([safe_cell(value)])
    assert next(csv.reader(StringIO(out.getvalue()))) == [safe]
