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
"""

import codecs
import contextlib
import dataclasses
import hashlib
import io
import logging
import math
import re
import struct
import threading
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import filetype
import pypdfium2
import pypdfium2.raw as pdfium_c
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps

from lib.scanning import check_for_viruses

logger = logging.getLogger(__name__)

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
# Lower than Pillow's own warning threshold (about 89 million): a 50-megapixel image already takes
# 200 MB of memory once decoded, more than any poster or photo here needs.
MAX_IMAGE_PIXELS = 50_000_000

_EXTENSIONS = {
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
_PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}
_PNG_MODES = ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA")

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

# Control characters that never belong in text; tab, line breaks and form feed do.
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_LEADING_BLANK = re.compile(r"[\s\ufeff]*")
# Markup a browser could run, by the first marker found; SVG first, as SVG files are XML too.
_MARKUP_MARKERS = (
    ("<svg", "an SVG image"),
    ("<script", "an HTML page"),
    ("<html", "an HTML page"),
    ("<!doctype", "an HTML page"),
    ("<iframe", "an HTML page"),
    ("<?xml", "an XML document"),
)

_MAX_ZIP_ENTRIES = 2_000
_MAX_ZIP_RATIO = 100
_ZIP_RATIO_FROM = MB
_MAX_CONTENT_TYPES_XML = MB
_OFFICE_MAIN_PARTS = {
    DOCX: "word/document.xml",
    PPTX: "ppt/presentation.xml",
    XLSX: "xl/workbook.xml",
}
_UNSAFE_ZIP_NAME = re.compile(r"^/|\\|^[A-Za-z]:|(^|/)\.\.(/|$)")

# PDF names that run code, act on their own or smuggle other files. /AA is "additional actions"
# (on open, on close, on page view); /OpenAction alone is harmless and common (open at page 1).
# A PDF name ends at whitespace or a delimiter, so /JSFoo is a different name from /JS.
_PDF_DELIMITER = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"
_PDF_NAME_END = rb"(?=[" + _PDF_DELIMITER + rb"]|\Z)"
# Between two tokens PDF allows whitespace (NUL included) and comments.
_PDF_GAP = rb"(?:[\x00\t\n\x0c\r ]|%[^\r\n]*[\r\n])"
_PDF_BLOCKED_NAME = re.compile(
    rb"/(JavaScript|JS|Launch|AA|EmbeddedFiles?|RichMedia|XFA|Encrypt)" + _PDF_NAME_END
)
# "/J#53" is the name /JS written with an escape; decode escapes before looking for names.
_PDF_ESCAPED_NAME = re.compile(
    rb"/[^" + _PDF_DELIMITER + rb"]*#[0-9A-Fa-f]{2}[^" + _PDF_DELIMITER + rb"]*"
)
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# Keywords; whether they stand as words (not the end of "endstream") is checked in _keywords(),
# which is much faster than a look-behind in the pattern.
_PDF_STREAM = re.compile(rb"stream(?![A-Za-z0-9])")
_PDF_OBJ = re.compile(rb"obj(?![A-Za-z0-9])")
_PDF_LINE_END = re.compile(rb"\r\n?|\n")
_PDF_ENDSTREAM = re.compile(rb"endstream")
# pdfium takes a stream for an object stream when its /Type reads ObjStm (as a name, a string or
# through a reference) and /First is a number; outlines have /First too, but as a reference.
_PDF_OBJECT_STREAM = re.compile(
    rb"ObjStm|/First"
    + _PDF_NAME_END
    + rb"(?!"
    + _PDF_GAP
    + rb"*\d+"
    + _PDF_GAP
    + rb"+\d+"
    + _PDF_GAP
    + rb"+R(?![A-Za-z0-9]))"
)
_PDF_IMAGE = re.compile(rb"/Subtype\s*/Image" + _PDF_NAME_END)
_PDF_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+|\S+)")
_PDF_PREDICTOR = re.compile(rb"/Predictor\s*(\d+)")
_PDF_FLATE = ([b"/FlateDecode"], [b"/Fl"])
_PDF_IMAGE_FILTERS = (b"/DCTDecode", b"/DCT", b"/JPXDecode", b"/JBIG2Decode", b"/CCITTFaxDecode")
# Compressed streams can hide dictionaries; this much decompressed text is plenty for a real PDF.
_MAX_PDF_INFLATE = 50 * MB
_MAX_PDF_STREAMS = 100_000
_PDF_EMBEDDED_FILE_REFUSAL = (
    "This PDF has other files attached inside it, which the portal does not accept. Save a copy "
    "without attachments and upload that."
)
_PDF_REFUSALS = {
    b"Encrypt": (
        "This PDF is protected with a password or encryption, so the portal cannot check what is "
        "inside it. Save a copy without protection and upload that."
    ),
    b"EmbeddedFile": _PDF_EMBEDDED_FILE_REFUSAL,
    b"EmbeddedFiles": _PDF_EMBEDDED_FILE_REFUSAL,
    b"RichMedia": (
        "This PDF contains embedded media (Flash or video), which the portal does not accept. "
        "Save a copy without it (for example with Print to PDF) and upload that."
    ),
    b"XFA": (
        "This PDF is an interactive XFA form, which the portal does not accept. Save a flat copy "
        "(for example with Print to PDF) and upload that."
    ),
}
_PDF_SCRIPT_REFUSAL = (
    "This PDF contains JavaScript or actions that run by themselves when it is opened, which the "
    "portal does not accept. Save a copy without them (for example with Print to PDF) and upload "
    "that."
)

# pypdfium2 is not thread-safe, and the portal may serve requests from several threads.
_PDFIUM_LOCK = threading.Lock()

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


def check_upload(
    uploaded: UploadedFile, *, allowed: Iterable[str], max_bytes: int, what: str = "file"
) -> CheckedUpload:
    """Check an uploaded file by its content, then scan it for viruses if scanning is on."""
    checked = _check_content(uploaded, allowed=allowed, max_bytes=max_bytes, what=what)
    return dataclasses.replace(checked, virus_checked=check_for_viruses(checked.content))


def _check_content(
    uploaded: UploadedFile, *, allowed: Iterable[str], max_bytes: int, what: str = "file"
) -> CheckedUpload:
    """Check an uploaded file by its content and return what may be stored.

    `allowed` lists content types from this module; anything else in it is ignored, so HTML, SVG
    and programs are refused whatever a caller passes. `what` names the upload in messages
    ("poster"). Raises ValidationError with one message for the person uploading.
    """
    accepted = frozenset(allowed) & frozenset(_EXTENSIONS)
    if uploaded.size > max_bytes:
        raise ValidationError(
            f"This {what} is {_megabytes(uploaded.size, math.ceil)} MB; the limit for "
            f"{_a(what)} is {_megabytes(max_bytes, math.floor).removesuffix('.0')} MB.",
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
        raise _not_accepted(found, what, accepted)
    filename = clean_filename(uploaded.name or "", _EXTENSIONS[content_type])
    try:
        if content_type in IMAGE_TYPES:
            return _check_image(uploaded, content_type, filename)
        if content_type == PDF:
            return _check_pdf(uploaded, filename)
        if content_type in _OFFICE_MAIN_PARTS:
            _check_office(uploaded, content_type, max_bytes)
        elif content_type == TEXT:
            return _check_text(uploaded, filename, what, accepted)
        return _checked_as_is(uploaded, content_type, filename)
    except _PARSER_ERRORS as error:
        logger.info("Refused a damaged %s upload: %r", content_type, error)
        raise ValidationError(
            f"This file looks damaged or incomplete: it could not be read as "
            f"{_a(DESCRIPTIONS[content_type])}. Save or export it again and upload the new copy.",
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
        image = _render_first_page(data, max_side)
    else:
        image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[checked.content_type]])
        image.load()
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
        if kind.mime in _EXTENSIONS:
            return kind.mime, _a(DESCRIPTIONS[kind.mime])
        return None, _FOUND_DESCRIPTIONS.get(kind.mime, f"a {kind.extension.upper()} file")
    text = head.decode("utf-8", errors="replace").lower()
    markup = _markup(text)
    if markup:
        return None, markup
    if not _BINARY_BYTES.search(head):
        return TEXT, _a(DESCRIPTIONS[TEXT])
    return None, ""


def _markup(lowered_text: str, *, at_start: bool = True) -> str:
    """What kind of markup the text is, or "" if it is not markup."""
    for marker, kind in _MARKUP_MARKERS:
        if marker in lowered_text:
            return kind
    if at_start and lowered_text[_LEADING_BLANK.match(lowered_text).end() :].startswith("<"):
        return "an HTML or XML document"
    return ""


def _not_accepted(found: str, what: str, accepted: frozenset[str]) -> ValidationError:
    if found:
        problem = f"This file is {found}, which cannot be uploaded as {_a(what)}."
    else:
        problem = (
            "This file is not in a format the portal recognises, so it cannot be uploaded as "
            f"{_a(what)}."
        )
    if accepted:
        problem += f" {_a(what).capitalize()} can be {_listing(accepted)}."
    return ValidationError(problem, code="type_not_allowed")


def _listing(content_types: frozenset[str]) -> str:
    names = [DESCRIPTIONS[t] for t in _LISTING_ORDER if t in content_types]
    images = [t for t in _LISTING_ORDER if t in content_types and t in IMAGE_TYPES]
    # "a PNG, JPEG or WebP image": only the last image keeps the word "image".
    for index in range(len(names) - len(images), len(names) - 1):
        names[index] = names[index].removesuffix(" image")
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return _a(listed)


def _a(noun: str) -> str:
    # "an MP4" is said "an em-pee-four"; the nouns used here are otherwise read as words.
    article = "an" if noun[:1].lower() in "aeiou" or noun.startswith("MP4") else "a"
    return f"{article} {noun}"


def _megabytes(size: int, rounding: Callable[[float], int]) -> str:
    # The size is rounded up and the limit down, so a file just over the limit never reads as
    # being exactly at it.
    return f"{rounding(size * 10 / MB) / 10:.1f}"


def _filename_character(character: str) -> bool:
    return character in " .-_()" or unicodedata.category(character)[0] in "LMN"


def _hash_stream(uploaded: UploadedFile) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in uploaded.chunks():
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _checked_as_is(uploaded: UploadedFile, content_type: str, filename: str) -> CheckedUpload:
    sha256, size = _hash_stream(uploaded)
    return CheckedUpload(uploaded, content_type, filename, size, sha256)


# --- Images ---------------------------------------------------------------------------------------


def _check_image(uploaded: UploadedFile, content_type: str, filename: str) -> CheckedUpload:
    data = uploaded.read()
    formats = [_PILLOW_FORMATS[content_type]]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=formats) as image:
                _refuse_too_many_pixels(image.size)
                image.verify()
            # verify() leaves the image unusable; decoding every pixel catches truncated files.
            with Image.open(io.BytesIO(data), formats=formats) as image:
                _refuse_too_many_pixels(image.size)
                image.load()
                clean = _without_metadata(image, content_type)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(None) from error
    output = io.BytesIO()
    if content_type == PNG:
        clean.save(output, "PNG", optimize=True)
    else:
        clean.save(output, formats[0], quality=90)
    encoded = output.getvalue()
    return CheckedUpload(
        content=ContentFile(encoded, name=filename),
        content_type=content_type,
        filename=filename,
        size=len(encoded),
        sha256=hashlib.sha256(encoded).hexdigest(),
        width=clean.width,
        height=clean.height,
    )


def _refuse_too_many_pixels(size: tuple[int, int]) -> None:
    if size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise _too_many_pixels(size)


def _too_many_pixels(size: tuple[int, int] | None) -> ValidationError:
    dimensions = f" ({size[0]:,} × {size[1]:,} pixels)" if size else ""
    return ValidationError(
        f"This image has too many pixels{dimensions}: the limit is "
        f"{MAX_IMAGE_PIXELS // 1_000_000} million pixels (for example 8,000 × 6,000). Make it "
        "smaller and upload it again.",
        code="too_many_pixels",
    )


def _without_metadata(image: Image.Image, content_type: str) -> Image.Image:
    """The pixels upright, in a mode the format can store, with nothing else carried over."""
    upright = ImageOps.exif_transpose(image)
    has_alpha = "A" in upright.mode or "transparency" in upright.info
    if content_type == JPEG and upright.mode not in ("L", "RGB"):
        upright = upright.convert("RGB")
    elif content_type == WEBP and upright.mode not in ("RGB", "RGBA"):
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    elif content_type == PNG and upright.mode not in _PNG_MODES:
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    # exif_transpose() and convert() return new images, so this leaves `image` alone. Encoders
    # write what is in info: EXIF with GPS, XMP, text chunks, ICC profiles (which can hold any
    # bytes at all). Only a PNG's transparent colour is part of the picture.
    upright.info = {
        key: value
        for key, value in upright.info.items()
        if key == "transparency" and content_type == PNG
    }
    return upright


# --- PDF ------------------------------------------------------------------------------------------


def _check_pdf(uploaded: UploadedFile, filename: str) -> CheckedUpload:
    data = uploaded.read()
    _refuse_active_pdf(data)
    with _PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as error:
            if error.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
                raise ValidationError(_PDF_REFUSALS[b"Encrypt"], code="pdf_protected") from error
            raise
        try:
            # pdfium's own reading of the file, in case it finds what the byte scan could not.
            scripts = pdfium_c.FPDFDoc_GetJavaScriptActionCount(document)
            encrypted = pdfium_c.FPDF_GetSecurityHandlerRevision(document) != -1
            page_count = len(document)
            document.get_page(0).close()
        finally:
            document.close()
    if scripts:
        raise ValidationError(_PDF_SCRIPT_REFUSAL, code="pdf_active_content")
    if encrypted:
        raise ValidationError(_PDF_REFUSALS[b"Encrypt"], code="pdf_protected")
    return CheckedUpload(
        content=uploaded,
        content_type=PDF,
        filename=filename,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=page_count,
    )


def _refuse_active_pdf(data: bytes) -> None:
    """Refuse a PDF whose dictionaries name scripts, actions, attachments or encryption.

    Dictionaries live between streams and inside compressed object streams, so that is what is
    read. The raw bytes of images are not: any three random bytes can read "/JS ", and a poster
    full of photographs would be refused by chance. What counts as a stream is decided the way
    pdfium would read it, and any doubt means reading more, never less.
    """
    # Counting "endstream" as well: real PDFs have a few thousand streams at most.
    if data.count(b"stream") > 2 * _MAX_PDF_STREAMS:
        raise _pdf_too_complex(f"it has more than {_MAX_PDF_STREAMS:,} parts")
    inflate_budget = _MAX_PDF_INFLATE
    header_start = 0
    rejected_body_start = -1
    line_ends = _NextMatch(data, _PDF_LINE_END)
    endstreams = _NextMatch(data, _PDF_ENDSTREAM)
    for keyword in _keywords(_PDF_STREAM, data, 0, len(data)):
        if keyword.start() < header_start:
            continue  # inside a stream body already dealt with
        # pdfium starts the body on the line after the keyword and ends it at "endstream".
        line_end = line_ends.at_or_after(keyword.end())
        body_start = line_end.end() if line_end else len(data)
        endstream = endstreams.at_or_after(body_start)
        body_end = endstream.start() if endstream else len(data)
        if body_start == rejected_body_start:
            continue
        # A body with a stream keyword or an object header in it is not one: "stream" was in a
        # string or comment, or the "stream" is a decoy wrapped around real objects. Read on.
        if next(_keywords(_PDF_STREAM, data, body_start, body_end), None) or _holds_object_header(
            data, body_start, body_end
        ):
            rejected_body_start = body_start
            continue
        header = data[header_start : keyword.start()]
        _refuse_pdf_names(header)
        body = data[body_start:body_end]
        inflate_budget -= _check_pdf_stream(_decode_pdf_names(header), body, inflate_budget)
        header_start = body_end
    _refuse_pdf_names(data[header_start:])


def _keywords(
    pattern: re.Pattern[bytes], data: bytes, start: int, end: int
) -> Iterator[re.Match[bytes]]:
    for match in pattern.finditer(data, start, end):
        if not data[match.start() - 1 : match.start()].isalnum():
            yield match


def _holds_object_header(data: bytes, start: int, end: int) -> bool:
    """Whether pdfium could find an object ("12 0 obj") between `start` and `end`."""
    for keyword in _keywords(_PDF_OBJ, data, start, end):
        # Any whitespace or comments may separate the numbers from "obj", so a digit or a line
        # end (where a comment stops) before it is reason enough to read the bytes as objects.
        before = data[max(start, keyword.start() - 64) : keyword.start()].rstrip(b"\x00\t\x0c ")
        if not before or before[-1:] in b"0123456789\r\n":
            return True
    return False


class _NextMatch:
    """The first match at or after a position, for positions that only grow: each search is
    remembered, so a file full of "stream" keywords is still read in one pass."""

    def __init__(self, data: bytes, pattern: re.Pattern[bytes]) -> None:
        self.data = data
        self.pattern = pattern
        self.searched_from = len(data) + 1
        self.found: re.Match[bytes] | None = None

    def at_or_after(self, position: int) -> re.Match[bytes] | None:
        stale = self.found.start() < position if self.found else position < self.searched_from
        if stale:
            self.found = self.pattern.search(self.data, position)
            self.searched_from = position
        return self.found


def _check_pdf_stream(header: bytes, body: bytes, inflate_budget: int) -> int:
    """Refuse what the stream hides; return how many bytes it took to look inside it."""
    # `header` is everything since the previous stream, so it ends with this stream's dictionary;
    # reading too much of it only makes the check stricter.
    object_stream = _PDF_OBJECT_STREAM.search(header) is not None
    filters = _pdf_filters(header)
    predictors = _PDF_PREDICTOR.findall(header)[-1:]
    plain_flate = filters in _PDF_FLATE and not any(int(value) > 1 for value in predictors)
    if object_stream:
        # pdfium reads objects out of these, so they must be read in full or refused. A corrupt
        # one raises zlib.error: pdfium might still use the part before the damage.
        if not plain_flate:
            raise ValidationError(
                "This PDF is built in a way the portal cannot check (its objects are compressed "
                "with an unusual method). Save a copy with Print to PDF and upload that.",
                code="pdf_unchecked",
            )
        inflated = _inflate(body, inflate_budget)
        _refuse_pdf_names(inflated)
        return len(inflated)
    is_image = _PDF_IMAGE.search(header) is not None or any(
        name in _PDF_IMAGE_FILTERS for name in filters or ()
    )
    if is_image:
        return 0
    if not filters:
        _refuse_pdf_names(body)
        return 0
    if plain_flate:
        with contextlib.suppress(zlib.error):
            inflated = _inflate(body, inflate_budget)
            _refuse_pdf_names(inflated)
            return len(inflated)
    # Other filters (and broken data) are left unread: pdfium finds no objects in those.
    return 0


def _pdf_filters(header: bytes) -> list[bytes] | None:
    """The filter names of the last /Filter in `header`; [] if none, None if not direct names."""
    matches = _PDF_FILTER.findall(header)
    if not matches:
        return []
    value = matches[-1]
    names = re.findall(rb"/[A-Za-z0-9]+", value)
    return names if names and value.startswith((b"/", b"[")) else None


def _inflate(body: bytes, inflate_budget: int) -> bytes:
    inflated = zlib.decompressobj().decompress(body, inflate_budget + 1)
    if len(inflated) > inflate_budget:
        raise _pdf_too_complex(f"it unpacks to more than {_MAX_PDF_INFLATE // MB} MB")
    return inflated


def _pdf_too_complex(reason: str) -> ValidationError:
    return ValidationError(
        f"This PDF is too complex for the portal to check: {reason}. Save a simpler copy (for "
        "example with Print to PDF, or with smaller images) and upload that.",
        code="pdf_too_complex",
    )


def _decode_pdf_names(data: bytes) -> bytes:
    return _PDF_ESCAPED_NAME.sub(
        lambda name: _PDF_NAME_ESCAPE.sub(lambda code: bytes([int(code[1], 16)]), name[0]), data
    )


def _refuse_pdf_names(data: bytes) -> None:
    match = _PDF_BLOCKED_NAME.search(_decode_pdf_names(data))
    if match:
        raise ValidationError(
            _PDF_REFUSALS.get(match[1], _PDF_SCRIPT_REFUSAL), code="pdf_active_content"
        )


def _render_first_page(data: bytes, max_side: int) -> Image.Image:
    with _PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(data)
        try:
            page = document.get_page(0)
            try:
                width, height = page.get_size()
                bitmap = page.render(scale=max_side / max(width, height, 1))
                try:
                    # to_pil() can share the bitmap's memory; convert() copies it before closing.
                    return bitmap.to_pil().convert("RGB")
                finally:
                    bitmap.close()
            finally:
                page.close()
        finally:
            document.close()


# --- Word and PowerPoint --------------------------------------------------------------------------


def _check_office(uploaded: UploadedFile, content_type: str, max_bytes: int) -> None:
    description = DESCRIPTIONS[content_type]
    with zipfile.ZipFile(uploaded) as archive:
        entries = archive.infolist()
        names = [entry.filename for entry in entries]
        if len(entries) > _MAX_ZIP_ENTRIES:
            raise _office_refusal(f"it has more than {_MAX_ZIP_ENTRIES:,} parts", description)
        if any(_UNSAFE_ZIP_NAME.search(name) for name in names):
            raise _office_refusal("it contains a part with an unsafe path", description)
        if len(set(names)) != len(names):
            raise _office_refusal("it contains the same part twice", description)
        unpacked_limit = max(10 * max_bytes, 100 * MB)
        if sum(entry.file_size for entry in entries) > unpacked_limit or any(
            entry.file_size > _ZIP_RATIO_FROM
            and entry.file_size > _MAX_ZIP_RATIO * entry.compress_size
            for entry in entries
        ):
            raise _office_refusal("it unpacks to far more than its size", description)
        if "[Content_Types].xml" not in names or _OFFICE_MAIN_PARTS[content_type] not in names:
            raise _office_refusal(f"it is missing parts every {description} has", description)
        content_types = archive.getinfo("[Content_Types].xml")
        if content_types.file_size > _MAX_CONTENT_TYPES_XML:
            raise _office_refusal("its list of parts is far too long", description)
        declared = archive.read(content_types).lower()
        if (
            any(name.rpartition("/")[2].lower() == "vbaproject.bin" for name in names)
            or b"vbaproject" in declared
            or b"macroenabled" in declared
        ):
            raise ValidationError(
                f"This {description} contains macros, which the portal does not accept. Save a "
                "copy without macros and upload that.",
                code="office_macros",
            )


def _office_refusal(reason: str, description: str) -> ValidationError:
    return ValidationError(
        f"This file cannot be accepted as {_a(description)}: {reason}. Save or export it again "
        "and upload the new copy.",
        code="office_unsafe",
    )


# --- Plain text -----------------------------------------------------------------------------------


def _check_text(
    uploaded: UploadedFile, filename: str, what: str, accepted: frozenset[str]
) -> CheckedUpload:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    digest = hashlib.sha256()
    size = 0
    window = ""
    at_start = True
    for chunk in uploaded.chunks():
        digest.update(chunk)
        size += len(chunk)
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as error:
            raise _text_refusal("is not saved as UTF-8 text", what) from error
        if _TEXT_CONTROLS.search(text):
            raise _text_refusal("contains control characters that plain text never has", what)
        # Keep a little of the previous chunk so a marker split across chunks is still seen.
        window = window[-16:] + text.lower()
        if at_start and _LEADING_BLANK.match(window).end() < len(window):
            at_start = False
            markup = _markup(window)
        else:
            markup = _markup(window, at_start=False)
        if markup:
            raise _not_accepted(markup, what, accepted)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise _text_refusal("is not saved as UTF-8 text", what) from error
    uploaded.seek(0)
    return CheckedUpload(uploaded, TEXT, filename, size, digest.hexdigest())


def _text_refusal(problem: str, what: str) -> ValidationError:
    return ValidationError(
        f"This text file {problem}, so it cannot be uploaded as {_a(what)}. Save it as plain "
        "text with UTF-8 encoding and upload it again.",
        code="text_not_plain",
    )
