from io import StringIO

import pytest
from django.core import mail
from django.db.models import Count

from accounts.demo import build_members
from accounts.models import Notification
from campaigns.demo import SEED_SLUG, build_demo
from campaigns.models import Campaign, Support
from forum.models import Post, Section
from forum.services import post_create

pytestmark = pytest.mark.django_db


def test_demo_builds_every_state_once_and_is_idempotent(django_capture_on_commit_callbacks):
    members = build_members()
    forum_thread = post_create(
        actor=members["olu"],
        section=Section.objects.get(slug="party-finances"),
        title="Take back control of party finances",
        body="The forum demo's thread.",
        publish=True,
    )
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        build_demo(out)
        build_demo(out)
    assert "already present: skipped" in out.getvalue()
    states = dict(
        Campaign.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    assert states == {"draft": 1, "published": 3, "closed": 3, "archived": 1}
    assert set(Campaign.objects.exclude(outcome="").values_list("outcome", flat=True)) == {
        "won",
        "lost",
        "withdrawn",
    }
    seed = Campaign.objects.get(slug=SEED_SLUG)
    assert seed.title == "Take back control of party finances"
    assert seed.discussion == forum_thread  # the forum demo's thread is the seed's discussion
    assert seed.image and seed.image_alt
    assert seed.updates.count() == 3 and seed.changes.count() == 1 and seed.exports.count() == 1
    assert seed.organisers.count() == 2
    for campaign in Campaign.objects.all():
        assert campaign.support_count == campaign.supports.count()
        assert (campaign.discussion_id is None) == campaign.is_draft
    assert Support.objects.filter(campaign=seed).count() > 5
    # Building the demo tells nobody anything.
    assert not Notification.objects.exists()
    assert mail.outbox == []
    assert Post.objects.filter(campaign__isnull=False).count() == 7
