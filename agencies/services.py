"""Actions on organisations and people that span models: inviting, joining, deactivating."""

import uuid

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Invitation, Membership, Organisation, User, UserManager, roles_for
from audit.models import AuditEntry
from audit.services import record
from lib.emails import absolute_url
from lib.files import StoredFiles
from outbox.services import queue_email


class InvitationUnusable(Exception):
    """The invitation link can no longer be used; the reason says why in the person's words."""

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def invite_person(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    actor: User,
    address: str | None = None,
) -> Invitation:
    """Invite an e-mail address into an organisation with a role, replacing any open invitation."""
    email = UserManager.normalize_email(email)
    allowed = {
        value for value, _label in roles_for(organisation, inviter_is_admin=actor.is_campaign_admin)
    }
    if role not in allowed:
        raise ValidationError({"role": "You cannot give that role in this organisation."})
    if organisation.memberships.active().filter(user__email__iexact=email).exists():
        raise ValidationError({"email": f"This person is already a member of {organisation}."})

    with transaction.atomic():
        now = timezone.now()
        replaced = list(
            organisation.invitations.open().filter(email__iexact=email).select_for_update()
        )
        for old in replaced:
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
        token, token_hash = Invitation.issue_token()
        invitation = Invitation(
            email=email,
            organisation=organisation,
            role=role,
            invited_by=actor,
            token_hash=token_hash,
            created_at=now,
            expires_at=Invitation.default_expiry(now),
        )
        invitation.full_clean()
        invitation.save()
        record(
            AuditEntry.Action.PERSON_INVITED,
            actor=actor,
            address=address,
            organisation=organisation,
            target=invitation,
            data={"role": role, "replaced": len(replaced)},
        )
        context = {
            "invitation": invitation,
            "inviter": actor,
            "accept_url": absolute_url(reverse("agencies:invitation-open", args=[token])),
            "valid_days": (invitation.expires_at - now).days,
        }
        queue_email("invitation", [email], context, key=f"invitation:{invitation.pk}")
    return invitation


def find_invitation(token: str) -> Invitation:
    """The open, unexpired invitation for a token, or InvitationUnusable saying why not."""
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationUnusable(
            "This invitation link is not valid. Check that you copied all of it."
        )
    if invitation.accepted_at is not None:
        raise InvitationUnusable(
            "This invitation has already been used. Sign in with your e-mail address and password.",
            invitation,
        )
    if invitation.revoked_at is not None:
        raise InvitationUnusable(
            "This invitation was replaced by a newer one. Use the link in the most recent e-mail.",
            invitation,
        )
    if invitation.is_expired():
        raise InvitationUnusable(
            "This invitation has expired. Ask the person who invited you to send a new one.",
            invitation,
        )
    return invitation


def existing_account_for(invitation: Invitation) -> User | None:
    return User.objects.filter(email__iexact=invitation.email).first()


def accept_invitation(
    invitation: Invitation,
    *,
    password: str,
    full_name: str = "",
    address: str | None = None,
) -> User:
    """Join the organisation: create (or reactivate) the account, or confirm an existing one.

    Locks the invitation so that a double submit joins once and the second sees it as used.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organisation")
            .get(pk=invitation.pk)
        )
        if not invitation.is_open or invitation.is_expired():
            raise InvitationUnusable(
                "This invitation has already been used. Sign in with your e-mail address and "
                "password.",
                invitation,
            )
        user = existing_account_for(invitation)
        if user is not None and user.is_active:
            if not user.check_password(password):
                raise ValidationError({"password": "That is not the password for this account."})
        else:
            if user is None:
                user = User(email=invitation.email)
            user.full_name = full_name
            user.is_active = True
            validate_password(password, user)
            user.set_password(password)
            user.full_clean()
            user.save()

        membership = Membership.objects.filter(
            user=user, organisation=invitation.organisation
        ).first()
        if membership is not None and membership.is_active:
            raise InvitationUnusable(
                f"You are already a member of {invitation.organisation}. Nothing was changed.",
                invitation,
            )
        if membership is None:
            membership = Membership(user=user, organisation=invitation.organisation)
        membership.role = invitation.role
        membership.is_active = True
        membership.invited_by = invitation.invited_by
        membership.deactivated_at = None
        membership.deactivated_by = None
        membership.full_clean(validate_unique=False)
        membership.save()

        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record(
            AuditEntry.Action.PERSON_JOINED,
            actor=user,
            address=address,
            organisation=invitation.organisation,
            subject_user=user,
            target=membership,
            data={"role": membership.role},
        )
    return user


def deactivate_membership(
    membership: Membership, *, actor: User, address: str | None = None
) -> Membership:
    """End a person's membership; with no membership left they can no longer sign in.

    Nothing is deleted: what they did stays attributed to them.
    """
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .select_related("user", "organisation")
            .get(pk=membership.pk)
        )
        if not membership.is_active:
            raise ValidationError(f"{membership.user} is already deactivated.")
        if membership.user_id == actor.pk:
            raise ValidationError("You cannot deactivate yourself. Ask a colleague or the charity.")
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership.deactivated_by = actor
        membership.save(
            update_fields=["is_active", "deactivated_at", "deactivated_by", "updated_at"]
        )
        person = membership.user
        account_closed = False
        if not person.is_staff and not person.memberships.active().exists():
            person.is_active = False
            person.save(update_fields=["is_active"])
            account_closed = True
        record(
            AuditEntry.Action.PERSON_DEACTIVATED,
            actor=actor,
            address=address,
            organisation=membership.organisation,
            subject_user=person,
            target=membership,
            data={"account_closed": account_closed},
        )
    return membership


def change_role(
    membership: Membership, *, role: str, actor: User, address: str | None = None
) -> Membership:
    """Give a colleague another role; never one the actor could not give by invitation."""
    allowed = {
        value
        for value, _ in roles_for(membership.organisation, inviter_is_admin=actor.is_campaign_admin)
    }
    if role not in allowed:
        raise ValidationError({"role": "You cannot give that role in this organisation."})
    if membership.user_id == actor.pk:
        raise ValidationError("You cannot change your own role. Ask a colleague or the charity.")
    if not actor.is_campaign_admin and membership.role == Membership.Role.CAMPAIGN_ADMIN:
        raise ValidationError("Only a campaign admin can change a campaign admin's role.")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if not locked.is_active:
            raise ValidationError(f"{membership.user} has been deactivated.")
        previous = locked.role
        if previous == role:
            return locked
        locked.role = role
        locked.full_clean()
        locked.save(update_fields=["role", "updated_at"])
        record(
            AuditEntry.Action.ROLE_CHANGED,
            actor=actor,
            address=address,
            organisation=locked.organisation,
            subject_user=locked.user,
            target=locked,
            data={
                "from": previous,
                "to": role,
                "from_label": Membership.Role(previous).label,
                "to_label": Membership.Role(role).label,
            },
        )
    return locked


def reset_two_step_sign_in(
    membership: Membership, *, actor: User, address: str | None = None
) -> None:
    """For a colleague who lost their phone: they set up two-step sign-in again when they next
    sign in (a session verified with the old app is no longer verified)."""
    from agencies import two_step

    if membership.user_id == actor.pk:
        raise ValidationError("Reset your own from your account page, with your password.")
    with transaction.atomic():
        two_step.reset(membership.user)
        record(
            AuditEntry.Action.MFA_RESET,
            actor=actor,
            address=address,
            organisation=membership.organisation,
            subject_user=membership.user,
            target=membership,
        )


def set_logo(
    organisation: Organisation, checked, *, actor, address: str | None = None
) -> Organisation:
    """Store an organisation's checked logo under a name nobody can guess, replacing the old.

    A file store that cannot keep it raises StorageUnavailable: the old logo stays, and nothing
    of the new one is left in the store or the database."""
    old = organisation.logo.name if organisation.logo else ""
    with StoredFiles() as stored, transaction.atomic():
        checked.content.seek(0)
        extension = "png" if checked.content_type == "image/png" else "jpg"
        organisation.logo.save(f"{uuid.uuid4().hex}.{extension}", checked.content, save=False)
        stored.add(organisation.logo)
        organisation.save(update_fields=["logo", "updated_at"])
        record(
            AuditEntry.Action.LOGO_CHANGED,
            actor=actor,
            address=address,
            organisation=organisation,
            target=organisation,
            data={"sha256": checked.sha256, "width": checked.width, "height": checked.height},
        )
    if old:
        transaction.on_commit(lambda: organisation.logo.storage.delete(old))
    return organisation
