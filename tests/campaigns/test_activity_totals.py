"""The monthly totals of activity records: the database keeps them in step with the records,
however the records are written, and the activity list counts from them within what the person
may see."""

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from campaigns.impact.periods import add_months
from campaigns.models import Activity, ActivityMonthlyTotal, Campaign, CampaignPartner
from tests.campaigns.test_activity_records import edit, edit_data, make_activity

LIST = reverse("campaigns:activity-list")


def kept() -> dict:
    return {
        (t.campaign_id, t.organisation_id, t.activity_type, t.month): t.records
        for t in ActivityMonthlyTotal.objects.all()
    }


def counted() -> dict:
    """The totals worked out from the records themselves."""
    return dict(
        Counter(
            (a.campaign_id, a.organisation_id, a.activity_type, a.started_on.replace(day=1))
            for a in Activity.objects.all()
        )
    )


def test_logging_editing_and_removing_records_moves_their_months_totals(
    client_for, police_officer, campaign, force_a, council_b
):
    first = make_activity(campaign, force_a, activity_type="posters", started_on=date(2026, 7, 1))
    make_activity(campaign, force_a, activity_type="posters", started_on=date(2026, 7, 31))
    make_activity(campaign, council_b, activity_type="event", started_on=date(2026, 8, 2))
    assert kept() == {
        (campaign.pk, force_a.pk, "posters", date(2026, 7, 1)): 2,
        (campaign.pk, council_b.pk, "event", date(2026, 8, 1)): 1,
    }

    # Another type and another month, through the edit form.
    response = client_for(police_officer).post(
        edit(first), edit_data(first, activity_type="interview", started_on="2026-09-03")
    )
    assert response.status_code == 302
    assert kept() == {
        (campaign.pk, force_a.pk, "posters", date(2026, 7, 1)): 1,
        (campaign.pk, force_a.pk, "interview", date(2026, 9, 1)): 1,
        (campaign.pk, council_b.pk, "event", date(2026, 8, 1)): 1,
    }

    # A change that stays in the month and type moves nothing; a month emptied has no total.
    Activity.objects.filter(pk=first.pk).update(started_on=date(2026, 9, 30), quantity=4)
    Activity.objects.filter(activity_type="posters").delete()
    assert kept() == {
        (campaign.pk, force_a.pk, "interview", date(2026, 9, 1)): 1,
        (campaign.pk, council_b.pk, "event", date(2026, 8, 1)): 1,
    }
    assert kept() == counted()


def test_writes_that_pass_by_the_models_keep_the_totals_too(
    campaign, other_campaign, force_a, council_b, force_c
):
    Activity.objects.bulk_create(
        [
            Activity(
                campaign=campaign,
                organisation=force_a if number % 3 else council_b,
                activity_type="social_post" if number % 2 else "posters",
                started_on=date(2026, 1 + number % 12, 1 + number % 28),
            )
            for number in range(60)
        ]
    )
    assert sum(kept().values()) == 60
    assert kept() == counted()

    # Moved to another campaign and organisation in one statement, then some removed.
    Activity.objects.filter(organisation=council_b).update(
        campaign=other_campaign, organisation=force_c
    )
    assert kept() == counted()
    assert {campaign_id for campaign_id, *_ in kept()} == {campaign.pk, other_campaign.pk}
    Activity.objects.filter(started_on__month__in=[1, 2, 3]).delete()
    assert kept() == counted()

    # A campaign removed takes its records with it, and their totals.
    CampaignPartner.objects.filter(campaign=other_campaign).delete()
    Campaign.objects.filter(pk=other_campaign.pk).delete()
    assert kept() == counted()
    assert {campaign_id for campaign_id, *_ in kept()} == {campaign.pk}


def shown_count(client, query=None) -> int:
    response = client.get(LIST, query or {})
    assert response.status_code == 200
    page = response.context["page"]
    text = response.content.decode()
    assert f"{page.count:,} record{'s' if page.count != 1 else ''}, newest first" in text
    return page.count


def test_the_list_counts_only_the_records_the_person_may_see(
    client_for,
    police_officer,
    council_officer,
    charity_admin,
    other_force_officer,
    campaign,
    other_campaign,
    force_a,
    council_b,
    force_c,
):
    for day in (1, 2):
        make_activity(campaign, force_a, started_on=date(2026, 7, day))
    for day in (1, 2, 3):
        make_activity(campaign, council_b, activity_type="event", started_on=date(2026, 8, day))
    make_activity(other_campaign, force_c)

    assert shown_count(client_for(police_officer)) == 2
    assert shown_count(client_for(council_officer)) == 3
    assert shown_count(client_for(other_force_officer)) == 1
    admin = client_for(charity_admin)
    assert shown_count(admin) == 5
    assert shown_count(admin, {"activity_type": "event"}) == 3
    assert shown_count(admin, {"organisation": force_a.slug}) == 2
    assert shown_count(admin, {"campaign": campaign.slug, "activity_type": "posters"}) == 2
    # A date is counted from the records: 2 August onwards.
    assert shown_count(admin, {"date_from": "2026-08-02"}) == 2
    assert shown_count(admin, {"date_to": "2026-07-01"}) == 1

    # A partner taken off the campaign keeps its records but no longer sees them, nor their
    # number; its campaign admins still do.
    CampaignPartner.objects.filter(campaign=campaign, organisation=council_b).delete()
    assert shown_count(client_for(council_officer)) == 0
    assert shown_count(client_for(charity_admin)) == 5


def test_staff_read_the_totals_in_the_admin_but_cannot_add_change_or_remove_one(
    client_for, staff, police_officer, campaign, force_a
):
    make_activity(campaign, force_a)
    total = ActivityMonthlyTotal.objects.get()
    client = client_for(staff)
    change = reverse("admin:campaigns_activitymonthlytotal_change", args=[total.pk])
    delete = reverse("admin:campaigns_activitymonthlytotal_delete", args=[total.pk])
    listing = client.get(reverse("admin:campaigns_activitymonthlytotal_changelist"))
    assert listing.status_code == 200
    assert "Avon and Somerset Police" in listing.content.decode()
    assert client.get(reverse("admin:campaigns_activitymonthlytotal_add")).status_code == 403
    assert client.post(change, {"records": "9"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ActivityMonthlyTotal.objects.get().records == 1
    # A partner's person is not staff: the admin is not theirs at all.
    assert client_for(police_officer).get(change).status_code in (302, 403)


def readiness_row(client, campaign, organisation):
    response = client.get(reverse("campaigns:readiness", args=[campaign.slug]))
    assert response.status_code == 200
    return {row.organisation.pk: row for row in response.context["rows"]}[organisation.pk]


def test_readiness_counts_from_the_totals_as_from_the_records(
    client_for, charity_admin, campaign, force_a
):
    """A launch part-way through a month, records running past today, this month's records
    still to come, and the last day kept as records change and go."""
    today = timezone.localdate()
    this_month = today.replace(day=1)
    launch = add_months(this_month, -3) + timedelta(days=14)
    CampaignPartner.objects.filter(organisation=force_a).update(launch_date=launch)
    make_activity(campaign, force_a, started_on=launch - timedelta(days=1))  # before launch
    make_activity(campaign, force_a, started_on=launch)
    make_activity(campaign, force_a, activity_type="event", started_on=add_months(launch, 1))
    running = make_activity(
        campaign, force_a, started_on=add_months(this_month, -1), ended_on=add_months(today, 2)
    )
    make_activity(campaign, force_a, activity_type="event", started_on=today)
    later = make_activity(campaign, force_a, started_on=today + timedelta(days=1))
    client = client_for(charity_admin)

    row = readiness_row(client, campaign, force_a)
    assert row.activity_by_type == {"posters": 4, "event": 2}
    # All but the day before launch (the one still to come counts: it is since launch).
    assert row.activity_since_launch == 5
    # Last month's run goes on past today: it was last active today.
    assert row.last_activity == today

    # The run now ended last month: the last day is today's event; without it, the day before.
    Activity.objects.filter(pk=running.pk).update(ended_on=add_months(this_month, -1))
    assert ActivityMonthlyTotal.objects.get(
        organisation=force_a, activity_type="posters", month=add_months(this_month, -1)
    ).last_day == add_months(this_month, -1)
    assert readiness_row(client, campaign, force_a).last_activity == today
    Activity.objects.filter(activity_type="event", started_on=today).delete()
    Activity.objects.filter(pk=later.pk).delete()
    row = readiness_row(client, campaign, force_a)
    assert row.last_activity == add_months(this_month, -1)
    assert row.activity_by_type == {"posters": 3, "event": 1}
    assert row.activity_since_launch == 3


def test_partners_logging_at_the_same_moment_are_each_counted(
    transactional_db, campaign, force_a, council_b
):
    """People of two partners log records of the same type and month at once, each in a
    transaction of its own, while a record is moved between them: no count is lost."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite lets one writer in at a time")
    people, each = 6, 10
    moved = make_activity(campaign, force_a, started_on=date(2026, 7, 1))
    start = threading.Barrier(people)

    def log(number: int) -> None:
        organisation = force_a if number % 2 else council_b
        try:
            start.wait()
            for day in range(each):
                with transaction.atomic():
                    make_activity(campaign, organisation, started_on=date(2026, 7, 1 + day))
                    if number == 0:
                        Activity.objects.filter(pk=moved.pk).update(
                            organisation=force_a if day % 2 else council_b
                        )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=log, args=(number,)) for number in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Activity.objects.count() == people * each + 1
    assert kept() == counted()
    assert sum(kept().values()) == people * each + 1
