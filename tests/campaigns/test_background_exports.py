"""Big activity exports are written by the task worker: the person follows progress on a page and
gets a link that only they can open; a retry or a dead worker never leaves a second file."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from campaigns.models import Export
from campaigns.tasks import write_export
from tests.assertions import body
from tests.campaigns.test_activity_records import make_activity


@pytest.fixture
def many_records(settings, campaign, force_a, council_b):
    settings.EXPORT_IN_BACKGROUND_ROWS = 3
    for number in range(4):
        make_activity(campaign, force_a, quantity=number + 1)
    make_activity(campaign, council_b, quantity=99)


def export_url(fmt):
    return reverse("campaigns:activity-export", args=[fmt])


def test_a_big_export_is_written_in_the_background_and_fetched_from_a_link(
    client_for, police_officer, many_records, run_tasks
):
    client = client_for(police_officer)
    response = client.get(export_url("xlsx"))
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:export-detail", args=[export.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Waiting to start" in page
    assert 'http-equiv="refresh"' in page
    run_tasks()
    page = client.get(response["Location"]).content.decode()
    assert "is ready: 4 rows" in page, "force A's member sees force A's records, not council B's"
    assert 'http-equiv="refresh"' not in page
    download = client.get(reverse("campaigns:export-download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    sheet = load_workbook(io.BytesIO(body(download)))["Activity"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(row[6] for row in rows) == [1, 2, 3, 4]


def test_the_csv_keeps_the_filters_and_neutralises_formulas(
    client_for, charity_admin, campaign, force_a, many_records, run_tasks
):
    make_activity(campaign, force_a, quantity=5, channel="=cmd()")
    client = client_for(charity_admin)
    response = client.get(export_url("csv"), {"organisation": force_a.slug})
    assert response.status_code == 302
    run_tasks()
    export = Export.objects.get()
    download = client.get(reverse("campaigns:export-download", args=[export.pk]))
    rows = list(csv.reader(io.StringIO(body(download).decode("utf-8-sig"))))
    assert rows[0][0] == "Campaign"
    assert len(rows) == 1 + 5
    assert {row[1] for row in rows[1:]} == {"Avon and Somerset Police"}
    assert "'=cmd()" in [row[5] for row in rows]


def test_a_small_export_is_still_answered_at_once(client_for, police_officer, campaign, force_a):
    make_activity(campaign, force_a)
    response = client_for(police_officer).get(export_url("csv"))
    assert response.status_code == 200
    assert not Export.objects.exists()


@pytest.mark.parametrize("who", ["force_lead", "charity_admin", "other_force_officer", "staff"])
def test_nobody_else_can_see_or_fetch_someone_elses_export(
    client_for, police_officer, many_records, run_tasks, who, request
):
    client_for(police_officer).get(export_url("csv"))
    run_tasks()
    export = Export.objects.get()
    other = client_for(request.getfixturevalue(who))
    assert other.get(reverse("campaigns:export-detail", args=[export.pk])).status_code == 404
    assert other.get(reverse("campaigns:export-download", args=[export.pk])).status_code == 404


def test_an_export_not_yet_written_has_no_file_to_fetch(client_for, police_officer, many_records):
    client = client_for(police_officer)
    client.get(export_url("csv"))
    export = Export.objects.get()
    assert client.get(reverse("campaigns:export-download", args=[export.pk])).status_code == 404


def stored_files(export):
    return default_storage.listdir(f"exports/{export.pk}")[1]


def test_running_the_task_again_makes_no_second_file(
    client_for, police_officer, many_records, run_tasks
):
    client_for(police_officer).get(export_url("csv"))
    run_tasks()
    export = Export.objects.get()
    assert write_export.call(export.pk) == "ready"
    assert stored_files(export) == [export.filename]


def test_an_export_left_half_written_by_a_dead_worker_is_written_again_once(
    client_for, police_officer, many_records, run_tasks
):
    client_for(police_officer).get(export_url("csv"))
    export = Export.objects.get()
    # The worker wrote part of the file, then died: the task is still marked running.
    default_storage.save(f"exports/{export.pk}/{export.filename}", io.BytesIO(b"Campaign,Org"))
    Export.objects.filter(pk=export.pk).update(status=Export.Status.RUNNING, rows_done=2)
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - timedelta(hours=2))
    run_tasks()
    export.refresh_from_db()
    assert export.status == Export.Status.READY
    assert stored_files(export) == [export.filename]
    with export.file.open("rb") as handle:
        assert len(handle.read().decode("utf-8-sig").strip().splitlines()) == 1 + 4


def test_a_failing_export_is_retried_then_shown_as_failed(
    client_for, police_officer, many_records, run_tasks, settings
):
    settings.TASK_RETRY_DELAYS = [0]
    client = client_for(police_officer)
    client.get(export_url("csv"))
    export = Export.objects.get()
    Export.objects.filter(pk=export.pk).update(filters={"organisation": "no-such-force"})
    run_tasks()
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert DBTaskResult.objects.filter(status="FAILED").count() == 2
    page = client.get(reverse("campaigns:export-detail", args=[export.pk])).content.decode()
    assert "could not be written" in page
