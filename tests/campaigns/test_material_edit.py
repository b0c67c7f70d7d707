"""Editing the details of material: who may, and a stale edit never silently overwrites."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from tests.factories import make_material


def edit_url(material):
    return reverse("campaigns:material-edit", args=[material.pk])


def details(material, **overrides):
    data = {
        "kind": material.kind,
        "title": material.title,
        "audience": material.audience,
        "revision": material.revision,
    }
    data.update(overrides)
    return data


def test_an_admin_edits_details_and_it_is_audited(client_for, charity_admin, campaign):
    material = make_material(campaign, title="Poster")
    response = client_for(charity_admin).post(
        edit_url(material), details(material, title="Poster (A3)", tag_names="print")
    )
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.title == "Poster (A3)"
    assert material.revision == 2
    assert [t.name for t in material.tags.all()] == ["print"]
    assert AuditEntry.objects.get(action="asset.updated").data["changed"] == ["title", "tag_names"]


def test_a_stale_edit_is_refused_and_the_other_change_kept(client_for, charity_admin, campaign):
    material = make_material(campaign, title="Poster")
    opened_at = material.revision
    client = client_for(charity_admin)
    client.post(edit_url(material), details(material, title="Their title", revision=opened_at))
    response = client.post(
        edit_url(material), details(material, title="My title", revision=opened_at)
    )
    assert response.status_code == 409
    assert "Someone else changed this material" in response.content.decode()
    material.refresh_from_db()
    assert material.title == "Their title"


def test_the_owner_edits_until_approval_then_only_admins(
    client_for, police_officer, campaign, force_a
):
    material = make_material(campaign, owner=force_a, approved=False, title="Draft")
    client = client_for(police_officer)
    assert (
        client.post(edit_url(material), details(material, title="Better draft")).status_code == 302
    )
    approved = make_material(campaign, owner=force_a, approved=True, title="Done")
    assert client.post(edit_url(approved), details(approved, title="Sneaky")).status_code == 403
    approved.refresh_from_db()
    assert approved.title == "Done"


@pytest.mark.parametrize("who,status", [("council_officer", 404), ("other_charity_admin", 404)])
def test_others_cannot_edit(client_for, campaign, force_a, who, status, request):
    material = make_material(campaign, owner=force_a, approved=False)
    response = client_for(request.getfixturevalue(who)).post(
        edit_url(material), details(material, title="x")
    )
    assert response.status_code == status


def test_a_partner_who_sees_approved_material_gets_403_editing_it(
    client_for, council_officer, campaign
):
    material = make_material(campaign)
    assert client_for(council_officer).get(edit_url(material)).status_code == 403


def test_editing_needs_sign_in_and_refuses_other_methods(
    client, client_for, charity_admin, campaign
):
    material = make_material(campaign)
    assert client.get(edit_url(material)).status_code == 302
    assert client_for(charity_admin).delete(edit_url(material)).status_code == 405
