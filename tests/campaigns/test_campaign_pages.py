from datetime import date

import pytest
from django.urls import reverse

from agencies.models import Organisation
from audit.models import AuditEntry
from campaigns.models import Campaign, CampaignPartner
from campaigns.views.campaigns import PARTNERS_PER_PAGE
from tests.assertions import assert_same_page
from tests.factories import make_organisation


def detail(campaign):
    return reverse("campaigns:campaign-detail", args=[campaign.slug])


def edit(campaign):
    return reverse("campaigns:campaign-edit", args=[campaign.slug])


CREATE = reverse("campaigns:campaign-create")


@pytest.mark.parametrize(
    "who", ["charity_admin", "police_officer", "council_officer", "force_lead"]
)
def test_the_campaign_page_shows_to_its_admins_and_partners(client_for, campaign, who, request):
    response = client_for(request.getfixturevalue(who)).get(detail(campaign))
    assert response.status_code == 200
    assert "South West regional campaign" in response.content.decode()


@pytest.mark.parametrize("who", ["other_force_officer", "other_charity_admin", "outsider", "staff"])
def test_the_campaign_page_is_404_to_everyone_else(client_for, campaign, who, request):
    response = client_for(request.getfixturevalue(who)).get(detail(campaign))
    assert response.status_code == 404


def test_a_missing_campaign_answers_the_same_404(client_for, other_force_officer, campaign):
    other = client_for(other_force_officer).get(detail(campaign))
    missing = client_for(other_force_officer).get(
        reverse("campaigns:campaign-detail", args=["no-such-campaign"])
    )
    assert other.status_code == 404
    assert_same_page(other, missing)


def test_the_campaign_page_needs_sign_in(client, campaign):
    assert client.get(detail(campaign)).status_code == 302


def test_the_campaign_page_refuses_post(client_for, police_officer, campaign):
    assert client_for(police_officer).post(detail(campaign)).status_code == 405


def test_partners_do_not_see_the_admin_controls(client_for, police_officer, campaign):
    content = client_for(police_officer).get(detail(campaign)).content.decode()
    assert "Edit campaign" not in content
    assert "Add a partner" not in content


def partners(campaign, query=""):
    return reverse("campaigns:partner-list", args=[campaign.slug]) + query


def join(campaign, count, force_area):
    """`count` more councils take part, named in order ("Council_007")."""
    for number in range(count):
        council = make_organisation(
            f"Council_{number:03}", Organisation.Kind.COUNCIL, force_area=force_area
        )
        CampaignPartner.objects.create(campaign=campaign, organisation=council)


def test_the_overview_counts_the_partners_by_kind_and_names_only_the_persons_own(
    client_for, police_officer, campaign, force_a
):
    join(campaign, 3, force_a.force_area)
    content = client_for(police_officer).get(detail(campaign)).content.decode()
    assert "5 organisations take part" in content
    assert "Police force: 1" in content
    assert "Council: 4" in content
    assert "Avon and Somerset Police takes part" in content
    # The other partners are on the partner list, not the overview.
    assert "South Somerset District Council" not in content
    assert "Council_000" not in content
    assert partners(campaign) in content


def test_the_partner_list_shows_every_partner_to_everyone_in_the_campaign(
    client_for, police_officer, campaign
):
    response = client_for(police_officer).get(partners(campaign))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Avon and Somerset Police" in content
    assert "South Somerset District Council" in content
    # Partners may see who takes part, not change it.
    assert "Add a partner" not in content
    assert "Remove" not in content


def test_campaign_admins_manage_the_partners_from_the_list(client_for, charity_admin, campaign):
    partner = CampaignPartner.objects.get(campaign=campaign, organisation__name__startswith="Avon")
    content = client_for(charity_admin).get(partners(campaign)).content.decode()
    assert "Add a partner" in content
    assert reverse("campaigns:partner-remove", args=[campaign.slug, partner.pk]) in content


@pytest.mark.parametrize("who", ["other_force_officer", "other_charity_admin", "outsider", "staff"])
def test_the_partner_list_is_404_to_everyone_else(client_for, campaign, who, request):
    client = client_for(request.getfixturevalue(who))
    missing = client.get(reverse("campaigns:partner-list", args=["no-such-campaign"]))
    response = client.get(partners(campaign))
    assert response.status_code == 404
    assert_same_page(response, missing)


def test_the_partner_list_needs_sign_in_and_refuses_post(
    client, client_for, police_officer, campaign
):
    assert client.get(partners(campaign)).status_code == 302
    assert client_for(police_officer).post(partners(campaign)).status_code == 405


def test_the_partner_list_pages_by_name_to_the_last_page(
    client_for, police_officer, campaign, force_a
):
    # Names holding the separator of a page's position ("_") page as any other.
    join(campaign, PARTNERS_PER_PAGE + 10, force_a.force_area)
    client = client_for(police_officer)
    first = client.get(partners(campaign))
    assert list(first.context["page"])[0].organisation.name == "Avon and Somerset Police"
    assert len(first.context["page"]) == PARTNERS_PER_PAGE
    assert "1 to 50 of 62" in first.content.decode()
    after = first.context["page"].next_query
    second = client.get(partners(campaign, f"?{after}"))
    names = [partner.organisation.name for partner in second.context["page"]]
    assert names == [f"Council_{n:03}" for n in range(49, 60)] + ["South Somerset District Council"]
    # The last page is the last fifty, read from the other end of the list.
    last = client.get(partners(campaign, "?page=last"))
    assert [p.organisation.name for p in last.context["page"]] == [
        f"Council_{n:03}" for n in range(11, 60)
    ] + ["South Somerset District Council"]
    assert "13 to 62 of 62" in last.content.decode()
    before = client.get(partners(campaign, f"?{second.context['page'].previous_query}"))
    assert list(before.context["page"]) == list(first.context["page"])


def test_the_partner_list_shows_one_kind_of_partner(client_for, police_officer, campaign, force_a):
    join(campaign, 2, force_a.force_area)
    client = client_for(police_officer)
    forces = client.get(partners(campaign, "?kind=police_force"))
    assert [p.organisation.name for p in forces.context["page"]] == ["Avon and Somerset Police"]
    assert "Police force partners" in forces.content.decode()
    # An unknown kind shows every partner, as a damaged address of a list does.
    every = client.get(partners(campaign, "?kind=nonsense"))
    assert len(every.context["page"]) == 4


def test_a_damaged_position_shows_the_first_page_of_partners(client_for, police_officer, campaign):
    client = client_for(police_officer)
    for position in ("?after=x", "?after=_", "?before=Avon_", "?after=Avon_x"):
        response = client.get(partners(campaign, position))
        assert response.status_code == 200
        assert len(response.context["page"]) == 2


def campaign_data(**overrides):
    data = {
        "name": "Wales campaign",
        "launch_date": "2027-03-01",
        "end_date": "2027-09-30",
        "objectives": "raise awareness\nsignpost help",
        "publicity_channels": ["posters", "social_media"],
        "helpline_name": "Stop it Now! helpline",
        "helpline_number": "0808 1000 900",
        "websites": "https://www.stopitnow.org.uk",
    }
    data.update(overrides)
    return data


def test_a_campaign_admin_creates_a_campaign_run_by_their_charity(
    client_for, charity_admin, charity
):
    response = client_for(charity_admin).post(CREATE, campaign_data(lead_organisation=charity.pk))
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="Wales campaign")
    assert campaign.lead_organisation == charity
    assert campaign.slug == "wales-campaign"
    assert campaign.objective_list == ["raise awareness", "signpost help"]
    assert campaign.publicity_channels == ["posters", "social_media"]
    assert AuditEntry.objects.filter(action="campaign.created", campaign=campaign).exists()


def test_a_campaign_admin_cannot_create_one_for_another_charity(
    client_for, charity_admin, other_charity
):
    response = client_for(charity_admin).post(
        CREATE, campaign_data(lead_organisation=other_charity.pk)
    )
    assert response.status_code == 200
    assert not Campaign.objects.filter(name="Wales campaign").exists()


@pytest.mark.parametrize("who", ["police_officer", "force_lead", "outsider", "staff"])
def test_only_campaign_admins_create_campaigns(client_for, who, request, charity):
    response = client_for(request.getfixturevalue(who)).post(
        CREATE, campaign_data(lead_organisation=charity.pk)
    )
    assert response.status_code == 403
    assert not Campaign.objects.filter(name="Wales campaign").exists()


def test_creating_needs_sign_in_and_refuses_other_methods(client, client_for, charity_admin):
    assert client.get(CREATE).status_code == 302
    assert client_for(charity_admin).put(CREATE).status_code == 405


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"end_date": "2027-01-01"}, "cannot end before it launches"),
        ({"websites": "not a web address"}, "is not a web address"),
        ({"name": "south west regional CAMPAIGN"}, "already exists"),
        ({"launch_date": ""}, "This field is required"),
    ],
)
def test_bad_campaign_input_is_explained_and_nothing_saved(
    client_for, charity_admin, charity, campaign, overrides, message
):
    before = Campaign.objects.count()
    response = client_for(charity_admin).post(
        CREATE, campaign_data(lead_organisation=charity.pk, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Campaign.objects.count() == before


def test_a_campaign_admin_edits_their_campaign(client_for, charity_admin, charity, campaign):
    response = client_for(charity_admin).post(
        edit(campaign),
        campaign_data(name="South West regional campaign", lead_organisation=charity.pk),
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.launch_date == date(2027, 3, 1)
    assert AuditEntry.objects.filter(action="campaign.updated").exists()


@pytest.mark.parametrize("who,status", [("police_officer", 403), ("other_charity_admin", 404)])
def test_others_cannot_edit_the_campaign(client_for, who, status, request, charity, campaign):
    response = client_for(request.getfixturevalue(who)).post(
        edit(campaign), campaign_data(lead_organisation=charity.pk)
    )
    assert response.status_code == status
    campaign.refresh_from_db()
    assert campaign.name == "South West regional campaign"


def test_editing_needs_sign_in_and_refuses_other_methods(
    client, client_for, charity_admin, campaign
):
    assert client.get(edit(campaign)).status_code == 302
    assert client_for(charity_admin).delete(edit(campaign)).status_code == 405


def test_a_campaign_admin_adds_and_removes_a_partner(client_for, charity_admin, campaign, force_c):
    client = client_for(charity_admin)
    add = reverse("campaigns:partner-add", args=[campaign.slug])
    response = client.post(add, {"organisation": force_c.pk})
    assert response.status_code == 302
    assert response.url == partners(campaign), "back to the list the partner now appears in"
    partner = CampaignPartner.objects.get(campaign=campaign, organisation=force_c)
    remove = reverse("campaigns:partner-remove", args=[campaign.slug, partner.pk])
    confirm = client.get(remove)
    assert confirm.status_code == 200
    assert CampaignPartner.objects.filter(pk=partner.pk).exists(), (
        "asking to confirm changes nothing"
    )
    assert client.delete(remove).status_code == 405
    removed = client.post(remove)
    assert removed.status_code == 302
    assert removed.url == partners(campaign)
    assert not CampaignPartner.objects.filter(pk=partner.pk).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"campaign.partner_added", "campaign.partner_removed"} <= actions


def test_a_partner_cannot_be_added_twice(client_for, charity_admin, campaign, force_a):
    response = client_for(charity_admin).post(
        reverse("campaigns:partner-add", args=[campaign.slug]), {"organisation": force_a.pk}
    )
    assert response.status_code == 200
    assert CampaignPartner.objects.filter(campaign=campaign, organisation=force_a).count() == 1


@pytest.mark.parametrize("who,status", [("police_officer", 403), ("other_charity_admin", 404)])
def test_others_cannot_change_partners(
    client_for, who, status, request, campaign, force_c, force_a
):
    client = client_for(request.getfixturevalue(who))
    add = reverse("campaigns:partner-add", args=[campaign.slug])
    assert client.post(add, {"organisation": force_c.pk}).status_code == status
    partner = CampaignPartner.objects.get(campaign=campaign, organisation=force_a)
    remove = reverse("campaigns:partner-remove", args=[campaign.slug, partner.pk])
    assert client.post(remove).status_code == status
    assert CampaignPartner.objects.filter(campaign=campaign).count() == 2


def test_a_partner_of_another_campaign_cannot_be_removed_through_this_one(
    client_for, charity_admin, campaign, other_campaign
):
    partner = other_campaign.partners.get()
    remove = reverse("campaigns:partner-remove", args=[campaign.slug, partner.pk])
    assert client_for(charity_admin).post(remove).status_code == 404
    assert CampaignPartner.objects.filter(pk=partner.pk).exists()


def test_partner_pages_need_sign_in(client, campaign):
    assert client.get(reverse("campaigns:partner-add", args=[campaign.slug])).status_code == 302
