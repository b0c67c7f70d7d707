"""Word, PowerPoint and Excel files (DOCX, PPTX, XLSX): ZIP archives of XML parts. The archive
is checked before anything expands it (number of parts, unsafe paths, repeated parts, unpacked
size), then refused if it carries macros."""

import re
import zipfile

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


def check_office(uploaded: UploadedFile, content_type: str, max_bytes: int) -> None:
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
        if "[Content_Types].xml" not in names or OFFICE_MAIN_PARTS[content_type] not in names:
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
        f"This file cannot be accepted as {a(description)}: {reason}. Save or export it again "
        "and upload the new copy.",
        code="office_unsafe",
    )
