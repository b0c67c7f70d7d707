"""Withdrawing material tells everyone who downloaded it, once, by e-mail and on their home page."""

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEntry
from campaigns.models import WithdrawalNotice
from campaigns.services import material as material_services
from campaigns.services.notifications import announce_released_material
from tests.factories import make_material, make_user


def withdraw_url(material):
    return reverse("campaigns:material-withdraw", args=[material.pk])


def downloaded_by(material, *people):
    version = material.versions.get()
    for person in people:
        material_services.record_downloads(
            [version], user=person, organisation=None, embargo_acknowledged=False
        )


def test_withdrawing_tells_each_downloader_once(
    client_for,
    charity_admin,
    police_officer,
    council_officer,
    campaign,
    django_capture_on_commit_callbacks,
    run_tasks,
):
    material = make_material(campaign, title="Old card")
    downloaded_by(material, police_officer, police_officer, council_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(charity_admin).post(
            withdraw_url(material), {"reason": "Wrong number"}
        )
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.withdrawn_by == charity_admin
    assert material.withdrawal_reason == "Wrong number"
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [police_officer.email, council_officer.email]
    )
    assert "Wrong number" in mail.outbox[0].body
    assert WithdrawalNotice.objects.count() == 2
    assert AuditEntry.objects.filter(action="asset.withdrawn", material=material).exists()


def test_withdrawal_notices_show_on_the_home_page_until_dismissed(
    client_for, charity_admin, council_officer, campaign
):
    material = make_material(campaign, title="Old card")
    downloaded_by(material, council_officer)
    material_services.withdraw(material, actor=charity_admin, reason="Replaced by a new card")
    client = client_for(council_officer)
    home = client.get(reverse("home")).content.decode()
    assert "Withdrawn: Old card" in home
    assert "Replaced by a new card" in home
    notice = WithdrawalNotice.objects.get()
    assert client.get(reverse("campaigns:notice-dismiss", args=[notice.pk])).status_code == 405
    client.post(reverse("campaigns:notice-dismiss", args=[notice.pk]))
    assert "Withdrawn: Old card" not in client.get(reverse("home")).content.decode()


def test_nobody_can_dismiss_someone_elses_notice(
    client_for, charity_admin, council_officer, police_officer, campaign
):
    material = make_material(campaign)
    downloaded_by(material, council_officer)
    material_services.withdraw(material, actor=charity_admin, reason="Gone")
    notice = WithdrawalNotice.objects.get()
    response = client_for(police_officer).post(
        reverse("campaigns:notice-dismiss", args=[notice.pk])
    )
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.dismissed_at is None


def test_a_reason_is_required(client_for, charity_admin, campaign):
    material = make_material(campaign)
    response = client_for(charity_admin).post(withdraw_url(material), {"reason": ""})
    assert response.status_code == 200
    material.refresh_from_db()
    assert material.withdrawn_at is None


def test_withdrawing_twice_is_refused(client_for, charity_admin, campaign):
    material = make_material(campaign)
    client = client_for(charity_admin)
    client.post(withdraw_url(material), {"reason": "First"})
    response = client.post(withdraw_url(material), {"reason": "Second"})
    assert "already been withdrawn" in response.content.decode()
    material.refresh_from_db()
    assert material.withdrawal_reason == "First"


@pytest.mark.parametrize("who,status", [("police_officer", 403), ("other_charity_admin", 404)])
def test_only_the_campaigns_admins_withdraw(client_for, campaign, who, status, request):
    material = make_material(campaign)
    response = client_for(request.getfixturevalue(who)).post(
        withdraw_url(material), {"reason": "x"}
    )
    assert response.status_code == status
    material.refresh_from_db()
    assert material.withdrawn_at is None


def test_withdrawing_needs_sign_in_and_refuses_other_methods(
    client, client_for, charity_admin, campaign
):
    material = make_material(campaign)
    assert client.post(withdraw_url(material), {"reason": "x"}).status_code == 302
    assert client_for(charity_admin).put(withdraw_url(material)).status_code == 405


def test_released_material_is_announced_once_to_the_partner_members_it_is_for(
    campaign, police_officer, council_officer, force_lead, charity_admin, run_tasks
):
    make_material(campaign, title="For police", audience="police_forces")
    council_officer.email_new_material = False
    council_officer.save()
    assert announce_released_material() == 2
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([police_officer.email, force_lead.email])
    assert mail.outbox[0].subject == "New campaign material: For police"
    mail.outbox.clear()
    assert announce_released_material() == 0
    assert mail.outbox == []


def test_material_is_announced_only_when_its_release_time_comes(campaign, police_officer):
    from datetime import timedelta

    from django.utils import timezone

    release = timezone.now() + timedelta(hours=1)
    make_material(campaign, release_at=release)
    assert announce_released_material() == 0
    assert announce_released_material(now=release) == 1


def test_deactivated_people_are_not_emailed(campaign, force_a, run_tasks):
    person = make_user(organisation=force_a, is_active=False)
    make_material(campaign)
    announce_released_material()
    run_tasks()
    assert person.email not in [m.to[0] for m in mail.outbox]
