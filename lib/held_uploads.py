"""Checked uploads held for a person while they correct a form, so that they need not choose the
file again after an error elsewhere in the form.

A held upload lives in storage under an unguessable name; what it is (its storage path, name and
what the checks found) is kept in the person's session under a random token. The page carries only
the token: a token from another session, or anything that is not a token, finds nothing, and no
path ever comes from the browser. Held uploads expire after HOLD_MINUTES; files left behind by
sessions that ended are removed by remove_stale_held_uploads (run by apply_retention).
"""

import secrets
import uuid
from datetime import datetime, timedelta

from django.contrib.sessions.backends.base import SessionBase
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from lib.files import is_storage_error
from lib.uploads import CheckedUpload

HOLD_MINUTES = 60
FOLDER = "held-uploads"
SESSION_KEY = "held_uploads"


class HeldUploads:
    """The uploads held for one session."""

    def __init__(self, session: SessionBase, *, now: datetime | None = None):
        self.session = session
        self.now = now or timezone.now()

    def _entries(self) -> dict[str, dict]:
        entries = dict(self.session.get(SESSION_KEY, {}))
        expired = [
            token
            for token, entry in entries.items()
            if datetime.fromisoformat(entry["held_at"]) < self.now - timedelta(minutes=HOLD_MINUTES)
        ]
        for token in expired:
            default_storage.delete(entries.pop(token)["path"])
        if expired:
            self._save(entries)
        return entries

    def _save(self, entries: dict[str, dict]) -> None:
        if entries:
            self.session[SESSION_KEY] = entries
        else:
            self.session.pop(SESSION_KEY, None)

    def hold(self, checked: CheckedUpload) -> str | None:
        """Keep a checked upload; the token names it in the page. None if the file store cannot
        be reached: the person then chooses the file again, as without holding."""
        checked.content.seek(0)
        try:
            path = default_storage.save(f"{FOLDER}/{uuid.uuid4().hex}", checked.content)
        except Exception as error:
            if is_storage_error(error):
                return None
            raise
        checked.content.seek(0)
        token = secrets.token_urlsafe(24)
        entries = self._entries()
        entries[token] = {
            "path": path,
            "filename": checked.filename,
            "content_type": checked.content_type,
            "size": checked.size,
            "sha256": checked.sha256,
            "width": checked.width,
            "height": checked.height,
            "page_count": checked.page_count,
            "virus_checked": checked.virus_checked,
            "held_at": self.now.isoformat(),
        }
        self._save(entries)
        return token

    def get(self, token: str | None) -> CheckedUpload | None:
        """The upload held under this token in this session, or None."""
        entry = self._entries().get(token or "")
        if entry is None or not default_storage.exists(entry["path"]):
            return None
        return CheckedUpload(
            content=File(default_storage.open(entry["path"], "rb"), name=entry["filename"]),
            content_type=entry["content_type"],
            filename=entry["filename"],
            size=entry["size"],
            sha256=entry["sha256"],
            width=entry["width"],
            height=entry["height"],
            page_count=entry["page_count"],
            virus_checked=entry["virus_checked"],
        )

    def release(self, token: str | None) -> None:
        """Forget a held upload and remove its file: it has been used, or replaced."""
        entries = self._entries()
        entry = entries.pop(token or "", None)
        if entry is not None:
            default_storage.delete(entry["path"])
            self._save(entries)


def remove_stale_held_uploads(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Remove held files older than HOLD_MINUTES, left by sessions that ended; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(minutes=HOLD_MINUTES)
    try:
        _folders, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in names:
        path = f"{FOLDER}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            if not dry_run:
                default_storage.delete(path)
            removed += 1
    return removed
