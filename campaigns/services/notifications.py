"""Who is told what about material: one e-mail per event per person, through one helper.

Submissions go to the campaign's admins, decisions to the submitter, releases to the partner
members the material is meant for, withdrawals to everyone who downloaded it. Each person can turn
off the optional ones; withdrawal notices are always sent.
"""

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership, Organisation, User
from campaigns.models import CampaignPartner, Download, Material, MaterialVersion, WithdrawalNotice
from lib.emails import absolute_url, send_templated_email


def _material_url(material: Material) -> str:
    return absolute_url(reverse("campaigns:material-detail", args=[material.pk]))


def campaign_admins(campaign) -> "list[User]":
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation_id=campaign.lead_organisation_id,
            memberships__role=Membership.Role.CAMPAIGN_ADMIN,
            memberships__is_active=True,
        ).distinct()
    )


def material_submitted(version: MaterialVersion) -> int:
    material = version.material
    recipients = [
        admin.email
        for admin in campaign_admins(material.campaign)
        if admin.email_review_requests and admin.pk != version.uploaded_by_id
    ]
    return send_templated_email(
        "material_submitted",
        recipients,
        {"material": material, "version": version, "url": _material_url(material)},
    )


def decision_made(version: MaterialVersion) -> int:
    submitter = version.uploaded_by
    if (
        submitter is None
        or not submitter.is_active
        or not submitter.email_review_outcomes
        or submitter.pk == version.decided_by_id
    ):
        return 0
    return send_templated_email(
        "material_decided",
        [submitter.email],
        {"material": version.material, "version": version, "url": _material_url(version.material)},
    )


def withdrawal_notices(material: Material) -> int:
    """Leave a notice for everyone who downloaded withdrawn material and e-mail them once."""
    now = timezone.now()
    downloader_ids = set(
        Download.objects.filter(material=material).values_list("user_id", flat=True)
    )
    already = set(
        WithdrawalNotice.objects.filter(material=material, user_id__in=downloader_ids).values_list(
            "user_id", flat=True
        )
    )
    WithdrawalNotice.objects.bulk_create(
        [
            WithdrawalNotice(user_id=uid, material=material, created_at=now)
            for uid in downloader_ids - already
        ]
    )
    recipients = list(
        User.objects.filter(pk__in=downloader_ids - already, is_active=True).values_list(
            "email", flat=True
        )
    )
    # The link lands on the material's page, which tells them when and why it was withdrawn.
    context = {"material": material, "url": _material_url(material)}
    transaction.on_commit(lambda: send_templated_email("material_withdrawn", recipients, context))
    return len(recipients)


def audience_members(material: Material) -> "list[User]":
    """The active partner members the material is released to, who want to hear about it."""
    partners = CampaignPartner.objects.filter(
        campaign=material.campaign, organisation__is_active=True
    )
    if material.audience == Material.Audience.POLICE_FORCES:
        partners = partners.filter(organisation__kind=Organisation.Kind.POLICE_FORCE)
    elif material.audience == Material.Audience.COUNCILS:
        partners = partners.filter(organisation__kind=Organisation.Kind.COUNCIL)
    elif material.audience == Material.Audience.NAMED_ORGANISATIONS:
        partners = partners.filter(organisation__in=material.audience_organisations.all())
    return list(
        User.objects.filter(
            is_active=True,
            email_new_material=True,
            memberships__is_active=True,
            memberships__organisation__in=partners.values("organisation"),
        ).distinct()
    )


def announce_released_material(now=None) -> int:
    """Tell partner members about approved material whose release time has come. Run by cron.

    Each material is claimed with a conditional update before anyone is e-mailed, so two runs at
    once cannot announce the same material twice.
    """
    now = now or timezone.now()
    due = Material.objects.filter(
        Q(release_at__isnull=True) | Q(release_at__lte=now),
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        release_notified_at__isnull=True,
        withdrawn_at__isnull=True,
        versions__status=MaterialVersion.Status.APPROVED,
    ).select_related("campaign")
    sent = 0
    for material in due:
        claimed = Material.objects.filter(pk=material.pk, release_notified_at__isnull=True).update(
            release_notified_at=now
        )
        if not claimed:
            continue
        recipients = [user.email for user in audience_members(material)]
        sent += send_templated_email(
            "material_released", recipients, {"material": material, "url": _material_url(material)}
        )
    return sent
