"""Campaign images: checked by opening them with Pillow (never by name or claimed type), then
re-encoded, which drops EXIF and other metadata (phone photos carry the place they were taken)
and anything smuggled after the image data."""

from __future__ import annotations

import warnings
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
MIN_SIDE = 50
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"

UNREADABLE = "That file isn't an image we can read. Upload a JPEG, PNG, WebP or GIF image."


def clean_image(upload: UploadedFile) -> ContentFile:
    """Validate an uploaded image and return a clean re-encoded copy, or raise ValidationError."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            f"The image is {upload.size / 1_048_576:.1f} MB; the limit is "
            f"{MAX_BYTES // 1_048_576} MB. Make it smaller and upload it again."
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # A "decompression bomb" (a tiny file that decodes to gigabytes) is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                kind = image.format
                if kind not in FORMATS:
                    raise ValidationError(UNREADABLE)
                width, height = image.size
                if max(width, height) > MAX_SIDE:
                    raise ValidationError(
                        f"The image is {width} x {height} pixels; at most {MAX_SIDE} on each side, "
                        "please."
                    )
                if min(width, height) < MIN_SIDE:
                    raise ValidationError(
                        f"The image is {width} x {height} pixels; at least {MIN_SIDE} on each side, "
                        "please."
                    )
                data = _reencode(image, kind)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(UNREADABLE) from None
    except (OSError, ValueError, SyntaxError, EOFError):  # truncated or corrupt image data
        raise ValidationError(UNREADABLE) from None
    return ContentFile(data, name=f"image{FORMATS[kind]}")


def _reencode(image: Image.Image, kind: str) -> bytes:
    out = BytesIO()
    animated = getattr(image, "is_animated", False)
    if kind == "GIF":
        image.save(out, format="GIF", save_all=animated)
    elif kind == "WEBP":
        image.save(out, format="WEBP", quality=88, save_all=animated)
    else:
        image.load()
        upright = ImageOps.exif_transpose(image)  # honour the orientation the EXIF asked for
        if kind == "JPEG":
            if upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            upright.save(out, format="JPEG", quality=88, optimize=True)
        else:
            upright.save(out, format="PNG", optimize=True)
    return out.getvalue()
