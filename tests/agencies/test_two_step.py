"""Two-step sign-in: enrolment by QR code, single-use throttled codes, hashed recovery codes,
re-authentication for changes, and who may skip it."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import two_step
from agencies.models import Membership, RecoveryCode
from audit.models import AuditEntry
from tests.factories import PASSWORD, authenticator_for, current_code, sign_in_fully

SIGN_IN = reverse("agencies:sign-in")
CODE = reverse("agencies:two-step-verify")
SET_UP = reverse("agencies:two-step-set-up")
RECOVER = reverse("agencies:two-step-recover")


def password_step(client, user):
    return client.post(SIGN_IN, {"username": user.email, "password": PASSWORD})


def test_someone_without_an_app_sets_one_up_from_a_qr_code_drawn_by_the_portal(
    client, police_officer
):
    assert password_step(client, police_officer)["Location"] == SET_UP
    page = client.get(SET_UP)
    content = page.content.decode()
    assert "<svg" in content and 'role="img"' in content
    assert "http" not in content.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )
    device = TOTPDevice.objects.get(user=police_officer, confirmed=False)
    assert device.tolerance == 0
    typed_key = "".join(page.context["secret_groups"])
    assert typed_key == two_step.secret_of(device)
    response = client.post(SET_UP, {"code": current_code(device)})
    assert response["Location"] == reverse("agencies:two-step-codes")
    device.refresh_from_db()
    assert device.confirmed
    codes = client.get(response["Location"]).context["codes"]
    assert len(codes) == 10 and all(
        re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code) for code in codes
    )
    stored = list(
        RecoveryCode.objects.filter(user=police_officer).values_list("code_hash", flat=True)
    )
    assert len(stored) == 10
    assert not any(code.replace("-", "") in hashed for code in codes for hashed in stored)
    assert client.get(reverse("agencies:two-step-codes")).status_code == 302, "shown only once"
    assert client.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(
        action="auth.mfa_enrolled", subject_user=police_officer
    ).exists()


def test_a_wrong_set_up_code_turns_nothing_on(client, police_officer):
    password_step(client, police_officer)
    client.get(SET_UP)
    response = client.post(SET_UP, {"code": "000000"})
    assert "not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=police_officer, confirmed=True).exists()
    assert client.get(reverse("home")).status_code == 302


def code_now(device) -> str:
    """The code an app shows now, computed without touching the device (unlike current_code,
    which also clears any wait after wrong codes)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_during_set_up_a_right_code_straight_after_a_wrong_one_is_accepted(client, police_officer):
    password_step(client, police_officer)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=police_officer, confirmed=False)
    for typo in ("000000", "123456", "999999"):
        assert "not right" in client.post(SET_UP, {"code": typo}).content.decode()
    response = client.post(SET_UP, {"code": code_now(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("agencies:two-step-codes")
    device.refresh_from_db()
    assert device.confirmed


def test_signing_in_again_before_finishing_set_up_keeps_the_key_the_app_already_has(
    police_officer,
):
    first, second = Client(), Client()
    password_step(first, police_officer)
    shown_first = "".join(first.get(SET_UP).context["secret_groups"])
    # The person added the key to their app, then signed in again (another browser, or after
    # the session ended) before typing a code.
    password_step(second, police_officer)
    shown_again = "".join(second.get(SET_UP).context["secret_groups"])
    assert shown_again == shown_first
    device = TOTPDevice.objects.get(user=police_officer, confirmed=False)
    response = second.post(SET_UP, {"code": code_now(device)})
    assert response["Location"] == reverse("agencies:two-step-codes")
    assert TOTPDevice.objects.filter(user=police_officer).count() == 1


def test_a_code_works_once(client, police_officer):
    device = authenticator_for(police_officer)
    code = current_code(device)
    password_step(client, police_officer)
    assert client.post(CODE, {"code": code})["Location"] == reverse("home")
    client.post(reverse("agencies:sign-out"))
    password_step(client, police_officer)
    replayed = client.post(CODE, {"code": code})
    assert replayed.status_code == 200
    assert "already been used" in replayed.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_only_the_current_code_is_accepted_no_neighbouring_ones(client, police_officer):
    device = authenticator_for(police_officer)
    previous = f"{totp(device.bin_key, device.step, device.t0, device.digits, drift=-1):06d}"
    next_one = f"{totp(device.bin_key, device.step, device.t0, device.digits, drift=1):06d}"
    password_step(client, police_officer)
    for code in {previous, next_one} - {current_code(device)}:
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
        assert client.post(CODE, {"code": code}).status_code == 200
    assert client.get(reverse("home")).status_code == 302


def in_a_fresh_window(seconds: int) -> None:
    """Limits count in fixed windows: start a test that counts attempts well inside one."""
    left = seconds - time.time() % seconds
    if left < 30:
        time.sleep(left + 0.1)


def password_step_from(client, user, address):
    return client.post(SIGN_IN, {"username": user.email, "password": PASSWORD}, REMOTE_ADDR=address)


def code_from(client, code, address, url=CODE):
    field = "recovery_code" if url == RECOVER else "code"
    return client.post(url, {field: code}, REMOTE_ADDR=address)


def test_someone_with_only_the_password_cannot_lock_the_person_out_of_the_code_step(
    police_officer,
):
    in_a_fresh_window(300)
    device = authenticator_for(police_officer)
    stranger, person = Client(), Client()
    password_step_from(stranger, police_officer, "203.0.113.66")
    answers = [code_from(stranger, "000000", "203.0.113.66").status_code for _ in range(15)]
    assert answers == [200] * 10 + [429] * 5
    # The person, elsewhere, signs in with the code their app shows: no wait, no refusal.
    password_step_from(person, police_officer, "198.51.100.20")
    response = code_from(person, code_now(device), "198.51.100.20")
    assert response["Location"] == reverse("home")
    assert AuditEntry.objects.filter(action="auth.mfa_failed", actor=police_officer).count() == 10


def test_codes_stay_limited_from_one_address_and_from_many_together(police_officer):
    in_a_fresh_window(300)
    device = authenticator_for(police_officer)
    one = Client()
    password_step_from(one, police_officer, "203.0.113.66")
    assert [code_from(one, "000000", "203.0.113.66").status_code for _ in range(10)] == [200] * 10
    # The eleventh code from that address in five minutes is refused, even the right one.
    assert code_from(one, code_now(device), "203.0.113.66").status_code == 429
    # From many addresses, twenty codes for the person in five minutes, then no more.
    answers = []
    for number in range(12):
        client, address = Client(), f"192.0.2.{number}"
        password_step_from(client, police_officer, address)
        answers.append(code_from(client, "000000", address).status_code)
    assert answers == [200] * 10 + [429] * 2


def test_someone_with_only_the_password_cannot_use_up_the_persons_recovery_codes_step(
    police_officer,
):
    in_a_fresh_window(900)
    authenticator_for(police_officer)
    [code] = two_step.issue_recovery_codes(police_officer)[:1]
    stranger, person = Client(), Client()
    password_step_from(stranger, police_officer, "203.0.113.66")
    answers = [
        code_from(stranger, "AAAAA-AAAAA", "203.0.113.66", url=RECOVER).status_code
        for _ in range(7)
    ]
    assert answers == [200] * 5 + [429] * 2
    password_step_from(person, police_officer, "198.51.100.20")
    response = code_from(person, code, "198.51.100.20", url=RECOVER)
    assert response["Location"] == reverse("home")


def test_a_right_code_after_a_wrong_one_needs_no_wait_at_sign_in(client, police_officer):
    device = authenticator_for(police_officer)
    password_step(client, police_officer)
    for typo in ("111111", "222222", "333333"):
        assert "not right" in client.post(CODE, {"code": typo}).content.decode()
    assert client.post(CODE, {"code": code_now(device)})["Location"] == reverse("home")


def test_a_recovery_code_works_once(client, police_officer):
    authenticator_for(police_officer)
    codes = two_step.issue_recovery_codes(police_officer)
    password_step(client, police_officer)
    recover = reverse("agencies:two-step-recover")
    assert client.post(recover, {"recovery_code": codes[0].lower()})["Location"] == reverse("home")
    assert AuditEntry.objects.filter(action="auth.recovery_code_used").count() == 1
    client.post(reverse("agencies:sign-out"))
    password_step(client, police_officer)
    again = client.post(recover, {"recovery_code": codes[0]})
    assert "not right, or has been used" in again.content.decode()
    assert RecoveryCode.objects.filter(user=police_officer, used_at__isnull=True).count() == 9


@pytest.mark.parametrize("who", ["charity_admin", "staff"])
def test_admins_and_staff_always_need_the_second_step_even_when_partners_may_skip_it(
    client, who, request, settings
):
    settings.MFA_REQUIRED_FOR_PARTNERS = False
    person = request.getfixturevalue(who)
    assert password_step(client, person)["Location"] == SET_UP
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/")["Location"].startswith(SET_UP)


def test_partners_may_skip_it_when_the_deployment_says_so(client, police_officer, settings):
    settings.MFA_REQUIRED_FOR_PARTNERS = False
    assert password_step(client, police_officer)["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_someone_who_set_it_up_is_always_asked_for_a_code(client, police_officer, settings):
    settings.MFA_REQUIRED_FOR_PARTNERS = False
    authenticator_for(police_officer)
    assert password_step(client, police_officer)["Location"] == CODE


def test_the_admin_has_no_password_only_sign_in(client, staff):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN + "?next=%2Fadmin%2F"
    assert (
        client.post("/admin/login/", {"username": staff.email, "password": PASSWORD}).status_code
        == 302
    )
    assert "_auth_user_id" not in client.session


def reauthenticate(client, url, user, **data):
    device = authenticator_for(user)
    return client.post(url, {"password": PASSWORD, "code": current_code(device), **data})


def test_changing_the_email_address_needs_the_password_and_a_code(client_for, police_officer):
    client = client_for(police_officer)
    url = reverse("agencies:email-change")
    wrong = client.post(url, {"new_email": "new@force-a.example", "password": "nope", "code": "1"})
    assert wrong.status_code == 200
    police_officer.refresh_from_db()
    assert police_officer.email == "officer@force-a.example"
    right = reauthenticate(client, url, police_officer, new_email="New@Force-A.example")
    assert right.status_code == 302
    police_officer.refresh_from_db()
    assert police_officer.email == "new@force-a.example"
    assert AuditEntry.objects.filter(action="auth.email_changed").exists()


def test_an_address_already_used_is_refused_without_saying_whose(
    client_for, police_officer, council_officer
):
    client = client_for(police_officer)
    response = reauthenticate(
        client, reverse("agencies:email-change"), police_officer, new_email=council_officer.email
    )
    assert "cannot be used" in response.content.decode()


def test_setting_it_up_again_needs_the_password_and_a_code(client_for, police_officer):
    client = client_for(police_officer)
    url = reverse("agencies:two-step-reset")
    assert client.post(url, {"password": PASSWORD, "code": "000000"}).status_code == 200
    assert TOTPDevice.objects.filter(user=police_officer, confirmed=True).exists()
    response = reauthenticate(client, url, police_officer)
    assert response["Location"] == SET_UP
    assert not TOTPDevice.objects.filter(user=police_officer, confirmed=True).exists()
    assert client.get(reverse("home"))["Location"].startswith(SET_UP)


def test_new_recovery_codes_replace_the_old_ones(client_for, police_officer):
    client = client_for(police_officer)
    old = two_step.issue_recovery_codes(police_officer)
    response = reauthenticate(client, reverse("agencies:two-step-new-codes"), police_officer)
    assert response["Location"] == reverse("agencies:two-step-codes")
    new = client.get(reverse("agencies:two-step-codes")).context["codes"]
    assert set(old).isdisjoint(new)
    assert not two_step.use_recovery_code(police_officer, old[0])
    assert two_step.use_recovery_code(police_officer, new[0])


def reset_url(organisation, membership):
    return reverse("agencies:membership-reset-two-step", args=[organisation.slug, membership.pk])


def test_a_lead_resets_a_colleagues_two_step_sign_in_ending_its_verified_sessions(
    client, client_for, force_lead, police_officer, force_a
):
    sign_in_fully(client, police_officer)
    from django.test import Client

    lead = Client()
    sign_in_fully(lead, force_lead)
    membership = Membership.objects.get(user=police_officer)
    assert lead.post(reset_url(force_a, membership)).status_code == 302
    assert not TOTPDevice.objects.filter(user=police_officer).exists()
    assert client.get(reverse("home"))["Location"].startswith(SET_UP)
    entry = AuditEntry.objects.get(action="auth.mfa_reset")
    assert (entry.actor, entry.subject_user) == (force_lead, police_officer)


@pytest.mark.parametrize("who,status", [("police_officer", 403), ("other_force_lead", 404)])
def test_others_cannot_reset_it(client_for, force_lead, force_a, who, status, request):
    authenticator_for(force_lead)
    membership = Membership.objects.get(user=force_lead)
    response = client_for(request.getfixturevalue(who)).post(reset_url(force_a, membership))
    assert response.status_code == status
    assert TOTPDevice.objects.filter(user=force_lead).exists()


def role_url(organisation, membership):
    return reverse("agencies:membership-role", args=[organisation.slug, membership.pk])


def test_a_lead_changes_a_colleagues_role_and_it_is_audited(
    client_for, force_lead, police_officer, force_a
):
    membership = Membership.objects.get(user=police_officer)
    response = client_for(force_lead).post(role_url(force_a, membership), {"role": "lead"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "lead"
    entry = AuditEntry.objects.get(action="person.role_changed")
    assert entry.data == {
        "from": "member",
        "to": "lead",
        "from_label": "Partner member",
        "to_label": "Partner lead",
    }
    assert (entry.subject_user, entry.organisation) == (police_officer, force_a)
    # The trail shows the role before and after, on the page and in the export.
    client = client_for(force_lead)
    assert "Partner member → Partner lead" in client.get(reverse("audit-trail")).content.decode()
    export = b"".join(client.get(reverse("audit-export")).streaming_content).decode()
    assert "Partner member → Partner lead" in export


def test_a_lead_cannot_make_a_campaign_admin_or_change_their_own_role(
    client_for, force_lead, police_officer, force_a
):
    client = client_for(force_lead)
    officer = Membership.objects.get(user=police_officer)
    client.post(role_url(force_a, officer), {"role": "campaign_admin"})
    own = Membership.objects.get(user=force_lead)
    response = client.post(role_url(force_a, own), {"role": "member"})
    assert "cannot change your own role" in response.content.decode()
    assert set(Membership.objects.values_list("role", flat=True)) == {"member", "lead"}


@pytest.mark.parametrize("who,status", [("police_officer", 403), ("other_force_lead", 404)])
def test_others_cannot_change_roles(client_for, force_a, police_officer, who, status, request):
    membership = Membership.objects.get(user=police_officer)
    response = client_for(request.getfixturevalue(who)).post(
        role_url(force_a, membership), {"role": "lead"}
    )
    assert response.status_code == status
    membership.refresh_from_db()
    assert membership.role == "member"


def test_two_step_pages_need_sign_in(client, db):
    for name in [
        "two-step",
        "two-step-set-up",
        "two-step-verify",
        "email-change",
        "two-step-reset",
    ]:
        response = client.get(reverse(f"agencies:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(SIGN_IN)
