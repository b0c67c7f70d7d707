"""Submitting material and new versions, editing it, and recording downloads."""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.images import get_image_dimensions
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from agencies.models import Organisation
from audit.models import AuditEntry
from audit.services import record
from campaigns.access import acting_organisation
from campaigns.models import (
    Campaign,
    CampaignVisit,
    Download,
    Material,
    MaterialVersion,
    WorkflowError,
)
from campaigns.services import notifications
from campaigns.tasks import scan_stored_files_task
from lib.files import StoredFiles, check_reachable
from lib.scanning import scanning_on
from lib.tasks import enqueue_after_commit
from lib.uploads import CheckedUpload, make_preview


@dataclass
class VersionContent:
    """What a new version is made of: a checked file, words, or both (a post with an image)."""

    upload: CheckedUpload | None = None
    text: str = ""
    alt_text: str = ""
    change_note: str = ""  # What changed since the previous version, for the reviewer.


class StaleEdit(Exception):
    """Someone else changed the material after this person opened the form."""


def _already_received(submission_key: uuid.UUID | None) -> MaterialVersion | None:
    if submission_key is None:
        return None
    return (
        MaterialVersion.objects.select_related("material")
        .filter(submission_key=submission_key)
        .first()
    )


def _once_per_submission(
    submission_key: uuid.UUID | None, create: Callable[[], MaterialVersion]
) -> MaterialVersion:
    """Create once per submitted form: a repeat of the same submission, even one that raced the
    first and lost on the unique key, gets the version the first one created."""
    existing = _already_received(submission_key)
    if existing is not None:
        return existing
    try:
        return create()
    except IntegrityError:
        existing = _already_received(submission_key)
        if existing is None:
            raise
        return existing


def _attach_files(version: MaterialVersion, content: VersionContent, stored: StoredFiles) -> None:
    """Store the file and its preview through the storage API, noting each as it is stored."""
    upload = content.upload
    if upload is None:
        return
    version.original_filename = upload.filename
    version.size = upload.size
    version.content_type = upload.content_type
    version.sha256 = upload.sha256
    version.width, version.height, version.page_count = (
        upload.width,
        upload.height,
        upload.page_count,
    )
    version.virus_checked = upload.virus_checked
    upload.content.seek(0)
    version.file.save(upload.filename, upload.content, save=False)
    stored.add(version.file)
    preview = make_preview(upload)
    if preview is not None:
        version.preview_width, version.preview_height = get_image_dimensions(preview)
        version.preview.save("preview.png", preview, save=False)
        stored.add(version.preview)


def _create_version(
    material: Material,
    *,
    actor,
    content: VersionContent,
    submission_key: uuid.UUID | None,
    stored: StoredFiles,
) -> MaterialVersion:
    """Add a version in review to a locked material. Must run inside a transaction."""
    MaterialVersion.objects.filter(
        material=material, status=MaterialVersion.Status.IN_REVIEW
    ).update(status=MaterialVersion.Status.REPLACED)
    number = (material.versions.aggregate(highest=Max("number"))["highest"] or 0) + 1
    version = MaterialVersion(
        material=material,
        number=number,
        text=content.text,
        alt_text=content.alt_text,
        change_note=content.change_note,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
        submission_key=submission_key,
    )
    _attach_files(version, content, stored)
    version.full_clean(exclude=["file", "preview"])
    version.save()
    if scanning_on() and version.file and not version.virus_checked:
        # A film too big to scan while its uploader waited: the worker scans it; until then it
        # is stored but never served.
        enqueue_after_commit(scan_stored_files_task)
    return version


def submit_material(
    *,
    campaign: Campaign,
    owner: Organisation,
    actor,
    material: Material,
    tags: Iterable,
    audience_organisations: Iterable[Organisation],
    content: VersionContent,
    submission_key: uuid.UUID | None = None,
    address: str | None = None,
    notify: bool = True,
) -> MaterialVersion:
    """Create new material with its first version, waiting for review.

    A repeated submission (the same key) returns the version the first one created. `notify=False`
    (the demo loader) e-mails nobody.
    """

    def create() -> MaterialVersion:
        with StoredFiles() as stored, transaction.atomic():
            material.campaign = campaign
            material.owner_organisation = owner
            material.created_by = actor
            material.full_clean()
            material.save()
            material.tags.set(tags)
            material.audience_organisations.set(
                audience_organisations
                if material.audience == Material.Audience.NAMED_ORGANISATIONS
                else []
            )
            version = _create_version(
                material, actor=actor, content=content, submission_key=submission_key, stored=stored
            )
            record(
                AuditEntry.Action.MATERIAL_SUBMITTED,
                actor=actor,
                address=address,
                organisation=owner,
                campaign=campaign,
                material=material,
                target=material,
                data={"kind": material.kind, "version": version.number, "sha256": version.sha256},
            )
            if notify:
                notifications.material_submitted(version)
        return version

    return _once_per_submission(submission_key, create)


def submit_version(
    material: Material,
    *,
    actor,
    content: VersionContent,
    submission_key: uuid.UUID | None = None,
    address: str | None = None,
) -> MaterialVersion:
    """Add a new version for review; one still waiting is replaced by it."""

    def create() -> MaterialVersion:
        with StoredFiles() as stored, transaction.atomic():
            locked = Material.objects.select_for_update().get(pk=material.pk)
            if locked.withdrawn_at is not None:
                raise WorkflowError("This material has been withdrawn; upload it as new material.")
            version = _create_version(
                locked, actor=actor, content=content, submission_key=submission_key, stored=stored
            )
            record(
                AuditEntry.Action.VERSION_SUBMITTED,
                actor=actor,
                address=address,
                organisation=material.owner_organisation,
                campaign=material.campaign,
                material=material,
                target=version,
                data={
                    "version": version.number,
                    "sha256": version.sha256,
                    "change_note": version.change_note,
                },
            )
            notifications.material_submitted(version)
        return version

    return _once_per_submission(submission_key, create)


def update_details(
    material: Material,
    *,
    actor,
    seen_revision: int,
    changed: list[str],
    tags: Iterable,
    audience_organisations: Iterable[Organisation],
    address: str | None = None,
) -> Material:
    """Save edited details, refusing if someone else saved a change since the form was opened."""
    with transaction.atomic():
        current = Material.objects.select_for_update().get(pk=material.pk)
        if current.revision != seen_revision:
            raise StaleEdit(
                "Someone else changed this material after you opened the form. Your changes were "
                "not saved: reload the page to see theirs, then make yours again."
            )
        material.full_clean()
        material.revision = F("revision") + 1
        material.save()
        material.refresh_from_db(fields=["revision"])
        material.tags.set(tags)
        material.audience_organisations.set(
            audience_organisations
            if material.audience == Material.Audience.NAMED_ORGANISATIONS
            else []
        )
        record(
            AuditEntry.Action.MATERIAL_UPDATED,
            actor=actor,
            address=address,
            organisation=material.owner_organisation,
            campaign=material.campaign,
            material=material,
            target=material,
            data={"changed": changed},
        )
    return material


def approve(
    version: MaterialVersion, *, actor, comment: str = "", address: str | None = None
) -> None:
    with transaction.atomic():
        version.approve(by=actor, comment=comment, address=address)
        notifications.decision_made(version)


def request_changes(
    version: MaterialVersion, *, actor, comment: str, address: str | None = None
) -> None:
    with transaction.atomic():
        version.request_changes(by=actor, comment=comment, address=address)
        notifications.decision_made(version)


def withdraw(
    material: Material, *, actor, reason: str, address: str | None = None, notify: bool = True
) -> int:
    """Withdraw material and tell everyone who downloaded it; returns how many were told.

    `notify=False` (the demo loader) leaves the notices on their home pages but e-mails nobody.
    """
    with transaction.atomic():
        material.withdraw(by=actor, reason=reason, address=address)
        told = notifications.withdrawal_notices(material, email=notify)
    return told


def record_downloads(
    versions: Iterable[MaterialVersion],
    *,
    user,
    organisation: Organisation | None,
    embargo_acknowledged: bool,
    in_toolkit_zip: bool = False,
    address: str | None = None,
    now=None,
    sending: Iterable | None = None,
) -> list[Download]:
    """Record that a person downloaded these versions, before a byte is sent.

    First each stored file about to be sent (`sending`; by default the versions' own files) is
    asked for in the file store: a store that cannot be reached, or that no longer has the file,
    raises StorageUnavailable and nothing is recorded. The caller hands the bytes off inside the
    same transaction, so that a failure there undoes the record too; what is left is a store that
    fails after the commit, while the bytes are fetched (see forget_downloads_not_sent).

    A download is marked as acknowledging an embargo when the material was under embargo and the
    person confirmed they would respect it.
    """
    versions = list(versions)
    if sending is None:
        sending = [version.file for version in versions if version.has_file]
    for field_file in sending:
        check_reachable(field_file)
    now = now or timezone.now()
    downloads = [
        Download(
            material=version.material,
            version=version,
            user=user,
            organisation=organisation,
            downloaded_at=now,
            embargo_acknowledged=embargo_acknowledged and version.material.is_under_embargo(now),
            in_toolkit_zip=in_toolkit_zip,
        )
        for version in versions
    ]
    with transaction.atomic():
        Download.objects.bulk_create(downloads)
        if in_toolkit_zip:
            campaign = downloads[0].material.campaign if downloads else None
            record(
                AuditEntry.Action.TOOLKIT_DOWNLOADED,
                actor=user,
                address=address,
                organisation=organisation,
                campaign=campaign,
                target=campaign,
                data={"files": len(downloads), "embargo_acknowledged": embargo_acknowledged},
            )
        else:
            for download in downloads:
                record(
                    AuditEntry.Action.MATERIAL_DOWNLOADED,
                    actor=user,
                    address=address,
                    organisation=organisation,
                    campaign=download.material.campaign,
                    material=download.material,
                    target=download.version,
                    data={
                        "version": download.version.number,
                        "embargo_acknowledged": download.embargo_acknowledged,
                    },
                )
    return downloads


def record_version_download(
    version: MaterialVersion,
    *,
    user,
    address: str | None,
    embargo_acknowledged: bool = False,
    now=None,
    sending: Iterable | None = None,
) -> list[Download]:
    """record_downloads for one version downloaded on its own (its file, or the PDF made beside
    it: `sending`), for the organisation the person acts for in the material's campaign."""
    return record_downloads(
        [version],
        user=user,
        organisation=acting_organisation(user, version.material.campaign),
        embargo_acknowledged=embargo_acknowledged,
        address=address,
        now=now,
        sending=sending,
    )


def toolkit_seen(
    user,
    campaign: Campaign,
    visit: CampaignVisit | None,
    *,
    shown: list[Material],
    whole: bool,
    now,
) -> None:
    """Record that the person saw this part of the campaign's toolkit (a page of it, maybe
    filtered; `whole` if it is all of the material they may see), given their visit before
    (None on their first) and what it made new, each piece's `is_new`.

    What is new is what became new after their visit; before their first, everything is. The
    visit moves on only as far as keeps new what they have not been shown yet: to just before
    the earliest such piece, else to now. With nothing new shown it is not written, so a page
    view in the steady state writes nothing.
    """
    first = visit is None
    if not first and not any(material.is_new for material in shown):
        return
    earliest_unshown = None
    if not whole:
        earliest_unshown = (
            Material.objects.visible_to(user, now=now)
            .filter(campaign=campaign)
            .exclude(pk__in=[material.pk for material in shown])
            .new_since(None if first else visit.last_seen_at)
            .aggregate(earliest=Min("new_at"))["earliest"]
        )
    seen_until = now
    if earliest_unshown is not None:
        seen_until = min(now, earliest_unshown - timedelta(microseconds=1))
    if first:
        # Two tabs opened at once both find no visit: the second keeps the first's.
        CampaignVisit.objects.bulk_create(
            [CampaignVisit(user=user, campaign=campaign, last_seen_at=seen_until)],
            ignore_conflicts=True,
        )
        return
    # Never back: another tab may have moved it further meanwhile.
    CampaignVisit.objects.filter(pk=visit.pk, last_seen_at__lt=seen_until).update(
        last_seen_at=seen_until
    )


def text_as_file(version: MaterialVersion) -> ContentFile:
    """The words of a text-only version, as a UTF-8 file to download."""
    return ContentFile(version.text.encode("utf-8"), name=version.download_name)


# A note of the downloads just recorded, passed by nginx back to the portal if the store fails as
# nginx fetches the file (deploy/nginx.conf). It need only outlast nginx's wait for the store.
NOT_SENT_SALT = "campaigns.downloads-not-sent"
NOT_SENT_MAX_AGE = timedelta(minutes=10)


def not_sent_note(downloads: Iterable[Download]) -> str:
    """What forget_downloads_not_sent needs to remove these records; signed, so that only the
    portal can have written it."""
    downloads = list(downloads)
    if not downloads:
        return ""
    return signing.dumps(
        {"user": downloads[0].user_id, "downloads": [download.pk for download in downloads]},
        salt=NOT_SENT_SALT,
    )


def forget_downloads_not_sent(note: str, *, user, address: str | None = None) -> int:
    """Remove the records named by a note from not_sent_note, if it is the portal's and names
    this person's downloads; returns how many were removed."""
    try:
        named = signing.loads(note, salt=NOT_SENT_SALT, max_age=NOT_SENT_MAX_AGE)
    except signing.BadSignature:
        return 0
    if not user.is_authenticated or named["user"] != user.pk:
        return 0
    return forget_downloads(
        user.downloads.filter(pk__in=named["downloads"]), user=user, address=address
    )


def forget_downloads(downloads: Iterable[Download], *, user, address: str | None = None) -> int:
    """Remove a person's records of downloads whose bytes never reached them (the store failed
    as they were sent); returns how many. The audit trail keeps both entries: the download
    recorded, then this."""
    ids = [download.pk for download in downloads]
    with transaction.atomic():
        removed = list(
            user.downloads.filter(pk__in=ids).select_related(
                "material__campaign", "version", "organisation"
            )
        )
        if not removed:
            return 0
        Download.objects.filter(pk__in=[download.pk for download in removed]).delete()
        first = removed[0]
        one = len(removed) == 1
        record(
            AuditEntry.Action.DOWNLOAD_NOT_SENT,
            actor=user,
            address=address,
            organisation=first.organisation,
            campaign=first.material.campaign,
            material=first.material if one else None,
            target=first.version if one else first.material.campaign,
            data={"files": len(removed), "versions": [d.version_id for d in removed]},
        )
    return len(removed)
