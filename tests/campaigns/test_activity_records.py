"""Who may read, change and comment on activity; history; lists, filters and exports."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEntry
from campaigns.models import Activity
from campaigns.services import activity as services
from tests.assertions import assert_same_page, body, page_links, walk_pages


def make_activity(campaign, organisation, by=None, **fields) -> Activity:
    fields.setdefault("activity_type", "posters")
    fields.setdefault("started_on", date(2026, 7, 1))
    return services.log_activity(
        Activity(campaign=campaign, organisation=organisation, **fields), actor=by, materials=[]
    )


def detail(activity):
    return reverse("campaigns:activity-detail", args=[activity.pk])


def edit(activity):
    return reverse("campaigns:activity-edit", args=[activity.pk])


def edit_data(activity, **overrides):
    data = {
        "activity_type": activity.activity_type,
        "started_on": activity.started_on.isoformat(),
        "quantity": activity.quantity or "",
        "revision": activity.revision,
    }
    data.update(overrides)
    return data


def test_an_organisation_reads_and_changes_its_own_record_and_the_history_is_kept(
    client_for, police_officer, force_lead, campaign, force_a
):
    activity = make_activity(campaign, force_a, by=force_lead, quantity=5)
    client = client_for(police_officer)
    assert client.get(detail(activity)).status_code == 200
    response = client.post(edit(activity), edit_data(activity, quantity="7"))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.quantity == 7
    history = list(activity.revisions.order_by("number").values_list("number", "edited_by", "data"))
    assert [(n, who) for n, who, _ in history] == [(1, force_lead.pk), (2, police_officer.pk)]
    assert [data["quantity"] for _, _, data in history] == [5, 7]
    assert AuditEntry.objects.filter(action="activity.updated").count() == 1


def test_a_stale_edit_is_refused_not_silently_overwritten(
    client_for, police_officer, force_lead, campaign, force_a
):
    activity = make_activity(campaign, force_a, quantity=5)
    opened = activity.revision
    client_for(force_lead).post(edit(activity), edit_data(activity, quantity="6", revision=opened))
    response = client_for(police_officer).post(
        edit(activity), edit_data(activity, quantity="9", revision=opened)
    )
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    activity.refresh_from_db()
    assert activity.quantity == 6


def test_another_organisations_record_answers_like_a_missing_one(
    client_for, council_officer, campaign, force_a
):
    activity = make_activity(campaign, force_a)
    client = client_for(council_officer)
    for url in [
        detail(activity),
        edit(activity),
        reverse("campaigns:activity-evidence", args=[activity.pk]),
    ]:
        hidden = client.get(url)
        missing = client.get(url.replace(f"/{activity.pk}/", f"/{activity.pk + 999}/"))
        assert hidden.status_code == 404
        assert_same_page(hidden, missing)
    assert (
        client.post(
            reverse("campaigns:activity-comment", args=[activity.pk]), {"body": "x"}
        ).status_code
        == 404
    )


def test_campaign_admins_read_and_comment_but_do_not_change_a_partners_record(
    client_for, charity_admin, campaign, force_a
):
    activity = make_activity(campaign, force_a, quantity=5)
    client = client_for(charity_admin)
    assert client.get(detail(activity)).status_code == 200
    assert client.post(edit(activity), edit_data(activity, quantity="1")).status_code == 403
    client.post(reverse("campaigns:activity-comment", args=[activity.pk]), {"body": "Great work"})
    assert activity.comments.get().body == "Great work"
    assert AuditEntry.objects.filter(action="activity.commented").exists()


def test_another_charitys_admin_sees_nothing(client_for, other_charity_admin, campaign, force_a):
    activity = make_activity(campaign, force_a)
    assert client_for(other_charity_admin).get(detail(activity)).status_code == 404


def test_record_pages_need_sign_in_and_the_right_method(
    client, client_for, police_officer, campaign, force_a
):
    activity = make_activity(campaign, force_a)
    assert client.get(detail(activity)).status_code == 302
    signed_in = client_for(police_officer)
    assert signed_in.post(detail(activity)).status_code == 405
    assert (
        signed_in.get(reverse("campaigns:activity-comment", args=[activity.pk])).status_code == 405
    )
    assert signed_in.delete(edit(activity)).status_code == 405


LIST = reverse("campaigns:activity-list")


def listed(response) -> list[str]:
    return [activity.organisation.name for activity in response.context["page"]]


def test_a_partner_lists_only_its_own_organisations_records(
    client_for, police_officer, campaign, other_campaign, force_a, council_b, force_c
):
    make_activity(campaign, force_a)
    make_activity(campaign, council_b)
    make_activity(other_campaign, force_c)
    assert listed(client_for(police_officer).get(LIST)) == ["Avon and Somerset Police"]


def test_a_campaign_admin_lists_every_partner_in_their_campaigns(
    client_for, charity_admin, campaign, other_campaign, force_a, council_b, force_c
):
    make_activity(campaign, force_a)
    make_activity(campaign, council_b)
    make_activity(other_campaign, force_c)
    names = sorted(listed(client_for(charity_admin).get(LIST)))
    assert names == ["Avon and Somerset Police", "South Somerset District Council"]


def test_a_filter_for_another_organisation_is_an_error_not_a_leak(
    client_for, police_officer, campaign, council_b, force_a
):
    make_activity(campaign, council_b)
    client = client_for(police_officer)
    response = client.get(LIST, {"organisation": council_b.slug})
    assert response.context["page"] is None
    assert "Select a valid choice" in response.content.decode()
    export = client.get(
        reverse("campaigns:activity-export", args=["csv"]), {"organisation": council_b.slug}
    )
    assert export.status_code == 400
    assert b"South Somerset" not in export.content


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"activity_type": "interview"}, ["interview"]),
        ({"date_from": "2026-08-01"}, ["interview"]),
        ({"date_to": "2026-07-15"}, ["posters"]),
    ],
)
def test_filters_narrow_the_list(client_for, police_officer, campaign, force_a, query, expected):
    make_activity(campaign, force_a, activity_type="posters", started_on=date(2026, 7, 1))
    make_activity(campaign, force_a, activity_type="interview", started_on=date(2026, 8, 2))
    response = client_for(police_officer).get(LIST, query)
    assert [a.activity_type for a in response.context["page"]] == expected


def test_the_list_costs_the_same_queries_whatever_the_number_of_records(
    client_for, charity_admin, campaign, force_a, council_b
):
    client = client_for(charity_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, {"campaign": campaign.slug}).status_code == 200
        return len(queries)

    make_activity(campaign, force_a)
    few = count()
    for number in range(60):
        make_activity(campaign, council_b if number % 2 else force_a, quantity=number)
    # session, the person with memberships, the filter's campaigns and organisations, the count,
    # the page of records (with campaign, organisation, logger, area) and their material.
    assert count() == few


def many_records(campaign, organisation, count: int) -> list[int]:
    """Records on few days (so that many share a date), newest first as the list shows them."""
    made = Activity.objects.bulk_create(
        Activity(
            campaign=campaign,
            organisation=organisation,
            activity_type="posters",
            started_on=date(2026, 7, 1 + number % 7),
        )
        for number in range(count)
    )
    return [a.pk for a in sorted(made, key=lambda a: (a.started_on, a.pk), reverse=True)]


def walk(client, query: str, rel: str) -> tuple[list[list[int]], list[dict]]:
    pages, links = walk_pages(client, LIST, query, rel)
    return [[activity.pk for activity in page] for page in pages], links


def test_the_pages_hold_every_record_once_forwards_and_backwards_with_the_filters(
    client_for, charity_admin, campaign, force_a, council_b
):
    expected = many_records(campaign, force_a, 120)
    many_records(campaign, council_b, 5)
    client = client_for(charity_admin)
    filters = f"organisation={force_a.slug}"
    forwards, links = walk(client, filters, "next")
    assert [len(page) for page in forwards] == [50, 50, 20]
    assert [pk for page in forwards for pk in page] == expected
    assert all(force_a.slug in query for page in links for query in page.values())
    assert set(links[0]) == {"next", "last"} and set(links[-1]) == {"first", "prev"}
    backwards, _ = walk(client, f"{filters}&page=last", "prev")
    assert [len(page) for page in backwards] == [50, 50, 20]
    assert [pk for page in reversed(backwards) for pk in page] == expected
    assert backwards[0] == expected[-50:]
    first = client.get(f"{LIST}?{page_links(client.get(f'{LIST}?{filters}&page=last'))['first']}")
    assert [a.pk for a in first.context["page"]] == expected[:50]
    assert "1 to 50 of 120" in first.content.decode()


@pytest.mark.parametrize(
    "address", ["after=yesterday", "before=2026-07-01", "after=2026-13-01_5", "page=9", "page=x"]
)
def test_a_damaged_page_address_shows_the_first_page(
    client_for, charity_admin, campaign, force_a, address
):
    expected = many_records(campaign, force_a, 60)
    response = client_for(charity_admin).get(f"{LIST}?{address}")
    assert response.status_code == 200
    assert [a.pk for a in response.context["page"]] == expected[:50]


def test_a_page_whose_records_were_deleted_shows_the_first_page(
    client_for, charity_admin, campaign, force_a
):
    expected = many_records(campaign, force_a, 120)
    client = client_for(charity_admin)
    older = page_links(client.get(LIST))["next"]
    Activity.objects.filter(pk__in=expected[50:]).delete()
    response = client.get(f"{LIST}?{older}")
    assert [a.pk for a in response.context["page"]] == expected[:50]
    assert page_links(response) == {}


def test_the_last_page_costs_the_queries_of_the_first(client_for, charity_admin, campaign, force_a):
    many_records(campaign, force_a, 120)
    client = client_for(charity_admin)
    client.get(LIST)

    def count(query: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{LIST}?{query}").status_code == 200
        return len(queries)

    last = page_links(client.get(LIST))["last"]
    older = page_links(client.get(LIST))["next"]
    assert count("") == count(last) == count(older)


def read_csv(response) -> list[list[str]]:
    text = body(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_export_is_what_the_list_shows_one_row_per_record(
    client_for, police_officer, campaign, force_a, council_b
):
    make_activity(campaign, force_a, quantity=12, channel="Libraries")
    make_activity(campaign, force_a, activity_type="interview", channel="BBC Radio")
    make_activity(campaign, council_b, quantity=3)
    response = client_for(police_officer).get(
        reverse("campaigns:activity-export", args=["csv"]), {"activity_type": "posters"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    assert rows[0][:4] == ["Campaign", "Organisation", "Type", "Date"]
    assert [row[1:3] + [row[5], row[6]] for row in rows[1:]] == [
        ["Avon and Somerset Police", "Posters or leaflets displayed", "Libraries", "12"]
    ]
    assert AuditEntry.objects.filter(action="activity.exported").exists()


def test_exports_neutralise_formulas(client_for, police_officer, campaign, force_a):
    make_activity(campaign, force_a, channel='=HYPERLINK("http://evil.example")', notes="+SUM(1)")
    client = client_for(police_officer)
    rows = read_csv(client.get(reverse("campaigns:activity-export", args=["csv"])))
    assert rows[1][5] == '\'=HYPERLINK("http://evil.example")'
    assert rows[1][14] == "'+SUM(1)"
    response = client.get(reverse("campaigns:activity-export", args=["xlsx"]))
    workbook = load_workbook(io.BytesIO(body(response)))
    sheet = workbook["Activity"]
    assert sheet["F2"].value == '=HYPERLINK("http://evil.example")'
    assert sheet["F2"].data_type == "s", "written as text, never as a formula"
    assert sheet["O2"].data_type == "s"


def test_the_xlsx_export_has_one_row_per_record_with_material(
    client_for, charity_admin, campaign, force_a
):
    from tests.factories import make_material

    poster = make_material(campaign, title="Poster")
    card = make_material(campaign, title="Card")
    activity = make_activity(campaign, force_a)
    activity.materials.set([poster, card], through_defaults={"organisation": activity.organisation})
    make_activity(campaign, force_a, activity_type="interview")
    response = client_for(charity_admin).get(reverse("campaigns:activity-export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(body(response)))["Activity"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2
    # An empty cell reads back as None.
    assert sorted(row[13] or "" for row in rows) == ["", "Card; Poster"]


def test_exports_cost_the_same_queries_whatever_the_number_of_records(
    client_for, charity_admin, campaign, force_a
):
    client = client_for(charity_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("campaigns:activity-export", args=["csv"]))
            body(response)
        return len(queries)

    make_activity(campaign, force_a)
    few = count()
    for number in range(80):
        make_activity(campaign, force_a, quantity=number)
    assert count() == few


def test_exports_need_sign_in_and_a_known_format(client, client_for, police_officer):
    assert client.get(reverse("campaigns:activity-export", args=["csv"])).status_code == 302
    assert (
        client_for(police_officer)
        .get(reverse("campaigns:activity-export", args=["pdf"]))
        .status_code
        == 404
    )
