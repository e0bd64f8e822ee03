"""Campaign images are judged by their content, never by name or claimed type."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

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


def test_animated_gif_keeps_its_frames():
    out = BytesIO()
    frames = [Image.new("RGB", (100, 100), (i * 80, 0, 0)) for i in range(3)]
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    cleaned = clean_image(factories.upload("a.gif", data=out.getvalue()))
    with Image.open(BytesIO(cleaned.read())) as image:
        assert image.n_frames == 3


def test_a_png_named_jpg_is_judged_by_content():
    cleaned = clean_image(factories.upload("photo.jpg", data=factories.image_bytes("PNG")))
    assert cleaned.name.endswith(".png")


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
