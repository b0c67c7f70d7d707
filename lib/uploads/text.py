"""Plain text: UTF-8 without control characters, and never markup a browser could run (a web
page, SVG or XML renamed .txt). Read chunk by chunk, so a large text file is never held whole."""

import codecs
import hashlib
import re

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from lib.uploads.common import TEXT, CheckedUpload, a, not_accepted

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


def looks_like_text(head: bytes) -> bool:
    """Whether the first bytes of a file have none of the bytes binary files are made of."""
    return not _BINARY_BYTES.search(head)


def markup(lowered_text: str, *, at_start: bool = True) -> str:
    """What kind of markup the text is, or "" if it is not markup."""
    for marker, kind in _MARKUP_MARKERS:
        if marker in lowered_text:
            return kind
    if at_start and lowered_text[_LEADING_BLANK.match(lowered_text).end() :].startswith("<"):
        return "an HTML or XML document"
    return ""


def check_text(
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
            found = markup(window)
        else:
            found = markup(window, at_start=False)
        if found:
            raise not_accepted(found, what, accepted)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise _text_refusal("is not saved as UTF-8 text", what) from error
    uploaded.seek(0)
    return CheckedUpload(uploaded, TEXT, filename, size, digest.hexdigest())


def _text_refusal(problem: str, what: str) -> ValidationError:
    return ValidationError(
        f"This text file {problem}, so it cannot be uploaded as {a(what)}. Save it as plain "
        "text with UTF-8 encoding and upload it again.",
        code="text_not_plain",
    )
