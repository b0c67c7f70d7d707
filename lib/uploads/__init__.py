"""The one place where uploaded files are checked, by their content.

Partners upload posters, press releases, films, logos and photos of their activity, and other
partners download them. Nothing about an upload is trusted: not its name, not the type the browser
sent. `check_upload` sniffs what the bytes really are, refuses anything that is not on the caller's
list or that could carry active content (web pages, SVG, programs, PDF scripts, Office macros),
and refuses parser bombs before they are expanded. Images are decoded and encoded again, so what is
stored is pixels the portal wrote itself: no metadata (GPS position in a photo), no bytes appended
to the image (a "polyglot" that is also a web page).

Every refusal is a ValidationError with one message written for the person uploading, saying what
was wrong and what would be accepted.

One module per kind of file: `images`, `pdf`, `office` (Word, PowerPoint, Excel), `text` and
`films`; `common` holds the content types and the wording every message shares. Callers use only
this package's names (`uploads.check_upload`, `uploads.PDF`).
"""

import dataclasses
import io
import logging
import math
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

from lib.scanning import check_for_viruses
from lib.uploads.common import (
    DESCRIPTIONS,
    DOCX,
    EXTENSIONS,
    IMAGE_TYPES,
    JPEG,
    MB,
    MP4,
    OFFICE_TYPES,
    PDF,
    PNG,
    PPTX,
    TEXT,
    WEBP,
    XLSX,
    CheckedUpload,
    a,
    checked_as_is,
    megabytes,
    not_accepted,
)
from lib.uploads.films import check_film
from lib.uploads.images import MAX_IMAGE_PIXELS, check_image, open_checked_image
from lib.uploads.office import check_office
from lib.uploads.pdf import check_pdf, render_first_page
from lib.uploads.text import check_text, looks_like_text, markup

__all__ = [
    "DESCRIPTIONS",
    "DOCX",
    "IMAGE_TYPES",
    "JPEG",
    "MAX_IMAGE_PIXELS",
    "MB",
    "MP4",
    "PDF",
    "PNG",
    "PPTX",
    "TEXT",
    "WEBP",
    "XLSX",
    "CheckedUpload",
    "check_upload",
    "clean_filename",
    "make_preview",
]

logger = logging.getLogger(__name__)

# What the most likely refused files are, in words a person recognises. Anything else filetype
# knows is named by its extension.
_FOUND_DESCRIPTIONS = {
    "application/x-msdownload": "a Windows program (EXE)",
    "application/x-executable": "a program (ELF executable)",
    "application/wasm": "a WebAssembly program",
    "application/x-shockwave-flash": "a Flash file (SWF)",
    "application/zip": "a ZIP archive",
    "application/x-rar-compressed": "a RAR archive",
    "application/x-7z-compressed": "a 7-Zip archive",
    "application/gzip": "a compressed archive (GZIP)",
    "application/msword": "an old-style Word document (DOC)",
    "application/vnd.ms-excel": "an old-style Excel spreadsheet (XLS)",
    "application/vnd.ms-powerpoint": "an old-style PowerPoint presentation (PPT)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "an Excel spreadsheet (XLSX)"
    ),
    "application/vnd.oasis.opendocument.text": "an OpenDocument text (ODT)",
    "application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation (ODP)",
    "application/rtf": "a Rich Text document (RTF)",
    "application/postscript": "a PostScript file",
    "image/gif": "a GIF image",
    "image/apng": "an animated PNG image",
    "image/tiff": "a TIFF image",
    "image/bmp": "a BMP image",
    "image/heic": "a HEIC photo (the iPhone format)",
    "image/avif": "an AVIF image",
    "image/vnd.adobe.photoshop": "a Photoshop file (PSD)",
    "video/quicktime": "a QuickTime video (MOV)",
    "video/x-m4v": "an M4V video",
    "video/x-msvideo": "an AVI video",
    "video/webm": "a WebM video",
    "video/x-matroska": "an MKV video",
    "audio/mpeg": "an MP3 audio file",
}
# filetype reads no further than this either.
_HEAD_BYTES = 8192

# What parsers raise on hostile or broken input. pypdfium2's PdfiumError is a RuntimeError and
# Pillow's UnidentifiedImageError an OSError.
_PARSER_ERRORS = (
    EOFError,
    IndexError,
    KeyError,
    NotImplementedError,
    OSError,
    RuntimeError,
    SyntaxError,
    ValueError,
    struct.error,
    zlib.error,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
)


def check_upload(
    uploaded: UploadedFile,
    *,
    allowed: Iterable[str],
    max_bytes: int,
    what: str = "file",
    scan_later_over: int | None = None,
) -> CheckedUpload:
    """Check an uploaded file by its content, then scan it for viruses if scanning is on.

    A file bigger than `scan_later_over` bytes (a film) is not scanned while the person waits: it
    comes back with virus_checked False, is stored but never served while scanning is on, and the
    caller queues the scan for the task worker.
    """
    checked = _check_content(uploaded, allowed=allowed, max_bytes=max_bytes, what=what)
    if scan_later_over is not None and checked.size > scan_later_over:
        return checked
    return dataclasses.replace(checked, virus_checked=check_for_viruses(checked.content))


def _check_content(
    uploaded: UploadedFile, *, allowed: Iterable[str], max_bytes: int, what: str = "file"
) -> CheckedUpload:
    """Check an uploaded file by its content and return what may be stored.

    `allowed` lists content types from this module; anything else in it is ignored, so HTML, SVG
    and programs are refused whatever a caller passes. `what` names the upload in messages
    ("poster"). Raises ValidationError with one message for the person uploading.
    """
    accepted = frozenset(allowed) & frozenset(EXTENSIONS)
    if uploaded.size > max_bytes:
        raise ValidationError(
            f"This {what} is {megabytes(uploaded.size, math.ceil)} MB; the limit for "
            f"{a(what)} is {megabytes(max_bytes, math.floor).removesuffix('.0')} MB.",
            code="too_large",
        )
    if not uploaded.size:
        raise ValidationError(
            f"This {what} is empty: the file has no content. Choose the file again.",
            code="empty",
        )
    uploaded.seek(0)
    head = uploaded.read(_HEAD_BYTES)
    uploaded.seek(0)
    content_type, found = _sniff(head)
    if content_type not in accepted:
        raise not_accepted(found, what, accepted)
    filename = clean_filename(uploaded.name or "", EXTENSIONS[content_type])
    try:
        if content_type in IMAGE_TYPES:
            return check_image(uploaded, content_type, filename)
        if content_type == PDF:
            return check_pdf(uploaded, filename)
        if content_type in OFFICE_TYPES:
            check_office(uploaded, content_type, max_bytes)
            return checked_as_is(uploaded, content_type, filename)
        if content_type == TEXT:
            return check_text(uploaded, filename, what, accepted)
        return check_film(uploaded, filename)
    except _PARSER_ERRORS as error:
        logger.info("Refused a damaged %s upload: %r", content_type, error)
        raise ValidationError(
            f"This file looks damaged or incomplete: it could not be read as "
            f"{a(DESCRIPTIONS[content_type])}. Save or export it again and upload the new copy.",
            code="damaged",
        ) from error
    finally:
        # Non-images are stored as uploaded, and storage reads from the current position.
        uploaded.seek(0)


def clean_filename(name: str, extension: str) -> str:
    """A safe name to show and to offer for download, ending in `extension` (".pdf").

    The browser-sent name is a hint for people, never a path: only its last part is kept, and only
    letters, digits, spaces and . - _ ( ) survive, so it can go into a Content-Disposition header.
    """
    # Normalise first: compatibility forms can turn into "/" or ".." (fullwidth solidus, "‥").
    name = unicodedata.normalize("NFKC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(character for character in name if _filename_character(character))
    name = re.sub(r" {2,}", " ", name)
    stem = re.sub(r"\.[A-Za-z0-9]{1,10}$", "", name)
    stem = re.sub(r"\.{2,}", ".", stem)
    stem = stem.lstrip(". ")[:100].rstrip(". ")
    return f"{stem or 'file'}.{extension.lstrip('.')}"


def make_preview(checked: CheckedUpload, *, max_side: int = 480) -> ContentFile | None:
    """A PNG thumbnail of an image or of a PDF's first page; None for other types."""
    if checked.content_type not in IMAGE_TYPES and checked.content_type != PDF:
        return None
    checked.content.seek(0)
    data = checked.content.read()
    checked.content.seek(0)
    if checked.content_type == PDF:
        image = render_first_page(data, max_side)
    else:
        image = open_checked_image(data, checked.content_type)
    image.thumbnail((max_side, max_side))
    if image.mode not in ("RGB", "RGBA"):
        has_alpha = "A" in image.mode or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    output = io.BytesIO()
    image.save(output, "PNG")
    stem = checked.filename.rpartition(".")[0] or "file"
    return ContentFile(output.getvalue(), name=f"{stem}-preview.png")


def _sniff(head: bytes) -> tuple[str | None, str]:
    """The content type from this module that `head` starts, if any, and what it looks like."""
    # Checked here as well as by filetype: programs are refused whatever else the bytes resemble.
    if head.startswith(b"MZ"):
        return None, _FOUND_DESCRIPTIONS["application/x-msdownload"]
    if head.startswith(b"\x7fELF"):
        return None, _FOUND_DESCRIPTIONS["application/x-executable"]
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in EXTENSIONS:
            return kind.mime, a(DESCRIPTIONS[kind.mime])
        return None, _FOUND_DESCRIPTIONS.get(kind.mime, f"a {kind.extension.upper()} file")
    text = head.decode("utf-8", errors="replace").lower()
    found = markup(text)
    if found:
        return None, found
    if looks_like_text(head):
        return TEXT, a(DESCRIPTIONS[TEXT])
    return None, ""


def _filename_character(character: str) -> bool:
    return character in " .-_()" or unicodedata.category(character)[0] in "LMN"
