"""Campaign images are judged by their content, never by name or claimed type."""

from io import BytesIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageCms, PngImagePlugin

from campaigns.images import clean_image

from . import factories


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp"), ("GIF", ".gif")]
)
def test_accepted_formats_are_reencoded_in_their_own_format(fmt, suffix):
    cleaned = clean_image(factories.upload("whatever.txt", data=factories.image_bytes(fmt)))
    assert cleaned.name == f"image{suffix}"
    with Image.open(BytesIO(cleaned.read())) as image:
        assert image.format == fmt
        assert image.size == (1200, 630)


def test_animated_gif_becomes_its_first_frame():
    out = BytesIO()
    frames = [Image.new("RGB", (100, 100), (i * 80, 0, 0)) for i in range(3)]
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    cleaned = clean_image(factories.upload("a.gif", data=out.getvalue()))
    with Image.open(BytesIO(cleaned.read())) as image:
        # Pillow declares n_frames only on its multi-frame formats' classes.
        assert (image.format, image.n_frames) == ("GIF", 1)  # type: ignore[attr-defined]
        assert image.convert("RGB").getpixel((0, 0)) == (0, 0, 0)  # the first frame's colour


def test_a_png_named_jpg_is_judged_by_content():
    cleaned = clean_image(factories.upload("photo.jpg", data=factories.image_bytes("PNG")))
    assert (cleaned.name or "").endswith(".png")


def test_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    for size in ((60, 60), (100, 100)):  # past the warning, and past the error threshold
        with pytest.raises(ValidationError, match="isn't an image we can read"):
            clean_image(factories.upload(size=size))


def test_html_pretending_to_be_an_image_is_refused():
    with pytest.raises(ValidationError, match="isn't an image we can read"):
        clean_image(factories.upload("x.gif", data=b"GIF89a<script>alert(1)</script>"))


def test_trailing_data_after_the_image_is_dropped():
    smuggled = factories.image_bytes("PNG") + b"<?php system($_GET['c']); ?>"
    cleaned = clean_image(factories.upload("x.png", data=smuggled)).read()
    assert b"<?php" not in cleaned


def test_multi_picture_jpeg_from_a_phone_is_kept_as_its_photo():
    out = BytesIO()
    photo, depth_map = Image.new("RGB", (300, 200), (0, 90, 0)), Image.new("RGB", (300, 200))
    photo.save(out, format="MPO", save_all=True, append_images=[depth_map])
    cleaned = clean_image(factories.upload("IMG_0001.jpg", data=out.getvalue()))
    assert cleaned.name == "image.jpg"
    with Image.open(BytesIO(cleaned.read())) as image:
        assert (image.format, image.size) == ("JPEG", (300, 200))
        pixel = image.getpixel((5, 5))
        assert isinstance(pixel, tuple) and pixel[1] > 60  # the photo, not the depth map


# Metadata: nothing but pixels survives ---------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = SCRIPT  # ImageDescription
    exif[0x013B] = SCRIPT  # Artist
    return exif.tobytes()


def _icc() -> bytes:
    """A working sRGB profile with text after it: profiles are containers that can hold anything."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes() + SCRIPT.encode()


def _png_text() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT)  # tEXt
    info.add_text("Description", SCRIPT, zip=True)  # zTXt, compressed
    info.add_itxt("Title", SCRIPT, lang="en")  # iTXt
    info.add_itxt("XML:com.adobe.xmp", SCRIPT)
    return info


RGB = Image.new("RGB", (200, 120), (163, 22, 27))
PALETTE = Image.new("P", (200, 120), 1)
PALETTE.putpalette([0, 0, 0, 163, 22, 27])

# name -> (picture, format, what save() is given to carry the metadata)
CARRIERS: dict[str, tuple[Image.Image, str, dict[str, Any]]] = {
    "JPEG COM segment": (RGB, "JPEG", {"comment": SCRIPT}),
    "JPEG EXIF": (RGB, "JPEG", {"exif": _exif()}),
    "JPEG XMP": (RGB, "JPEG", {"xmp": SCRIPT.encode()}),
    "JPEG ICC profile": (RGB, "JPEG", {"icc_profile": _icc()}),
    "GIF comment extension": (PALETTE, "GIF", {"comment": SCRIPT}),
    "PNG text chunks": (RGB, "PNG", {"pnginfo": _png_text()}),
    "PNG eXIf": (RGB, "PNG", {"exif": _exif()}),
    "PNG ICC profile": (RGB, "PNG", {"icc_profile": _icc()}),
    "WebP EXIF": (RGB, "WEBP", {"exif": _exif()}),
    "WebP XMP": (RGB, "WEBP", {"xmp": SCRIPT.encode()}),
    "WebP ICC profile": (RGB, "WEBP", {"icc_profile": _icc()}),
}


@pytest.mark.parametrize("carrier", CARRIERS, ids=list(CARRIERS))
def test_no_metadata_survives_reencoding(carrier):
    picture, fmt, metadata = CARRIERS[carrier]
    out = BytesIO()
    picture.save(out, format=fmt, **metadata)
    with Image.open(BytesIO(out.getvalue())) as original:
        carried = repr(original.info) + repr(dict(original.getexif()))
        assert "<script>" in carried  # the original does carry it
    cleaned = clean_image(factories.upload("x", data=out.getvalue())).read()
    assert b"script" not in cleaned
    with Image.open(BytesIO(cleaned)) as image:
        assert image.format == fmt
        # Decoded too, so a compressed chunk (zTXt, iCCP) can't hide it from the byte check.
        assert "script" not in repr(image.info) + repr(dict(image.getexif()))
        assert not {"icc_profile", "exif", "xmp", "comment"} & set(image.info)


def test_colours_are_converted_by_the_profile_before_it_is_dropped():
    # An sRGB profile with its red and green primaries swapped: the file's "red" is green.
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    swapped = srgb.replace(b"rXYZ", b"QQQQ").replace(b"gXYZ", b"rXYZ").replace(b"QQQQ", b"gXYZ")
    out = BytesIO()
    Image.new("RGB", (100, 100), (200, 0, 0)).save(out, format="PNG", icc_profile=swapped)
    cleaned = clean_image(factories.upload("x.png", data=out.getvalue())).read()
    with Image.open(BytesIO(cleaned)) as image:
        assert "icc_profile" not in image.info
        assert image.getpixel((0, 0)) == (0, 200, 0)  # shown as the file meant it
