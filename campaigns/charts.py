"""Small accessible SVG charts drawn on the server: no script, no CDN, no inline styles.

Each chart is SVG in the page with a title and description for screen readers, series told apart
by line pattern as well as colour, and the data table beside it in the page. pygal was the other
choice; it cannot mark a date on a line chart, and its SVG carries inline styles and scripts that
the portal's Content-Security-Policy refuses.
"""

from dataclasses import dataclass, field
from datetime import date

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 48


@dataclass
class Series:
    name: str
    values: list[int | None]
    index: int = 0
    path: str = ""
    points: list[tuple[float, float, int]] = field(default_factory=list)


@dataclass
class Tick:
    position: float
    label: str


@dataclass
class LineChart:
    title: str
    description: str
    labels: list[str]
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    marker: Tick | None
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def is_empty(self) -> bool:
        return not any(value for series in self.series for value in series.values)

    @property
    def table(self) -> list[tuple[str, list[int | None]]]:
        """The chart's figures row by row, for the data table beside it."""
        return [
            (label, [series.values[index] for series in self.series])
            for index, label in enumerate(self.labels)
        ]


def _nice_ceiling(value: int) -> int:
    """A round top for the axis, at or above the value, that divides into four whole steps
    (or a small whole number)."""
    if value <= 4:
        return max(int(value), 1)
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 4, 5, 8, 10):
        top = step * magnitude
        if value <= top and top % 4 == 0:
            return top
    return 10 * magnitude


def _y_ticks(top: int, scale) -> list[Tick]:
    """Gridlines at whole numbers: four steps, or one per unit when the top is small."""
    steps = 4 if top >= 4 else top
    return [Tick(scale(top * i / steps), f"{round(top * i / steps):,}") for i in range(steps + 1)]


def line_chart(
    *,
    title: str,
    description: str,
    months: list[date],
    series: list[tuple[str, list[int | None]]],
    marker: date | None = None,
    marker_label: str = "Launch",
) -> LineChart:
    """Monthly lines; a gap where a month has no figure (nothing is drawn across missing data)."""
    top = _nice_ceiling(
        max((v for _, values in series for v in values if v is not None), default=0)
    )
    count = max(len(months), 1)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM

    def x(index: float) -> float:
        return round(LEFT + plot_width * (index + 0.5) / count, 1)

    def y(value: float) -> float:
        return round(TOP + plot_height * (1 - value / top), 1)

    drawn = []
    for number, (name, values) in enumerate(series):
        line = Series(name, values, number)
        pen_down = False
        commands = []
        for index, value in enumerate(values):
            if value is None:
                pen_down = False
                continue
            commands.append(f"{'L' if pen_down else 'M'}{x(index)},{y(value)}")
            line.points.append((x(index), y(value), value))
            pen_down = True
        line.path = " ".join(commands)
        drawn.append(line)
    every = max(1, count // 12)
    x_ticks = [
        Tick(x(index), month.strftime("%b %Y" if month.month == 1 or index == 0 else "%b"))
        for index, month in enumerate(months)
        if index % every == 0
    ]
    marker_tick = None
    if marker is not None and months and months[0] <= marker <= months[-1]:
        index = next(
            i
            for i, month in enumerate(months)
            if (month.year, month.month) == (marker.year, marker.month)
        )
        marker_tick = Tick(x(index - 0.5), marker_label)
    return LineChart(
        title,
        description,
        [month.strftime("%B %Y") for month in months],
        drawn,
        _y_ticks(top, y),
        x_ticks,
        marker_tick,
    )


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: int


@dataclass
class BarChart:
    title: str
    description: str
    categories: list[Tick]
    series_names: list[str]
    bars: list[Bar]
    y_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def is_empty(self) -> bool:
        return not self.bars


def bar_chart(
    *,
    title: str,
    description: str,
    categories: list[str],
    series: list[tuple[str, list[int | None]]],
) -> BarChart:
    """Grouped bars: one group per category, one bar per series; no bar where there is no value."""
    top = _nice_ceiling(
        max((v for _, values in series for v in values if v is not None), default=0)
    )
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    group = plot_width / max(len(categories), 1)
    bar_width = group * 0.7 / max(len(series), 1)

    def y(value: float) -> float:
        return round(TOP + plot_height * (1 - value / top), 1)

    bars = []
    for number, (_, values) in enumerate(series):
        for index, value in enumerate(values):
            if value is None:
                continue
            left = LEFT + group * index + group * 0.15 + bar_width * number
            bars.append(
                Bar(
                    round(left, 1),
                    y(value),
                    round(bar_width, 1),
                    round(TOP + plot_height - y(value), 1),
                    value,
                    number,
                )
            )
    return BarChart(
        title,
        description,
        [
            Tick(round(LEFT + group * (index + 0.5), 1), name)
            for index, name in enumerate(categories)
        ],
        [name for name, _ in series],
        bars,
        _y_ticks(top, y),
    )
