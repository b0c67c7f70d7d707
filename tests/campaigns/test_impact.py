"""The impact page: the area table, the campaign effect, small numbers, partial coverage, charts."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Organisation
from campaigns.demo import load_demo
from campaigns.impact.areas import area_table
from campaigns.impact.effect import campaign_effect, not_comparable_text
from campaigns.impact.periods import Window
from campaigns.models import Campaign, CampaignPartner, Channel, HelpSeekerFigure
from tests.factories import make_campaign, make_force_area, make_organisation, make_user


@pytest.fixture
def channels(db):
    return {
        "website": Channel.objects.create(name="Website", slug="website", position=1),
        "helpline": Channel.objects.create(name="Helpline", slug="helpline", position=2),
    }


def figure(region, area, channel, start, end, count, **fields):
    return HelpSeekerFigure.objects.create(
        region=region,
        force_area=area,
        channel=channel,
        period_start=start,
        period_end=end,
        count=count,
        **fields,
    )


def impact(campaign, **query):
    return reverse("campaigns:impact", args=[campaign.slug]) + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def test_the_demo_shows_the_seeds_table_to_the_digit_and_scotlands_72_per_cent(client_for, db):
    load_demo(today=date(2026, 11, 23))
    from agencies.models import User

    admin = User.objects.get(email="charity.admin@demo.example")
    client = client_for(admin)
    south_west = Campaign.objects.get(slug="south-west-england-regional-campaign")
    content = client.get(
        impact(south_west, table_from="2017-01", table_to="2017-12")
    ).content.decode()
    for number in ["818", "77", "895", "2,034", "267", "2,301"]:
        assert f">{number}<" in content
    rows = client.get(impact(south_west, table_from="2017-01", table_to="2017-12")).context[
        "table_rows"
    ]
    table = {row.label: ([cell.text for cell in row.cells], row.total.text) for row in rows}
    assert table == {
        "Avon and Somerset": (["818", "77"], "895"),
        "Devon and Cornwall": (["512", "52"], "564"),
        "Dorset": (["285", "29"], "314"),
        "Gloucestershire": (["262", "28"], "290"),
        "Wiltshire": (["157", "38"], "195"),
        "South West England (area not given)": (["0", "43"], "43"),
        "Total for South West England": (["2,034", "267"], "2,301"),
    }
    scotland = Campaign.objects.get(slug="scotland-campaign-2017")
    page = client.get(impact(scotland))
    total = page.context["effect_rows"][-1]
    assert (total.before.text, total.after.text, total.percent) == ("586", "1,008", "+72%")
    assert "+72%" in page.content.decode()
    assert "Illustrative figures" in client.get(impact(south_west)).content.decode()
    assert "Illustrative figures" not in page.content.decode()


def test_a_window_only_partly_covered_says_what_is_missing(region, channels):
    area = make_force_area("Dorset", region)
    figure(region, area, channels["website"], date(2017, 1, 1), date(2017, 12, 31), 285)
    longer = area_table(region, Window(date(2017, 1, 1), date(2018, 6, 30)))
    assert longer.total.counts[channels["website"].pk] == 285
    assert "Dorset, website: no figures for January to June 2018" in longer.coverage.missing
    inside = area_table(region, Window(date(2017, 3, 1), date(2017, 5, 31)))
    assert inside.total.counts[channels["website"].pk] is None, "a yearly figure is never split"
    assert any("reaches outside this period" in line for line in inside.coverage.left_out)


def scotland_like(region, channels, launch=date(2017, 6, 1)):
    area = make_force_area("Scotland", region)
    figure(region, area, channels["website"], date(2017, 3, 1), date(2017, 5, 31), 586)
    figure(region, area, channels["website"], date(2017, 6, 1), date(2017, 8, 31), 1008)
    return make_campaign("Scotland 2017", region=region, launch_date=launch), area


def test_the_effect_compares_equal_windows_with_numbers_beside_the_percentage(region, channels):
    campaign, _ = scotland_like(region, channels)
    effect = campaign_effect(campaign)
    assert (effect.before, effect.after) == (
        Window(date(2017, 3, 1), date(2017, 5, 31)),
        Window(date(2017, 6, 1), date(2017, 8, 31)),
    )
    assert (effect.total.before, effect.total.after, effect.total.percent) == (586, 1008, 72)
    assert not_comparable_text(effect.total, "year_earlier") == (
        "not comparable: figures for March to August 2016 are missing (Scotland)"
    )


def test_a_window_asked_for_in_months_fits_the_periods_the_figures_come_in(
    client_for, charity_admin, region, channels
):
    campaign, _ = scotland_like(region, channels, launch=date(2017, 6, 1))
    campaign.lead_organisation = charity_admin.memberships.get().organisation
    campaign.save()
    response = client_for(charity_admin).get(impact(campaign, months=4))
    page = response.content.decode()
    assert (
        "Figures come by three-month period, so the windows are one whole three-month period "
        "rather than 4 months." in page
    )
    total = response.context["effect_rows"][-1]
    assert (total.before.text, total.after.text, total.percent) == ("586", "1,008", "+72%")


@pytest.fixture
def small_numbers(region, channels, campaign, force_a):
    area = force_a.force_area
    other = make_force_area("Wiltshire", region)
    for start, end, website, helpline in [
        (date(2026, 3, 1), date(2026, 5, 31), 40, 3),
        (date(2026, 6, 1), date(2026, 8, 31), 62, 7),
    ]:
        figure(region, area, channels["website"], start, end, website)
        figure(region, area, channels["helpline"], start, end, helpline)
        figure(region, other, channels["website"], start, end, 20)
        figure(region, other, channels["helpline"], start, end, 9)
    return area


def test_partners_see_small_counts_withheld_and_revealing_totals_rounded(
    client_for, police_officer, small_numbers, campaign
):
    response = client_for(police_officer).get(
        impact(campaign, table_from="2026-03", table_to="2026-05")
    )
    rows = {row.label: row for row in response.context["table_rows"]}
    assert set(rows) == {"Avon and Somerset", "Total for South West England"}, "only own area"
    own = rows["Avon and Somerset"]
    assert [cell.text for cell in own.cells] == ["40", "fewer than 5"]
    assert own.total.text == "about 45", "43 would reveal the 3"
    total = rows["Total for South West England"]
    assert [cell.text for cell in total.cells] == ["60", "about 10"]
    assert total.total.text == "about 70"
    effect = {row.label: row for row in response.context["effect_rows"]}
    assert effect["Avon and Somerset"].before.text == "about 45"
    assert effect["Avon and Somerset"].percent == "not shown: the counts are too small"
    content = response.content.decode()
    # Other areas may be named where the region's total is incomplete, but never given a row.
    assert '<th scope="row">Wiltshire' not in content
    assert "fewer than 5" in content


def test_campaign_admins_see_exact_figures_for_every_area(
    client_for, charity_admin, small_numbers, campaign
):
    response = client_for(charity_admin).get(
        impact(campaign, table_from="2026-03", table_to="2026-05")
    )
    rows = {row.label: row for row in response.context["table_rows"]}
    assert [cell.text for cell in rows["Avon and Somerset"].cells] == ["40", "3"]
    assert rows["Avon and Somerset"].total.text == "43"
    assert "Wiltshire" in rows


def test_where_partners_launched_later_the_areas_are_compared(region, channels, charity):
    early, late = make_force_area("Early", region), make_force_area("Late", region)
    campaign = make_campaign("Staggered", lead=charity, region=region, launch_date=date(2026, 6, 1))
    for area, launch in [(early, None), (late, date(2026, 12, 1))]:
        force = make_organisation(
            f"{area.name} Police", Organisation.Kind.POLICE_FORCE, force_area=area
        )
        CampaignPartner.objects.create(campaign=campaign, organisation=force, launch_date=launch)
    for area, before, after in [(early, 100, 150), (late, 100, 104)]:
        figure(region, area, channels["website"], date(2026, 3, 1), date(2026, 5, 31), before)
        figure(region, area, channels["website"], date(2026, 6, 1), date(2026, 8, 31), after)
    comparison = campaign_effect(campaign).comparison
    assert (comparison.launched, comparison.not_yet) == (["Early"], ["Late"])
    assert (comparison.launched_percent, comparison.not_yet_percent) == (50, 4)


def test_the_charts_mark_the_launch_and_have_their_figures_beside_them(
    client_for, charity_admin, region, channels, campaign, force_a
):
    for month in range(1, 11):
        start = date(2026, month, 1)
        end = date(2026, month + 1, 1).replace(day=1)
        from datetime import timedelta

        figure(
            region,
            force_a.force_area,
            channels["website"],
            start,
            end - timedelta(days=1),
            10 * month,
            is_illustrative=True,
        )
    content = client_for(charity_admin).get(impact(campaign)).content.decode()
    assert 'role="img"' in content
    assert '<title id="people-chart-title">People seeking help each month</title>' in content
    assert "chart-marker" in content and ">Launch<" in content
    assert "the figures as a table" in content
    assert '<td class="text-end">100</td>' in content
    assert "Illustrative figures" in content


@pytest.mark.parametrize("who", ["other_force_officer", "other_charity_admin", "outsider"])
def test_the_impact_page_is_404_outside_the_campaign(client_for, campaign, who, request):
    assert client_for(request.getfixturevalue(who)).get(impact(campaign)).status_code == 404


def test_the_impact_page_needs_sign_in_and_refuses_post(
    client, client_for, police_officer, campaign
):
    assert client.get(impact(campaign)).status_code == 302
    assert client_for(police_officer).post(impact(campaign)).status_code == 405


def test_the_impact_page_costs_the_same_queries_whatever_the_number_of_figures(
    client_for, charity_admin, campaign, region, channels
):
    from datetime import timedelta

    client = client_for(charity_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(impact(campaign)).status_code == 200
        return len(queries)

    def add_area(number: int) -> None:
        area = make_force_area(f"Area {number}", region)
        for month in range(1, 13):
            start = date(2025, month, 1)
            end = (date(2025 + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
            figure(region, area, channels["website"], start, end, month)
            figure(region, area, channels["helpline"], start, end, month + 1)

    add_area(0)
    few = count()
    for number in range(1, 12):
        add_area(number)
    # session, user, memberships, campaign, effect figures, force areas, area-table figures,
    # force areas, chart figures, activity by month, partners, published years, session save.
    assert count() == few


def test_a_partner_of_a_regional_body_sees_only_the_regions_totals(
    client_for, region, channels, campaign
):
    rocu = make_organisation("ROCU", Organisation.Kind.OTHER_AGENCY, region=region)
    CampaignPartner.objects.create(campaign=campaign, organisation=rocu)
    person = make_user(organisation=rocu)
    area = make_force_area("Somewhere", region)
    figure(region, area, channels["website"], date(2025, 6, 1), date(2026, 5, 31), 500)
    rows = (
        client_for(person)
        .get(impact(campaign, table_from="2025-06", table_to="2026-05"))
        .context["table_rows"]
    )
    assert [row.label for row in rows] == ["Total for South West England"]


# --- What is worked out from the figures, kept until they change (campaigns/impact/report.py) --


def stamp(region) -> int:
    from campaigns.models import RegionFiguresStamp

    return RegionFiguresStamp.objects.filter(region=region).values_list("stamp", flat=True).first()


def test_every_way_of_writing_a_figure_changes_its_regions_stamp(region, channels):
    from agencies.models import Region

    area = make_force_area("Devon and Cornwall", region)
    elsewhere = Region.objects.create(name="Wales", slug="wales")
    seen = [stamp(region)]

    def changed() -> None:
        seen.append(stamp(region))
        assert seen[-1] is not None and seen[-1] != seen[-2]

    one = figure(region, area, channels["website"], date(2026, 1, 1), date(2026, 1, 31), 10)
    changed()
    one.count = 11
    one.save()
    changed()
    HelpSeekerFigure.objects.filter(pk=one.pk).update(count=12)
    changed()
    HelpSeekerFigure.objects.bulk_create(
        [
            HelpSeekerFigure(
                region=region,
                channel=channels["helpline"],
                period_start=date(2026, 1, 1),
                period_end=date(2026, 1, 31),
                count=3,
            )
        ]
    )
    changed()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE campaigns_helpseekerfigure SET count = 13 WHERE id = %s", [one.pk])
    changed()
    one.delete()
    changed()
    figure(elsewhere, None, channels["website"], date(2026, 1, 1), date(2026, 1, 31), 5)
    assert stamp(region) == seen[-1], "another region's figure leaves this one's work kept"


def page_text(client, url) -> str:
    # The page's main part: the head's tokens differ from one response to the next.
    page = client.get(url).content.decode()
    return page[page.index("<main") : page.index("</main>")]


def test_work_kept_for_an_admin_shows_a_partner_only_what_they_may_see(
    client_for, charity_admin, police_officer, small_numbers, campaign
):
    from django.core.cache import cache

    url = impact(campaign)  # the table's usual window: kept
    worked_out_for_them = page_text(client_for(police_officer), url)
    cache.clear()
    assert "Wiltshire" in page_text(client_for(charity_admin), url)
    partner = client_for(police_officer)  # signed in again: one test client
    with CaptureQueriesContext(connection) as queries:
        kept = page_text(partner, url)
    assert not [q for q in queries if q["sql"].startswith('SELECT "campaigns_helpseekerfigure".')]
    assert kept == worked_out_for_them
    assert '<th scope="row">Wiltshire' not in kept
    assert "fewer than 5" in kept


def test_a_figure_an_area_or_a_launch_changed_after_a_visit_shows_at_the_next(
    client_for, charity_admin, small_numbers, campaign
):
    client = client_for(charity_admin)
    url = impact(campaign, table_from="2026-03", table_to="2026-05")
    assert ">43<" in page_text(client, url)
    # A plain UPDATE: no model code runs, the database's trigger changes the stamp.
    HelpSeekerFigure.objects.filter(force_area=small_numbers, count=40).update(count=50)
    assert ">53<" in page_text(client, url)
    small_numbers.name = "Avon and Somerset Constabulary area"
    small_numbers.save()
    assert "Avon and Somerset Constabulary area" in page_text(client, url)
    before = page_text(client, url)
    assert "launched later" not in before
    # Its partners there (the force and the council) launch a month after the campaign.
    CampaignPartner.objects.filter(campaign=campaign).update(launch_date=date(2026, 7, 1))
    assert "launched later" in page_text(client, url)


def test_kept_work_follows_a_channel_renamed_or_moved_and_a_channel_added(
    client_for, charity_admin, small_numbers, campaign, channels
):
    client = client_for(charity_admin)
    url = impact(campaign)  # the table's usual window: kept
    assert figures_read(client, url) == 2
    assert figures_read(client, url) == 0
    channels["website"].name = "Self-help website"
    channels["website"].save()
    text = page_text(client, url)
    assert "Self-help website" in text
    channels["helpline"].position = 0
    channels["helpline"].save()
    text = page_text(client, url)
    assert text.index(">Helpline<") < text.index(">Self-help website<")
    # A channel the region has no figure for yet changes the key, not the columns.
    Channel.objects.create(name="Text messages", slug="text", position=3)
    assert figures_read(client, url) == 2
    assert "Text messages" not in page_text(client, url)


def test_kept_work_names_the_campaign_its_areas_and_channels_by_id_and_reads_them_back(
    client_for, charity_admin, small_numbers, campaign, settings
):
    import pickle

    from django.core.cache import cache

    if "LocMemCache" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("reads the entry as the in-process cache keeps it")
    client = client_for(charity_admin)
    url = impact(campaign)  # the table's usual window: kept
    worked_out = page_text(client, url)
    # The in-process cache keeps each value pickled; the work is kept as bytes of its own.
    kept = [value for key, value in cache._cache.items() if ":impact:" in key]
    entries = [pickle.loads(value) for value in kept]  # noqa: S301 - what this test kept
    assert len(entries) == 1
    # Django pickles a model instance through its model_unpickle: none is kept in full.
    assert b"model_unpickle" not in entries[0]
    assert b"Wiltshire" in entries[0]  # the rows' labels are kept as written
    assert figures_read(client, url) == 0
    assert page_text(client, url) == worked_out


def figures_read(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(q["sql"].startswith('SELECT "campaigns_helpseekerfigure".') for q in queries)


def test_only_the_tables_usual_window_is_kept(client_for, charity_admin, small_numbers, campaign):
    client = client_for(charity_admin)
    usual, chosen = impact(campaign, months=6), impact(campaign, table_from="2026-03")
    assert [figures_read(client, usual) for _ in range(2)] == [2, 0]
    # Any other window is worked out each time: the cache is not filled with what few ask for.
    assert [figures_read(client, chosen) for _ in range(2)] == [2, 2]


def test_the_page_works_its_figures_out_when_the_cache_is_out_of_reach(
    client_for, charity_admin, small_numbers, campaign, settings
):
    # Nothing listens on port 9: every read and write of the cache fails.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    client = client_for(charity_admin)
    url = impact(campaign, table_from="2026-03", table_to="2026-05")
    assert ">43<" in page_text(client, url)
    assert ">43<" in page_text(client, impact(campaign))


def test_the_chart_counts_an_area_moved_away_with_those_whose_area_is_not_given(
    client_for, charity_admin, campaign, region, channels
):
    from agencies.models import Region

    moved = make_force_area("Moved", region)
    for start in [date(2026, 3, 1), date(2026, 4, 1)]:
        end = date(2026, start.month + 1, 1) - timedelta(days=1)
        figure(region, moved, channels["website"], start, end, 100)
        figure(region, None, channels["website"], start, end, 7)
    moved.region = Region.objects.create(name="Wales", slug="wales")
    moved.save()
    chart = client_for(charity_admin).get(impact(campaign)).context["people_chart"]
    line = next(series for series in chart.series if series.name == "Area not given")
    assert [value for value in line.values if value is not None] == [107, 107]
