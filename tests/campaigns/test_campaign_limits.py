"""Per-member limits on the campaign form: images checked, previews, new campaigns.

Previews and checked images save nothing, so they are counted in the shared cache (tested on
the database cache the site uses and on the local-memory one); new campaigns are counted in the
database, like posts.
"""

import functools
import os
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache, caches
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from campaigns import services
from campaigns.models import Campaign

from . import factories

pytestmark = pytest.mark.django_db

CREATE = reverse("campaigns:create")
# Mid-window, so a test's few seconds never cross into the next 10 minutes.
NOON = datetime(2026, 3, 2, 12, 3, tzinfo=timezone.get_current_timezone())


# The site's shared cache: the database cache, or Redis where REDIS_URL is set (as in CI).
SHARED = "DegradingRedisCache" if os.environ.get("REDIS_URL") else "DatabaseCache"


@pytest.fixture(params=["shared", "locmem"])
def limits_on(request, settings):
    settings.FORUM_RATE_LIMITS = True
    if request.param == "locmem":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    backend = {"shared": SHARED, "locmem": "LocMemCache"}[request.param]
    assert type(caches["default"]).__name__ == backend
    cache.clear()  # a local-memory cache outlives the test that filled it
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller
    cache.clear()


# A preview, with the description an image needs: what the preview and image limits count.
form_data = functools.partial(
    factories.campaign_form_data,
    ask="Keep the Carnegie library open.",
    body="It is the only *warm* space on the estate.",
    image_alt="A banner",
    action="preview",
)


def small_image():
    return factories.upload(size=(200, 100))


def test_images_past_the_limit_are_not_opened(limits_on, member_client, monkeypatch):
    for _ in range(services.IMAGE_RATE.count):
        response = member_client.post(CREATE, form_data(image=small_image()))
        assert response.context["form"].pending is not None
    # Six quiet minutes: past the database cache's default expiry, which its incr sets.
    limits_on.shift(timedelta(minutes=6))
    decoders = []
    real = Image._getdecoder

    def recording(*a, **k):
        decoders.append(a)
        return real(*a, **k)

    monkeypatch.setattr(Image, "_getdecoder", recording)
    response = member_client.post(CREATE, form_data(image=small_image()))
    html = response.content.decode()
    assert "You have sent images faster than the site allows" in html
    assert "at most 10 images in 10 minutes" in html
    assert "Leeds City Council" in html  # the text stays
    assert decoders == []  # the file was never opened
    # The same on a save: nothing is created.
    response = member_client.post(CREATE, form_data(action="save", image=small_image()))
    assert "faster than the site allows" in response.content.decode()
    assert not Campaign.objects.exists()
    limits_on.shift(timedelta(minutes=10))
    response = member_client.post(CREATE, form_data(image=small_image()))
    assert response.context["form"].pending is not None


def test_image_limit_is_per_member(limits_on, client, member, other_member):
    client.force_login(member)
    for _ in range(services.IMAGE_RATE.count + 1):
        client.post(CREATE, form_data(image=small_image()))
    client.force_login(other_member)
    response = client.post(CREATE, form_data(image=small_image()))
    assert "faster than the site allows" not in response.content.decode()
    assert response.context["form"].pending is not None


def test_kept_image_is_still_used_after_the_image_limit(limits_on, member_client):
    """The limit counts images checked; saving with the one already kept checks nothing."""
    for _ in range(services.IMAGE_RATE.count):
        response = member_client.post(CREATE, form_data(image=small_image()))
    token = response.context["form"].pending.token
    response = member_client.post(CREATE, form_data(action="save", pending_image=token))
    assert response.status_code == 302
    assert Campaign.objects.get().image


def test_previews_past_the_limit_say_so_and_keep_the_text(limits_on, member_client):
    for _ in range(services.PREVIEW_RATE.count):
        response = member_client.post(CREATE, form_data())
        assert response.context["preview"] is not None
    response = member_client.post(CREATE, form_data())
    html = response.content.decode()
    assert response.context["preview"] is None
    assert "You are previewing faster than the site allows (at most 30 previews in 10 minutes)" in (
        html
    )
    assert "It is the only *warm* space on the estate." in html
    # Saving is not a preview: it still works.
    assert member_client.post(CREATE, form_data(action="save")).status_code == 302
    limits_on.shift(timedelta(minutes=10))
    assert member_client.post(CREATE, form_data()).context["preview"] is not None


def test_limits_are_off_with_the_rate_limit_switch(member_client):
    # tests/conftest.py turns FORUM_RATE_LIMITS off: bulk fixtures preview and upload freely.
    for _ in range(services.IMAGE_RATE.count + 1):
        response = member_client.post(CREATE, form_data(image=small_image()))
    assert response.context["form"].pending is not None


# New campaigns, counted in the database like posts ----------------------------------------------


def established(user):
    user.date_joined = timezone.now() - timedelta(days=30)
    user.save(update_fields=["date_joined"])
    return user


def test_sixth_campaign_in_an_hour_is_refused_as_rendered(limits_on, app, member):
    established(member)
    for n in range(5):
        factories.campaign(member, title=f"Campaign {n}", publish=False)
    form = app.get(CREATE, user=member).forms["campaign-form"]
    form["title"], form["summary"] = "One too many", "A sixth campaign."
    form["target"], form["ask"] = "Leeds City Council", "Keep it open."
    form["body"], form["goal"] = "Because.", "10"
    page = form.submit("action", value="save")
    assert page.status_code == 200
    assert (
        "You are starting campaigns faster than the site allows (at most 5 new campaigns an hour)"
        in page.text
    )
    assert page.forms["campaign-form"]["title"].value == "One too many"
    assert Campaign.objects.filter(created_by=member).count() == 5
    limits_on.shift(timedelta(hours=1))
    page = page.forms["campaign-form"].submit("action", value="save").follow()
    assert "Draft saved" in page.text


def test_new_member_may_start_two_campaigns_an_hour(limits_on, member):
    for n in range(2):
        factories.campaign(member, title=f"Campaign {n}", publish=False)
    with pytest.raises(services.ActionRefused, match="at most 2 new campaigns an hour in your"):
        factories.campaign(member, title="Third", publish=False)


def test_a_double_submit_is_one_campaign_not_a_refusal(limits_on, member):
    established(member)
    for n in range(4):
        factories.campaign(member, title=f"Campaign {n}", publish=False)
    fifth = factories.campaign(member, title="Fifth", publish=False)
    assert factories.campaign(member, title="Fifth", publish=False) == fifth
