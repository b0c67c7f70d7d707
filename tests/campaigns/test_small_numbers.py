"""Small-number protection everywhere a partner sees a help-seeker count: no page, chart table,
export or workbook shows a count from 1 to the threshold less one, for any area."""

import io
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.impact.periods import add_months
from campaigns.models import CampaignPartner, Channel, HelpSeekerFigure
from tests.assertions import body
from tests.factories import make_force_area

COUNT = re.compile(r"^(?:about )?(\d[\d,]*)$")


class _Cells(HTMLParser):
    """The text of every table cell and every value written on a chart."""

    def __init__(self):
        super().__init__()
        self.cells: list[str] = []
        self._text: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag in {"td", "th"} or (tag == "text" and "chart-value" in classes):
            self._text, self._tag = [], tag

    def handle_endtag(self, tag):
        if self._text is not None and tag == self._tag:
            self.cells.append(" ".join("".join(self._text).split()))
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def small_counts_in(values, threshold: int) -> list:
    """The values that read as a count from 1 to threshold-1 (a number, or text like “3”)."""
    found = []
    for value in values:
        if isinstance(value, bool):
            continue
        # Percentages are fractions in a workbook (0.07 for +7%): only whole numbers are counts.
        if isinstance(value, int) and 0 < value < threshold:
            found.append(value)
        elif isinstance(value, str):
            match = COUNT.match(value.strip())
            if match and 0 < int(match.group(1).replace(",", "")) < threshold:
                found.append(value)
    return found


def html_cells(response) -> list[str]:
    parser = _Cells()
    parser.feed(body(response).decode())
    return parser.cells


def workbook_values(response, sheet_names=None) -> list:
    workbook = load_workbook(io.BytesIO(body(response)))
    values = []
    for sheet in workbook.worksheets:
        if sheet_names is not None and sheet.title not in sheet_names:
            continue
        for row in sheet.iter_rows(values_only=True):
            values.extend(value for value in row if value is not None)
    return values


@pytest.fixture
def small_figures(region, campaign, force_a):
    """Monthly figures for a year and a half around the campaign's launch (1 June 2026), in the
    partner's area, another area and "area not given", with small helpline counts everywhere."""
    website = Channel.objects.create(name="Website", slug="website", position=1)
    helpline = Channel.objects.create(name="Helpline", slug="helpline", position=2)
    other = make_force_area("Wiltshire", region)
    month = date(2025, 1, 1)
    number = 0
    while month < date(2026, 12, 1):
        end = add_months(month, 1) - timedelta(days=1)
        for area, channel, count in [
            (force_a.force_area, website, 30 + number),
            (force_a.force_area, helpline, 1 + number % 4),
            (other, website, 2 + number % 3),
            (other, helpline, 4),
            (None, helpline, 1 + number % 2),
        ]:
            HelpSeekerFigure.objects.create(
                region=region,
                force_area=area,
                channel=channel,
                period_start=month,
                period_end=end,
                count=count,
            )
        month = add_months(month, 1)
        number += 1
    return campaign


def partner_ids(campaign, person) -> list[int]:
    """The partners whose reports the person may have."""
    partners = CampaignPartner.objects.filter(campaign=campaign)
    if not campaign.is_run_by(person):
        partners = partners.filter(organisation_id__in=person.organisation_ids)
    return list(partners.values_list("pk", flat=True))


def pages(campaign, person) -> list[str]:
    impact = reverse("campaigns:impact", args=[campaign.slug])
    reports = [
        reverse("campaigns:partner-report", args=[campaign.slug, pk])
        for pk in partner_ids(campaign, person)
    ]
    return [
        *reports,
        impact,
        impact + "?months=1&table_from=2026-05&table_to=2026-05",
        impact + "?months=6&table_from=2026-06&table_to=2026-11",
        impact + "?months=12&table_from=2025-01&table_to=2026-11",
        reverse("campaigns:evaluation", args=[campaign.slug]),
    ]


def workbooks(campaign, person) -> list[str]:
    areas = reverse("campaigns:impact-areas-export", args=[campaign.slug, "xlsx"])
    return [
        reverse("campaigns:evaluation-xlsx", args=[campaign.slug]),
        areas + "?table_from=2026-05&table_to=2026-05",
        areas + "?table_from=2025-01&table_to=2026-11",
        *(
            reverse("campaigns:partner-report-xlsx", args=[campaign.slug, pk])
            for pk in partner_ids(campaign, person)
        ),
    ]


HELP_SEEKER_SHEETS = {"Outcomes", "Help-seekers", "Areas"}


def csv_values(response) -> list[str]:
    return [
        cell for line in body(response).decode("utf-8-sig").splitlines() for cell in line.split(",")
    ]


@pytest.mark.parametrize("who", ["police_officer", "council_officer"])
def test_a_partner_never_sees_a_count_below_the_threshold(
    client_for, small_figures, settings, who, request
):
    person = request.getfixturevalue(who)
    client = client_for(person)
    threshold = settings.SMALL_NUMBER_THRESHOLD
    withheld = 0
    for url in pages(small_figures, person):
        response = client.get(url)
        assert response.status_code == 200, url
        cells = html_cells(response)
        withheld += sum(cell.startswith(("about", "fewer than")) for cell in cells)
        assert small_counts_in(cells, threshold) == [], url
    assert withheld, "the pages show withheld and rounded counts as such"
    for url in workbooks(small_figures, person):
        response = client.get(url)
        assert response.status_code == 200, url
        values = workbook_values(response, HELP_SEEKER_SHEETS)
        withheld += sum(str(value).startswith(("about", "fewer than")) for value in values)
        assert small_counts_in(values, threshold) == [], url
    assert withheld
    for url in workbooks(small_figures, person):
        if "areas.xlsx" in url:
            csv = client.get(url.replace("areas.xlsx", "areas.csv"))
            assert small_counts_in(csv_values(csv), threshold) == [], url


def test_the_check_finds_small_counts_where_they_are_shown(
    client_for, charity_admin, small_figures
):
    # The campaign's admins see exact figures: the same pages do show 1 to 4, so the check above
    # would catch a partner being shown them.
    client = client_for(charity_admin)
    for url in pages(small_figures, charity_admin):
        if "/report/" not in url:
            assert small_counts_in(html_cells(client.get(url)), 5), url
    evaluation = reverse("campaigns:evaluation-xlsx", args=[small_figures.slug])
    assert small_counts_in(workbook_values(client.get(evaluation), HELP_SEEKER_SHEETS), 5)


def test_a_partners_report_follows_the_partners_rules_whoever_produces_it(
    client_for, charity_admin, small_figures
):
    # The charity produces any partner's report to send on: the same rules as for the partner.
    client = client_for(charity_admin)
    for url in pages(small_figures, charity_admin) + workbooks(small_figures, charity_admin):
        if "report" not in url:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith(".xlsx"):
            values = workbook_values(response, HELP_SEEKER_SHEETS)
        else:
            values = html_cells(response)
        assert small_counts_in(values, 5) == [], url


def test_a_higher_threshold_is_honoured_everywhere(
    client_for, police_officer, small_figures, settings
):
    settings.SMALL_NUMBER_THRESHOLD = 10
    person = police_officer
    client = client_for(person)
    for url in pages(small_figures, person):
        assert small_counts_in(html_cells(client.get(url)), 10) == [], url
    for url in workbooks(small_figures, person):
        assert small_counts_in(workbook_values(client.get(url), HELP_SEEKER_SHEETS), 10) == [], url


def test_a_withheld_or_rounded_count_is_marked_as_such_in_its_cell():
    from django.template import Context, Template

    from campaigns.impact.disclosure import show_protected

    cell = Template("{% load help_seekers %}<td>{{ cell|shown }}</td>")
    withheld = cell.render(Context({"cell": show_protected(3, hides_small=False, threshold=5)}))
    assert withheld == '<td><span class="text-body-secondary">fewer than 5</span></td>'
    rounded = cell.render(Context({"cell": show_protected(893, hides_small=True, threshold=5)}))
    assert rounded == (
        '<td><span title="Rounded so that a small count cannot be worked out">about 895</span></td>'
    )
    assert cell.render(Context({"cell": show_protected(893, hides_small=False)})) == "<td>893</td>"


def test_a_total_is_rounded_for_a_partner_only_when_a_part_is_below_the_threshold(settings):
    from campaigns.impact.disclosure import show_sum

    settings.SMALL_NUMBER_THRESHOLD = 5
    # A part of exactly the threshold is shown to partners, so a total of such parts is exact.
    assert show_sum([5, 10, None], exact=False).text == "15"
    assert show_sum([4, 10], exact=False).text == "about 15"
    assert show_sum([1, 10], exact=False).rounded
    # Nothing withheld, or shown to the charity: exact.
    assert show_sum([0, 12], exact=False).text == "12"
    assert show_sum([4, 10], exact=True).text == "14"
    settings.SMALL_NUMBER_THRESHOLD = 10
    assert show_sum([5, 10], exact=False).text == "about 20"
