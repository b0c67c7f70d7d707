"""Charts people can read: labels that never overlap, values written on the bars, text that stays
legible on a phone, and the figures behind each chart."""

from datetime import date

from campaigns import charts
from campaigns.impact.periods import add_months

CHARACTER = 0.6  # the width of a character of the chart's text, in font sizes (generous)
FONT = 14
PHONE = 390


def test_area_names_each_have_a_line_of_their_own_and_never_overlap():
    names = ["Avon and Somerset", "Devon and Cornwall", "South West England (area not given)"]
    chart = charts.bar_chart(
        title="People seeking help",
        description="",
        categories=names,
        series=[("Before", [895, 564, 43]), ("After", [1005, None, 40])],
        texts=[["895", "564", "43"], ["about 1,005", "–", "40"]],
    )
    lines = sorted([group.label_y for group in chart.groups] + [bar.y + 12 for bar in chart.bars])
    assert all(b - a >= FONT for a, b in zip(lines, lines[1:], strict=False))
    assert all(len(name) * FONT * CHARACTER < chart.width for name in names)
    for bar in chart.bars:
        assert bar.text_x + len(bar.text) * 13 * CHARACTER <= chart.width, bar.text
    assert [bar.text for bar in chart.groups[0].bars] == ["895", "about 1,005"]
    assert chart.table[1] == ("Devon and Cornwall", ["564", "–"])


def test_month_labels_never_collide_and_stay_legible_on_a_phone():
    months = [add_months(date(2025, 1, 1), n) for n in range(25)]
    chart = charts.line_chart(
        title="People seeking help each month",
        description="",
        months=months,
        series=[("Total", list(range(25)))],
    )
    ticks = chart.x_ticks
    assert len(ticks) <= charts.MAX_X_LABELS
    for left, right in zip(ticks, ticks[1:], strict=False):
        widest = max(len(left.label), len(right.label)) * FONT * CHARACTER
        assert right.position - left.position > widest
    assert FONT * PHONE / chart.width >= 11, "text about 11 px high on a 390 px phone"


def test_each_point_and_bar_is_drawn_in_the_page_with_its_value_written_and_escaped():
    from django.template.loader import render_to_string

    months = [add_months(date(2025, 1, 1), n) for n in range(4)]
    line = charts.line_chart(
        title="People seeking help each month",
        description="",
        months=months,
        series=[("Website", [3, 5, 0, 8]), ("Helpline", [1, None, 2, 2])],
    )
    html = render_to_string(
        "campaigns/_line_chart.html", {"chart": line, "chart_id": "people-chart"}
    )
    drawn = [(x, y) for series in line.series for x, y, _ in series.points]
    assert html.count('class="chart-point') == len(drawn) == 7
    x, y = drawn[0]
    assert f'<circle class="chart-point chart-series-0" cx="{x}" cy="{y}" r="3"/>' in html

    bars = charts.bar_chart(
        title="Before and after",
        description="",
        categories=["Avon <and> Somerset"],
        series=[("Before", [895]), ("After", [1005])],
        texts=[["895"], ["about <1,005>"]],
    )
    html = render_to_string("campaigns/_bar_chart.html", {"chart": bars, "chart_id": "bars"})
    # Two bars, each with its value, and the key's two swatches.
    assert html.count('<rect class="chart-bar chart-bar-') == 4
    assert html.count('<text class="chart-label chart-value"') == 2
    assert ">about &lt;1,005&gt;</text>" in html
    assert "Avon &lt;and&gt; Somerset" in html


def test_the_line_charts_table_is_the_markup_its_template_loop_wrote():
    from django.template import Context, Template
    from django.template.loader import render_to_string

    months = [add_months(date(2025, 11, 1), n) for n in range(3)]
    line = charts.line_chart(
        title="Activity",
        description="",
        months=months,
        series=[("Posters & leaflets", [3, None, 12_345]), ("<b>Helpline</b>", [0, 2, None])],
    )
    line.labels[1] = "Dec <2025> & after"  # a label to escape
    # The loop the template had before the rows were written in Python.
    loop = Template(
        '{% for label, values in chart.table %}<tr><th scope="row">{{ label }}</th>'
        '{% for value in values %}<td class="text-end">{% if value is None %}–{% else %}'
        "{{ value }}{% endif %}</td>{% endfor %}</tr>{% endfor %}"
    )
    expected = loop.render(Context({"chart": line}))
    assert line.table_rows == expected
    assert '<th scope="row">Dec &lt;2025&gt; &amp; after</th>' in expected
    assert '<td class="text-end">12345</td><td class="text-end">–</td>' in expected
    html = render_to_string("campaigns/_line_chart.html", {"chart": line, "chart_id": "a"})
    assert expected in html
