"""Co-branded posters: the campaign's poster with the partner's logo in its logo zone, the
partner's words in its text zone and, where the campaign has a help page, a QR code of the
partner's tracked link beside them. Drawn with Pillow, saved as PNG and as PDF."""

import io

import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from campaigns.localising.docx import FIELD
from lib import uploads

_PADDING = 0.06  # of the zone's shorter side


def _box(zone: list[float], size: tuple[int, int]) -> tuple[int, int, int, int]:
    left, top, width, height = zone
    return (
        round(left * size[0]),
        round(top * size[1]),
        round((left + width) * size[0]),
        round((top + height) * size[1]),
    )


def _fit(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[Image.Image, tuple[int, int]]:
    """The image scaled to fit inside the box, and where to paste it to centre it."""
    width, height = box[2] - box[0], box[3] - box[1]
    fitted = image.copy()
    fitted.thumbnail((width, height))
    return fitted, (box[0] + (width - fitted.width) // 2, box[1] + (height - fitted.height) // 2)


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}".strip()
            if draw.textlength(trial, font=font) <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _draw_text(draw, text: str, box: tuple[int, int, int, int]) -> None:
    width, height = box[2] - box[0], box[3] - box[1]
    size = max(12, height // 2)
    while True:
        font = ImageFont.load_default(size=size)
        lines = _wrap(draw, text, font, width)
        if len(lines) * size * 1.25 <= height or size <= 12:
            break
        size = int(size * 0.9)
    y = box[1] + (height - len(lines) * size * 1.25) / 2
    for line in lines:
        draw.text((box[0], y), line, font=font, fill="#1d1d1b")
        y += size * 1.25


def qr_png(link: str) -> bytes:
    output = io.BytesIO()
    segno.make(link, error="m").save(output, kind="png", scale=10, border=2)
    return output.getvalue()


def draw(
    background: bytes,
    *,
    logo: bytes,
    logo_zone: list[float],
    text_zone: list[float],
    text: str,
    link: str = "",
) -> Image.Image:
    poster = Image.open(io.BytesIO(background))
    poster.load()
    poster = poster.convert("RGB")
    canvas = ImageDraw.Draw(poster)
    for zone in (logo_zone, text_zone):
        canvas.rectangle(_box(zone, poster.size), fill="white")
    logo_box = _box(logo_zone, poster.size)
    pad = round(min(logo_box[2] - logo_box[0], logo_box[3] - logo_box[1]) * _PADDING)
    logo_image = Image.open(io.BytesIO(logo))
    logo_image.load()
    logo_image = logo_image.convert("RGBA")
    fitted, at = _fit(
        logo_image, (logo_box[0] + pad, logo_box[1] + pad, logo_box[2] - pad, logo_box[3] - pad)
    )
    poster.paste(fitted, at, fitted)
    text_box = _box(text_zone, poster.size)
    pad = round(min(text_box[2] - text_box[0], text_box[3] - text_box[1]) * _PADDING)
    text_box = (text_box[0] + pad, text_box[1] + pad, text_box[2] - pad, text_box[3] - pad)
    if link:
        side = text_box[3] - text_box[1]
        code = Image.open(io.BytesIO(qr_png(link))).convert("RGB").resize((side, side))
        poster.paste(code, (text_box[2] - side, text_box[1]))
        text_box = (text_box[0], text_box[1], text_box[2] - side - pad, text_box[3])
    _draw_text(canvas, text, text_box)
    return poster


def make(
    template, background: bytes, logo: bytes, shown: dict[str, str], *, title: str
) -> tuple[uploads.CheckedUpload, bytes, str]:
    """The co-branded poster as a checked PNG, a PDF, and the words it carries."""
    words = template_words(template.poster_text, shown)
    image = draw(
        background,
        logo=logo,
        logo_zone=template.logo_zone,
        text_zone=template.text_zone,
        text=words,
        link=shown.get("help_link", ""),
    )
    png, pdf = io.BytesIO(), io.BytesIO()
    image.save(png, "PNG")
    image.save(pdf, "PDF", resolution=150.0, title=title)
    checked = uploads.check_upload(
        SimpleUploadedFile("co-branded-poster.png", png.getvalue()),
        allowed={uploads.PNG},
        max_bytes=50 * uploads.MB,
        what="poster",
    )
    return checked, pdf.getvalue(), words


def template_words(poster_text: str, shown: dict[str, str]) -> str:
    return FIELD.sub(lambda match: shown.get(match.group(1), ""), poster_text)
