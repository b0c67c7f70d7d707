"""Logging and editing partner activity, keeping every version, and enforcement figures."""

import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from agencies.models import Organisation
from audit.models import AuditEntry
from audit.services import record
from campaigns.models import (
    Activity,
    ActivityComment,
    ActivityRevision,
    Campaign,
    EnforcementFigures,
    Material,
)
from lib.files import StoredFiles
from lib.uploads import CheckedUpload


class StaleActivity(Exception):
    """Someone else saved the record after this person opened it."""


def usable_material(campaign: Campaign, organisation: Organisation) -> QuerySet[Material]:
    """The campaign's material an organisation can say it used: what it downloaded, or its own."""
    return (
        Material.objects.filter(campaign=campaign)
        .filter(Q(downloads__organisation=organisation) | Q(owner_organisation=organisation))
        .distinct()
        .order_by("title", "pk")
    )


def _store_evidence(
    activity: Activity, evidence: CheckedUpload | None, stored: StoredFiles
) -> None:
    if evidence is None:
        return
    evidence.content.seek(0)
    activity.evidence.save(evidence.filename, evidence.content, save=False)
    stored.add(activity.evidence)
    activity.evidence_name = evidence.filename
    activity.evidence_virus_checked = evidence.virus_checked


def _save_revision(activity: Activity, *, actor) -> None:
    ActivityRevision.objects.create(
        activity=activity,
        number=activity.revision,
        edited_by=actor,
        edited_at=timezone.now(),
        data=activity.snapshot(),
    )


# The record's campaign, organisation and who logged it are set by the portal from who is
# signed in, never typed, and a repeated submission key is caught below: asking the database
# about each again before saving would only cost (it refuses a missing one or a repeated key).
_NOT_ASKED_AGAIN = ["campaign", "organisation", "logged_by", "submission_key"]

RESUBMISSION_MINUTES = 10
COMPARED_FIELDS = [
    "activity_type",
    "started_on",
    "ended_on",
    "channel",
    "quantity",
    "reach",
    "reach_source",
    "engagement",
    "force_area_id",
    "place",
    "link",
    "notes",
]


def _same_record_just_logged(activity: Activity, *, actor, materials) -> Activity | None:
    if actor is None:
        return None
    recent = Activity.objects.filter(
        campaign_id=activity.campaign_id,
        organisation_id=activity.organisation_id,
        logged_by=actor,
        created_at__gte=timezone.now() - timedelta(minutes=RESUBMISSION_MINUTES),
        **{field: getattr(activity, field) for field in COMPARED_FIELDS},
    ).prefetch_related("materials")
    wanted = {material.pk for material in materials}
    return next((r for r in recent if {a.pk for a in r.materials.all()} == wanted), None)


def log_activity(
    activity: Activity,
    *,
    actor,
    materials: Iterable[Material],
    evidence: CheckedUpload | None = None,
    submission_key: uuid.UUID | None = None,
    address: str | None = None,
) -> Activity:
    """Save a new record; a repeated submission returns the first one's record.

    A repeat is the same form sent again (same key), or the same record sent again by the same
    person within minutes: going back to a form reloads it with a new key, but the browser
    refills what was typed.
    """
    if submission_key is not None:
        existing = Activity.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    same = _same_record_just_logged(activity, actor=actor, materials=materials)
    if same is not None:
        return same
    try:
        with StoredFiles() as stored, transaction.atomic():
            activity.logged_by = actor
            activity.submission_key = submission_key
            _store_evidence(activity, evidence, stored)
            activity.full_clean(exclude=["evidence", *_NOT_ASKED_AGAIN])
            activity.save()
            # A new record has no links yet to compare with (as set() would).
            activity.materials.add(*materials, through_defaults=_used_by(activity))
            _save_revision(activity, actor=actor)
            record(
                AuditEntry.Action.ACTIVITY_LOGGED,
                actor=actor,
                address=address,
                organisation=activity.organisation,
                campaign=activity.campaign,
                target=activity,
                data={"type": activity.activity_type},
            )
    except IntegrityError:
        existing = Activity.objects.filter(submission_key=submission_key).first()
        if submission_key is None or existing is None:
            raise
        return existing
    return activity


def update_activity(
    activity: Activity,
    *,
    actor,
    seen_revision: int,
    changed: list[str],
    materials: Iterable[Material],
    evidence: CheckedUpload | None = None,
    address: str | None = None,
) -> Activity:
    """Save an edit, refusing it if someone else saved since the form was opened."""
    with StoredFiles() as stored, transaction.atomic():
        current = Activity.objects.select_for_update().get(pk=activity.pk)
        if current.revision != seen_revision:
            raise StaleActivity(
                "Someone else changed this record after you opened it, so your changes were not "
                "saved. Reload the page to see their version, then make your changes again."
            )
        _store_evidence(activity, evidence, stored)
        activity.full_clean(exclude=["evidence", *_NOT_ASKED_AGAIN])
        activity.revision = F("revision") + 1
        activity.save()
        activity.refresh_from_db(fields=["revision"])
        activity.materials.set(materials, through_defaults=_used_by(activity))
        _save_revision(activity, actor=actor)
        record(
            AuditEntry.Action.ACTIVITY_UPDATED,
            actor=actor,
            address=address,
            organisation=activity.organisation,
            campaign=activity.campaign,
            target=activity,
            data={"changed": changed, "revision": activity.revision},
        )
    return activity


def comment_on_activity(
    activity: Activity, *, actor, body: str, address: str | None = None
) -> ActivityComment:
    with transaction.atomic():
        comment = ActivityComment.objects.create(activity=activity, author=actor, body=body)
        record(
            AuditEntry.Action.ACTIVITY_COMMENTED,
            actor=actor,
            address=address,
            organisation=activity.organisation,
            campaign=activity.campaign,
            target=activity,
        )
    return comment


def record_enforcement(
    figures: EnforcementFigures, *, actor, address: str | None = None
) -> EnforcementFigures:
    with transaction.atomic():
        figures.logged_by = actor
        figures.full_clean()
        figures.save()
        record(
            AuditEntry.Action.ENFORCEMENT_RECORDED,
            actor=actor,
            address=address,
            organisation=figures.organisation,
            campaign=figures.campaign,
            target=figures,
        )
    return figures


def _used_by(activity: Activity) -> dict:
    """What a new link between a record and its material keeps of the record."""
    return {"organisation_id": activity.organisation_id}
