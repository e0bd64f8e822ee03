"""The chosen image survives a preview or an error elsewhere, for its member only."""

import functools
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from webtest import Upload

from campaigns import images
from campaigns.models import Campaign
from forum.models import Section

from . import factories

pytestmark = pytest.mark.django_db

CREATE = reverse("campaigns:create")


def pending_files() -> list[str]:
    folder = settings.MEDIA_ROOT / images.PENDING_DIR
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def fill(form, **overrides):
    values = {
        "title": "Save the Carnegie library",
        "summary": "The council wants to close it next spring.",
        "target": "Leeds City Council",
        "ask": "Keep the Carnegie library open, with its current hours.",
        "body": "It is the only **free** warm space on the estate.",
        "goal": "500",
    }
    values.update(overrides)
    for name, value in values.items():
        form[name] = value
    form["section"].select(str(Section.objects.get(slug="campaigns").pk))
    return form


def banner(fmt: str = "PNG") -> Upload:
    return Upload("banner.png", factories.image_bytes(fmt), "image/png")


def stored_image(campaign: Campaign) -> Image.Image:
    with campaign.image.open("rb") as stored:
        return Image.open(BytesIO(stored.read()))


def test_previewed_image_is_saved_without_choosing_it_again(app, member):
    form = fill(app.get(CREATE, user=member).forms["campaign-form"])
    form["image"] = banner()
    form["image_alt"] = "Members outside the library"
    page = form.submit("action", value="preview")
    assert page.status_code == 200
    assert "<strong>free</strong>" in page.text  # the preview
    kept = page.html.select_one("#pending-image img")
    assert kept["alt"] == "Members outside the library"
    assert kept["src"].startswith("/media/campaigns/pending/")
    assert "no need to choose it again" in page.text
    assert len(pending_files()) == 1 and not Campaign.objects.exists()
    form = page.forms["campaign-form"]
    assert form["image_alt"].value == "Members outside the library"  # still filled
    assert form["image"].value in ("", None)  # browsers never refill a file input
    page = form.submit("action", value="save").follow()
    assert "Draft saved" in page.text
    campaign = Campaign.objects.get()
    assert campaign.image_alt == "Members outside the library"
    assert stored_image(campaign).size == (1200, 630)
    assert not campaign.image.name.startswith(images.PENDING_DIR)  # its own copy
    assert pending_files() == []  # the kept copy is let go once saved


def test_image_survives_an_error_elsewhere(app, member):
    form = fill(app.get(CREATE, user=member).forms["campaign-form"], goal="")
    form["image"] = banner("JPEG")
    form["image_alt"] = "A banner"
    page = form.submit("action", value="save")
    assert "Set a goal" in page.text
    assert page.html.select_one("#pending-image img") is not None
    form = page.forms["campaign-form"]
    form["goal"] = "300"
    form.submit("action", value="save").follow()
    campaign = Campaign.objects.get()
    assert (campaign.goal, stored_image(campaign).format) == (300, "JPEG")


def test_dropping_the_kept_image_saves_none(app, member):
    form = fill(app.get(CREATE, user=member).forms["campaign-form"])
    form["image"] = banner()
    form["image_alt"] = "A banner"
    form = form.submit("action", value="preview").forms["campaign-form"]
    form["drop_pending_image"] = True
    form["image_alt"] = ""
    form.submit("action", value="save").follow()
    assert not Campaign.objects.get().image
    assert pending_files() == []


def test_dropping_it_on_a_preview_shows_no_kept_image(app, member):
    form = fill(app.get(CREATE, user=member).forms["campaign-form"])
    form["image"] = banner()
    form["image_alt"] = "A banner"
    form = form.submit("action", value="preview").forms["campaign-form"]
    form["drop_pending_image"] = True
    page = form.submit("action", value="preview")
    assert page.html.select_one("#pending-image") is None
    assert page.forms["campaign-form"]["pending_image"].value == ""
    assert pending_files() == []


def test_a_new_choice_replaces_the_kept_image(app, member):
    form = fill(app.get(CREATE, user=member).forms["campaign-form"])
    form["image"] = banner("PNG")
    form["image_alt"] = "A banner"
    form = form.submit("action", value="preview").forms["campaign-form"]
    first = pending_files()
    form["image"] = banner("GIF")
    form = form.submit("action", value="preview").forms["campaign-form"]
    assert len(pending_files()) == 1 and pending_files() != first
    form.submit("action", value="save").follow()
    assert stored_image(Campaign.objects.get()).format == "GIF"


def test_edit_preview_keeps_the_new_image_until_saved(app, owner):
    campaign = factories.campaign(owner, publish=False)
    page = app.get(reverse("campaigns:edit", args=[campaign.slug]), user=owner)
    form = page.forms["campaign-form"]
    form["image"] = banner("WEBP")
    form["image_alt"] = "New banner"
    form = form.submit("action", value="preview").forms["campaign-form"]
    campaign.refresh_from_db()
    assert not campaign.image  # a preview saves nothing
    form.submit("action", value="save").follow()
    campaign.refresh_from_db()
    assert (campaign.image_alt, stored_image(campaign).format) == ("New banner", "WEBP")


# The token: signed, for one member, for a day ----------------------------------------------------


def preview_token(client, user) -> str:
    """Preview an image as `user` and return the token their page carries."""
    client.force_login(user)
    response = client.post(CREATE, form_data(action="preview", image=factories.upload()))
    token = response.context["form"].pending.token
    assert f'value="{token}"' in response.content.decode()
    return token


# Saving, with the description an image needs.
form_data = functools.partial(
    factories.campaign_form_data,
    ask="Keep the Carnegie library open.",
    body="It is the only warm space on the estate.",
    image_alt="A banner",
)


def test_another_members_token_attaches_nothing(client, member, other_member):
    token = preview_token(client, other_member)
    client.force_login(member)
    response = client.post(CREATE, form_data(pending_image=token))
    assert response.status_code == 200
    assert "no longer kept" in response.content.decode()
    assert not Campaign.objects.exists()
    assert len(pending_files()) == 1  # bob's file is untouched


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, user: token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),  # altered
        lambda token, user: "not-a-token",
        lambda token, user: signing.dumps(  # the right shape, signed without the salt
            {"name": "campaigns/pending/" + "0" * 32 + ".png", "user": user.pk}
        ),
    ],
    ids=["altered", "garbage", "unsalted"],
)
def test_a_forged_token_attaches_nothing(client, member, forge):
    token = preview_token(client, member)
    response = client.post(CREATE, form_data(pending_image=forge(token, member)))
    assert "no longer kept" in response.content.decode()
    assert not Campaign.objects.exists()


def test_token_expires_after_a_day(client, member):
    token = preview_token(client, member)
    with time_machine.travel(timezone.now() + images.PENDING_MAX_AGE + timedelta(minutes=1)):
        response = client.post(CREATE, form_data(pending_image=token))
    assert "no longer kept" in response.content.decode()
    assert not Campaign.objects.exists()
    response = client.post(CREATE, form_data(pending_image=token))  # within the day: it works
    assert response.status_code == 302
    assert Campaign.objects.get().image


def test_token_for_a_file_already_deleted_says_so(client, member):
    token = preview_token(client, member)
    for name in pending_files():
        (settings.MEDIA_ROOT / images.PENDING_DIR / name).unlink()
    response = client.post(CREATE, form_data(pending_image=token))
    assert response.status_code == 200
    assert "no longer kept" in response.content.decode()
