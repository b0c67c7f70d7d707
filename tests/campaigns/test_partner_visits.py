"""Help page visits by partner: imported by the campaign parameters of the partners' tracked
links, refused whole when a line is wrong, and shown beside each partner's activity."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from campaigns.models import PartnerVisits

HEADER = "utm_source,utm_medium,utm_campaign,period,visits\n"


def csv_file(*lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("visits.csv", (HEADER + "\n".join(lines) + "\n").encode())


def import_url(campaign):
    return reverse("campaigns:visits-import", args=[campaign.slug])


def test_the_charity_imports_visits_and_the_impact_page_shows_them_by_partner(
    client_for, charity_admin, police_officer, campaign, force_a, council_b
):
    slug = campaign.slug
    response = client_for(charity_admin).post(
        import_url(campaign),
        {
            "file": csv_file(
                f"avon-and-somerset-police,poster,{slug},2026-07,40",
                f"avon-and-somerset-police,press_release,{slug},2026-07,12",
                f"south-somerset-district-council,press_release,{slug},2026-07,9",
            )
        },
    )
    assert response.status_code == 302
    assert PartnerVisits.objects.count() == 3
    assert set(PartnerVisits.objects.values_list("visits", flat=True)) == {40, 12, 9}

    charity_page = client_for(charity_admin).get(reverse("campaigns:impact", args=[slug]))
    text = charity_page.content.decode()
    assert "Visits to the help page from each partner" in text
    assert "South Somerset District Council" in text and ">52<" in text
    partner_page = client_for(police_officer).get(reverse("campaigns:impact", args=[slug]))
    partner_text = partner_page.content.decode()
    assert ">52<" in partner_text
    # A partner sees its own row, not another partner's.
    assert '<th scope="row">South Somerset District Council</th>' not in partner_text


def test_a_second_import_of_a_period_replaces_its_count(client_for, charity_admin, campaign):
    client = client_for(charity_admin)
    line = f"avon-and-somerset-police,poster,{campaign.slug},2026-07,"
    client.post(import_url(campaign), {"file": csv_file(line + "40")})
    client.post(import_url(campaign), {"file": csv_file(line + "41")})
    assert list(PartnerVisits.objects.values_list("visits", flat=True)) == [41]


def test_a_wrong_line_is_named_and_nothing_is_imported(
    client_for, charity_admin, campaign, force_c
):
    slug = campaign.slug
    response = client_for(charity_admin).post(
        import_url(campaign),
        {
            "file": csv_file(
                f"avon-and-somerset-police,poster,{slug},2026-07,40",
                f"wiltshire-police,poster,{slug},2026-07,4",
                "avon-and-somerset-police,poster,another-campaign,2026-07,4",
                f"avon-and-somerset-police,poster,{slug},July,4",
            )
        },
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "Line 3: “wiltshire-police” is not a partner in this campaign." in text
    assert "Line 4: utm_campaign is not" in text
    assert "Line 5: write the period" in text
    assert not PartnerVisits.objects.exists()


def test_a_partner_cannot_import_visits(client_for, police_officer, campaign):
    line = f"avon-and-somerset-police,poster,{campaign.slug},2026-07,400"
    response = client_for(police_officer).post(import_url(campaign), {"file": csv_file(line)})
    assert response.status_code == 403
    assert not PartnerVisits.objects.exists()
