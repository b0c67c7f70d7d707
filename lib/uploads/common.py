"""What every kind of upload shares: the content types, the checked result, and the wording of
messages (so "a PDF, PNG, JPEG or WebP image" reads the same whichever check refused the file).

The package's `__init__` re-exports the public names, so callers keep writing `uploads.PDF`.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MP4 = "video/mp4"
TEXT = "text/plain"
IMAGE_TYPES = frozenset({PNG, JPEG, WEBP})
OFFICE_TYPES = frozenset({DOCX, PPTX, XLSX})

DESCRIPTIONS: dict[str, str] = {
    PDF: "PDF",
    PNG: "PNG image",
    JPEG: "JPEG image",
    WEBP: "WebP image",
    DOCX: "Word document (DOCX)",
    PPTX: "PowerPoint presentation (PPTX)",
    XLSX: "Excel spreadsheet (XLSX)",
    MP4: "MP4 video",
    TEXT: "plain text file",
}

# Callers turn the MB settings into bytes with this, so the limits in messages match the settings.
MB = 1024 * 1024

EXTENSIONS = {
    PDF: ".pdf",
    PNG: ".png",
    JPEG: ".jpg",
    WEBP: ".webp",
    DOCX: ".docx",
    PPTX: ".pptx",
    XLSX: ".xlsx",
    MP4: ".mp4",
    TEXT: ".txt",
}
# Images last, so a list reads "a PDF, PNG, JPEG or WebP image".
_LISTING_ORDER = (PDF, DOCX, PPTX, XLSX, MP4, TEXT, PNG, JPEG, WEBP)


@dataclass(frozen=True)
class CheckedUpload:
    content: File
    content_type: str
    filename: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    page_count: int | None = None
    virus_checked: bool = False  # scanned clean by ClamAV (False while scanning is off)


def not_accepted(found: str, what: str, accepted: frozenset[str]) -> ValidationError:
    if found:
        problem = f"This file is {found}, which cannot be uploaded as {a(what)}."
    else:
        problem = (
            "This file is not in a format the portal recognises, so it cannot be uploaded as "
            f"{a(what)}."
        )
    if accepted:
        problem += f" {a(what).capitalize()} can be {_listing(accepted)}."
    return ValidationError(problem, code="type_not_allowed")


def _listing(content_types: frozenset[str]) -> str:
    names = [DESCRIPTIONS[t] for t in _LISTING_ORDER if t in content_types]
    images = [t for t in _LISTING_ORDER if t in content_types and t in IMAGE_TYPES]
    # "a PNG, JPEG or WebP image": only the last image keeps the word "image".
    for index in range(len(names) - len(images), len(names) - 1):
        names[index] = names[index].removesuffix(" image")
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return a(listed)


def a(noun: str) -> str:
    """The noun with its article: "a PDF", "an MP4 video"."""
    # "an MP4" is said "an em-pee-four"; the nouns used here are otherwise read as words.
    article = "an" if noun[:1].lower() in "aeiou" or noun.startswith("MP4") else "a"
    return f"{article} {noun}"


def megabytes(size: int, rounding: Callable[[float], int]) -> str:
    # The size is rounded up and the limit down, so a file just over the limit never reads as
    # being exactly at it.
    return f"{rounding(size * 10 / MB) / 10:.1f}"


def checked_as_is(uploaded: UploadedFile, content_type: str, filename: str) -> CheckedUpload:
    """The upload stored as sent, hashed chunk by chunk (never read into memory whole)."""
    digest = hashlib.sha256()
    size = 0
    for chunk in uploaded.chunks():
        digest.update(chunk)
        size += len(chunk)
    return CheckedUpload(uploaded, content_type, filename, size, digest.hexdigest())
