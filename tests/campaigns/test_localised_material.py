"""Localised material: templates with fields, a partner's own version with its figures, the
small-number rule, missing values, what a version used, changed figures and regenerating."""

import io
import zipfile

import pytest
from django.urls import reverse

from campaigns.models import (
    GeneratedVersion,
    HelpSeekerFigure,
    LocalisedMaterial,
    Material,
    MaterialVersion,
)
from campaigns.services import localising
from tests.factories import (
    docx_bytes,
    make_enforcement,
    make_help_seekers,
    make_material,
    make_template,
)

QUOTE = {
    "quote_1_speaker": "Will White",
    "quote_1_role": "Head of Protect",
    "quote_1_text": "Behind every image is a child.",
}


@pytest.fixture
def template(campaign, charity_admin):
    return make_template(campaign, by=charity_admin)


@pytest.fixture
def figures(campaign, force_a):
    make_help_seekers(force_a.force_area, 2017, website=818, helpline=77)
    return make_enforcement(campaign, force_a)


def make_url(template):
    return reverse("campaigns:template-make", args=[template.pk])


def submit(client, template, **data):
    return client.post(make_url(template), {"period": "2017", **QUOTE, "submit": "1", **data})


def page(response) -> str:
    return response.content.decode()


# --- Templates ---------------------------------------------------------------------------


def test_the_template_page_lists_its_fields_and_where_each_value_comes_from(
    client_for, police_officer, template
):
    response = client_for(police_officer).get(
        reverse("campaigns:template-detail", args=[template.pk])
    )
    text = page(response)
    assert response.status_code == 200
    for name in ("organisation_name", "search_warrants", "help_seekers_total", "quote_1_text"):
        assert f"<code>{name}</code>" in text
    assert "enforcement figures the area&#x27;s police force recorded" in text
    assert "Written by the partner" in text


def _docx_material(campaign, admin, paragraphs):
    from lib import uploads

    return make_material(
        campaign,
        kind=Material.Kind.PRESS_RELEASE,
        title="Release",
        by=admin,
        file_bytes=docx_bytes(paragraphs),
        filename="release.docx",
        content_type=uploads.DOCX,
    )


def test_a_template_with_an_unknown_field_or_broken_syntax_is_refused_naming_field_and_place(
    client_for, campaign, charity_admin
):
    material = _docx_material(
        campaign,
        charity_admin,
        [
            ("Title", "{{ organisation_name }} supports the campaign"),
            ("Normal", "In 2017 {{ people_helped }} people sought help."),
            ("Normal", "Call {{ helpline now."),
        ],
    )
    response = client_for(charity_admin).post(
        reverse("campaigns:template-mark", args=[material.pk]), {"kind": "press_release"}
    )
    text = page(response)
    assert response.status_code == 400
    assert "paragraph 2" in text and "{{ people_helped }}" in text
    assert "is not a field the portal knows" in text
    assert "paragraph 3" in text and "is not part of a field" in text
    assert not hasattr(Material.objects.get(pk=material.pk), "template")


def test_a_new_version_of_a_template_is_checked_when_uploaded(client_for, charity_admin, template):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = docx_bytes([("Normal", "Hello {{ nobody_knows }}")])
    response = client_for(charity_admin).post(
        reverse("campaigns:version-add", args=[template.material.pk]),
        {"file": SimpleUploadedFile("release.docx", bad)},
    )
    assert response.status_code == 200
    assert "{{ nobody_knows }}" in page(response)
    assert template.material.versions.count() == 1


def test_a_template_linking_outside_the_document_is_refused(client_for, campaign, charity_admin):
    data = docx_bytes([("Normal", "{{ organisation_name }}")])
    source, output = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "word/_rels/document.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/attachedTemplate" '
                    b'Target="https://evil.example/t.dotm" TargetMode="External"/>'
                    b"</Relationships>",
                )
            target.writestr(item, content)
    with pytest.raises(Exception) as refused:
        localising.check_template_file(output.getvalue())
    assert "links to something outside the document" in str(refused.value)


def test_only_the_campaigns_admins_mark_material_as_a_template(
    client_for, campaign, charity_admin, police_officer
):
    material = _docx_material(campaign, charity_admin, [("Normal", "{{ organisation_name }}")])
    url = reverse("campaigns:template-mark", args=[material.pk])
    assert client_for(police_officer).post(url, {"kind": "press_release"}).status_code == 403
    assert client_for(charity_admin).post(url, {"kind": "press_release"}).status_code == 302
    assert Material.objects.get(pk=material.pk).template.kind == "press_release"


# --- A partner's version -----------------------------------------------------------------


def test_a_partner_sees_the_values_with_source_and_period_and_a_preview(
    client_for, police_officer, template, figures
):
    response = client_for(police_officer).post(make_url(template), {"period": "2017", **QUOTE})
    text = page(response)
    assert response.status_code == 200
    assert "895" in text and "818" in text and "77" in text
    assert "the 12 months to 31 May 2026" in text
    assert "Avon and Somerset Police" in text
    assert "Preview" in text
    assert "Officers of Avon and Somerset Police have undertaken 90 search warrants" in text
    assert Material.objects.filter(owner_organisation__slug="avon-and-somerset-police").count() == 0


def test_submitting_makes_the_partners_own_material_waiting_for_review(
    client_for, police_officer, force_a, template, figures
):
    response = submit(client_for(police_officer), template)
    assert response.status_code == 302
    localised = LocalisedMaterial.objects.get()
    material = localised.material
    assert (material.owner_organisation, localised.organisation) == (force_a, force_a)
    version = material.versions.get()
    assert version.status == MaterialVersion.Status.IN_REVIEW
    assert version.content_type.endswith("wordprocessingml.document")
    assert "In 2017 895 people from Avon and Somerset sought help (818 online, 77 by phone)." in (
        version.text
    )
    generated = version.generated
    assert generated.template_version == template.material.current_version
    assert generated.values["help_seekers_total"]["text"] == "895"
    assert (
        generated.values["search_warrants"]["source"]
        == "Avon and Somerset Police's enforcement figures"
    )
    assert generated.values["quote_1_speaker"]["text"] == "Will White"
    assert generated.pdf.open("rb").read(5) == b"%PDF-"
    assert version.preview  # a picture of the PDF's first page


def test_a_count_below_the_threshold_never_goes_into_the_document(
    client_for, police_officer, campaign, force_a, template, settings
):
    settings.SMALL_NUMBER_THRESHOLD = 5
    make_help_seekers(force_a.force_area, 2017, website=40, helpline=3)
    make_enforcement(campaign, force_a)
    assert submit(client_for(police_officer), template).status_code == 302
    text = MaterialVersion.objects.get(material__localised__isnull=False).text
    assert "by phone" in text
    assert "fewer than 5 by phone" in text
    assert " 3 by phone" not in text
    # The total would reveal the withheld count, so it is rounded.
    assert "about 45 people" in text and "43" not in text


def test_a_missing_value_is_shown_and_blocks_submission(
    client_for, police_officer, force_a, template
):
    make_help_seekers(force_a.force_area, 2017, website=818, helpline=77)
    client = client_for(police_officer)
    shown = client.get(make_url(template))
    assert "has not recorded enforcement figures yet" in page(shown)
    response = submit(client, template)
    assert response.status_code == 400
    assert "These fields have no value yet" in page(response)
    assert not Material.objects.filter(localised__isnull=False).exists()


def test_an_empty_quote_blocks_submission(client_for, police_officer, template, figures):
    response = submit(client_for(police_officer), template, quote_1_text="")
    assert response.status_code == 400
    assert "Write the quote 1: words" in page(response)
    assert not LocalisedMaterial.objects.exists()


def test_a_council_uses_its_areas_force_figures_never_another_organisations(
    client_for, council_officer, council_b, force_c, campaign, template, figures
):
    make_enforcement(campaign, force_c, search_warrants=7)
    response = submit(client_for(council_officer), template, organisation=force_c.pk)
    assert response.status_code == 302
    localised = LocalisedMaterial.objects.get()
    assert localised.organisation == council_b
    text = localised.material.versions.get().text
    assert text.startswith("South Somerset District Council supports the campaign")
    assert "Avon and Somerset Police have undertaken 90 search warrants" in text


def test_the_charity_does_not_make_a_version_and_other_campaigns_partners_cannot_see_it(
    client_for, charity_admin, other_force_officer, template
):
    assert client_for(charity_admin).get(make_url(template)).status_code == 403
    assert client_for(other_force_officer).get(make_url(template)).status_code == 404


def test_a_template_not_yet_approved_is_not_offered_to_partners(
    client_for, police_officer, campaign, charity_admin
):
    unapproved = make_template(campaign, by=charity_admin, approved=False)
    assert client_for(police_officer).get(make_url(unapproved)).status_code == 404


def test_submitting_the_same_form_twice_makes_one_material(
    client_for, police_officer, template, figures
):
    client = client_for(police_officer)
    key = "1f0c5a3e-5f3b-4c7e-9d7e-0a9a3b7f2c11"
    submit(client, template, submission_key=key)
    submit(client, template, submission_key=key)
    assert LocalisedMaterial.objects.count() == 1
    assert GeneratedVersion.objects.count() == 1


# --- Figures that change -----------------------------------------------------------------


@pytest.fixture
def approved_release(client_for, police_officer, charity_admin, template, figures):
    submit(client_for(police_officer), template)
    localised = LocalisedMaterial.objects.get()
    localised.material.versions.get().approve(by=charity_admin)
    return localised


def detail(client, localised):
    return page(client.get(reverse("campaigns:material-detail", args=[localised.material.pk])))


def test_the_material_page_says_what_it_was_made_from_and_when(
    client_for, police_officer, approved_release
):
    text = detail(client_for(police_officer), approved_release)
    assert "Made from" in text and "Press release to localise" in text
    assert "with figures as of" in text
    assert "Figures have changed" not in text


def test_a_changed_figure_is_flagged_for_the_owner_and_the_admins_and_regenerated(
    client_for, police_officer, charity_admin, approved_release
):
    figure = HelpSeekerFigure.objects.get(channel__slug="helpline")
    figure.count = 100
    figure.save()
    for person in (police_officer, charity_admin):
        text = detail(client_for(person), approved_release)
        assert "Figures have changed since approval" in text
        assert "Help-seekers: total: 895 then, 918 now" in text
    template_page = client_for(charity_admin).get(
        reverse("campaigns:template-detail", args=[approved_release.template.pk])
    )
    assert "Figures have changed since approval" in page(template_page)

    client = client_for(police_officer)
    response = client.post(
        reverse("campaigns:localised-regenerate", args=[approved_release.material.pk])
    )
    assert response.status_code == 302
    newest = approved_release.material.versions.order_by("-number").first()
    assert (newest.number, newest.status) == (2, MaterialVersion.Status.IN_REVIEW)
    assert "In 2017 918 people" in newest.text
    assert "Will White" in newest.text  # the partner's words are kept
    assert "Figures have changed" not in detail(client, approved_release)
    newest.approve(by=charity_admin)
    assert approved_release.material.current_version == newest


def test_corrected_enforcement_figures_and_an_undone_figure_are_changes_too(
    approved_release, figures
):
    figures.offenders_charged = 86
    figures.save()
    assert ("Offenders charged", "85", "86") in localising.changes(approved_release).fields
    HelpSeekerFigure.objects.filter(channel__slug="website").delete()
    labels = [label for label, *_ in localising.changes(approved_release).fields]
    assert "Help-seekers: website" in labels


def test_a_new_approved_template_version_is_a_change(approved_release, charity_admin, template):
    material = template.material
    MaterialVersion.objects.create(
        material=material,
        number=2,
        file=material.current_version.file.name,
        content_type=material.current_version.content_type,
        uploaded_by=charity_admin,
    ).approve(by=charity_admin)
    assert localising.changes(approved_release).template_changed


def test_only_the_owner_regenerates(client_for, charity_admin, council_officer, approved_release):
    url = reverse("campaigns:localised-regenerate", args=[approved_release.material.pk])
    assert client_for(charity_admin).post(url).status_code == 403
    assert approved_release.material.versions.count() == 1


def test_after_changes_are_requested_the_partner_changes_its_words_in_a_new_version(
    client_for, police_officer, charity_admin, template, figures
):
    client = client_for(police_officer)
    submit(client, template)
    localised = LocalisedMaterial.objects.get()
    localised.material.versions.get().request_changes(by=charity_admin, comment="Add a role")
    url = reverse("campaigns:localised-edit", args=[localised.material.pk])
    assert "Will White" in page(client.get(url))
    response = client.post(
        url, {"period": "2017", **QUOTE, "quote_1_role": "Head of Protect, Avon", "submit": "1"}
    )
    assert response.status_code == 302
    newest = localised.material.versions.order_by("-number").first()
    assert newest.number == 2 and "Head of Protect, Avon Will White said" in newest.text


def test_the_pdf_is_for_the_owner_and_the_admins(
    client_for, police_officer, charity_admin, council_officer, approved_release
):
    url = reverse("campaigns:version-pdf", args=[approved_release.material.pk, 1])
    for person in (police_officer, charity_admin):
        response = client_for(person).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert client_for(council_officer).get(url).status_code == 404


def test_a_pdf_the_store_no_longer_has_gives_a_page_and_records_no_download(
    client_for, police_officer, approved_release
):
    from django.core.files.storage import default_storage

    from campaigns.models import Download

    version = approved_release.material.versions.get()
    default_storage.delete(version.generated.pdf.name)
    response = client_for(police_officer).get(
        reverse("campaigns:version-pdf", args=[approved_release.material.pk, 1])
    )
    assert response.status_code == 503
    assert "nothing was downloaded" in response.content.decode()
    assert not Download.objects.exists()


# --- The access functions themselves --------------------------------------------------------


def test_get_template_for_user_decides_who_sees_and_who_makes(
    template, police_officer, council_officer, charity_admin, other_force_officer, outsider
):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from campaigns.access import get_template_for_user, require_localiser

    for partner in (police_officer, council_officer):
        assert get_template_for_user(partner, template.pk, action="make") == template
    assert require_localiser(council_officer, template).name == "South Somerset District Council"
    assert get_template_for_user(charity_admin, template.pk) == template
    with pytest.raises(PermissionDenied):
        get_template_for_user(charity_admin, template.pk, action="make")
    for stranger in (other_force_officer, outsider):
        with pytest.raises(Http404):
            get_template_for_user(stranger, template.pk)


def test_get_localised_for_user_is_for_the_organisation_that_made_it(
    approved_release, police_officer, force_lead, council_officer, charity_admin
):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from campaigns.access import can_regenerate, get_localised_for_user

    pk = approved_release.material.pk
    for colleague in (police_officer, force_lead):
        assert get_localised_for_user(colleague, pk) == approved_release
        assert can_regenerate(colleague, approved_release)
    with pytest.raises(PermissionDenied):
        get_localised_for_user(charity_admin, pk)
    with pytest.raises(Http404):  # not in its audience: the council does not see it at all
        get_localised_for_user(council_officer, pk)
    assert not can_regenerate(charity_admin, approved_release)


def test_nothing_is_regenerated_from_a_withdrawn_template(
    client_for, police_officer, charity_admin, approved_release
):
    approved_release.template.material.withdraw(by=charity_admin, reason="Out of date")
    response = client_for(police_officer).post(
        reverse("campaigns:localised-regenerate", args=[approved_release.material.pk]),
        follow=True,
    )
    assert "withdrawn this template" in page(response)
    assert approved_release.material.versions.count() == 1
