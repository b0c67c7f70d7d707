"""Who sees which material: the one queryset every page starts from, and the pages themselves."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from campaigns.models import Material
from tests.factories import make_material, make_user


def visible_titles(user, now=None) -> set[str]:
    fresh = User.objects.get(pk=user.pk)
    return set(Material.objects.visible_to(fresh, now=now).values_list("title", flat=True))


def test_approved_material_for_all_partners_reaches_every_partner(
    campaign, charity_admin, police_officer, council_officer, other_force_officer, outsider
):
    make_material(campaign, title="Poster")
    assert "Poster" in visible_titles(charity_admin)
    assert "Poster" in visible_titles(police_officer)
    assert "Poster" in visible_titles(council_officer)
    assert "Poster" not in visible_titles(other_force_officer)
    assert "Poster" not in visible_titles(outsider)


def test_material_waiting_for_review_is_seen_by_its_owner_and_the_admins_only(
    campaign,
    force_a,
    charity_admin,
    police_officer,
    force_lead,
    council_officer,
    other_charity_admin,
):
    make_material(campaign, owner=force_a, title="Force poster", approved=False)
    assert "Force poster" in visible_titles(police_officer)
    assert "Force poster" in visible_titles(force_lead)
    assert "Force poster" in visible_titles(charity_admin)
    assert "Force poster" not in visible_titles(council_officer)
    assert "Force poster" not in visible_titles(other_charity_admin)


def test_the_charitys_own_drafts_stay_with_the_charity(campaign, charity_admin, police_officer):
    make_material(campaign, title="Draft", approved=False)
    assert "Draft" in visible_titles(charity_admin)
    assert "Draft" not in visible_titles(police_officer)


def test_material_is_hidden_before_its_release_time(campaign, police_officer, charity_admin):
    release = timezone.now() + timedelta(days=1)
    make_material(campaign, title="Launch poster", release_at=release)
    assert "Launch poster" not in visible_titles(police_officer)
    assert "Launch poster" in visible_titles(charity_admin)
    assert "Launch poster" in visible_titles(police_officer, now=release)


def test_embargoed_material_is_visible_for_preparation(campaign, police_officer):
    make_material(campaign, title="Press release", embargo_until=timezone.now() + timedelta(days=3))
    assert "Press release" in visible_titles(police_officer)


def test_expired_and_withdrawn_material_is_hidden_from_partners(
    campaign, police_officer, charity_admin
):
    make_material(campaign, title="Old", expires_at=timezone.now() - timedelta(seconds=1))
    make_material(
        campaign, title="Pulled", withdrawn_at=timezone.now(), withdrawal_reason="Out of date"
    )
    assert visible_titles(police_officer) == set()
    assert visible_titles(charity_admin) == {"Old", "Pulled"}


@pytest.mark.parametrize(
    "audience,police_sees,council_sees",
    [("police_forces", True, False), ("councils", False, True), ("all_partners", True, True)],
)
def test_the_audience_decides_which_partners_see_material(
    campaign, police_officer, council_officer, audience, police_sees, council_sees
):
    make_material(campaign, title="Targeted", audience=audience)
    assert ("Targeted" in visible_titles(police_officer)) is police_sees
    assert ("Targeted" in visible_titles(council_officer)) is council_sees


def test_named_organisations_see_material_meant_for_them_only(
    campaign, force_a, police_officer, council_officer
):
    make_material(
        campaign, title="For force A", audience="named", audience_organisations=(force_a,)
    )
    assert "For force A" in visible_titles(police_officer)
    assert "For force A" not in visible_titles(council_officer)


def test_a_person_in_two_organisations_sees_by_the_one_in_the_campaign(
    campaign, other_campaign, force_c, council_b
):
    # A council-only material in the other campaign must not reach someone whose council is in a
    # different campaign.
    person = make_user(organisation=force_c)
    from agencies.models import Membership

    Membership.objects.create(user=person, organisation=council_b)
    make_material(other_campaign, title="Councils of the other campaign", audience="councils")
    assert "Councils of the other campaign" not in visible_titles(person)


# London moves to BST at 01:00 UTC on Sunday 28 March 2027.
CLOCK_CHANGE = datetime(2027, 3, 28, 1, 0, tzinfo=UTC)


def test_a_release_across_the_clock_change_lifts_at_the_right_second(campaign, police_officer):
    # 09:00 UK time on the morning the clocks went forward is 08:00 UTC.
    release = datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    make_material(campaign, title="Spring poster", release_at=release)
    assert "Spring poster" not in visible_titles(police_officer, now=release - timedelta(seconds=1))
    assert "Spring poster" in visible_titles(police_officer, now=release)


def test_an_embargo_across_the_clock_change_lifts_at_the_right_second(campaign):
    lifts = datetime(2027, 10, 31, 9, 0, tzinfo=UTC)  # 09:00 GMT, the day the clocks went back
    material = make_material(campaign, embargo_until=lifts)
    assert material.is_under_embargo(now=lifts - timedelta(seconds=1))
    assert not material.is_under_embargo(now=lifts)


def test_uk_times_typed_in_a_form_are_stored_in_utc(client_for, charity_admin, campaign):
    material = make_material(campaign, title="Timed")
    client_for(charity_admin).post(
        reverse("campaigns:material-edit", args=[material.pk]),
        {
            "kind": "poster",
            "title": "Timed",
            "audience": "all_partners",
            "release_at": "2027-03-28T09:00",
            "embargo_until": "2027-01-15T09:00",
            "revision": material.revision,
        },
    )
    material.refresh_from_db()
    assert material.release_at == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)  # BST
    assert material.embargo_until == datetime(2027, 1, 15, 9, 0, tzinfo=UTC)  # GMT


def test_a_time_that_does_not_exist_in_the_uk_is_refused_with_a_message(
    client_for, charity_admin, campaign
):
    material = make_material(campaign, title="Timed")
    response = client_for(charity_admin).post(
        reverse("campaigns:material-edit", args=[material.pk]),
        {
            "kind": "poster",
            "title": "Timed",
            "audience": "all_partners",
            "release_at": "2027-03-28T01:30",  # skipped when the clocks go forward
            "revision": material.revision,
        },
    )
    assert response.status_code == 200
    assert "couldn’t be interpreted" in response.content.decode()
    material.refresh_from_db()
    assert material.release_at is None


def test_the_material_page_answers_404_to_outsiders_exactly_as_for_missing_material(
    client_for, campaign, other_force_officer
):
    from tests.assertions import assert_same_page

    material = make_material(campaign)
    client = client_for(other_force_officer)
    hidden = client.get(reverse("campaigns:material-detail", args=[material.pk]))
    missing = client.get(reverse("campaigns:material-detail", args=[material.pk + 1000]))
    assert hidden.status_code == 404
    assert_same_page(hidden, missing)
