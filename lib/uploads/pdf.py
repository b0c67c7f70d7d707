"""PDFs: refused when they could run code or hide what is inside them (scripts, actions that run
by themselves, attachments, embedded media, XFA forms, encryption), then opened by pdfium, which
must read their first page. Dictionaries are looked for the way pdfium would find them, inside
compressed object streams too, within a budget so a compression bomb is refused, not expanded."""

import contextlib
import hashlib
import re
import threading
import zlib
from collections.abc import Iterator

import pypdfium2
import pypdfium2.raw as pdfium_c
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from PIL import Image

from lib.uploads.common import MB, PDF, CheckedUpload

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


def check_pdf(uploaded: UploadedFile, filename: str) -> CheckedUpload:
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


def render_first_page(data: bytes, max_side: int) -> Image.Image:
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
