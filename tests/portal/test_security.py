"""Brute-force protection, rate limits, password rules, headers, the security log, and the
audit of admin changes."""

import json
import logging

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from agencies.models import User
from audit.models import AuditEntry
from lib.addresses import client_address
from tests.factories import PASSWORD, make_user, sign_in_fully

SIGN_IN = reverse("agencies:sign-in")


def attempt(client, email, password="wrong password here", address="192.0.2.10", **headers):
    return client.post(
        SIGN_IN, {"username": email, "password": password}, REMOTE_ADDR=address, **headers
    )


def test_repeated_failures_lock_out_that_address_and_account_with_a_generic_page(
    police_officer, settings
):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, police_officer.email)
    locked = attempt(client, police_officer.email, password=PASSWORD)
    assert locked.status_code == 429
    assert "paused" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.locked_out").exists()


def test_an_unknown_address_is_locked_out_the_same_way(db, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "nobody@example.org")
    assert attempt(client, "nobody@example.org").status_code == 429


def test_the_case_of_the_address_does_not_dodge_the_lockout(police_officer, settings):
    client = Client()
    for number in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, police_officer.email.upper() if number % 2 else police_officer.email)
    assert attempt(client, police_officer.email.title(), password=PASSWORD).status_code == 429


def test_a_colleague_on_the_same_network_can_still_sign_in(police_officer, force_lead, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        attempt(Client(), police_officer.email)
    response = attempt(Client(), force_lead.email, password=PASSWORD)
    assert response.status_code == 302


def test_the_same_account_from_another_network_is_not_locked(police_officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        attempt(Client(), police_officer.email, address="192.0.2.10")
    assert (
        attempt(
            Client(), police_officer.email, password=PASSWORD, address="198.51.100.7"
        ).status_code
        == 302
    )


def test_a_spoofed_forwarded_for_header_does_not_reset_the_count(police_officer, settings):
    client = Client()
    for number in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, police_officer.email, HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    assert (
        attempt(
            client, police_officer.email, password=PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99"
        ).status_code
        == 429
    )


def test_the_forwarded_address_is_used_only_behind_a_trusted_proxy(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert client_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "198.51.100.7", "the hop the trusted proxy saw"


def test_password_reset_requests_are_limited_and_say_nothing_about_accounts(
    police_officer, run_tasks
):
    from django.core import mail

    client = Client()
    for email in ("x@example.org", police_officer.email):
        answers = [
            client.post(reverse("agencies:password-reset"), {"email": email}) for _ in range(4)
        ]
        # Past three requests for one address from one network address, the answer is the same
        # page as ever, for an address with an account or without, and no more e-mail goes.
        assert {(answer.status_code, answer["Location"]) for answer in answers} == {
            (302, reverse("agencies:password-reset-done"))
        }
    run_tasks()
    assert len(mail.outbox) == 3


def test_invitation_links_cannot_be_guessed_at_speed(db):
    client = Client()
    answers = [
        client.get(reverse("agencies:invitation-open", args=[f"guess{n}"])).status_code
        for n in range(21)
    ]
    assert answers[:20] == [302] * 20
    assert answers[20] == 429


@pytest.mark.parametrize(
    "password,accepted",
    [
        ("short", False),
        ("password1234", False),
        ("campaign portal 2026", False),
        ("avonandsomersetpolice1", False),
        ("correct horse battery staple", True),
        ("our campaign posters went up in seven libraries", True),
    ],
)
def test_passwords_are_long_and_not_guessable_from_context(police_officer, password, accepted):
    user = User.objects.get(pk=police_officer.pk)
    try:
        validate_password(password, user)
    except ValidationError:
        assert not accepted
    else:
        assert accepted


def test_signed_in_pages_carry_strict_headers(client_for, police_officer):
    response = client_for(police_officer).get(reverse("home"))
    policy = response["Content-Security-Policy"]
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]:
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert len(response["X-Request-ID"]) == 32


def test_https_requests_get_hsts(client_for, police_officer):
    response = client_for(police_officer).get(reverse("home"), secure=True)
    assert "max-age=31536000" in response["Strict-Transport-Security"]


def test_session_cookies_are_secure_httponly_and_samesite(client, police_officer):
    from tests.factories import authenticator_for, current_code

    device = authenticator_for(police_officer)
    client.post(SIGN_IN, {"username": police_officer.email, "password": PASSWORD})
    response = client.post(reverse("agencies:two-step-verify"), {"code": current_code(device)})
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_signing_out_deletes_the_session_and_clears_the_browser(client_for, police_officer):
    from django.contrib.sessions.models import Session

    client = client_for(police_officer)
    key = client.session.session_key
    response = client.post(reverse("agencies:sign-out"))
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert not Session.objects.filter(session_key=key).exists()


def test_a_password_change_ends_the_persons_other_sessions(client_for, police_officer):
    other = Client()
    sign_in_fully(other, police_officer)
    client = client_for(police_officer)
    new = "another long passphrase indeed"
    client.post(
        reverse("agencies:password-change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert client.get(reverse("home")).status_code == 200, "this session goes on"
    assert other.get(reverse("home")).status_code == 302, "the other one has ended"


def test_the_keep_alive_needs_a_post_and_sign_in(client, client_for, police_officer):
    url = reverse("agencies:session-keep-alive")
    assert client.post(url).status_code == 302
    signed_in = client_for(police_officer)
    assert signed_in.get(url).status_code == 405
    assert signed_in.post(url).status_code == 204


def test_a_post_without_a_csrf_token_is_refused(police_officer):
    client = Client(enforce_csrf_checks=True)
    sign_in_fully(client, police_officer)
    response = client.post(reverse("agencies:email-settings"), {"email_new_material": ""})
    assert response.status_code == 403
    police_officer.refresh_from_db()
    assert police_officer.email_new_material


def test_the_security_log_is_one_json_object_a_line_without_secrets(client, police_officer, caplog):
    caplog.set_level(logging.WARNING, logger="portal.security")
    attempt(client, 'evil\n{"event": "forged"}@example.org', password="hunter2-secret")
    lines = [record.getMessage() for record in caplog.records if record.name == "portal.security"]
    assert len(lines) == 1
    assert "\n" not in lines[0]
    event = json.loads(lines[0])
    assert event["event"] == "sign_in_failed"
    assert event["request_id"]
    assert "hunter2" not in lines[0]


def test_tokens_in_links_never_reach_a_log(client, db, caplog):
    caplog.set_level(logging.INFO)
    client.get("/invitations/abcdefsecrettoken123/")
    client.get("/password/reset/MQ/abc-secret-reset-token/")
    for record in caplog.records:
        for handler in logging.getLogger().handlers:
            for filtered in handler.filters:
                filtered.filter(record)
        assert "secrettoken" not in record.getMessage()
        assert "secret-reset-token" not in record.getMessage()


def test_denied_access_is_logged(client_for, police_officer, campaign, caplog):
    from tests.factories import make_material

    caplog.set_level(logging.WARNING, logger="portal.security")
    material = make_material(campaign)
    client_for(police_officer).post(reverse("campaigns:version-approve", args=[material.pk, 1]))
    events = [
        json.loads(r.getMessage())["event"] for r in caplog.records if r.name == "portal.security"
    ]
    assert "access_denied" in events


def test_changes_in_the_django_admin_are_audited(client_for, staff, police_officer):
    client = client_for(staff)
    url = reverse("admin:agencies_user_change", args=[police_officer.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update(
        {
            "email": police_officer.email,
            "full_name": "Renamed Officer",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "is_active": "on",
        }
    )
    data.pop("password", None)
    data.pop("last_login", None)
    data.pop("groups", None)
    data.pop("user_permissions", None)
    client.post(url, data)
    police_officer.refresh_from_db()
    assert police_officer.full_name == "Renamed Officer"
    entry = AuditEntry.objects.get(action="admin.change")
    assert (entry.actor, entry.data["model"], entry.data["what"]) == (
        staff,
        "agencies.User",
        "changed",
    )


def test_nobody_can_delete_audit_entries_through_the_admin_even_superusers(
    client_for, staff, police_officer
):
    from audit.services import record

    entry = record(AuditEntry.Action.SIGNED_IN, actor=police_officer)
    client = client_for(staff)
    assert client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).status_code == 200
    assert (
        client.post(
            reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_person_made_in_the_admin_signs_in_with_both_steps_like_anyone(db):
    person = make_user("new@example.org")
    client = Client()
    response = client.post(SIGN_IN, {"username": person.email, "password": PASSWORD})
    assert response["Location"] == reverse("agencies:two-step-set-up")
