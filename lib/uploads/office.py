"""Word, PowerPoint and Excel files (DOCX, PPTX, XLSX): ZIP archives of XML parts. The archive
is checked before anything expands it (number of parts, unsafe paths, repeated parts, unpacked
size), then refused if it carries anything that acts by itself when the file is opened:

- macros (a VBA project);
- external relationships (`TargetMode="External"` in a `.rels` part) other than ordinary web and
  e-mail links: a remote template, a linked picture or frame, or a Follina-style object link
  makes Office fetch from another computer as soon as the file opens;
- embedded OLE objects (`embeddings/`, `oleObject` parts: a packaged program, a Flash film, an
  old-style document) and ActiveX controls (`activeX/`).

A chart's data is an Office document embedded in the file (`embeddings/...xlsx`): that one is
opened and checked by the same rules, once (a document inside an embedded document is refused).

This is read directly from the ZIP directory and the relationship parts, parsed with defusedxml
(no entity expansion), rather than with oletools: oletools analyses what a suspicious file would
do, where the portal needs only to know whether such a part is there, and the answer is in a few
small XML parts.
"""

import re
import zipfile
from urllib.parse import urlsplit

from defusedxml.ElementTree import iterparse
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from lib.uploads.common import DESCRIPTIONS, DOCX, MB, PPTX, XLSX, a

_MAX_ZIP_ENTRIES = 2_000
_MAX_ZIP_RATIO = 100
_ZIP_RATIO_FROM = MB
_MAX_CONTENT_TYPES_XML = MB
OFFICE_MAIN_PARTS = {
    DOCX: "word/document.xml",
    PPTX: "ppt/presentation.xml",
    XLSX: "xl/workbook.xml",
}
_UNSAFE_ZIP_NAME = re.compile(r"^/|\\|^[A-Za-z]:|(^|/)\.\.(/|$)")
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_SIGNATURE = b"PK\x03\x04"
# A hyperlink is followed only when the reader clicks it; these schemes open a web page or an
# e-mail. Others (ms-msdt:, mhtml:, file:, search-ms:) start programs or reach other computers.
_LINK_SCHEMES = frozenset({"http", "https", "mailto", ""})
_HYPERLINK = "/hyperlink"

_MACRO_REFUSAL = (
    "This {description} contains macros, which the portal does not accept. Save a copy without "
    "macros and upload that."
)
_EXTERNAL_REFUSAL = (
    "This {description} is linked to content stored elsewhere ({target}), which Office fetches "
    "by itself when the file is opened (a remote template, a linked picture or object). The "
    "portal does not accept such links. Save a copy with the content included or the link "
    "removed (File, Info, Edit Links to Files, then Break Link) and upload that."
)
_LINK_REFUSAL = (
    "This {description} has a link that opens something other than a web page or an e-mail "
    "({target}), which the portal does not accept. Remove the link, or link to a web page, and "
    "upload it again."
)
_EMBEDDED_REFUSAL = (
    "This {description} contains an embedded object ({part}), which could run by itself when "
    "it is opened, so the portal does not accept it. Delete the object, or paste it as a "
    "picture, and upload it again."
)
_ACTIVEX_REFUSAL = (
    "This {description} contains ActiveX controls, which run programs when the file is opened, "
    "so the portal does not accept it. Save a copy without the controls and upload that."
)


def check_office(uploaded: UploadedFile, content_type: str, max_bytes: int) -> None:
    description = DESCRIPTIONS[content_type]
    unpacked_limit = max(10 * max_bytes, 100 * MB)
    with zipfile.ZipFile(uploaded) as archive:
        _check_package(
            archive,
            description,
            unpacked_limit,
            main_part=OFFICE_MAIN_PARTS[content_type],
            embedded=False,
        )


def _check_package(
    archive: zipfile.ZipFile,
    description: str,
    unpacked_limit: int,
    *,
    main_part: str | None,
    embedded: bool,
) -> None:
    entries = archive.infolist()
    names = [entry.filename for entry in entries]
    if len(entries) > _MAX_ZIP_ENTRIES:
        raise _office_refusal(f"it has more than {_MAX_ZIP_ENTRIES:,} parts", description)
    if any(_UNSAFE_ZIP_NAME.search(name) for name in names):
        raise _office_refusal("it contains a part with an unsafe path", description)
    if len(set(names)) != len(names):
        raise _office_refusal("it contains the same part twice", description)
    if sum(entry.file_size for entry in entries) > unpacked_limit or any(
        entry.file_size > _ZIP_RATIO_FROM and entry.file_size > _MAX_ZIP_RATIO * entry.compress_size
        for entry in entries
    ):
        raise _office_refusal("it unpacks to far more than its size", description)
    if "[Content_Types].xml" not in names or (main_part and main_part not in names):
        raise _office_refusal(f"it is missing parts every {description} has", description)
    content_types = archive.getinfo("[Content_Types].xml")
    if content_types.file_size > _MAX_CONTENT_TYPES_XML:
        raise _office_refusal("its list of parts is far too long", description)
    declared = archive.read(content_types).lower()
    lowered = [name.lower() for name in names]
    if (
        any(name.rpartition("/")[2] == "vbaproject.bin" for name in lowered)
        or b"vbaproject" in declared
        or b"macroenabled" in declared
    ):
        raise ValidationError(_MACRO_REFUSAL.format(description=description), code="office_macros")
    if any("activex" in name.split("/") for name in lowered) or b"activex" in declared:
        raise ValidationError(
            _ACTIVEX_REFUSAL.format(description=description), code="office_activex"
        )
    for name, low in zip(names, lowered, strict=True):
        if low.endswith(".rels"):
            _check_relationships(archive, name, description)
        if "embeddings" in low.split("/")[:-1] or "oleobject" in low.rpartition("/")[2]:
            _check_embedded(archive, name, description, unpacked_limit, embedded=embedded)
    if b"oleobject" in declared:
        raise _embedded_refusal("an OLE object", description)


def _check_relationships(archive: zipfile.ZipFile, name: str, description: str) -> None:
    """Refuse what a relationship part makes Office load from elsewhere or run."""
    with archive.open(name) as part:
        for _event, element in iterparse(part):
            if element.tag.rpartition("}")[2] != "Relationship":
                continue
            kind = element.get("Type", "").strip().lower()
            target = element.get("Target", "").strip()
            if kind.endswith("/oleobject"):
                raise _embedded_refusal("an OLE object", description)
            if kind.endswith(("/control", "/activexcontrolbinary")):
                raise ValidationError(
                    _ACTIVEX_REFUSAL.format(description=description), code="office_activex"
                )
            external = element.get("TargetMode", "").strip().lower() == "external"
            if external and not kind.endswith(_HYPERLINK):
                raise ValidationError(
                    _EXTERNAL_REFUSAL.format(description=description, target=_shown(target)),
                    code="office_external",
                )
            if external and urlsplit(target).scheme.lower() not in _LINK_SCHEMES:
                raise ValidationError(
                    _LINK_REFUSAL.format(description=description, target=_shown(target)),
                    code="office_external",
                )
            element.clear()


def _check_embedded(
    archive: zipfile.ZipFile, name: str, description: str, unpacked_limit: int, *, embedded: bool
) -> None:
    """An embedded part may be a chart's data (an Office document, checked by these rules);
    anything else, and any document inside an embedded one, is refused."""
    with archive.open(name) as part:
        head = part.read(len(_OLE_SIGNATURE))
    shown = name.rpartition("/")[2]
    if not head.startswith(_ZIP_SIGNATURE) or embedded:
        kind = "an OLE object" if head == _OLE_SIGNATURE else f"“{shown}”"
        raise _embedded_refusal(kind, description)
    with archive.open(name) as part, zipfile.ZipFile(part) as inner:
        _check_package(inner, description, unpacked_limit, main_part=None, embedded=True)


def _embedded_refusal(part: str, description: str) -> ValidationError:
    return ValidationError(
        _EMBEDDED_REFUSAL.format(description=description, part=part), code="office_embedded"
    )


def _shown(target: str) -> str:
    """A link's target, short enough to quote in a message."""
    return target if len(target) <= 60 else target[:57] + "..."


def _office_refusal(reason: str, description: str) -> ValidationError:
    return ValidationError(
        f"This file cannot be accepted as {a(description)}: {reason}. Save or export it again "
        "and upload the new copy.",
        code="office_unsafe",
    )
