import time

import pytest
from django.urls import reverse

from agencies.sessions import SIGNED_IN_AT
from audit.models import AuditEntry
from tests.factories import PASSWORD, authenticator_for, current_code, make_user

GENERIC = "The e-mail address or password is not right"
SIGN_IN = reverse("agencies:sign-in")


def test_the_sign_in_page_is_public(client, db):
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_every_other_page_asks_for_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


CODE = reverse("agencies:two-step-verify")


def sign_in(client, user, email=None):
    """Both steps: the password, then the code the person's app shows."""
    device = authenticator_for(user)
    response = client.post(SIGN_IN, {"username": email or user.email, "password": PASSWORD})
    assert response["Location"] == CODE
    return client.post(CODE, {"code": current_code(device)})


def test_it_signs_in_with_any_case_of_the_email_address_then_a_code(client, police_officer):
    response = sign_in(client, police_officer, email="OFFICER@Force-A.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == police_officer
    entry = AuditEntry.objects.get(action="auth.signed_in", actor=police_officer)
    assert entry.data == {"second_step": "authenticator code"}


def test_the_password_alone_reaches_nothing_but_the_second_step(client, police_officer):
    authenticator_for(police_officer)
    client.post(SIGN_IN, {"username": police_officer.email, "password": PASSWORD})
    for url in [reverse("home"), reverse("campaigns:activity-list"), "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(CODE)
    assert not AuditEntry.objects.filter(action="auth.signed_in").exists()


def test_it_changes_the_session_key_at_each_step(client, police_officer):
    device = authenticator_for(police_officer)
    client.get(SIGN_IN)
    client.session.save()
    before = client.session.session_key
    client.post(SIGN_IN, {"username": police_officer.email, "password": PASSWORD})
    after_password = client.session.session_key
    client.post(CODE, {"code": current_code(device)})
    assert len({before, after_password, client.session.session_key}) == 3


@pytest.mark.parametrize(
    "email,password",
    [("officer@force-a.example", "wrong password here"), ("nobody-here@example.org", PASSWORD)],
)
def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(
    client, police_officer, email, password
):
    response = client.post(SIGN_IN, {"username": email, "password": password})
    assert response.status_code == 200
    assert GENERIC in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.sign_in_failed").count() == 1


def test_a_failed_sign_in_is_recorded_against_the_person_and_their_organisation(
    client, client_for, police_officer, force_a, force_lead, other_force_lead
):
    client.post(SIGN_IN, {"username": "Officer@Force-A.example", "password": "not it"})
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN_FAILED)
    assert (entry.subject_user, entry.organisation, entry.actor) == (police_officer, force_a, None)
    # The lead of the person's organisation sees it in the audit trail; another force's does not.
    trail = reverse("audit-trail")
    assert entry in client_for(force_lead).get(trail).context["page"]
    assert entry not in client_for(other_force_lead).get(trail).context["page"]


def test_a_failed_sign_in_of_the_charitys_staff_is_seen_by_the_charity(
    client, client_for, charity_admin, charity
):
    colleague = make_user("staff@charity.example", organisation=charity)
    client.post(SIGN_IN, {"username": colleague.email, "password": "not it"})
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN_FAILED)
    assert (entry.subject_user, entry.organisation) == (colleague, charity)
    assert entry in client_for(charity_admin).get(reverse("audit-trail")).context["page"]


def test_a_failed_sign_in_for_an_address_of_nobody_names_no_one(client, police_officer):
    client.post(SIGN_IN, {"username": "nobody-here@example.org", "password": PASSWORD})
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SIGN_IN_FAILED)
    assert (entry.subject_user, entry.organisation) == (None, None)
    assert entry.data == {"email": "nobody-here@example.org"}


def test_a_lockout_is_recorded_against_the_person_and_their_organisation(
    client, client_for, police_officer, force_a, force_lead, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(SIGN_IN, {"username": police_officer.email, "password": "not it"})
    locked = client.post(SIGN_IN, {"username": police_officer.email, "password": PASSWORD})
    assert locked.status_code == 429
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LOCKED_OUT).first()
    assert (entry.subject_user, entry.organisation) == (police_officer, force_a)
    page = client_for(force_lead).get(reverse("audit-trail")).context["page"]
    assert entry in page
    failed = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_FAILED)
    assert set(failed.values_list("subject_user", "organisation")) == {
        (police_officer.pk, force_a.pk)
    }


def test_a_deactivated_person_with_the_right_password_is_told_why(client, police_officer):
    police_officer.is_active = False
    police_officer.save()
    response = client.post(SIGN_IN, {"username": police_officer.email, "password": PASSWORD})
    assert "Your account has been deactivated" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_deactivated_person_with_a_wrong_password_learns_nothing(client, police_officer):
    police_officer.is_active = False
    police_officer.save()
    response = client.post(SIGN_IN, {"username": police_officer.email, "password": "not it at all"})
    content = response.content.decode()
    assert GENERIC in content
    assert "deactivated" not in content


def test_it_does_not_redirect_to_another_site_after_sign_in(client, police_officer):
    device = authenticator_for(police_officer)
    client.post(
        SIGN_IN,
        {"username": police_officer.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    response = client.post(CODE + "?next=https://evil.example/", {"code": current_code(device)})
    assert response["Location"] == reverse("home")


def test_sign_out_needs_a_post(client_for, police_officer):
    client = client_for(police_officer)
    assert client.get(reverse("agencies:sign-out")).status_code == 405
    response = client.post(reverse("agencies:sign-out"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302
    assert AuditEntry.objects.filter(action="auth.signed_out", actor=police_officer).exists()


def test_deactivation_ends_an_open_session(client_for, police_officer):
    client = client_for(police_officer)
    assert client.get(reverse("home")).status_code == 200
    police_officer.is_active = False
    police_officer.save()
    assert client.get(reverse("home")).status_code == 302


def test_a_session_ends_after_the_idle_limit(client, police_officer, settings):
    sign_in(client, police_officer)
    assert client.session.get_expiry_age() == settings.SESSION_IDLE_MINUTES * 60
    # Simulate the idle limit passing: the stored session's expiry date is in the past.
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_a_session_ends_after_the_absolute_limit_however_active(client, police_officer, settings):
    sign_in(client, police_officer)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_HOURS * 3600 - 1
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


def test_a_session_within_the_absolute_limit_goes_on(client, police_officer, settings):
    sign_in(client, police_officer)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_HOURS * 3600 + 60
    session.save()
    assert client.get(reverse("home")).status_code == 200


def test_signed_in_pages_are_not_stored_by_caches(client_for, police_officer):
    response = client_for(police_officer).get(reverse("home"))
    assert "no-store" in response["Cache-Control"]
