"""Campaign images: checked by opening them with Pillow (never by name or claimed type), then
re-encoded from their pixels alone, so nothing else the file carried survives: EXIF (phone photos
carry the place they were taken), XMP, colour profiles, comments, text chunks, and anything
smuggled after the image data.

A campaign image is a still picture. An animated GIF, WebP or PNG becomes its first frame, and
later frames are never decoded: the work is bounded by one frame's pixels, checked against
MAX_PIXELS before any pixel is decoded, whatever the file says about frames.

A checked image can be kept while the form comes back (a preview, or an error elsewhere): it is
stored under a random name in campaigns/pending/ and the form carries a signed token naming it
and the member it belongs to.
"""

from __future__ import annotations

import re
import uuid
import warnings
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:
    from accounts.models import User

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
MIN_SIDE = 50
# 4000 x 3000. Decoding one RGBA frame this size takes 48 MB, the most one upload may cost.
MAX_PIXELS = 12_000_000
# A progressive JPEG decodes every pixel once per scan; ordinary ones have about ten scans.
MAX_JPEG_SCANS = 100
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
# A phone photo with a depth map or a preview is a multi-picture JPEG: its first picture is the photo.
SAME_AS = {"MPO": "JPEG"}
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"

UNREADABLE = "That file isn't an image we can read. Upload a JPEG, PNG, WebP or GIF image."
_SRGB = ImageCms.createProfile("sRGB")


def clean_image(upload: UploadedFile) -> ContentFile[bytes]:
    """Validate an uploaded image and return a clean re-encoded copy, or raise ValidationError."""
    size = upload.size
    if size is None:  # Django's uploads always know it; a file that doesn't is measured
        upload.seek(0)
        size = len(upload.read(MAX_BYTES + 1))
    if size > MAX_BYTES:
        raise ValidationError(
            f"The image is {size / 1_048_576:.1f} MB; the limit is "
            f"{MAX_BYTES // 1_048_576} MB. Make it smaller and upload it again."
        )
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    try:
        with warnings.catch_warnings():
            # A "decompression bomb" past Pillow's own MAX_IMAGE_PIXELS is refused as well.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only these decoders ever see the bytes.
            with Image.open(BytesIO(data), formats=list(FORMATS)) as image:
                kind = SAME_AS.get(image.format or "", image.format or "")
                if kind not in FORMATS:
                    raise ValidationError(UNREADABLE)
                _check_size(*image.size)  # from the header: nothing is decoded yet
                if kind == "JPEG" and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
                    raise ValidationError(UNREADABLE)
                clean = _encode(_still(image), kind)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(UNREADABLE) from None
    except (OSError, ValueError, SyntaxError, EOFError):  # truncated or corrupt image data
        raise ValidationError(UNREADABLE) from None
    return ContentFile(clean, name=f"image{FORMATS[kind]}")


def _check_size(width: int, height: int) -> None:
    if max(width, height) > MAX_SIDE:
        raise ValidationError(
            f"The image is {width} x {height} pixels; at most {MAX_SIDE} on each side, please."
        )
    if min(width, height) < MIN_SIDE:
        raise ValidationError(
            f"The image is {width} x {height} pixels; at least {MIN_SIDE} on each side, please."
        )
    if width * height > MAX_PIXELS:
        raise ValidationError(
            f"The image is {width} x {height} pixels, {width * height / 1e6:.1f} million; at "
            f"most {MAX_PIXELS // 1_000_000} million (say 4000 x 3000), please."
        )


def _still(image: Image.Image) -> Image.Image:
    """The first frame's pixels, upright and in sRGB, with nothing else the file carried."""
    image.load()  # decodes the current frame, the first: an animation's other frames stay unread
    transparency = image.info.get("transparency")  # which palette entry or colour is see-through
    icc = image.info.get("icc_profile")
    still = ImageOps.exif_transpose(image)  # a copy, turned the way the camera said
    if icc:
        still = _in_srgb(still, icc)
        transparency = None if still.mode != image.mode else transparency
    # Every encoder reads metadata (comments, EXIF, XMP, ICC, loop counts) from `info`.
    still.info = {} if transparency is None else {"transparency": transparency}
    return still


def _in_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Colours converted from the file's profile, so the profile itself (which can hold any text)
    need not be kept. A profile littlecms can't use is dropped and the colours read as sRGB."""
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        converted = ImageCms.profileToProfile(image, BytesIO(icc), _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image


def _encode(image: Image.Image, kind: str) -> bytes:
    out = BytesIO()
    if kind == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=88, optimize=True)
    elif kind == "PNG":
        image.save(out, format="PNG", optimize=True)
    elif kind == "GIF":
        image.save(out, format="GIF")
    else:
        image.save(out, format="WEBP", quality=88)
    return out.getvalue()


# Images kept while the form comes back --------------------------------------------------------

PENDING_DIR = "campaigns/pending"
# Long enough to finish a form after lunch. Older files are left for a retention task to delete.
PENDING_MAX_AGE = timedelta(days=1)
PENDING_LOST = (
    "The image you chose earlier is no longer kept (it was more than a day ago, or the page was "
    "opened by another account). Choose it again."
)
_PENDING_SALT = "campaigns.images.pending"
_PENDING_NAME = re.compile(r"campaigns/pending/[0-9a-f]{32}\.(?:jpg|png|webp|gif)")


@dataclass(frozen=True)
class PendingImage:
    name: str
    token: str

    @property
    def url(self) -> str:
        return default_storage.url(self.name)


def pending_keep(image: File[bytes], *, user: User) -> PendingImage:
    """Store a checked image until the form is saved, and sign a token naming it and its member."""
    suffix = PurePosixPath(image.name or "").suffix.lower()
    suffix = suffix if suffix in FORMATS.values() else ".png"
    image.seek(0)
    name = default_storage.save(f"{PENDING_DIR}/{uuid.uuid4().hex}{suffix}", image)
    token = signing.dumps({"name": name, "user": user.pk}, salt=_PENDING_SALT)
    return PendingImage(name=name, token=token)


def pending_find(token: str, *, user: User) -> PendingImage | None:
    """The kept image a token names, if the token was signed here, for this member, within
    PENDING_MAX_AGE, and the file is still there. Anything else is None."""
    try:
        data = signing.loads(token, salt=_PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:  # forged, altered or expired
        return None
    if not isinstance(data, dict) or data.get("user") != user.pk:
        return None
    name = data.get("name")
    if not isinstance(name, str) or not _PENDING_NAME.fullmatch(name):
        return None
    if not default_storage.exists(name):
        return None
    return PendingImage(name=name, token=token)


def pending_open(pending: PendingImage) -> ContentFile[bytes] | None:
    """The kept image's bytes, ready to save as a campaign's image (it was checked when kept)."""
    try:
        with default_storage.open(pending.name, "rb") as stored:
            data = stored.read()
    except OSError:
        return None
    return ContentFile(data, name=f"image{PurePosixPath(pending.name).suffix}")


def pending_discard(pending: PendingImage) -> None:
    default_storage.delete(pending.name)
