"""Editing the details of material: who may, and a stale edit never silently overwrites."""

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from tests.factories import make_asset


def edit_url(asset):
    return reverse("campaigns:asset-edit", args=[asset.pk])


def details(asset, **overrides):
    data = {
        "kind": asset.kind,
        "title": asset.title,
        "audience": asset.audience,
        "revision": asset.revision,
    }
    data.update(overrides)
    return data


def test_an_admin_edits_details_and_it_is_audited(client_for, charity_admin, campaign):
    asset = make_asset(campaign, title="Poster")
    response = client_for(charity_admin).post(
        edit_url(asset), details(asset, title="Poster (A3)", tag_names="print")
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.title == "Poster (A3)"
    assert asset.revision == 2
    assert [t.name for t in asset.tags.all()] == ["print"]
    assert AuditEntry.objects.get(action="asset.updated").data["changed"] == ["title", "tag_names"]


def test_a_stale_edit_is_refused_and_the_other_change_kept(client_for, charity_admin, campaign):
    asset = make_asset(campaign, title="Poster")
    opened_at = asset.revision
    client = client_for(charity_admin)
    client.post(edit_url(asset), details(asset, title="Their title", revision=opened_at))
    response = client.post(edit_url(asset), details(asset, title="My title", revision=opened_at))
    assert response.status_code == 409
    assert "Someone else changed this material" in response.content.decode()
    asset.refresh_from_db()
    assert asset.title == "Their title"


def test_the_owner_edits_until_approval_then_only_admins(
    client_for, police_officer, campaign, force_a
):
    asset = make_asset(campaign, owner=force_a, approved=False, title="Draft")
    client = client_for(police_officer)
    assert client.post(edit_url(asset), details(asset, title="Better draft")).status_code == 302
    approved = make_asset(campaign, owner=force_a, approved=True, title="Done")
    assert client.post(edit_url(approved), details(approved, title="Sneaky")).status_code == 403
    approved.refresh_from_db()
    assert approved.title == "Done"


@pytest.mark.parametrize("who,status", [("council_officer", 404), ("other_charity_admin", 404)])
def test_others_cannot_edit(client_for, campaign, force_a, who, status, request):
    asset = make_asset(campaign, owner=force_a, approved=False)
    response = client_for(request.getfixturevalue(who)).post(
        edit_url(asset), details(asset, title="x")
    )
    assert response.status_code == status


def test_a_partner_who_sees_approved_material_gets_403_editing_it(
    client_for, council_officer, campaign
):
    asset = make_asset(campaign)
    assert client_for(council_officer).get(edit_url(asset)).status_code == 403


def test_editing_needs_sign_in_and_refuses_other_methods(
    client, client_for, charity_admin, campaign
):
    asset = make_asset(campaign)
    assert client.get(edit_url(asset)).status_code == 302
    assert client_for(charity_admin).delete(edit_url(asset)).status_code == 405
