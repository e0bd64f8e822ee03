"""Images that cost far more to decode than to send: the work is bounded before decoding.

A campaign image is a still picture: an animation becomes its first frame and later frames are
never decoded. The evidence is the number of decoders Pillow starts (one per decoded frame), not
a time, so the tests hold on any machine.
"""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from campaigns import images
from campaigns.images import clean_image
from forum.models import Section

from . import factories


def frame_bomb(frames: int, size: tuple[int, int]) -> bytes:
    """A real animated GIF of `frames` full-size frames, made cheaply: Pillow encodes one
    two-colour frame (it compresses to a few kilobytes) and the file repeats it, each copy a
    frame of its own, as the reported attack did."""
    still = Image.new("P", size, 0)
    still.putpalette([0, 0, 0, 255, 0, 0])
    out = BytesIO()
    still.save(out, format="GIF")
    gif = out.getvalue()
    table_end = 13 + 3 * 2 ** ((gif[10] & 7) + 1)  # header, screen descriptor, colour table
    frame = gif[table_end:-1]  # image descriptor and its LZW data, without the trailer
    assert frame[:1] == b","
    delay = b"!\xf9\x04\x00\x0a\x00\x00\x00"  # graphic control extension: 0.1 s a frame
    loop = b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    return b"GIF89a" + gif[6:table_end] + loop + (delay + frame) * frames + b";"


@pytest.fixture
def decoded(monkeypatch):
    """The decoders Pillow starts while the test runs: one for each frame it decodes."""
    started = []
    real = Image._getdecoder

    def counting(mode, decoder_name, *args, **kwargs):
        started.append(decoder_name)
        return real(mode, decoder_name, *args, **kwargs)

    monkeypatch.setattr(Image, "_getdecoder", counting)
    return started


def test_150_frame_gif_under_the_size_limit_decodes_one_frame(decoded):
    data = frame_bomb(150, (4000, 3000))
    assert len(data) < images.MAX_BYTES  # it passes the size check, as the attack did
    with Image.open(BytesIO(data)) as original:
        # Reading frame headers decodes nothing. (Pillow declares n_frames only on its
        # multi-frame formats' classes, hence the ignores in this file.)
        assert original.n_frames == 150  # type: ignore[attr-defined]
    assert decoded == []
    cleaned = clean_image(factories.upload("party.gif", data=data))
    assert decoded == ["gif"]  # the first frame only; before the fix, all 150
    with Image.open(BytesIO(cleaned.read())) as image:
        frames = image.n_frames  # type: ignore[attr-defined]
        assert (image.format, image.size, frames) == ("GIF", (4000, 3000), 1)
        assert "loop" not in image.info and "duration" not in image.info


def test_the_reported_bomb_is_refused_before_any_pixel_is_decoded(decoded):
    # 150 frames of 4000 x 4000 under 2 MB: 2.4 billion pixels, 135 s of CPU before the fix.
    data = frame_bomb(150, (4000, 4000))
    assert len(data) < images.MAX_BYTES
    with pytest.raises(ValidationError, match=r"16\.0 million; at most 12 million"):
        clean_image(factories.upload("party.gif", data=data))
    assert decoded == []


def test_pixel_budget_holds_even_with_pillows_own_guard_switched_off(monkeypatch, decoded):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(ValidationError, match=r"4000 x 3500 pixels, 14\.0 million"):
        clean_image(factories.upload("wide.gif", data=factories.image_bytes("GIF", (4000, 3500))))
    assert decoded == []


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_animated_webp_and_apng_become_their_first_frame(fmt, decoded):
    colours = [(200, 0, 0), (0, 200, 0), (0, 0, 200)]
    frames = [Image.new("RGB", (120, 80), colour) for colour in colours]
    out = BytesIO()
    frames[0].save(out, format=fmt, save_all=True, append_images=frames[1:], duration=100)
    with Image.open(BytesIO(out.getvalue())) as original:
        assert original.n_frames == 3  # type: ignore[attr-defined]
    cleaned = clean_image(factories.upload("moving", data=out.getvalue()))
    with Image.open(BytesIO(cleaned.read())) as image:
        assert (image.format, getattr(image, "n_frames", 1)) == (fmt, 1)
        pixel = image.convert("RGB").getpixel((10, 10))
        assert isinstance(pixel, tuple)
        red, green, blue = pixel
        assert red > 150 and green < 50 and blue < 50  # the first frame, red


def progressive_jpeg_with_scans(scans: int) -> bytes:
    """A valid progressive JPEG whose last refinement scan is repeated: every scan is another
    pass over all the picture's coefficients."""
    out = BytesIO()
    Image.new("RGB", (400, 300), (100, 150, 200)).save(out, format="JPEG", progressive=True)
    jpeg = out.getvalue()
    last_scan = jpeg[jpeg.rindex(b"\xff\xda") : -2]
    extra = scans - jpeg.count(b"\xff\xda")
    return jpeg[:-2] + last_scan * extra + b"\xff\xd9"


def test_jpeg_with_too_many_scans_is_refused_before_decoding(decoded):
    bomb = progressive_jpeg_with_scans(images.MAX_JPEG_SCANS + 1)
    with Image.open(BytesIO(bomb)) as image:
        image.load()  # Pillow itself decodes it: it is a real image, only a costly one
    decoded.clear()
    with pytest.raises(ValidationError, match="isn't an image we can read"):
        clean_image(factories.upload("scans.jpg", data=bomb))
    assert decoded == []


def test_progressive_jpeg_with_ordinary_scans_is_accepted():
    cleaned = clean_image(factories.upload("ok.jpg", data=progressive_jpeg_with_scans(20)))
    with Image.open(BytesIO(cleaned.read())) as image:
        assert (image.format, image.size) == ("JPEG", (400, 300))


@pytest.mark.django_db
def test_previewing_the_reported_bomb_answers_with_a_message(member_client, decoded):
    data = {
        "title": "Party",
        "summary": "A party.",
        "target": "Us",
        "ask": "Come.",
        "body": "Because.",
        "goal": "5",
        "section": Section.objects.get(slug="campaigns").pk,
        "image_alt": "Balloons",
        "action": "preview",
        "image": factories.upload("party.gif", data=frame_bomb(150, (4000, 4000))),
    }
    response = member_client.post(reverse("campaigns:create"), data)
    assert response.status_code == 200
    assert "at most 12 million (say 4000 x 3000), please." in response.content.decode()
    assert decoded == []
