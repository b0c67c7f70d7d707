"""What "needs your attention" on the home page is about the person who reads it."""

import re
import uuid
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from agencies.models import Membership
from tests.factories import make_material, make_user


def attention_text(client) -> str:
    page = client.get(reverse("home")).content.decode()
    section = page.split('id="attention-heading"', 1)[1].split("</section>", 1)[0]
    return " ".join(strip_tags(section).split())


def log_posters(client, campaign, **extra):
    data = {
        "activity_type": "posters",
        "started_on": campaign.launch_date.isoformat(),
        "quantity": "3",
        "submission_key": str(uuid.uuid4()),
        **extra,
    }
    return client.post(reverse("campaigns:activity-create", args=[campaign.slug]), data)


def test_a_new_colleague_is_not_asked_about_her_leads_download(
    client_for, campaign, force_a, force_lead
):
    poster = make_material(campaign, title="Helpline poster")
    client_for(force_lead).get(reverse("campaigns:material-download", args=[poster.pk]))
    assert "You downloaded Helpline poster" in attention_text(client_for(force_lead))
    newcomer = make_user("new@force-a.example", organisation=force_a, role=Membership.Role.MEMBER)
    assert "You downloaded" not in attention_text(client_for(newcomer))


def test_the_toolkit_zip_is_one_prompt_not_one_per_item(client_for, campaign, police_officer):
    for title in ("Poster one", "Poster two", "Poster three"):
        make_material(campaign, title=title)
    client = client_for(police_officer)
    client.post(reverse("campaigns:toolkit-download", args=[campaign.slug]))
    text = attention_text(client)
    assert len(re.findall("You downloaded", text)) == 1
    assert f"You downloaded the toolkit of {campaign}: log how you used it" in text
    assert "Poster one" not in text
    # Logging what was done with it settles the prompt.
    assert log_posters(client, campaign).status_code == 302
    assert "You downloaded" not in attention_text(client)


def test_an_item_downloaded_on_its_own_and_in_the_zip_is_asked_about_once(
    client_for, campaign, police_officer
):
    poster = make_material(campaign, title="Poster one")
    make_material(campaign, title="Poster two")
    client = client_for(police_officer)
    client.get(reverse("campaigns:material-download", args=[poster.pk]))
    client.post(reverse("campaigns:toolkit-download", args=[campaign.slug]))
    text = attention_text(client)
    assert text.count("You downloaded Poster one") == 1
    assert "Poster two" not in text
    assert text.count("You downloaded the toolkit") == 1


def test_material_approved_or_released_since_the_last_visit_is_new(
    client_for, campaign, police_officer
):
    from campaigns.models import CampaignVisit, MaterialVersion

    now = timezone.now()
    client = client_for(police_officer)
    make_material(campaign, title="Seen")
    approved = make_material(campaign, title="Approved since")
    released = make_material(campaign, title="Released since", release_at=now - timedelta(hours=1))
    make_material(campaign, title="Released later", release_at=now + timedelta(days=1))
    MaterialVersion.objects.update(decided_at=now - timedelta(days=3))
    MaterialVersion.objects.filter(material=approved).update(decided_at=now - timedelta(hours=1))
    client.get(reverse("campaigns:toolkit", args=[campaign.slug]))
    CampaignVisit.objects.update(last_seen_at=now - timedelta(days=2))
    # Approved three days ago, before the visit, and released since: new.
    assert released.versions.get().decided_at < now - timedelta(days=2)
    assert "2 new items of material" in attention_text(client)
    # Seen on the toolkit, they are no longer new.
    client.get(reverse("campaigns:toolkit", args=[campaign.slug]))
    assert "new item" not in attention_text(client)


def test_a_download_is_asked_about_after_the_toolkit_was_seen(client_for, campaign, police_officer):
    poster = make_material(campaign, title="Helpline poster")
    client = client_for(police_officer)
    client.get(reverse("campaigns:toolkit", args=[campaign.slug]))  # nothing new from now on
    client.get(reverse("campaigns:material-download", args=[poster.pk]))
    assert "You downloaded Helpline poster" in attention_text(client)


def test_a_toolkit_downloaded_is_asked_about_in_its_own_campaign_only(
    client_for, campaign, charity, force_a, police_officer
):
    from tests.factories import make_campaign

    second = make_campaign("Second campaign", lead=charity, partners=(force_a,))
    make_material(campaign, title="Poster one")
    make_material(second, title="Poster two")
    client = client_for(police_officer)
    client.post(reverse("campaigns:toolkit-download", args=[second.slug]))
    text = attention_text(client)
    assert f"You downloaded the toolkit of {second}: log how you used it" in text
    assert f"the toolkit of {campaign}" not in text


def test_a_toolkit_never_seen_counts_what_is_approved_and_available_there(
    client_for, campaign, police_officer, charity_admin
):
    now = timezone.now()
    make_material(campaign, title="Approved")
    make_material(campaign, title="Released", release_at=now - timedelta(hours=1))
    make_material(campaign, title="Waiting for review", approved=False)
    make_material(campaign, title="Expired", expires_at=now - timedelta(hours=1))
    make_material(campaign, title="Withdrawn", withdrawn_at=now, withdrawal_reason="Out of date")
    # The campaign's admin may see what is not yet released: it is not new until it is.
    make_material(campaign, title="Released tomorrow", release_at=now + timedelta(days=1))
    assert "2 new items of material" in attention_text(client_for(police_officer))
    assert "2 new items of material" in attention_text(client_for(charity_admin))
