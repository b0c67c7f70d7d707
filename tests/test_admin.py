"""The Django admin works for staff, for every model, and for nobody else."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import authenticator_for, make_material


def registered_models():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_staff_can_list_and_search_every_model(client_for, staff, campaign, charity_admin, model):
    client = client_for(staff)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "south"}).status_code == 200
    instance = model.objects.first()
    if instance is not None:
        change = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[instance.pk]
        )
        assert client.get(change).status_code == 200


def test_every_app_model_is_in_the_admin():
    from django.apps import apps

    ours = {
        model
        for model in apps.get_models()
        if model._meta.app_label in {"agencies", "audit", "campaigns"}
    }
    assert ours <= set(admin.site._registry)


@pytest.mark.parametrize("who", ["charity_admin", "police_officer"])
def test_people_who_are_not_staff_are_told_it_is_not_for_their_account(client_for, who, request):
    client = client_for(request.getfixturevalue(who))
    response = client.get(reverse("admin:index"), follow=True)
    # One step to the admin's sign-in, which answers instead of sending them round again.
    assert [url for url, _status in response.redirect_chain] == [
        reverse("admin:login") + "?next=/admin/"
    ]
    assert response.status_code == 403
    assert response.templates[0].name == "portal/admin_refused.html"
    assert "not for your account" in response.content.decode()


def test_signed_out_people_are_sent_to_sign_in_from_the_admin(client):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("agencies:sign-in") + "?next=%2Fadmin%2F"
    assert response.status_code == 200
    assert response.templates[0].name == "agencies/sign_in.html"


def test_staff_reach_the_admin_and_its_sign_in_sends_them_on(client_for, staff):
    client = client_for(staff)
    assert client.get(reverse("admin:index")).status_code == 200
    response = client.get(reverse("admin:login"), {"next": "/admin/agencies/"})
    assert (response.status_code, response["Location"]) == (302, "/admin/agencies/")
    response = client.get(reverse("admin:login"), {"next": "https://elsewhere.example/"})
    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))


def test_the_audit_trail_is_read_only_in_the_admin(client_for, staff, police_officer):
    from audit.models import AuditEntry
    from audit.services import record

    entry = record(AuditEntry.Action.SIGNED_IN, actor=police_officer)
    client = client_for(staff)
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_staff_cannot_read_anyones_authenticator_secret_in_the_admin(
    client_for, staff, police_officer
):
    device = authenticator_for(police_officer)
    client = client_for(staff)
    change = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert change.status_code == 200
    assert device.key.encode() not in change.content
    assert b"qrcode" not in change.content.lower()
    for view in ("config", "qrcode"):
        path = f"/admin/otp_totp/totpdevice/{device.pk}/{view}/"
        assert client.get(path).status_code == 403
        # A device that does not exist is refused in the same way, not an error.
        assert client.get(f"/admin/otp_totp/totpdevice/987654/{view}/").status_code == 403


def test_material_used_added_in_the_admin_keeps_the_records_organisation(
    client_for, staff, campaign, force_a, council_b
):
    from campaigns.models import ActivityMaterial
    from tests.campaigns.test_activity_records import make_activity

    material = make_material(campaign)
    activity = make_activity(campaign, force_a)
    change = reverse("admin:campaigns_activity_change", args=[activity.pk])
    client = client_for(staff)
    page = client.get(change).context
    form = page["adminform"].form
    prefixes = [inline.formset.prefix for inline in page["inline_admin_formsets"]]
    assert prefixes == ["material_links", "revisions"], prefixes
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "campaign": campaign.pk,
            "organisation": council_b.pk,
            "started_on": activity.started_on.isoformat(),
            "material_links-TOTAL_FORMS": "1",
            "material_links-INITIAL_FORMS": "0",
            "material_links-0-material": material.pk,
            "revisions-TOTAL_FORMS": "0",
            "revisions-INITIAL_FORMS": "0",
        }
    )
    response = client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    link = ActivityMaterial.objects.get(activity=activity)
    assert (link.material, link.organisation) == (material, council_b)
