"""Who is told what about material, through the outbox (sent by the task worker).

Submissions go to the campaign's admins, decisions to the submitter, withdrawals to everyone who
downloaded it. Releases are gathered into one digest per person per campaign: at each run of
`announce_released_material` for people who want them as released, once a day (`send_daily_digests`)
for people who chose that. Each person can turn off the optional ones; withdrawal notices are always
sent. Each e-mail has a unique key, so running any of this twice never mails anyone twice.
"""

from itertools import groupby

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership, Organisation, User
from campaigns.models import (
    CampaignPartner,
    Download,
    Material,
    MaterialVersion,
    ReleaseNotice,
    WithdrawalNotice,
)
from lib.emails import absolute_url
from outbox.services import queue_email


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
    return len(
        queue_email(
            "material_submitted",
            recipients,
            {"material": material, "version": version, "url": _material_url(material)},
            key=f"material-submitted:{version.pk}",
        )
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
    return len(
        queue_email(
            "material_decided",
            [submitter.email],
            {
                "material": version.material,
                "version": version,
                "url": _material_url(version.material),
            },
            key=f"material-decided:{version.pk}:{version.status}",
        )
    )


def withdrawal_notices(material: Material, *, email: bool = True) -> int:
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
    if not email:
        return len(recipients)
    queue_email("material_withdrawn", recipients, context, key=f"material-withdrawn:{material.pk}")
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


def due_for_announcement(now):
    """Approved, current material whose release time has come and that nobody was told about."""
    return (
        Material.objects.filter(
            Q(release_at__isnull=True) | Q(release_at__lte=now),
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            release_notified_at__isnull=True,
            withdrawn_at__isnull=True,
            versions__status=MaterialVersion.Status.APPROVED,
        )
        .select_related("campaign")
        .distinct()
    )


def announce_released_material(now=None) -> int:
    """Note who is to hear about material whose release time has come, then e-mail the digests of
    the people who want them as released. Run by cron; returns how many e-mails were queued.

    Each material is claimed with a conditional update in the same transaction as its notices, so
    two runs at once cannot announce the same material twice.
    """
    now = now or timezone.now()
    for material in due_for_announcement(now):
        with transaction.atomic():
            claimed = Material.objects.filter(
                pk=material.pk, release_notified_at__isnull=True
            ).update(release_notified_at=now)
            if not claimed:
                continue
            ReleaseNotice.objects.bulk_create(
                [
                    ReleaseNotice(user=person, material=material, created_at=now)
                    for person in audience_members(material)
                ],
                ignore_conflicts=True,
            )
    return send_release_digests(User.NewMaterialDigest.AS_RELEASED, now=now)


def send_daily_digests(now=None) -> int:
    """The once-a-day e-mail for people who chose it. Run by cron once a day."""
    return send_release_digests(User.NewMaterialDigest.DAILY, now=now)


def send_release_digests(digest: str, *, now=None) -> int:
    """One e-mail per person per campaign, listing the released material they were not yet told
    about. The notices are marked in the same transaction as the e-mail is stored."""
    now = now or timezone.now()
    waiting = (
        ReleaseNotice.objects.filter(
            emailed_at__isnull=True, user__new_material_digest=digest, user__is_active=True
        )
        .select_related("user", "material__campaign")
        .order_by("user_id", "material__campaign_id", "pk")
    )
    queued = 0
    for (user, campaign), group in groupby(
        waiting, key=lambda notice: (notice.user, notice.material.campaign)
    ):
        notices = list(group)
        with transaction.atomic():
            ids = list(
                ReleaseNotice.objects.select_for_update()
                .filter(pk__in=[notice.pk for notice in notices], emailed_at__isnull=True)
                .values_list("pk", flat=True)
            )
            if not ids:
                continue
            ReleaseNotice.objects.filter(pk__in=ids).update(emailed_at=now)
            items = [
                {"material": notice.material, "url": _material_url(notice.material)}
                for notice in notices
                if notice.pk in ids
                and not notice.material.is_withdrawn
                and not notice.material.is_expired(now)
            ]
            if not items:
                continue
            queued += len(
                queue_email(
                    "material_released",
                    [user.email],
                    {
                        "campaign": campaign,
                        "items": items,
                        "daily": digest == User.NewMaterialDigest.DAILY,
                    },
                    key=f"material-released:{user.pk}:{campaign.pk}:{min(ids)}",
                )
            )
    return queued
