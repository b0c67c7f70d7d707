import pytest
from django.urls import reverse

from agencies.models import Membership
from audit.models import AuditEntry


def page(organisation):
    return reverse("agencies:organisation-detail", args=[organisation.slug])


def deactivate_url(organisation, membership):
    return reverse("agencies:membership-deactivate", args=[organisation.slug, membership.pk])


def test_a_lead_sees_their_organisations_people(client_for, force_lead, police_officer, force_a):
    response = client_for(force_lead).get(page(force_a))
    assert response.status_code == 200
    assert police_officer.email in response.content.decode()


def test_a_campaign_admin_sees_any_organisations_people(
    client_for, charity_admin, other_force_officer, force_c
):
    response = client_for(charity_admin).get(page(force_c))
    assert response.status_code == 200
    assert other_force_officer.email in response.content.decode()


def test_a_member_without_the_lead_role_gets_403(client_for, police_officer, force_a):
    assert client_for(police_officer).get(page(force_a)).status_code == 403


@pytest.mark.parametrize("slug_of", ["other", "missing"])
def test_another_organisation_answers_like_a_missing_one(client_for, force_lead, force_c, slug_of):
    slug = force_c.slug if slug_of == "other" else "no-such-organisation"
    response = client_for(force_lead).get(reverse("agencies:organisation-detail", args=[slug]))
    assert response.status_code == 404


def test_the_page_needs_sign_in(client, force_a):
    assert client.get(page(force_a)).status_code == 302


def test_the_page_refuses_post(client_for, force_lead, force_a):
    assert client_for(force_lead).post(page(force_a)).status_code == 405


def test_a_lead_deactivates_a_colleague_who_can_then_not_sign_in(
    client_for, force_lead, police_officer, force_a
):
    membership = Membership.objects.get(user=police_officer)
    client = client_for(force_lead)
    assert client.get(deactivate_url(force_a, membership)).status_code == 200
    response = client.post(deactivate_url(force_a, membership))
    assert response.status_code == 302
    membership.refresh_from_db()
    police_officer.refresh_from_db()
    assert not membership.is_active
    assert membership.deactivated_by == force_lead
    assert not police_officer.is_active
    entry = AuditEntry.objects.get(action="person.deactivated")
    assert entry.subject_user == police_officer
    assert entry.actor == force_lead


def test_deactivating_one_of_two_memberships_keeps_the_account(
    client_for, charity_admin, police_officer, force_a, council_b
):
    Membership.objects.create(user=police_officer, organisation=council_b)
    membership = Membership.objects.get(user=police_officer, organisation=force_a)
    client_for(charity_admin).post(deactivate_url(force_a, membership))
    police_officer.refresh_from_db()
    assert police_officer.is_active
    assert police_officer.organisation_ids == {council_b.pk}


def test_a_lead_cannot_deactivate_themselves(client_for, force_lead, force_a):
    membership = Membership.objects.get(user=force_lead)
    response = client_for(force_lead).post(deactivate_url(force_a, membership))
    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.is_active


def test_deactivating_twice_says_so_and_changes_nothing(
    client_for, force_lead, police_officer, force_a
):
    membership = Membership.objects.get(user=police_officer)
    client = client_for(force_lead)
    client.post(deactivate_url(force_a, membership))
    response = client.post(deactivate_url(force_a, membership))
    assert response.status_code == 400
    assert "already deactivated" in response.content.decode()
    assert AuditEntry.objects.filter(action="person.deactivated").count() == 1


def test_a_member_cannot_deactivate_anyone(client_for, police_officer, force_lead, force_a):
    membership = Membership.objects.get(user=force_lead)
    assert client_for(police_officer).post(deactivate_url(force_a, membership)).status_code == 403
    membership.refresh_from_db()
    assert membership.is_active


def test_a_lead_of_another_organisation_gets_404(
    client_for, other_force_lead, police_officer, force_a
):
    membership = Membership.objects.get(user=police_officer)
    assert client_for(other_force_lead).post(deactivate_url(force_a, membership)).status_code == 404


def test_a_membership_of_another_organisation_gets_404(
    client_for, force_lead, other_force_officer, force_a
):
    # The lead's own organisation in the address, another organisation's membership id.
    membership = Membership.objects.get(user=other_force_officer)
    assert client_for(force_lead).post(deactivate_url(force_a, membership)).status_code == 404


def test_deactivation_refuses_other_methods(client_for, force_lead, police_officer, force_a):
    membership = Membership.objects.get(user=police_officer)
    assert client_for(force_lead).put(deactivate_url(force_a, membership)).status_code == 405


def test_deactivation_needs_sign_in(client, police_officer, force_a):
    membership = Membership.objects.get(user=police_officer)
    assert client.post(deactivate_url(force_a, membership)).status_code == 302
    membership.refresh_from_db()
    assert membership.is_active
