"""What the pages say reads as written English: plurals agree, nothing is said twice, numbers
have thousands separators, and a date never claims something happened that has not yet."""

import html
import re
from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from campaigns.models import Channel, FigureImport, Material
from tests.campaigns.test_activity_records import edit, edit_data, make_activity
from tests.factories import make_force_area, make_material


def text(response) -> str:
    """The page's words as a reader meets them, with white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(strip_tags(response.content.decode()))).strip()


def test_one_item_matches_the_filters_and_two_items_match(client_for, police_officer, campaign):
    make_material(campaign, kind=Material.Kind.POSTER, title="Behind every image")
    client = client_for(police_officer)
    toolkit = reverse("campaigns:toolkit", args=[campaign.slug])
    assert "1 item matches your filters." in text(client.get(toolkit, {"kind": "poster"}))
    make_material(campaign, kind=Material.Kind.POSTER, title="Help is available")
    assert "2 items match your filters." in text(client.get(toolkit, {"kind": "poster"}))


def import_figures(client, body: str) -> FigureImport:
    spreadsheet = SimpleUploadedFile(
        "figures.csv", f"area,channel,period,count,note\n{body}".encode()
    )
    client.post(reverse("campaigns:figures-import"), {"spreadsheet": spreadsheet})
    figure_import = FigureImport.objects.latest("pk")
    client.post(reverse("campaigns:import-commit", args=[figure_import.pk]))
    return figure_import


def test_a_saved_import_says_saved_once_and_a_new_note_is_not_a_changed_count(
    client_for, charity_admin, region
):
    make_force_area("Dorset", region)
    Channel.objects.create(name="Website", slug="website", position=1)
    client = client_for(charity_admin)
    import_figures(client, "Dorset,Website,2017,24,\n")
    # The same count again, with a note: the count did not change from 24 to 24.
    upload = SimpleUploadedFile(
        "figures.csv", b"area,channel,period,count,note\nDorset,Website,2017,24,checked\n"
    )
    client.post(reverse("campaigns:figures-import"), {"spreadsheet": upload})
    second = FigureImport.objects.latest("pk")
    preview = text(client.get(reverse("campaigns:import-detail", args=[second.pk])))
    assert "Note changed; the count stays the same" in preview
    assert "Changed from 24" not in preview
    client.post(reverse("campaigns:import-commit", args=[second.pk]))
    page = text(client.get(reverse("campaigns:import-detail", args=[second.pk])))
    assert "Note changed; the count stays 24" in page
    assert "Changed from 24 to 24" not in page
    assert re.search(r"· saved on \d+ \w+ \d{4}, \d\d:\d\d", page), page
    assert "Saved, saved" not in page

    # The second import added nothing: its undo page does not promise to remove 0 figures.
    undo = text(client.get(reverse("campaigns:import-undo", args=[second.pk])))
    assert "The 1 figure it changed will go back to what it was." in undo
    assert "0 figures" not in undo


def test_a_title_ending_in_a_question_mark_gets_no_second_one(client_for, charity_admin, campaign):
    material = make_material(campaign, title="Worried about your online behaviour?")
    page = text(
        client_for(charity_admin).get(reverse("campaigns:material-withdraw", args=[material.pk]))
    )
    assert "Withdraw Worried about your online behaviour?" in page
    assert "behaviour??" not in page


def test_an_error_on_a_sentence_long_label_adds_no_colon_after_its_full_stop(
    client_for, police_officer, campaign
):
    material = make_material(campaign, embargo_until=timezone.now() + timedelta(days=2))
    response = client_for(police_officer).post(
        reverse("campaigns:material-download", args=[material.pk]), {}
    )
    page = text(response)
    assert "before the embargo lifts. Confirm that you will respect the embargo" in page
    assert ".:" not in page


def test_a_partner_sees_its_own_standing_not_each_partners(
    client_for, police_officer, charity_admin, campaign
):
    readiness = reverse("campaigns:readiness", args=[campaign.slug])
    assert "Readiness of each partner" in text(client_for(charity_admin).get(readiness))
    page = text(client_for(police_officer).get(readiness))
    assert "Readiness of each partner" not in page
    assert "Where your organisation stands" in page


def test_reach_is_shown_with_thousands_separators(client_for, police_officer, campaign, force_a):
    activity = make_activity(campaign, force_a, activity_type="media_coverage", reach=19_000_000)
    client = client_for(police_officer)
    detail = text(client.get(reverse("campaigns:activity-detail", args=[activity.pk])))
    assert "19,000,000" in detail
    assert "19000000" not in detail
    listing = text(client.get(reverse("campaigns:activity-list")))
    assert "19,000,000" in listing
    assert "19000000" not in listing


def test_last_activity_is_never_a_day_still_to_come(client_for, charity_admin, campaign, force_a):
    today = timezone.localdate()
    make_activity(campaign, force_a, started_on=date(2026, 7, 1))
    # Running until next month: last active today, not next month.
    make_activity(
        campaign,
        force_a,
        started_on=today - timedelta(days=3),
        ended_on=today + timedelta(days=30),
    )
    response = client_for(charity_admin).get(reverse("campaigns:readiness", args=[campaign.slug]))
    row = {row.organisation.name: row for row in response.context["rows"]}[force_a.name]
    assert row.last_activity == today


def test_saving_a_record_unchanged_adds_no_version_to_its_history(
    client_for, police_officer, campaign, force_a
):
    activity = make_activity(campaign, force_a, quantity=24, by=police_officer)
    client = client_for(police_officer)
    response = client.post(edit(activity), edit_data(activity), follow=True)
    assert "Nothing had changed, so nothing was saved." in text(response)
    assert activity.revisions.count() == 1
    activity.refresh_from_db()
    assert activity.revision == 1
    client.post(edit(activity), edit_data(activity, quantity=25))
    assert activity.revisions.count() == 2
