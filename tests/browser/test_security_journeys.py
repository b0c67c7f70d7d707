"""The security journeys, clicked and typed through a real Chromium: setting up two-step sign-in,
recovery codes, a replayed code, the lockout, the idle warning and the audit trail.

Every page landed on is scanned with axe-core, and each outcome is checked in the page the person
sees and in the database.
"""

import csv
import io
import re
import time
from pathlib import Path

from django.contrib.auth.hashers import check_password, identify_hasher
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from agencies import two_step
from agencies.models import Membership, RecoveryCode
from agencies.sessions import LAST_SEEN_AT
from audit.models import AuditEntry
from tests.factories import PASSWORD, authenticator_for, current_code, make_material, make_user

SIGN_IN_AGAIN = re.compile(r"/sign-in/\?next=(/|%2F)$")


# --- Helpers -------------------------------------------------------------------------------------
def click_and_scan(visit, locator) -> None:
    locator.click()
    visit.page.wait_for_load_state("load")
    visit.scan()


def give_password(visit, email: str, password: str = PASSWORD) -> None:
    """The first step only: the e-mail address and password, typed into the sign-in page."""
    page = visit.page
    visit.goto("/sign-in/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    click_and_scan(visit, page.get_by_role("button", name="Sign in"))


def type_code(visit, code: str) -> None:
    visit.page.get_by_label("Code from your authenticator app").fill(code)
    click_and_scan(visit, visit.page.get_by_role("button", name="Continue"))


def expect_signed_in(page, user) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {user.get_short_name()}")
    expect(page.get_by_text(f"Signed in as {user.full_name}")).to_be_visible()


def download(visit, locator) -> tuple[bytes, str]:
    with visit.page.expect_download() as info:
        locator.click()
    downloaded = info.value
    assert downloaded.failure() is None
    return Path(downloaded.path()).read_bytes(), downloaded.suggested_filename


def audit_rows(page) -> list[str]:
    return page.get_by_role("table").get_by_role("row").all_inner_texts()[1:]


def actions(user) -> list[str]:
    return list(
        AuditEntry.objects.filter(actor=user).order_by("at", "pk").values_list("action", flat=True)
    )


# --- 1. Setting up two-step sign-in --------------------------------------------------------------
def test_a_new_officer_sets_up_two_step_sign_in_and_sees_the_recovery_codes_only_once(
    visit, force_a
):
    officer = make_user("new.officer@force-a.example", organisation=force_a, full_name="Sam Okafor")
    page = visit.page
    elsewhere = []
    page.on(
        "request",
        lambda request: (
            elsewhere.append(request.url) if not request.url.startswith(visit.base_url) else None
        ),
    )

    # The password is right, and someone without an app is sent to set one up.
    give_password(visit, officer.email)
    expect(page).to_have_url(re.compile(r"/account/two-step/set-up/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    assert not actions(officer), "no sign-in is recorded before the second step"

    # The QR code is drawn by the portal into the page, with a key to type instead.
    qr_code = page.get_by_role(
        "img", name=re.compile(r"^QR code for setting up your authenticator")
    )
    expect(qr_code.locator("svg")).to_have_count(1)
    box = qr_code.locator("svg").bounding_box()
    assert box["width"] >= 150 and box["height"] >= 150
    assert not page.locator("img[src^='http'], iframe").count()
    device = TOTPDevice.objects.get(user=officer)
    assert device.confirmed is False
    key = page.get_by_label("Key, in groups of four").inner_text()
    assert key.replace(" ", "") == two_step.secret_of(device)

    # The code their app shows turns it on, and the recovery codes are shown.
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    click_and_scan(visit, page.get_by_role("button", name="Turn on two-step sign-in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    expect(page.get_by_role("note")).to_contain_text("These codes are shown only this once")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == two_step.RECOVERY_CODE_COUNT == len(set(codes))
    assert all(re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code) for code in codes)

    # Only hashes are kept: no code, with or without its dash, is anywhere in the rows.
    stored = list(RecoveryCode.objects.filter(user=officer, used_at=None))
    assert len(stored) == len(codes)
    for row in stored:
        identify_hasher(row.code_hash)
        assert not any(
            code in row.code_hash or code.replace("-", "") in row.code_hash for code in codes
        )
    plain = {code.replace("-", "") for code in codes}
    assert all(sum(check_password(code, row.code_hash) for code in plain) == 1 for row in stored)

    # Coming back to the page shows them no more: it is the account's sign-in page now.
    click_and_scan(visit, page.get_by_role("link", name="I have saved them: continue"))
    expect_signed_in(page, officer)
    visit.goto("/account/two-step/recovery-codes/")
    expect(page).to_have_url(re.compile(r"/account/two-step/$"))
    expect(page.get_by_role("main")).to_contain_text(
        f"You have {len(codes)} unused recovery codes."
    )
    for code in codes:
        expect(page.get_by_text(code)).to_have_count(0)

    device.refresh_from_db()
    assert device.confirmed is True
    assert actions(officer) == [AuditEntry.Action.SIGNED_IN, AuditEntry.Action.MFA_ENROLLED]
    enrolled = AuditEntry.objects.get(actor=officer, action=AuditEntry.Action.MFA_ENROLLED)
    assert (enrolled.subject_user, enrolled.organisation, enrolled.ip_address) == (
        officer,
        force_a,
        "127.0.0.1",
    )
    assert elsewhere == [], f"The set-up asked another site for something: {elsewhere}"


# --- 2. A recovery code instead of the app -------------------------------------------------------
def test_an_officer_without_their_phone_signs_in_with_a_recovery_code_which_works_only_once(
    visit, police_officer
):
    authenticator_for(police_officer)
    codes = two_step.issue_recovery_codes(police_officer)
    page = visit.page

    give_password(visit, police_officer.email)
    click_and_scan(
        visit, page.get_by_role("link", name="I do not have my phone: use a recovery code")
    )
    # Typed as a person might copy it from paper: lower case.
    page.get_by_label("Recovery code").fill(codes[0].lower())
    click_and_scan(visit, page.get_by_role("button", name="Continue"))
    expect_signed_in(page, police_officer)
    expect(page.get_by_role("status")).to_contain_text(
        f"You signed in with a recovery code; {len(codes) - 1} left."
    )
    visit.sign_out()

    # The same code again is refused, with a message that says why.
    give_password(visit, police_officer.email)
    click_and_scan(
        visit, page.get_by_role("link", name="I do not have my phone: use a recovery code")
    )
    page.get_by_label("Recovery code").fill(codes[0])
    click_and_scan(visit, page.get_by_role("button", name="Continue"))
    expect(page).to_have_url(re.compile(r"/sign-in/recovery-code/$"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Recovery code: That recovery code is not right, or has been used."
    )
    expect(page.get_by_role("alert")).to_be_focused()
    # Still half-way: any other page sends them back to the second step.
    visit.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/code/\?next=%2F$"))

    used = RecoveryCode.objects.filter(user=police_officer).exclude(used_at=None)
    assert used.count() == 1
    assert check_password(codes[0].replace("-", ""), used.get().code_hash)
    assert two_step.unused_recovery_codes(police_officer) == len(codes) - 1
    assert actions(police_officer) == [
        AuditEntry.Action.SIGNED_IN,
        AuditEntry.Action.RECOVERY_CODE_USED,
        AuditEntry.Action.SIGNED_OUT,
        AuditEntry.Action.MFA_FAILED,
    ]
    assert AuditEntry.objects.get(action=AuditEntry.Action.SIGNED_IN).data == {
        "second_step": "recovery code"
    }


# --- 3. A replayed code --------------------------------------------------------------------------
def test_a_code_seen_over_someones_shoulder_cannot_be_used_again_in_its_30_seconds(
    visit, police_officer
):
    device = authenticator_for(police_officer)
    # The app's clock counts from a moment ago, so all of this happens in one 30-second step.
    started = int(time.time())
    TOTPDevice.objects.filter(pk=device.pk).update(t0=started)
    device.refresh_from_db()
    code = current_code(device)
    page = visit.page

    give_password(visit, police_officer.email)
    type_code(visit, code)
    expect_signed_in(page, police_officer)
    visit.sign_out()

    give_password(visit, police_officer.email)
    type_code(visit, code)
    assert (time.time() - started) // device.step == 0, "the replay was in the same time step"
    expect(page).to_have_url(re.compile(r"/sign-in/code/$"))
    expect(page.get_by_role("alert")).to_contain_text(
        "That code is not right, or has already been used."
    )
    visit.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in/code/\?next=%2F$"))

    device.refresh_from_db()
    assert device.last_t == 0
    assert actions(police_officer) == [
        AuditEntry.Action.SIGNED_IN,
        AuditEntry.Action.SIGNED_OUT,
        AuditEntry.Action.MFA_FAILED,
    ]


# --- 4. The lockout ------------------------------------------------------------------------------
def test_wrong_passwords_pause_sign_in_for_that_account_but_a_colleague_on_the_network_gets_in(
    visit, settings, police_officer, force_lead
):
    authenticator_for(police_officer)
    authenticator_for(force_lead)
    page = visit.page
    limit = settings.AXES_FAILURE_LIMIT
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)

    for _ in range(limit - 1):
        give_password(visit, police_officer.email, "not the password at all")
        expect(page.get_by_role("alert")).to_contain_text("The e-mail address or password is not")
    # The attempt that reaches the limit pauses sign-in for the account, from this address.
    with visit.expecting_errors(r"status of 429 \(Too Many Requests\)"):
        give_password(visit, police_officer.email, "not the password at all")
    expect(page).to_have_title(re.compile(r"^Sign-in paused"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign-in paused for this e-mail address"
    )
    expect(page.get_by_role("main")).to_contain_text(f"paused sign-in for it for {minutes} minutes")
    expect(page.get_by_role("link", name="reset it")).to_be_visible()

    # The right password, even typed in capitals, does not get round it.
    with visit.expecting_errors(r"status of 429 \(Too Many Requests\)"):
        give_password(visit, police_officer.email.upper())
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign-in paused for this e-mail address"
    )

    # A colleague in the same office, on the same address and in the same browser, signs in.
    visit.sign_in(force_lead.email, PASSWORD)
    expect_signed_in(page, force_lead)
    visit.sign_out()
    # ... which does not lift the pause on the officer's account.
    with visit.expecting_errors(r"status of 429 \(Too Many Requests\)"):
        give_password(visit, police_officer.email)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign-in paused for this e-mail address"
    )

    assert not AuditEntry.objects.filter(actor=police_officer).exists()
    # Every attempt failed, the paused ones too; three of them were answered with the pause.
    failed = AuditEntry.objects.filter(action=AuditEntry.Action.SIGN_IN_FAILED)
    assert failed.count() == limit + 2
    locked = AuditEntry.objects.filter(action=AuditEntry.Action.LOCKED_OUT)
    assert locked.count() == 3
    assert {(entry.data["email"], entry.ip_address) for entry in locked} == {
        (police_officer.email, "127.0.0.1")
    }
    signed_in = AuditEntry.objects.get(action=AuditEntry.Action.SIGNED_IN)
    assert (signed_in.actor, signed_in.ip_address) == (force_lead, "127.0.0.1")


# --- 5. The idle warning (WCAG 2.2.1, timing adjustable) -----------------------------------------
def session_expiry(page):
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    return Session.objects.get(session_key=key).expire_date


def record_activity_now(page):
    from django.contrib.sessions.backends.db import SessionStore

    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(key)
    session[LAST_SEEN_AT] = time.time()
    session.save()


def test_an_officer_who_goes_quiet_is_warned_can_stay_signed_in_and_is_signed_out_if_they_do_not(
    visit, settings, police_officer
):
    page = visit.page
    visit.sign_in(police_officer.email, PASSWORD)
    expect_signed_in(page, police_officer)

    # Five seconds of idleness instead of half an hour; the warning comes after one. The limit
    # counts from the last activity the session recorded, so first they are active (a page of
    # the sign-in may have been longer than five seconds ago on a slow machine).
    settings.SESSION_IDLE_MINUTES = 5 / 60
    settings.SESSION_COOKIE_AGE = 5
    record_activity_now(page)
    visit.goto("/")
    loaded = time.monotonic()
    first_expiry = session_expiry(page)

    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_visible(timeout=3_000)
    expect(warning).to_contain_text("For your security you will be signed out in")
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    page.keyboard.press("Tab")
    expect(stay).to_be_focused()
    visit.scan()

    # They come back a moment later and stay.
    page.wait_for_timeout(max(0, 2.5 - (time.monotonic() - loaded)) * 1000)
    with page.expect_response(re.compile(r"/session/keep-alive/$")) as answer:
        stay.click()
    assert answer.value.status == 204
    expect(warning).to_be_hidden()
    assert session_expiry(page) > first_expiry

    # Past the time the session would have ended without it, the next page is still theirs.
    page.wait_for_timeout(max(0, 5.5 - (time.monotonic() - loaded)) * 1000)
    assert timezone.now() > first_expiry
    visit.goto("/")
    expect_signed_in(page, police_officer)

    # This time nobody answers the warning: the session ends and the page says so.
    expect(warning).to_be_visible(timeout=3_000)
    expect(page).to_have_url(SIGN_IN_AGAIN, timeout=10_000)
    visit.scan()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    visit.goto("/")
    expect(page).to_have_url(SIGN_IN_AGAIN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert not Session.objects.filter(expire_date__gt=timezone.now()).exists()


# --- 6. The audit trail --------------------------------------------------------------------------
def test_the_audit_trail_shows_admins_their_campaigns_and_leads_their_organisation_only(
    visit, campaign, charity, force_a
):
    admin = make_user(
        "ruth.admin@charity.example",
        organisation=charity,
        role=Membership.Role.CAMPAIGN_ADMIN,
        full_name="Ruth Adeyemi",
    )
    officer = make_user("dan.hughes@force-a.example", organisation=force_a, full_name="Dan Hughes")
    lead = make_user(
        "asha.lead@force-a.example",
        organisation=force_a,
        role=Membership.Role.LEAD,
        full_name="Asha Patel",
    )
    for person in (admin, officer, lead):
        authenticator_for(person)
    poster = make_material(campaign, title="Launch poster", by=admin)
    version = poster.versions.get()
    page = visit.page

    # A partner member downloads the poster, and may not read the trail.
    visit.sign_in(officer.email, PASSWORD)
    expect_signed_in(page, officer)
    expect(page.get_by_role("link", name="Audit", exact=True)).to_have_count(0)
    visit.goto(f"/material/{poster.pk}/")
    data, _ = download(visit, page.get_by_role("link", name=re.compile(r"^Download \(")))
    with version.file.open("rb") as stored:
        assert data == stored.read()
    with visit.expecting_errors(r"status of 403 \(Forbidden\)"):
        visit.goto("/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this")
    with visit.expecting_errors(r"status of 403 \(Forbidden\)"):
        visit.goto("/audit/export.csv")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot do this")
    visit.sign_out()

    # The campaign admin reads the trail: the download in their campaign, and their own sign-in.
    visit.sign_in(admin.email, PASSWORD)
    click_and_scan(visit, page.get_by_role("link", name="Audit", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    rows = audit_rows(page)
    assert any("Material downloaded\tDan Hughes\tAvon and Somerset Police" in row for row in rows)
    assert any("Signed in\tRuth Adeyemi\tThe Lucy Faithfull Foundation" in row for row in rows)
    assert not any("Signed in\tDan Hughes" in row for row in rows), "another organisation's"

    filters = page.get_by_role("form", name="Filter the audit trail")
    filters.get_by_label("Person").fill("dan.hughes")
    filters.get_by_label("Action").select_option(label="Material downloaded")
    click_and_scan(visit, filters.get_by_role("button", name="Filter"))
    expect(page.get_by_text("1 entry.")).to_be_visible()
    (row,) = audit_rows(page)
    assert row.split("\t")[1:] == [
        "Material downloaded",
        "Dan Hughes",
        "Avon and Somerset Police",
        "Launch poster (version 1)",
        "",  # Change: a download changes nothing
        "127.0.0.1",
    ]

    data, name = download(visit, page.get_by_role("link", name="Download as CSV"))
    assert name == f"audit-{timezone.localdate():%Y-%m-%d}.csv"
    assert (
        b"Material downloaded,dan.hughes@force-a.example,Avon and Somerset Police,"
        b"South West regional campaign,,Launch poster (version 1),,127.0.0.1\r\n" in data
    )
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:3] == ["When (UK time)", "What", "Who"]
    assert len(table) == 2
    exported = AuditEntry.objects.get(action=AuditEntry.Action.AUDIT_EXPORTED)
    assert exported.actor == admin
    assert exported.data["filters"] == {
        "person": "dan.hughes",
        "organisation": "",
        "action": "asset.downloaded",
        "date_from": "",
        "date_to": "",
    }
    visit.sign_out()

    # The force's lead sees their own people's sign-ins and downloads, not the charity's.
    visit.sign_in(lead.email, PASSWORD)
    click_and_scan(visit, page.get_by_role("link", name="Audit", exact=True))
    rows = audit_rows(page)
    assert any("Material downloaded\tDan Hughes\tAvon and Somerset Police" in row for row in rows)
    assert any("Signed in\tDan Hughes\tAvon and Somerset Police" in row for row in rows)
    assert any("Signed in\tAsha Patel\tAvon and Somerset Police" in row for row in rows)
    assert not any("Ruth Adeyemi" in row for row in rows)
    assert not any("The Lucy Faithfull Foundation" in row for row in rows)
    organisations = page.get_by_label("Organisation").locator("option").all_inner_texts()
    assert organisations == ["Any", "Avon and Somerset Police"]
