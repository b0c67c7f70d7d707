"""Small accessible SVG charts drawn on the server: no script, no CDN, no inline styles.

Each chart is SVG in the page with a title and description for screen readers, series told apart
by line pattern as well as colour, and the data table beside it in the page. pygal was the other
choice; it cannot mark a date on a line chart, and its SVG carries inline styles and scripts that
the portal's Content-Security-Policy refuses.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

# A narrow canvas: scaled to a 390 px phone the text stays about 11 px high; on a wide screen
# the figure is capped in CSS so the text does not grow past its size in the page.
WIDTH, HEIGHT = 480, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 40
# At most this many month labels, so that “Sep 2026” never runs into its neighbour.
MAX_X_LABELS = 6


@dataclass
class Series:
    name: str
    values: list[int | None]
    index: int = 0
    path: str = ""
    points: list[tuple[float, float, int]] = field(default_factory=list)

    @property
    def circles(self) -> SafeString:
        """A circle on each point. Written here, not in a template loop: a loop over every
        month of every series cost the impact page more than the rest of its charts. The
        index and coordinates are numbers this module worked out: nothing in them to escape."""
        return mark_safe(  # noqa: S308 - numbers only
            "".join(
                f'<circle class="chart-point chart-series-{int(self.index)}" '
                f'cx="{float(x)}" cy="{float(y)}" r="3"/>'
                for x, y, _ in self.points
            )
        )


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

    @property
    def table_rows(self) -> SafeString:
        """The data table's rows: a month a row, a dash for a month with no figure. Written
        here, as the circles are: a loop over every month of every series was two thirds of
        the chart's time. The label is escaped; the figures are whole numbers."""
        return mark_safe(  # noqa: S308 - labels escaped, figures numbers
            "".join(
                f'<tr><th scope="row">{escape(label)}</th>'
                + "".join(
                    f'<td class="text-end">{"–" if value is None else int(value)}</td>'
                    for value in values
                )
                + "</tr>"
                for label, values in self.table
            )
        )


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
    every = max(1, -(-count // MAX_X_LABELS))
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
    text: str = ""
    text_x: float = 0.0


@dataclass
class BarGroup:
    """One category: its label on a line of its own above its bars, so labels never overlap."""

    label: str
    label_y: float
    bars: list[Bar]

    @property
    def shapes(self) -> str:
        """Each bar with its value at its end (see Series.circles for why not a template loop)."""
        return format_html_join(
            "",
            '<rect class="chart-bar chart-bar-{}" x="{}" y="{}" width="{}" height="{}"/>'
            '<text class="chart-label chart-value" x="{}" y="{}">{}</text>',
            (
                (bar.series, bar.x, bar.y, bar.width, bar.height, bar.text_x, bar.y + 12, bar.text)
                for bar in self.bars
            ),
        )


@dataclass
class BarChart:
    title: str
    description: str
    groups: list[BarGroup]
    series_names: list[str]
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = 8

    @property
    def bars(self) -> list[Bar]:
        return [bar for group in self.groups for bar in group.bars]

    @property
    def categories(self) -> list[Tick]:
        return [Tick(group.label_y, group.label) for group in self.groups]

    @property
    def is_empty(self) -> bool:
        return not self.bars

    @property
    def table(self) -> list[tuple[str, list[str]]]:
        """The chart's figures category by category, for the data table behind it."""
        rows = []
        for group in self.groups:
            texts = ["–"] * len(self.series_names)
            for bar in group.bars:
                texts[bar.series] = bar.text
            rows.append((group.label, texts))
        return rows


BAR, BAR_GAP, LABEL_LINE, GROUP_GAP = 16, 3, 18, 12
VALUE_ROOM = 96  # room at the right of the longest bar for its value (“about 1,005”)


def bar_chart(
    *,
    title: str,
    description: str,
    categories: list[str],
    series: list[tuple[str, list[int | None]]],
    texts: list[list[str]] | None = None,
) -> BarChart:
    """Horizontal grouped bars: each category's name on its own line, then one bar per series
    with its value written at its end (`texts`, e.g. “about 45”, else the number). No bar where
    there is no value."""
    top = max((v for _, values in series for v in values if v is not None), default=0) or 1
    left = 8
    room = WIDTH - left - VALUE_ROOM
    groups, y = [], TOP
    for index, name in enumerate(categories):
        label_y = y + 12
        y += LABEL_LINE
        bars = []
        for number, (_, values) in enumerate(series):
            value = values[index]
            if value is not None:
                length = round(max(room * value / top, 1), 1)
                text = texts[number][index] if texts else f"{value:,}"
                bars.append(
                    Bar(left, y, length, BAR, value, number, text, round(left + length + 4, 1))
                )
            y += BAR + BAR_GAP
        groups.append(BarGroup(name, label_y, bars))
        y += GROUP_GAP
    chart = BarChart(title, description, groups, [name for name, _ in series])
    chart.height = int(y + 4)
    return chart
