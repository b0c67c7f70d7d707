"""Two-step sign-in: a password, then a code from an authenticator app (TOTP, django-otp).

Codes are checked with no extra time tolerance, and each works once (django-otp refuses a code
from a time step already used). How many may be tried is limited per person and network address
in the views, not by django-otp's throttle, which anyone with the password could use to lock the
person out. Recovery codes are ours: hashed, shown once, each usable once.
"""

import secrets
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import RecoveryCode, User

RECOVERY_CODE_COUNT = 10
# Ten characters from a 32-letter alphabet: 50 bits, and no 0/O or 1/I to misread.
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def required_for(user: User) -> bool:
    """Whether this person must use two-step sign-in.

    Always for campaign admins and anyone who can reach the Django admin; for partners unless a
    deployment relaxes it. The demo may switch it off (only with DEBUG on).
    """
    if settings.MFA_DEMO_OFF:
        return False
    if user.is_staff or user.is_superuser or user.is_campaign_admin:
        return True
    return settings.MFA_REQUIRED_FOR_PARTNERS


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_step(user: User) -> str | None:
    """What a signed-in but not yet verified person must do: "code", "set-up" or nothing."""
    if confirmed_device(user) is not None:
        return "code"
    if required_for(user):
        return "set-up"
    return None


def pending_device(user: User) -> TOTPDevice:
    """The authenticator being set up: the same one until a code from it works, whichever
    session asks, so an app that already holds its key keeps working after signing in again
    (the key is shown only to someone who has signed in with the person's password, who could
    start a set-up of their own anyway)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False, tolerance=0
        )
    return device


def secret_of(device: TOTPDevice) -> str:
    """The base32 secret, as authenticator apps ask for it when typed rather than scanned."""
    return b32encode(device.bin_key).decode().rstrip("=")


def qr_code_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as SVG drawn by the portal itself (no outside service sees it)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#000000", light="#ffffff", omitsize=False
    )


def check_code(device: TOTPDevice, code: str) -> bool:
    """Check a code, one request at a time per device, so one code cannot be used twice."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != device.digits:
        device.throttle_increment(commit=True)
        return False
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        verified = locked.verify_token(code)
    device.refresh_from_db()
    return verified


def check_set_up_code(device: TOTPDevice, code: str) -> bool:
    """Check the code that proves a new app holds the key.

    Unlike at sign-in, wrong codes here do not make the next one wait: the person was just shown
    the key, so there is nothing to guess, and a right code straight after a typo must work. The
    view's rate limit still caps how many codes are tried.
    """
    code = "".join(code.split())
    if not code.isdigit() or len(code) != device.digits:
        return False
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        locked.throttle_reset(commit=False)
        verified = locked.verify_token(code)
        if not verified:
            locked.throttle_reset(commit=True)
    device.refresh_from_db()
    return verified


def mark_verified(request, device: TOTPDevice) -> None:
    """The second step is done: bind the device to the session and give it a new key."""
    otp_login(request, device)
    request.session.cycle_key()


def confirm_enrolment(user: User, device: TOTPDevice) -> list[str]:
    """Make a newly proven device the person's only one, and issue fresh recovery codes."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return issue_recovery_codes(user)


def issue_recovery_codes(user: User) -> list[str]:
    """New codes replace all old ones; the plain codes exist only in the return value."""
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=make_password(code)) for code in codes
        )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def use_recovery_code(user: User, typed: str) -> bool:
    """Spend one unused recovery code; False if it matches none."""
    code = "".join(character for character in typed.upper() if character.isalnum())
    if len(code) != 10:
        return False
    with transaction.atomic():
        for recovery in RecoveryCode.objects.select_for_update().filter(
            user=user, used_at__isnull=True
        ):
            if check_password(code, recovery.code_hash):
                recovery.used_at = timezone.now()
                recovery.save(update_fields=["used_at"])
                return True
    return False


def unused_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def reset(user: User) -> None:
    """Remove the person's authenticator and recovery codes: they set up again at next sign-in.

    A session verified with the removed device is no longer verified, so it must set up too.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def session_is_verified(request) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY)) and request.user.is_verified()
