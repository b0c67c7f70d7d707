"""Downloads: through a view only, checked, recorded, and served so that nothing runs."""

import io
import time
import zipfile
from datetime import datetime, timedelta

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from campaigns.models import Download
from tests.assertions import body
from tests.factories import make_material, png_bytes


def download_url(material):
    return reverse("campaigns:material-download", args=[material.pk])


def test_a_partner_downloads_the_current_version_and_it_is_recorded(
    client_for, council_officer, campaign, council_b
):
    data = png_bytes((20, 10), "red")
    material = make_material(campaign, file_bytes=data, filename="Launch poster.png")
    response = client_for(council_officer).get(download_url(material))
    assert response.status_code == 200
    assert body(response) == data
    assert response["Content-Disposition"] == 'attachment; filename="Launch poster.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Type"] == "image/png"
    download = Download.objects.get()
    assert (download.user, download.organisation, download.version.number) == (
        council_officer,
        council_b,
        1,
    )
    assert download.embargo_acknowledged is False
    assert AuditEntry.objects.filter(action="asset.downloaded", material=material).exists()


def test_the_stable_link_always_serves_the_approved_version(client_for, police_officer, campaign):
    from campaigns.models import MaterialVersion

    material = make_material(
        campaign, file_bytes=b"%PDF-approved", content_type="application/pdf", filename="a.pdf"
    )
    MaterialVersion.objects.create(
        material=material, number=2, text="draft words", status="in_review"
    )
    assert body(client_for(police_officer).get(download_url(material))) == b"%PDF-approved"


def test_text_material_downloads_as_a_text_file(client_for, police_officer, campaign):
    material = make_material(
        campaign, kind="suggested_post", text="Help is available £", title="Post"
    )
    response = client_for(police_officer).get(download_url(material))
    assert body(response) == "Help is available £".encode()
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_embargoed_material_needs_the_embargo_acknowledged(client_for, police_officer, campaign):
    material = make_material(campaign, embargo_until=timezone.now() + timedelta(days=2))
    client = client_for(police_officer)
    page = client.get(download_url(material))
    assert page.status_code == 200
    assert "EMBARGOED UNTIL" in page.content.decode()
    assert not Download.objects.exists(), "looking at the warning downloads nothing"
    refused = client.post(download_url(material), {})
    assert "Confirm that you will respect the embargo" in refused.content.decode()
    assert not Download.objects.exists()
    response = client.post(download_url(material), {"acknowledge": "on"})
    assert response.status_code == 200
    assert body(response)
    assert Download.objects.get().embargo_acknowledged is True


def test_after_the_embargo_no_acknowledgement_is_asked(client_for, police_officer, campaign):
    material = make_material(campaign, embargo_until=timezone.now() - timedelta(seconds=1))
    response = client_for(police_officer).get(download_url(material))
    assert response["Content-Disposition"].startswith("attachment")


def test_withdrawn_material_cannot_be_downloaded_even_by_its_admins(
    client_for, charity_admin, campaign
):
    material = make_material(campaign, withdrawn_at=timezone.now(), withdrawal_reason="Out of date")
    response = client_for(charity_admin).get(download_url(material))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert not Download.objects.exists()


def test_expired_material_is_gone_for_partners_who_are_told_when(
    client_for, police_officer, campaign
):
    material = make_material(campaign, expires_at=timezone.now() - timedelta(minutes=1))
    response = client_for(police_officer).get(download_url(material))
    assert response.status_code == 410
    assert "This material expired on" in response.content.decode()
    assert not Download.objects.exists()


def test_the_owner_cannot_download_material_before_approval_by_the_stable_link(
    client_for, police_officer, campaign, force_a
):
    material = make_material(campaign, owner=force_a, approved=False)
    response = client_for(police_officer).get(download_url(material))
    assert response.status_code == 409
    assert "not been approved" in response.content.decode()


@pytest.mark.parametrize("who", ["other_force_officer", "other_charity_admin", "outsider"])
def test_outsiders_get_404_and_nothing_is_recorded(client_for, campaign, who, request):
    material = make_material(campaign)
    assert client_for(request.getfixturevalue(who)).get(download_url(material)).status_code == 404
    assert not Download.objects.exists()


def test_material_for_police_only_is_404_for_a_council(client_for, council_officer, campaign):
    material = make_material(campaign, audience="police_forces")
    assert client_for(council_officer).get(download_url(material)).status_code == 404


def test_downloading_needs_sign_in_and_refuses_other_methods(
    client, client_for, police_officer, campaign
):
    material = make_material(campaign)
    assert client.get(download_url(material)).status_code == 302
    assert client_for(police_officer).delete(download_url(material)).status_code == 405


def test_admins_and_owners_download_any_version_partners_do_not(
    client_for, charity_admin, police_officer, council_officer, campaign, force_a
):
    material = make_material(campaign, owner=force_a, approved=False, file_bytes=png_bytes())
    url = reverse("campaigns:version-download", args=[material.pk, 1])
    assert client_for(charity_admin).get(url).status_code == 200
    assert client_for(police_officer).get(url).status_code == 200
    assert client_for(council_officer).get(url).status_code == 404


def test_an_old_version_of_approved_material_is_404_to_other_partners(
    client_for, council_officer, campaign
):
    material = make_material(campaign)
    url = reverse("campaigns:version-download", args=[material.pk, 1])
    assert client_for(council_officer).get(url).status_code == 404


def test_previews_are_served_inline_as_png_to_those_who_may_see_them(
    client_for, police_officer, other_force_officer, campaign, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    material = make_material(campaign)
    version = material.versions.get()
    version.preview.save("preview.png", ContentFile(png_bytes((8, 8))))
    url = reverse("campaigns:version-preview", args=[material.pk, 1])
    response = client_for(police_officer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(other_force_officer).get(url).status_code == 404


def zip_url(campaign):
    return reverse("campaigns:toolkit-download", args=[campaign.slug])


def test_the_whole_toolkit_downloads_as_one_zip_of_what_the_person_may_have(
    client_for, council_officer, campaign
):
    make_material(campaign, title="Poster", file_bytes=png_bytes(), filename="poster.png")
    make_material(
        campaign,
        title="Same name",
        file_bytes=b"%PDF-1",
        filename="poster.png",
        content_type="application/pdf",
    )
    make_material(campaign, title="Post", kind="suggested_post", text="Words £")
    make_material(campaign, title="Police only", audience="police_forces")
    make_material(campaign, title="Waiting", approved=False)
    client = client_for(council_officer)
    page = client.get(zip_url(campaign))
    assert page.status_code == 200
    assert not Download.objects.exists()
    response = client.post(zip_url(campaign))
    assert response.status_code == 200
    content = body(response)
    assert int(response["Content-Length"]) == len(content)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(archive.namelist()) == [
        "Poster/poster (2).png",
        "Poster/poster.png",
        "README.txt",
        "Suggested post/Post.txt",
    ]
    assert archive.read("Suggested post/Post.txt") == "Words £".encode()
    assert Download.objects.filter(in_toolkit_zip=True).count() == 3
    assert AuditEntry.objects.filter(action="campaign.toolkit_downloaded").count() == 1


def test_the_zip_leaves_out_embargoed_material_unless_acknowledged(
    client_for, police_officer, campaign
):
    make_material(campaign, title="Open", filename="open.png")
    make_material(
        campaign,
        title="Embargoed",
        filename="embargoed.png",
        embargo_until=timezone.now() + timedelta(days=1),
    )
    client = client_for(police_officer)
    without = zipfile.ZipFile(io.BytesIO(body(client.post(zip_url(campaign)))))
    assert without.namelist() == ["Poster/open.png", "README.txt"]
    with_ack = zipfile.ZipFile(
        io.BytesIO(body(client.post(zip_url(campaign), {"acknowledge_embargo": "on"})))
    )
    assert sorted(with_ack.namelist()) == [
        "Poster/embargoed.png",
        "Poster/open.png",
        "README.txt",
    ]
    assert (
        Download.objects.filter(material__title="Embargoed", embargo_acknowledged=True).count() == 1
    )


WINDOWS_FORBIDDEN = set('<>:"|?*')
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)
}


def test_the_zip_holds_names_windows_accepts_and_a_readme_of_each_item(
    client_for, police_officer, campaign
):
    make_material(
        campaign,
        title="Poster: A3",
        filename='Stop it Now: "A3"?.png',
        usage_notes="Print at A3.\nAdd your force's logo.",
    )
    make_material(campaign, title="Device", filename="CON.png")
    make_material(campaign, title="Dots", filename="poster. . .")
    make_material(campaign, title="Twin", filename="stop it now_ _a3__.PNG")
    make_material(
        campaign,
        title="Press release: embargoed",
        kind="press_release",
        text="Embargoed words",
        embargo_until=timezone.make_aware(datetime(2030, 12, 2, 0, 0)),
    )
    response = client_for(police_officer).post(zip_url(campaign), {"acknowledge_embargo": "on"})
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    names = archive.namelist()
    for path in names:
        for part in path.split("/"):
            assert not WINDOWS_FORBIDDEN & set(part), path
            assert part == part.rstrip(". "), path
            assert part.split(".")[0].upper() not in WINDOWS_RESERVED, path
    assert len({name.lower() for name in names}) == len(names)
    assert sorted(names) == [
        "Poster/Stop it Now_ _A3__.png",
        "Poster/_CON.png",
        "Poster/poster",
        "Poster/stop it now_ _a3__ (2).PNG",
        "Press release/Press release_ embargoed.txt",
        "README.txt",
    ]
    readme = archive.read("README.txt").decode("utf-8")
    assert "Poster: A3 (Poster)\r\n  File: Poster/Stop it Now_ _A3__.png" in readme
    assert "How to use it: Print at A3. Add your force's logo." in readme
    assert (
        "Press release: embargoed (Press release)\r\n"
        "  File: Press release/Press release_ embargoed.txt\r\n"
        "  EMBARGOED until 00:00 on Monday 2 December 2030 (UK time)"
    ) in readme
    assert readme.count("Embargo: none") == 4


def test_the_zip_is_404_outside_the_campaign(client_for, other_force_officer, campaign):
    make_material(campaign)
    assert client_for(other_force_officer).post(zip_url(campaign)).status_code == 404
    assert not Download.objects.exists()


def signed_long_ago(named: dict) -> str:
    """A note as the portal signs it, but stamped a minute older than the portal accepts."""
    from campaigns.services.material import NOT_SENT_MAX_AGE, NOT_SENT_SALT

    then = int(time.time() - NOT_SENT_MAX_AGE.total_seconds() - 60)

    class SignedThen(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(then)

    return SignedThen(salt=NOT_SENT_SALT).sign_object(named)


def not_sent(client, note: str):
    """What nginx asks for when the store fails as it fetches a download (deploy/nginx.conf)."""
    return client.get(
        reverse("campaigns:download-not-sent"), headers={"X-Portal-If-Not-Sent": note}
    )


def test_the_page_for_a_download_not_sent_removes_only_the_records_its_note_names(
    client_for, police_officer, council_officer, campaign
):
    from campaigns.services import material as material_services

    assert reverse("campaigns:download-not-sent") == "/downloads/not-sent/", "deploy/nginx.conf"
    first, second = (make_material(campaign) for _ in range(2))
    [download] = material_services.record_downloads(
        [first.current_version], user=police_officer, organisation=None, embargo_acknowledged=False
    )
    material_services.record_downloads(
        [second.current_version], user=police_officer, organisation=None, embargo_acknowledged=False
    )
    note = material_services.not_sent_note([download])
    someone_else = not_sent(client_for(council_officer), note)
    assert someone_else.status_code == 503
    assert "nothing was downloaded" in someone_else.content.decode()
    officer = client_for(police_officer)
    forged = note.rpartition(":")[0] + ":not-the-portals-signature"
    named = {"user": police_officer.pk, "downloads": [download.pk]}
    # Signed by the portal, but for something else, or longer ago than nginx ever waits.
    other_purposes = [signing.dumps(named), signing.dumps(named, salt="campaigns.other")]
    for refused in ("", "not-a-note", forged, *other_purposes, signed_long_ago(named)):
        assert not_sent(officer, refused).status_code == 503
    assert Download.objects.count() == 2
    assert not AuditEntry.objects.filter(action="asset.download_not_sent").exists()

    assert not_sent(officer, note).status_code == 503
    assert list(Download.objects.values_list("material", flat=True)) == [second.pk]
    entry = AuditEntry.objects.get(action="asset.download_not_sent")
    assert (entry.actor, entry.material, entry.data["files"]) == (police_officer, first, 1)
    assert not_sent(officer, note).status_code == 503, "used twice, it removes nothing more"
    assert AuditEntry.objects.filter(action="asset.download_not_sent").count() == 1
