"""Serving protected files: always through a view that has checked access, never a media URL;
and file names that every operating system accepts (safe_file_name, UniqueNames).

Stored files are reached only through the storage API, so that they may live on this machine's
disk (`MEDIA_STORAGE=local`) or in an S3-compatible object store (`MEDIA_STORAGE=s3`). Once a view
has checked access and recorded the download, `stored_file_response()` hands the bytes off as
`DOWNLOADS_VIA` says: streamed by Django, or sent by nginx (see deploy/nginx.conf).
"""

import logging
import re
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

logger = logging.getLogger(__name__)

# Even if a served file were HTML, the browser would run nothing and load nothing from it.
SERVED_FILE_POLICY = "default-src 'none'; img-src 'self'; sandbox"
# nginx's internal locations (deploy/nginx.conf): a browser asking for them directly gets 404.
NGINX_MEDIA_LOCATION = "/_protected/media/"
NGINX_OBJECT_LOCATION = "/_protected/object"
# The signed path and query of the object, for nginx's internal object location only.
NGINX_OBJECT_HEADER = "X-Portal-Object"
# What nginx hands back to the portal (at /downloads/not-sent/) if the store fails as it fetches.
NGINX_NOT_SENT_HEADER = "X-Portal-If-Not-Sent"
CHUNK_SIZE = 1024 * 1024

try:
    from botocore.exceptions import BotoCoreError, ClientError

    _STORE_ERRORS: tuple[type[BaseException], ...] = (OSError, BotoCoreError, ClientError)
except ImportError:  # botocore comes with django-storages[s3]; local storage raises OSError.
    _STORE_ERRORS = (OSError,)


class StorageUnavailable(Exception):
    """The file store could not be reached or refused the request: nothing was stored or sent."""

    message = (
        "The file store cannot be reached just now, so nothing was saved. Try again in a few "
        "minutes; if it keeps happening, tell the portal's system administrators."
    )


class StoredFileMissing(Exception):
    """The store answered, but holds no file under the name a row gives (lost from the store,
    or a database loaded beside another store): uploading the file again is the remedy."""


def is_storage_error(error: BaseException) -> bool:
    return isinstance(error, _STORE_ERRORS)


def is_object_storage(storage) -> bool:
    """An S3-compatible store (django-storages), as opposed to a folder on this machine."""
    return hasattr(storage, "bucket_name")


def open_stored(field_file) -> tuple[IO[bytes], int]:
    """A reader of a stored file that reads from the store as it goes, and the file's size.

    django-storages' own file object downloads the whole object before giving the first byte;
    the object's body, read straight from the store, keeps memory flat for a 500 MB film.
    Raises StorageUnavailable if the store cannot be reached.
    """
    storage = field_file.storage
    try:
        if is_object_storage(storage):
            stored = storage.open(field_file.name, "rb")  # a HEAD request: fails early if absent
            answer = stored.obj.get()
            return answer["Body"], answer["ContentLength"]
        reader = storage.open(field_file.name, "rb")
        return reader, reader.size
    except _STORE_ERRORS as error:
        raise StorageUnavailable(str(error)) from error


def read_stored(field_file) -> bytes:
    """The whole of a small stored file (a logo, a template), whatever the storage.

    Raises StoredFileMissing if the store has no such file (django-storages answers an object
    store's 404 with FileNotFoundError too), StorageUnavailable if it cannot be reached."""
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            return handle.read()
    except FileNotFoundError as error:
        raise StoredFileMissing(field_file.name) from error
    except _STORE_ERRORS as error:
        raise StorageUnavailable(str(error)) from error


def stored_chunks(field_file, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Read a stored file lazily, one chunk at a time, whatever the storage. A store that fails
    part-way raises StorageUnavailable too."""
    reader, _ = open_stored(field_file)
    try:
        while True:
            try:
                chunk = reader.read(chunk_size)
            except _STORE_ERRORS as error:
                raise StorageUnavailable(str(error)) from error
            if not chunk:
                return
            yield chunk
    finally:
        reader.close()


def _mark_protected(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SERVED_FILE_POLICY
    response["Cache-Control"] = "private, no-store"
    return response


def protected_file_response(
    file, *, filename: str, content_type: str, inline: bool = False
) -> FileResponse:
    """A file-like object (not a stored file: see stored_file_response), streamed by Django."""
    response = FileResponse(
        file, as_attachment=not inline, filename=filename, content_type=content_type
    )
    return _mark_protected(response)


def check_reachable(field_file) -> None:
    """Ask the store whether the file is there before a download is recorded, so that a store
    that cannot be reached gives a clear page and no record of a download that did not happen."""
    try:
        field_file.storage.size(field_file.name)
    except _STORE_ERRORS as error:
        raise StorageUnavailable(str(error)) from error


def stored_file_response(
    field_file,
    *,
    filename: str,
    content_type: str,
    inline: bool = False,
    checked: bool = False,
    if_not_sent: str = "",
) -> HttpResponse:
    """The response that sends a stored file, once access is checked and the download recorded.

    With DOWNLOADS_VIA=nginx the web process sends headers only: nginx sends a local file from
    its internal location, or fetches the object with a signed link that lasts
    DOWNLOAD_LINK_SECONDS and that only nginx sees (the browser never gets a bearer link). nginx
    adds nosniff and the served-file CSP itself (deploy/nginx.conf); a local file keeps Django's
    Content-Disposition and Content-Type, an object gets them from the store, which repeats
    those the signed link names. The file is first asked for in the store (check_reachable),
    unless the caller has just done so (`checked`). If the store then fails as nginx fetches the
    object, nginx asks the portal's /downloads/not-sent/ for its page instead, passing
    `if_not_sent` on.
    """
    disposition = content_disposition_header(not inline, filename)
    if settings.DOWNLOADS_VIA == "nginx":
        if not checked:
            check_reachable(field_file)
        response = _mark_protected(HttpResponse(content_type=content_type))
        # nginx passes Content-Type and Cache-Control on from this answer, and adds nosniff and
        # the CSP itself (it drops the others of an X-Accel-Redirect).
        storage = field_file.storage
        if is_object_storage(storage):
            # No Content-Disposition here: nginx would keep it on whatever it answers instead of
            # the object (the portal's page when the store fails), and the browser would save
            # that page under the file's name. The store sends it with the object.
            url = storage.url(
                field_file.name,
                parameters={
                    "ResponseContentDisposition": disposition,
                    "ResponseContentType": content_type,
                },
                expire=settings.DOWNLOAD_LINK_SECONDS,
            )
            signed = urlsplit(url)
            response["X-Accel-Redirect"] = NGINX_OBJECT_LOCATION
            response[NGINX_OBJECT_HEADER] = f"{signed.path}?{signed.query}"
            if if_not_sent:
                response[NGINX_NOT_SENT_HEADER] = if_not_sent
        else:
            response["Content-Disposition"] = disposition
            response["X-Accel-Redirect"] = NGINX_MEDIA_LOCATION + quote(field_file.name)
        return response
    reader, size = open_stored(field_file)
    response = protected_file_response(
        reader, filename=filename, content_type=content_type, inline=inline
    )
    response["Content-Length"] = str(size)
    return response


def allow_private_caching(response, *, max_age: int):
    """Let the person's own browser keep this response for max_age seconds, never a shared
    cache. The portal's security headers otherwise mark every signed-in response no-store
    (portal.middleware.SecurityHeadersMiddleware); only call this for what the person may keep,
    under an address that changes when the content does."""
    response["Cache-Control"] = f"private, max-age={max_age}"
    response.private_caching_allowed = True
    return response


class StoredFiles:
    """The files an action has written to storage so far, removed again if the action fails:
    a transaction rolls the database back, but not the storage.

    A store that fails while the action writes to it is raised as StorageUnavailable, for the
    view to show a clear message and keep the form."""

    def __init__(self):
        self.files = []

    def add(self, field_file) -> None:
        self.files.append(field_file)

    def __enter__(self) -> "StoredFiles":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None:
            return False
        for field_file in self.files:
            try:
                field_file.storage.delete(field_file.name)
            except _STORE_ERRORS:
                # No row names the file: it is an orphan in the store, not half-stored material.
                logger.warning("Could not remove %s after a failed action", field_file.name)
        if is_storage_error(error):
            raise StorageUnavailable(str(error)) from error
        return False


# --- Names that every operating system accepts -------------------------------------------------
# Windows refuses these characters in a file name, and these names whatever their extension.
_NOT_IN_WINDOWS_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED_WINDOWS_NAMES = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{n}" for n in range(1, 10)),
    *(f"LPT{n}" for n in range(1, 10)),
}
MAX_NAME_LENGTH = 120


def safe_file_name(name: str, *, fallback: str = "file") -> str:
    """A file or folder name that Windows, macOS and Linux all accept, as close to the given one
    as can be: forbidden characters become "_", trailing dots and spaces go, a reserved device
    name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension) gets a leading "_", and a long
    name is shortened keeping its extension."""
    cleaned = _NOT_IN_WINDOWS_NAMES.sub("_", name)
    cleaned = " ".join(cleaned.split()).rstrip(". ").lstrip()
    if not cleaned.strip("._ "):
        cleaned = fallback
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot or not stem:
        stem, dot, suffix = cleaned, "", ""
    if len(cleaned) > MAX_NAME_LENGTH:
        suffix = suffix[:10]
        stem = stem[: MAX_NAME_LENGTH - len(suffix) - len(dot)].rstrip(". ")
        cleaned = f"{stem}{dot}{suffix}"
    if cleaned.split(".")[0].rstrip(" ").upper() in _RESERVED_WINDOWS_NAMES:
        cleaned = f"_{cleaned}"
    return cleaned


class UniqueNames:
    """Hands out safe names that are unique within one folder of an archive, ignoring case as
    Windows and macOS do: a second "poster.png" becomes "poster (2).png"."""

    def __init__(self):
        self.used: set[str] = set()

    def reserve(self, path: str) -> None:
        self.used.add(path.lower())

    def name(self, filename: str, *, folder: str = "") -> str:
        prefix = f"{safe_file_name(folder)}/" if folder else ""
        filename = safe_file_name(filename)
        stem, dot, suffix = filename.rpartition(".")
        if not dot or not stem:
            stem, dot, suffix = filename, "", ""
        path, number = f"{prefix}{filename}", 2
        while path.lower() in self.used:
            path = f"{prefix}{stem} ({number}){dot}{suffix}"
            number += 1
        self.used.add(path.lower())
        return path
