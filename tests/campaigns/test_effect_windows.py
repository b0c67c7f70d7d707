"""The effect's windows fit the launch and the figures: whole periods, the launch period left out
and named, each area from its own launch, no percentage for a window not fully covered, and each
change judged against chance variation."""

import html
from datetime import date, timedelta

import pytest
from django.urls import reverse

from agencies.models import Organisation
from campaigns.impact.disclosure import present_effect
from campaigns.impact.effect import campaign_effect
from campaigns.impact.periods import Window, add_months
from campaigns.impact.uncertainty import ratio_change
from campaigns.models import CampaignPartner, Channel, HelpSeekerFigure
from tests.factories import make_campaign, make_force_area, make_organisation


@pytest.fixture
def website(db):
    return Channel.objects.create(name="Website", slug="website", position=1)


def monthly(region, area, channel, first: date, last: date, count=100, skip=()):
    month = first
    while month <= last:
        if month not in skip:
            HelpSeekerFigure.objects.create(
                region=region,
                force_area=area,
                channel=channel,
                period_start=month,
                period_end=add_months(month, 1) - timedelta(days=1),
                count=count,
            )
        month = add_months(month, 1)


def months(first: str, last: str) -> Window:
    start = date.fromisoformat(first + "-01")
    return Window(start, add_months(date.fromisoformat(last + "-01"), 1) - timedelta(days=1))


@pytest.mark.parametrize(
    "launch, before, after, left_out",
    [
        (date(2026, 3, 1), months("2025-12", "2026-02"), months("2026-03", "2026-05"), None),
        (
            date(2025, 12, 2),
            months("2025-09", "2025-11"),
            months("2026-01", "2026-03"),
            "December 2025",
        ),
        (
            date(2026, 6, 15),
            months("2026-03", "2026-05"),
            months("2026-07", "2026-09"),
            "June 2026",
        ),
        (
            date(2026, 1, 31),
            months("2025-10", "2025-12"),
            months("2026-02", "2026-04"),
            "January 2026",
        ),
    ],
    ids=["1st", "2nd", "15th", "last day"],
)
def test_a_launch_part_way_through_a_month_leaves_that_month_out_and_says_so(
    region, website, launch, before, after, left_out
):
    area = make_force_area("Dorset", region)
    monthly(region, area, website, date(2024, 6, 1), date(2026, 12, 1))
    effect = campaign_effect(make_campaign(region=region, launch_date=launch))
    assert (effect.before, effect.after) == (before, after)
    assert effect.total.before == effect.total.after == 300
    assert effect.total.percent == 0
    if left_out is None:
        assert effect.notes == []
    else:
        assert len(effect.notes) == 1
        assert f"so {left_out} is left out" in effect.notes[0]
        assert f"({before.label})" in effect.notes[0] and f"({after.label})" in effect.notes[0]


def test_a_partner_launching_later_is_measured_from_its_own_launch(region, website, charity):
    early, late = make_force_area("Early", region), make_force_area("Late", region)
    campaign = make_campaign(lead=charity, region=region, launch_date=date(2026, 3, 1))
    for area, launch in [(early, None), (late, date(2026, 4, 15))]:
        force = make_organisation(
            f"{area.name} Police", Organisation.Kind.POLICE_FORCE, force_area=area
        )
        CampaignPartner.objects.create(campaign=campaign, organisation=force, launch_date=launch)
        monthly(region, area, website, date(2024, 6, 1), date(2026, 12, 1))
    effect = campaign_effect(campaign)
    rows = {row.label: row for row in effect.rows}
    assert rows["Early"].windows["after"] == months("2026-03", "2026-05")
    assert rows["Late"].windows["before"] == months("2026-01", "2026-03")
    assert rows["Late"].windows["after"] == months("2026-05", "2026-07")
    assert not effect.uniform
    assert len(effect.notes) == 1
    assert (
        "Late on 15 April 2026 launched later and is measured from its own launch"
        in (effect.notes[0])
    )
    shown = {row.label: row for row in present_effect(effect, exact=True)}
    assert shown["Late"].windows_label == "January to March 2026 against May to July 2026"


def test_a_window_with_one_missing_month_gets_no_percentage_anywhere(
    client_for, charity_admin, police_officer, charity, region, website, force_a
):
    campaign = make_campaign(
        lead=charity, partners=(force_a,), region=region, launch_date=date(2026, 3, 1)
    )
    monthly(
        region,
        force_a.force_area,
        website,
        date(2024, 6, 1),
        date(2026, 12, 1),
        skip={date(2026, 4, 1)},
    )
    effect = campaign_effect(campaign)
    assert effect.total.percent is None
    missing = "not comparable: figures for April 2026 are missing"
    url = reverse("campaigns:impact", args=[campaign.slug])
    for person in (charity_admin, police_officer):
        response = client_for(person).get(url)
        rows = {row.label: row for row in response.context["effect_rows"]}
        assert rows["Avon and Somerset"].percent == missing
        assert rows["Total for South West England"].percent.startswith(missing)
        assert rows["Avon and Somerset"].percent_year_earlier == "no change"
        assert f"People seeking help: {missing}" in response.content.decode()
    evaluation = client_for(charity_admin).get(
        reverse("campaigns:evaluation", args=[campaign.slug])
    )
    assert missing in evaluation.content.decode()


def test_weekly_and_quarterly_figures_mixed_with_monthly_ones_each_fit_their_own_periods(
    region, website
):
    monthly_area, quarterly_area, weekly_area = (
        make_force_area(name, region) for name in ("Monthly", "Quarterly", "Weekly")
    )
    monthly(region, monthly_area, website, date(2024, 1, 1), date(2026, 12, 1), count=10)
    for year in (2024, 2025, 2026):
        for month in (1, 4, 7, 10):
            start = date(year, month, 1)
            HelpSeekerFigure.objects.create(
                region=region,
                force_area=quarterly_area,
                channel=website,
                period_start=start,
                period_end=add_months(start, 3) - timedelta(days=1),
                count=30,
            )
    monday = date(2024, 1, 1)
    assert monday.weekday() == 0
    while monday < date(2026, 12, 31):
        HelpSeekerFigure.objects.create(
            region=region,
            force_area=weekly_area,
            channel=website,
            period_start=monday,
            period_end=monday + timedelta(days=6),
            count=2,
        )
        monday += timedelta(days=7)
    # Wednesday 1 April 2026: a month's and a quarter's first day, part-way through a week.
    effect = campaign_effect(make_campaign(region=region, launch_date=date(2026, 4, 1)))
    rows = {row.label: row for row in effect.rows}
    assert rows["Monthly"].windows["after"] == months("2026-04", "2026-06")
    assert rows["Quarterly"].windows["after"] == months("2026-04", "2026-06")
    assert rows["Weekly"].windows["before"] == Window(date(2025, 12, 29), date(2026, 3, 29))
    assert rows["Weekly"].windows["after"] == Window(date(2026, 4, 6), date(2026, 7, 5))
    assert [(row.before, row.after) for row in effect.rows] == [(30, 30), (30, 30), (26, 26)]
    assert all(row.comparable("now") for row in effect.rows)
    assert (effect.total.before, effect.total.after, effect.total.percent) == (86, 86, 0)
    assert len(effect.notes) <= 2
    assert "Monthly's figures come by month" in " ".join(effect.notes)


def test_ten_becoming_sixteen_is_too_few_people_to_tell():
    change = ratio_change(10, 16)
    assert change.percent == 60
    assert change.verdict == "too few"
    assert change.words == "too few people to tell"


def test_586_becoming_1008_is_clearly_larger_than_chance_variation():
    change = ratio_change(586, 1_008)
    assert change.percent == 72
    assert change.verdict == "rose"
    assert change.interval_text == "+55% to +90%"


def test_a_change_within_chance_variation_is_called_so():
    assert ratio_change(100, 104).words == "within chance variation"
    assert ratio_change(0, 5).words == "too few people to tell"


def test_the_net_effect_is_said_in_words_against_the_year_earlier(
    client_for, charity_admin, charity, region, website
):
    area = make_force_area("Dorset", region)
    monthly(region, area, website, date(2024, 12, 1), date(2025, 2, 1), count=100)
    monthly(region, area, website, date(2025, 3, 1), date(2025, 5, 1), count=96)
    monthly(region, area, website, date(2025, 12, 1), date(2026, 2, 1), count=200)
    monthly(region, area, website, date(2026, 3, 1), date(2026, 5, 1), count=290)
    campaign = make_campaign(lead=charity, region=region, launch_date=date(2026, 3, 1))
    page = client_for(charity_admin).get(reverse("campaigns:impact", args=[campaign.slug]))
    assert page.context["net_effect"] in html.unescape(page.content.decode())
    assert page.context["net_effect"] == (
        "People seeking help rose 45% after launch (clearly larger than chance variation, 95% "
        "interval +31% to +61%), against a 4% fall over the same months a year earlier. Allowing "
        "for the year-earlier change, the campaign's effect is +51% (95% interval +25% to +83%): "
        "clearly larger than chance variation."
    )


def test_what_an_area_table_misses_is_said_in_at_most_two_sentences(region, website):
    from campaigns.impact.areas import area_table

    for number in range(3):
        area = make_force_area(f"Area {number}", region)
        skip = {date(2025, month, 1) for month in range(1 + number, 12, 2)}
        monthly(region, area, website, date(2025, 1, 1), date(2025, 12, 1), skip=skip)
    HelpSeekerFigure.objects.create(
        region=region,
        force_area=area,
        channel=website,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        count=1_000,
    )
    table = area_table(region, months("2025-01", "2025-06"))
    assert len(table.coverage.missing) > 6
    summary = table.coverage.summary
    assert summary == [
        "Figures are missing for 6 periods in 3 areas (Area 0, Area 1, Area 2), so the totals "
        "are not the whole picture.",
        "1 figure covers a longer period than this one and is not counted (for example Area 2's "
        "for 2025): a figure is never split.",
    ]
