"""Stored files in a real S3-compatible store (SeaweedFS): settings, uploads, signed links, and a
store that cannot be reached during an upload or a download."""

import hashlib
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from campaigns.models import Download, Material, MaterialVersion
from campaigns.services import localising
from lib.files import StorageUnavailable
from tests.assertions import body
from tests.campaigns.test_cobranded_posters import poster_template  # noqa: F401 (a fixture)
from tests.factories import make_material, png_bytes
from tests.portal.test_faults import (
    activity_data,
    assert_figures_kept_with_storage_message,
    assert_form_kept_with_storage_message,
    assert_no_activity_saved,
    figures_file,
    make_figure_areas,
)
from tests.portal.test_settings import run_django
from tests.servers import free_port


def poster_data(**overrides) -> dict:
    data = {
        "kind": "poster",
        "title": "Launch poster",
        "audience": "all_partners",
        "alt_text": "The campaign poster with the helpline number",
        "submission_key": str(uuid.uuid4()),
        "file": SimpleUploadedFile("poster.png", png_bytes((300, 200)), "image/png"),
    }
    data.update(overrides)
    return data


@pytest.fixture
def store_unreachable(settings, s3_storage):
    """The same store settings, but nothing answers at the store's address."""

    def cut() -> None:
        default = settings.STORAGES["default"]
        settings.STORAGES = {
            **settings.STORAGES,
            "default": s3_storage.storage_settings(
                location=default["OPTIONS"]["location"],
                endpoint=f"http://127.0.0.1:{free_port()}",
            ),
        }

    return cut


def test_media_storage_s3_needs_a_bucket_and_then_uses_django_storages(s3_server):
    refused = run_django(["check"], DEBUG="true", MEDIA_STORAGE="s3")
    assert refused.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in refused.stderr
    shown = run_django(
        [
            "shell",
            "-c",
            "from django.core.files.storage import storages; s = storages['default']; "
            "print(type(s).__name__, s.bucket_name)",
        ],
        DEBUG="true",
        **s3_server.environment(),
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split()[-2:] == ["S3Storage", "portal-test"]


def test_local_storage_is_the_default():
    shown = run_django(
        ["shell", "-c", "from django.conf import settings as s; print(s.MEDIA_STORAGE)"],
        DEBUG="true",
    )
    assert shown.stdout.strip().splitlines()[-1] == "local"


def test_uploads_go_to_the_bucket_and_two_of_one_name_stay_apart(
    s3_storage, client_for, charity_admin, campaign
):
    client = client_for(charity_admin)
    first = png_bytes((300, 200), "red")
    second = png_bytes((300, 200), "blue")
    for data, title in ((first, "One"), (second, "Two")):
        response = client.post(
            reverse("campaigns:material-add", args=[campaign.slug]),
            poster_data(title=title, file=SimpleUploadedFile("poster.png", data, "image/png")),
        )
        assert response.status_code == 302
    one, two = (Material.objects.get(title=t).versions.get() for t in ("One", "Two"))
    assert one.file.name != two.file.name
    prefix = default_storage.location
    keys = s3_storage.keys(prefix)
    assert f"{prefix}/{one.file.name}" in keys and f"{prefix}/{two.file.name}" in keys
    assert f"{prefix}/{one.preview.name}" in keys, "previews are stored objects too"
    stored = s3_storage.client().get_object(Bucket="portal-test", Key=f"{prefix}/{two.file.name}")
    assert hashlib.sha256(stored["Body"].read()).hexdigest() == two.sha256


def test_a_download_streams_from_the_store(s3_storage, client_for, police_officer, campaign):
    data = bytes(range(256)) * 20_000  # 5 MB, more than one chunk
    material = make_material(
        campaign, file_bytes=data, filename="film.mp4", content_type="video/mp4", kind="film"
    )
    response = client_for(police_officer).get(
        reverse("campaigns:material-download", args=[material.pk])
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Length"] == str(len(data))
    assert body(response) == data
    assert Download.objects.count() == 1


def test_a_signed_link_is_refused_by_the_store_once_expired_altered_or_unsigned(
    s3_storage, client_for, police_officer, campaign, settings
):
    settings.DOWNLOADS_VIA = "nginx"
    settings.DOWNLOAD_LINK_SECONDS = 1
    data = b"%PDF-1.7 the briefing"
    material = make_material(
        campaign, file_bytes=data, filename="brief.pdf", content_type="application/pdf"
    )
    other = make_material(campaign, file_bytes=b"%PDF-other", filename="other.pdf")
    response = client_for(police_officer).get(
        reverse("campaigns:material-download", args=[material.pk])
    )
    assert response["X-Accel-Redirect"] == "/_protected/object"
    signed = s3_storage.endpoint + response["X-Portal-Object"]
    with urllib.request.urlopen(signed) as fetched:  # noqa: S310 - the test's own store
        assert fetched.read() == data
        assert fetched.headers["Content-Disposition"] == 'attachment; filename="brief.pdf"'
        assert fetched.headers["Content-Type"] == "application/pdf"
    # The same signature for another object (someone else's file), for the same object served
    # as a web page rather than a download, or no signature at all: each refused by the store.
    path = signed.partition("?")[0]
    for altered in (
        signed.replace(material.current_version.file.name, other.current_version.file.name),
        signed.replace("application%2Fpdf", "text%2Fhtml"),
        signed.replace("attachment", "inline"),
        path,
    ):
        assert altered != signed
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(altered)  # noqa: S310
        assert refused.value.code == 403, altered
    time.sleep(2.5)
    with pytest.raises(urllib.error.HTTPError) as expired:
        urllib.request.urlopen(signed)  # noqa: S310
    assert expired.value.code == 403


def test_an_upload_while_the_store_is_unreachable_keeps_the_form_and_stores_nothing(
    s3_storage, store_unreachable, client_for, charity_admin, campaign
):
    prefix = default_storage.location
    store_unreachable()
    response = client_for(charity_admin).post(
        reverse("campaigns:material-add", args=[campaign.slug]), poster_data()
    )
    assert response.status_code == 503
    page = response.content.decode()
    assert "The file store cannot be reached just now, so nothing was saved." in page
    assert 'value="Launch poster"' in page, "the form is kept as it was filled in"
    assert not Material.objects.exists()
    assert not MaterialVersion.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.MATERIAL_SUBMITTED).exists()
    assert s3_storage.keys(prefix) == []


@pytest.mark.parametrize("via", ["django", "nginx"])
def test_a_download_while_the_store_is_unreachable_gives_a_page_and_records_nothing(
    s3_storage, store_unreachable, client_for, police_officer, campaign, settings, via
):
    settings.DOWNLOADS_VIA = via
    material = make_material(campaign, file_bytes=b"%PDF-1.7", filename="brief.pdf")
    store_unreachable()
    response = client_for(police_officer).get(
        reverse("campaigns:material-download", args=[material.pk])
    )
    assert response.status_code == 503
    assert "The file store cannot be reached just now" in response.content.decode()
    assert not Download.objects.exists()
    assert not AuditEntry.objects.filter(action="asset.downloaded").exists()


def test_the_toolkit_zip_while_the_store_is_unreachable_gives_a_page_and_records_nothing(
    s3_storage, store_unreachable, client_for, police_officer, campaign
):
    make_material(campaign, file_bytes=b"%PDF-1.7", filename="brief.pdf")
    store_unreachable()
    response = client_for(police_officer).post(
        reverse("campaigns:toolkit-download", args=[campaign.slug]), {}
    )
    assert response.status_code == 503
    assert "The file store cannot be reached just now" in response.content.decode()
    assert not Download.objects.exists()


@pytest.mark.parametrize("via", ["django", "nginx"])
def test_a_download_of_an_object_the_store_no_longer_has_gives_a_page_and_records_nothing(
    s3_storage, client_for, police_officer, campaign, settings, via
):
    """The store is asked for the object (a HEAD) before the download is recorded."""
    settings.DOWNLOADS_VIA = via
    material = make_material(campaign, file_bytes=b"%PDF-1.7", filename="brief.pdf")
    key = f"{default_storage.location}/{material.current_version.file.name}"
    s3_storage.client().delete_object(Bucket="portal-test", Key=key)
    response = client_for(police_officer).get(
        reverse("campaigns:material-download", args=[material.pk])
    )
    assert response.status_code == 503
    assert "nothing was downloaded" in response.content.decode()
    assert not Download.objects.exists()
    assert not AuditEntry.objects.filter(action="asset.downloaded").exists()


def test_the_toolkit_zip_whose_store_fails_part_way_leaves_no_record(
    s3_storage, store_unreachable, client_for, police_officer, campaign
):
    make_material(campaign, title="First", file_bytes=b"%PDF-1.7 one", filename="one.pdf")
    make_material(campaign, title="Second", file_bytes=b"%PDF-1.7 two", filename="two.pdf")
    response = client_for(police_officer).post(
        reverse("campaigns:toolkit-download", args=[campaign.slug]), {}
    )
    assert response.status_code == 200
    assert Download.objects.count() == 2, "recorded once every file was found in the store"
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.startswith(b"PK"), "the ZIP has begun"
    store_unreachable()
    with pytest.raises(StorageUnavailable):
        for _ in chunks:
            pass
    assert not Download.objects.exists(), "the person has a broken ZIP, not the toolkit"
    entries = AuditEntry.objects.filter(
        action__in=["campaign.toolkit_downloaded", "asset.download_not_sent"]
    ).order_by("pk")
    assert [(e.action, e.data["files"]) for e in entries] == [
        ("campaign.toolkit_downloaded", 2),
        ("asset.download_not_sent", 2),
    ]


def test_a_figure_import_while_the_store_is_unreachable_keeps_the_preview_and_stores_nothing(
    s3_storage, store_unreachable, client_for, charity_admin, region
):
    make_figure_areas(region)
    prefix = default_storage.location
    store_unreachable()
    client = client_for(charity_admin)
    response = client.post(reverse("campaigns:figures-import"), {"spreadsheet": figures_file()})
    assert_figures_kept_with_storage_message(response)
    assert s3_storage.keys(prefix) == []


def test_a_logo_while_the_store_is_unreachable_leaves_the_old_one(
    s3_storage, store_unreachable, client_for, force_lead, force_a
):
    client = client_for(force_lead)
    url = reverse("agencies:organisation-logo", args=[force_a.slug])
    old = png_bytes((300, 100), "red")
    client.post(url, {"logo": SimpleUploadedFile("logo.png", old, "image/png")})
    force_a.refresh_from_db()
    kept = force_a.logo.name
    prefix = default_storage.location
    assert s3_storage.keys(prefix) == [f"{prefix}/{kept}"]
    store_unreachable()
    response = client.post(
        url,
        {"logo": SimpleUploadedFile("logo.png", png_bytes((300, 100), "blue"), "image/png")},
        follow=True,
    )
    assert "The logo was not saved: the file store cannot be reached just now." in (
        response.content.decode()
    )
    force_a.refresh_from_db()
    assert force_a.logo.name == kept
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGO_CHANGED).count() == 1
    assert s3_storage.keys(prefix) == [f"{prefix}/{kept}"], "the old logo is still there"


def test_a_poster_page_while_the_store_is_unreachable_says_its_logo_cannot_be_read(
    s3_storage,
    store_unreachable,
    client_for,
    police_officer,
    charity_admin,
    force_a,
    poster_template,  # noqa: F811
    caplog,
):
    force_a.logo.save("logo.png", SimpleUploadedFile("logo.png", png_bytes((300, 100), "red")))
    version = localising.make_localised(
        poster_template, organisation=force_a, actor=police_officer, window=None, entered={}
    )
    version.approve(by=charity_admin)
    store_unreachable()
    response = client_for(police_officer).get(
        reverse("campaigns:material-detail", args=[version.material.pk])
    )
    assert response.status_code == 200
    assert "The file store cannot be reached just now, so Avon and Somerset Police&#x27;s logo" in (
        response.content.decode()
    )
    assert any(
        record.name == "campaigns.localising.fields" and "could not be read" in record.getMessage()
        for record in caplog.records
    )


def test_evidence_while_the_store_is_unreachable_keeps_the_form_and_stores_nothing(
    s3_storage, store_unreachable, client_for, council_officer, campaign
):
    prefix = default_storage.location
    store_unreachable()
    response = client_for(council_officer).post(
        reverse("campaigns:activity-create", args=[campaign.slug]), activity_data()
    )
    assert_form_kept_with_storage_message(response, 'value="Yeovil library"')
    assert_no_activity_saved()
    assert s3_storage.keys(prefix) == []
