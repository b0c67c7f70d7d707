"""Co-branded posters: an organisation's checked logo, a poster template with its zones, and
the partner's poster as PNG and PDF with a QR code of its tracked link, reviewed as usual."""

import io
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import AuditEntry
from campaigns.models import LocalisedMaterial, LocalisedTemplate, MaterialVersion
from campaigns.services import localising
from tests.factories import make_material, png_bytes


def logo_url(organisation):
    return reverse("agencies:organisation-logo", args=[organisation.slug])


def test_a_lead_saves_a_checked_logo_for_its_organisation(client_for, force_lead, force_a):
    response = client_for(force_lead).post(
        logo_url(force_a), {"logo": SimpleUploadedFile("logo.png", png_bytes((300, 100), "red"))}
    )
    assert response.status_code == 302
    force_a.refresh_from_db()
    assert force_a.logo.name.startswith("logos/") and force_a.logo.name.endswith(".png")
    assert Image.open(force_a.logo.open("rb")).size == (300, 100)
    assert AuditEntry.objects.filter(action="organisation.logo_changed").count() == 1


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("logo.png", b"<html><script>alert(1)</script></html>", "cannot be uploaded as a logo"),
        ("logo.png", b"MZ\x90\x00" + b"\x00" * 200, ""),
        ("logo.png", png_bytes((2000, 1000)) + b"x" * (2 * 1024 * 1024), "limit"),
    ],
)
def test_a_logo_that_is_not_an_image_or_too_large_is_refused_and_nothing_is_stored(
    client_for, force_lead, force_a, name, data, says
):
    response = client_for(force_lead).post(
        logo_url(force_a), {"logo": SimpleUploadedFile(name, data)}, follow=True
    )
    force_a.refresh_from_db()
    assert not force_a.logo
    assert "The logo was not saved." in response.content.decode()
    assert says in response.content.decode()


def test_a_decompression_bomb_logo_is_refused(client_for, force_lead, force_a, settings):
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")  # 400 million pixels, a few KB
    response = client_for(force_lead).post(
        logo_url(force_a), {"logo": SimpleUploadedFile("logo.png", buffer.getvalue())}, follow=True
    )
    force_a.refresh_from_db()
    assert not force_a.logo
    assert "The logo was not saved." in response.content.decode()


def test_a_member_may_not_change_the_logo(client_for, police_officer, force_a):
    response = client_for(police_officer).post(
        logo_url(force_a), {"logo": SimpleUploadedFile("logo.png", png_bytes())}
    )
    assert response.status_code == 403


@pytest.fixture
def poster_template(campaign, charity_admin):
    campaign.websites = "https://www.get-help.stopitnow.org.uk"
    campaign.helpline_number = "0808 1000 900"
    campaign.save()
    material = make_material(
        campaign,
        title="Co-branded poster",
        by=charity_admin,
        file_bytes=png_bytes((600, 800), "navy"),
    )
    return localising.mark_template(
        material,
        actor=charity_admin,
        kind=LocalisedTemplate.Kind.POSTER,
        logo_zone=[0.05, 0.8, 0.4, 0.15],
        text_zone=[0.5, 0.8, 0.45, 0.15],
        poster_text="{{ organisation_name }} supports the campaign: {{ helpline }}",
    )


def test_an_admin_marks_a_poster_template_with_its_zones(client_for, campaign, charity_admin):
    material = make_material(campaign, title="Poster", by=charity_admin)
    url = reverse("campaigns:template-mark", args=[material.pk])
    refused = client_for(charity_admin).post(url, {"kind": "poster"})
    assert refused.status_code == 400 and "needs both zones" in refused.content.decode()
    response = client_for(charity_admin).post(
        url,
        {
            "kind": "poster",
            "logo_zone": "0.05, 0.8, 0.4, 0.15",
            "text_zone": "0.5, 0.8, 0.45, 0.15",
            "poster_text": "{{ organisation_name }}",
        },
    )
    assert response.status_code == 302
    assert material.template.logo_zone == [0.05, 0.8, 0.4, 0.15]


def test_without_a_logo_the_poster_cannot_be_made(client_for, police_officer, poster_template):
    client = client_for(police_officer)
    url = reverse("campaigns:template-make", args=[poster_template.pk])
    assert "logo on its organisation page first" in client.get(url).content.decode()
    assert client.post(url, {"submit": "1"}).status_code == 400
    assert not LocalisedMaterial.objects.exists()


def test_a_partner_makes_its_co_branded_poster_with_a_qr_code_and_it_is_reviewed(
    client_for, police_officer, charity_admin, force_a, poster_template
):
    force_a.logo.save("logo.png", io.BytesIO(png_bytes((300, 100), "red")))
    response = client_for(police_officer).post(
        reverse("campaigns:template-make", args=[poster_template.pk]), {"submit": "1"}
    )
    assert response.status_code == 302
    localised = LocalisedMaterial.objects.get()
    version = localised.material.versions.get()
    assert version.content_type == "image/png" and version.status == "in_review"
    assert "Avon and Somerset Police supports the campaign: 0808 1000 900" in version.alt_text
    poster = Image.open(version.file.open("rb")).convert("RGB")
    assert poster.size == (600, 800)
    # The logo (red) sits in the logo zone, over the template's navy.
    assert poster.getpixel((120, 700)) == (255, 0, 0)
    link = version.generated.values["help_link"]["text"]
    assert "utm_source=avon-and-somerset-police" in link and "utm_medium=poster" in link
    assert version.generated.pdf.open("rb").read(5) == b"%PDF-"
    version.approve(by=charity_admin)
    assert localised.material.current_version == version

    # A new logo is a change; regenerating uses it.
    force_a.logo.save("logo2.png", io.BytesIO(png_bytes((300, 100), "green")))
    assert [label for label, *_ in localising.changes(localised).fields] == ["Logo"]
    client_for(police_officer).post(
        reverse("campaigns:localised-regenerate", args=[localised.material.pk])
    )
    newest = localised.material.versions.order_by("-number").first()
    assert newest.status == MaterialVersion.Status.IN_REVIEW
    assert Image.open(newest.file.open("rb")).convert("RGB").getpixel((120, 700)) == (0, 128, 0)


def test_the_partner_previews_its_poster_before_submitting_and_nothing_is_stored(
    client_for, police_officer, charity_admin, force_a, poster_template
):
    url = reverse("campaigns:template-poster-preview", args=[poster_template.pk])
    assert client_for(police_officer).get(url).status_code == 404  # no logo yet
    force_a.logo.save("logo.png", io.BytesIO(png_bytes((300, 100), "red")))
    response = client_for(police_officer).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content))).convert("RGB")
    assert image.getpixel((120, 700)) == (255, 0, 0)
    assert not LocalisedMaterial.objects.exists()
    assert client_for(charity_admin).get(url).status_code == 403


@pytest.fixture
def poster_without_its_logo_file(force_a, police_officer, charity_admin, poster_template):
    """Force A's approved poster, whose logo row still names a file the store no longer has (a
    file lost from the store, or a database loaded again beside an empty store)."""
    force_a.logo.save("logo.png", io.BytesIO(png_bytes((300, 100), "red")))
    version = localising.make_localised(
        poster_template, organisation=force_a, actor=police_officer, window=None, entered={}
    )
    version.approve(by=charity_admin)
    force_a.logo.storage.delete(force_a.logo.name)
    return version.material


def logo_errors(caplog):
    return [
        record
        for record in caplog.records
        if record.name == "campaigns.localising.fields" and record.levelno >= logging.ERROR
    ]


def test_the_poster_page_shows_that_the_logo_file_is_missing_and_logs_it(
    client_for, police_officer, force_a, poster_without_its_logo_file, caplog
):
    response = client_for(police_officer).get(
        reverse("campaigns:material-detail", args=[poster_without_its_logo_file.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Co-branded poster: Avon and Somerset Police&#x27;s version" in page
    assert "Avon and Somerset Police&#x27;s logo is missing from the file store" in page
    assert "add it again on its organisation page" in page
    [logged] = logo_errors(caplog)
    assert force_a.logo.name in logged.getMessage()


def test_without_its_logo_file_the_poster_is_neither_made_nor_previewed(
    client_for, police_officer, poster_template, poster_without_its_logo_file, caplog
):
    client = client_for(police_officer)
    make = reverse("campaigns:template-make", args=[poster_template.pk])
    assert "logo is missing from the file store" in client.get(make).content.decode()
    refused = client.post(make, {"submit": "1"})
    assert refused.status_code == 400
    assert "logo is missing from the file store" in refused.content.decode()
    preview = reverse("campaigns:template-poster-preview", args=[poster_template.pk])
    assert client.get(preview).status_code == 404
    regenerated = client.post(
        reverse("campaigns:localised-regenerate", args=[poster_without_its_logo_file.pk]),
        follow=True,
    )
    assert "It could not be regenerated" in regenerated.content.decode()
    assert poster_without_its_logo_file.versions.count() == 1
    assert LocalisedMaterial.objects.count() == 1
    assert logo_errors(caplog)


def test_with_its_logo_added_again_the_poster_is_regenerated(
    client_for, force_lead, police_officer, force_a, poster_without_its_logo_file
):
    added = client_for(force_lead).post(
        logo_url(force_a), {"logo": SimpleUploadedFile("logo.png", png_bytes((300, 100), "red"))}
    )
    assert added.status_code == 302
    response = client_for(police_officer).post(
        reverse("campaigns:localised-regenerate", args=[poster_without_its_logo_file.pk])
    )
    assert response.status_code == 302
    assert poster_without_its_logo_file.versions.count() == 2
