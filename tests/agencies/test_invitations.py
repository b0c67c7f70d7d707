import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import Invitation, Membership, User
from agencies.services import invite_person
from audit.models import AuditEntry
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "lantern orchard piano river"


def invite_url(organisation):
    return reverse("agencies:invitation-create", args=[organisation.slug])


def link_from(message) -> str:
    return re.search(r"http://testserver(/invitations/\S+/)", message.body).group(1)


def test_a_lead_invites_into_their_own_organisation(
    client_for, force_lead, force_a, django_capture_on_commit_callbacks, run_tasks
):
    client = client_for(force_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            invite_url(force_a), {"email": "New.Person@Force-A.example", "role": "member"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@force-a.example"
    assert invitation.organisation == force_a
    assert invitation.invited_by == force_lead
    run_tasks()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@force-a.example"]
    assert AuditEntry.objects.filter(action="person.invited", organisation=force_a).exists()


def test_the_stored_token_is_only_a_hash_of_the_link(
    client_for, force_lead, force_a, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(force_lead).post(
            invite_url(force_a), {"email": "x@force-a.example", "role": "member"}
        )
    run_tasks()
    token = link_from(mail.outbox[0]).rstrip("/").rsplit("/", 1)[-1]
    invitation = Invitation.objects.get()
    assert invitation.token_hash != token
    assert invitation.token_hash == Invitation.hash_token(token)


def test_a_lead_cannot_make_someone_a_campaign_admin(client_for, force_lead, force_a):
    response = client_for(force_lead).post(
        invite_url(force_a), {"email": "x@force-a.example", "role": "campaign_admin"}
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_a_campaign_admin_invites_into_any_organisation(client_for, charity_admin, force_c):
    response = client_for(charity_admin).post(
        invite_url(force_c), {"email": "x@force-c.example", "role": "lead"}
    )
    assert response.status_code == 302
    assert Invitation.objects.get().role == Membership.Role.LEAD


def test_a_campaign_admin_may_invite_another_campaign_admin_into_the_charity(
    client_for, charity_admin, charity
):
    response = client_for(charity_admin).post(
        invite_url(charity), {"email": "colleague@charity.example", "role": "campaign_admin"}
    )
    assert response.status_code == 302


def test_a_lead_of_another_organisation_gets_404(client_for, other_force_lead, force_a):
    response = client_for(other_force_lead).post(
        invite_url(force_a), {"email": "x@force-a.example", "role": "member"}
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_an_unknown_organisation_gets_the_same_404(client_for, other_force_lead):
    response = client_for(other_force_lead).post(
        reverse("agencies:invitation-create", args=["no-such-organisation"]),
        {"email": "x@example.org", "role": "member"},
    )
    assert response.status_code == 404


def test_a_member_without_the_lead_role_gets_403(client_for, police_officer, force_a):
    response = client_for(police_officer).post(
        invite_url(force_a), {"email": "x@force-a.example", "role": "member"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_inviting_needs_sign_in(client, force_a):
    response = client.get(invite_url(force_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("agencies:sign-in"))


def test_inviting_refuses_other_methods(client_for, force_lead, force_a):
    assert client_for(force_lead).delete(invite_url(force_a)).status_code == 405


def test_inviting_someone_already_a_member_is_refused_in_the_form(
    client_for, force_lead, force_a, police_officer, run_tasks
):
    response = client_for(force_lead).post(
        invite_url(force_a), {"email": "OFFICER@force-a.example", "role": "member"}
    )
    assert response.status_code == 200
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists()
    run_tasks()
    assert mail.outbox == []


def test_inviting_again_replaces_the_open_invitation(
    client_for, force_lead, force_a, django_capture_on_commit_callbacks, run_tasks
):
    client = client_for(force_lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(invite_url(force_a), {"email": "x@force-a.example", "role": "member"})
        client.post(invite_url(force_a), {"email": "x@force-a.example", "role": "lead"})
    assert Invitation.objects.count() == 2
    assert Invitation.objects.open().get().role == "lead"
    run_tasks()
    old_link = link_from(mail.outbox[0])
    client.logout()
    client.get(old_link)
    response = client.get(reverse("agencies:invitation-accept"))
    assert response.status_code == 410
    assert "replaced by a newer one" in response.content.decode()


def send_invitation(organisation, email, actor, capture, run_tasks, role="member") -> str:
    """Invite someone as the service does, and return the link from the e-mail they get."""
    with capture(execute=True):
        invite_person(organisation=organisation, email=email, role=role, actor=actor)
    run_tasks()
    return link_from(mail.outbox[-1])


@pytest.fixture
def invitation_link(force_lead, force_a, django_capture_on_commit_callbacks, run_tasks):
    return send_invitation(
        force_a, "new@force-a.example", force_lead, django_capture_on_commit_callbacks, run_tasks
    )


def accept(client, link, **data):
    client.get(link)
    return client.post(reverse("agencies:invitation-accept"), data)


def test_accepting_creates_the_account_signs_in_and_joins(client, invitation_link, force_a):
    response = accept(
        client,
        invitation_link,
        full_name="Nia Jones",
        password=NEW_PASSWORD,
        password_again=NEW_PASSWORD,
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@force-a.example")
    assert user.full_name == "Nia Jones"
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(user=user).organisation == force_a
    # Signed in with the password they chose; two-step sign-in is set up next.
    assert response["Location"] == reverse("agencies:two-step-set-up")
    assert client.get(reverse("home"))["Location"].startswith(reverse("agencies:two-step-set-up"))
    assert Invitation.objects.get().accepted_by == user


def test_the_token_leaves_the_address_bar(client, invitation_link):
    response = client.get(invitation_link)
    assert response.status_code == 302
    assert response["Location"] == reverse("agencies:invitation-accept")


def test_a_weak_password_is_refused_and_nothing_is_created(client, invitation_link):
    response = accept(
        client,
        invitation_link,
        full_name="Nia Jones",
        password="password",
        password_again="password",
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    assert not User.objects.filter(email="new@force-a.example").exists()
    assert Invitation.objects.get().accepted_at is None


def test_different_passwords_are_refused(client, invitation_link):
    response = accept(
        client,
        invitation_link,
        full_name="Nia Jones",
        password=NEW_PASSWORD,
        password_again=NEW_PASSWORD + "x",
    )
    assert "not the same" in response.content.decode()
    assert not User.objects.filter(email="new@force-a.example").exists()


def test_a_used_link_shows_a_clear_page_and_changes_nothing(client, invitation_link):
    data = {"full_name": "Nia Jones", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    accept(client, invitation_link, **data)
    client.logout()
    again = accept(client, invitation_link, **{**data, "full_name": "Someone Else"})
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert User.objects.get(email="new@force-a.example").full_name == "Nia Jones"
    assert Membership.objects.filter(user__email="new@force-a.example").count() == 1


def test_a_double_submit_joins_once(client, invitation_link):
    data = {"full_name": "Nia Jones", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    client.get(invitation_link)
    first = client.post(reverse("agencies:invitation-accept"), data)
    second = client.post(reverse("agencies:invitation-accept"), data)
    assert first.status_code == 302
    # The second lands on the set-up page or on "already used"; either way it changes nothing.
    assert second.status_code in {302, 404, 410}
    assert User.objects.filter(email="new@force-a.example").count() == 1
    assert Membership.objects.filter(user__email="new@force-a.example").count() == 1


def test_an_expired_link_shows_a_clear_page(client, invitation_link):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = accept(
        client, invitation_link, full_name="N", password=NEW_PASSWORD, password_again=NEW_PASSWORD
    )
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="new@force-a.example").exists()


def test_a_made_up_link_shows_a_clear_page(client, db):
    client.get(reverse("agencies:invitation-open", args=["made-up-token"]))
    response = client.get(reverse("agencies:invitation-accept"))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_someone_with_an_account_joins_by_giving_their_password(
    client, force_lead, force_a, council_officer, django_capture_on_commit_callbacks, run_tasks
):
    link = send_invitation(
        force_a, council_officer.email, force_lead, django_capture_on_commit_callbacks, run_tasks
    )
    wrong = accept(client, link, password="not my password")
    assert wrong.status_code == 200
    assert not Membership.objects.filter(user=council_officer, organisation=force_a).exists()
    right = accept(client, link, password=PASSWORD)
    assert right.status_code == 302
    assert Membership.objects.filter(user=council_officer, organisation=force_a).exists()
    council_officer.refresh_from_db()
    assert council_officer.check_password(PASSWORD)


def test_an_invitation_reactivates_a_deactivated_person_and_keeps_their_history(
    client, force_lead, force_a, django_capture_on_commit_callbacks, run_tasks
):
    former = make_user("former@force-a.example", organisation=force_a, full_name="Old Name")
    Membership.objects.filter(user=former).update(is_active=False, deactivated_at=timezone.now())
    former.is_active = False
    former.save()
    link = send_invitation(
        force_a, former.email, force_lead, django_capture_on_commit_callbacks, run_tasks
    )
    response = accept(
        client,
        link,
        full_name="New Name",
        password=NEW_PASSWORD,
        password_again=NEW_PASSWORD,
    )
    assert response.status_code == 302
    former.refresh_from_db()
    assert former.is_active
    assert User.objects.filter(email=former.email).count() == 1
    assert Membership.objects.get(user=former).is_active
