"""Images (PNG, JPEG, WebP): decoded and encoded again, so what is stored is pixels the portal
wrote itself: no metadata (GPS position in a photo), no bytes appended to the image (a "polyglot"
that is also a web page), and no decompression bomb expanded first."""

import hashlib
import io
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps

from lib.uploads.common import JPEG, PNG, WEBP, CheckedUpload

# Lower than Pillow's own warning threshold (about 89 million): a 50-megapixel image already takes
# 200 MB of memory once decoded, more than any poster or photo here needs.
MAX_IMAGE_PIXELS = 50_000_000

PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}
_PNG_MODES = ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA")


def check_image(uploaded: UploadedFile, content_type: str, filename: str) -> CheckedUpload:
    data = uploaded.read()
    formats = [PILLOW_FORMATS[content_type]]
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


def open_checked_image(data: bytes, content_type: str) -> Image.Image:
    """A checked image (one this module encoded), decoded for a preview."""
    image = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[content_type]])
    image.load()
    return image
