"""Every time window at its edges, with time frozen: just inside and just outside.

Tests whose new members joined seconds ago and veterans days ago pass whether a window is
measured in hours or minutes. Here each window is crossed by one second (or one microsecond,
where the edge itself belongs to the window), so a changed unit, a changed length or a `>`
that became `>=` fails a test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from campaigns import services as campaigns
from campaigns.models import CampaignUpdate
from forum import limits, moderation
from forum import services as forum
from forum.models import Comment, ContentState, Post, Report
from forum.services import ActionRefused
from tests.campaigns import factories as campaign_factories
from tests.conftest import make_member
from tests.forum import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
TICK = timedelta(microseconds=1)
THREE_LINKS = "[a](https://a.example) [b](https://b.example) [c](https://c.example)"


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture(autouse=True)
def limits_on(settings):
    settings.FORUM_RATE_LIMITS = True
    settings.FORUM_NEW_MEMBER_HOURS = 24


def joined(username: str, ago: timedelta):
    return make_member(username, date_joined=NOW - ago)


@pytest.fixture
def post(db):
    with at(NOW - timedelta(days=30)):
        return factories.post(make_member("author", date_joined=NOW - timedelta(days=400)))


# The new-member window (FORUM_NEW_MEMBER_HOURS) ---------------------------------------------------

DAY = timedelta(hours=24)


@pytest.mark.parametrize(
    ("ago", "is_new"),
    [(DAY - SECOND, True), (DAY, False), (DAY + SECOND, False)],
    ids=["a second inside", "at the edge", "a second outside"],
)
def test_new_member_window_edges(ago, is_new):
    member = joined("edge", ago)
    with at(NOW):
        assert limits.is_new_member(member) is is_new


def test_new_member_link_limit_ends_at_the_window(post):
    inside, outside = joined("inside", DAY - SECOND), joined("outside", DAY)
    with at(NOW):
        with pytest.raises(ActionRefused, match="at most 2"):
            forum.comment_create(post=post, actor=inside, body=THREE_LINKS)
        forum.comment_create(post=post, actor=outside, body=THREE_LINKS)
        with pytest.raises(ActionRefused, match="at most 2"):
            factories.post(inside, title="Links", body=THREE_LINKS)
    assert Comment.objects.filter(author=inside).count() == 0
    assert Comment.objects.filter(author=outside).count() == 1


def test_new_member_reply_rate_ends_at_the_window(post):
    inside, outside = joined("inside", DAY - SECOND), joined("outside", DAY)
    with at(NOW):
        for member in (inside, outside):
            for i in range(3):
                factories.comment(post, member, f"{member.username} {i}")
        with pytest.raises(ActionRefused, match="in your first day"):
            factories.comment(post, inside, "a fourth")
        factories.comment(post, outside, "a fourth")  # the ordinary 6 a minute apply


def test_new_member_post_rate_ends_at_the_window():
    inside, outside = joined("inside", DAY - SECOND), joined("outside", DAY)
    with at(NOW):
        for member in (inside, outside):
            for i in range(2):
                factories.post(member, title=f"{member.username} {i}")
        with pytest.raises(ActionRefused, match="at most 2 posts an hour in your first day"):
            factories.post(inside, title="a third")
        factories.post(outside, title="a third")


def test_only_established_members_reports_hide(post, settings):
    """Reports count toward hiding once the reporter is past FORUM_NEW_MEMBER_HOURS."""
    settings.FORUM_REPORTS_TO_HIDE = 3
    target = post
    established = [joined(f"old{i}", DAY) for i in range(2)]
    fresh = joined("fresh", DAY - SECOND)
    with at(NOW):
        for reporter in [*established, fresh]:
            moderation.report_create(actor=reporter, target=target, reason=Report.Reason.SPAM)
        target.refresh_from_db()
        assert target.state == ContentState.VISIBLE  # the third reporter is a second too new
        just_established = joined("just", DAY)
        moderation.report_create(actor=just_established, target=target, reason=Report.Reason.SPAM)
    target.refresh_from_db()
    assert target.state == ContentState.HIDDEN


# Suspension end ------------------------------------------------------------------------------------


def test_suspension_ends_at_its_time(post):
    member = joined("suspended", timedelta(days=400))
    member.suspended_until = NOW
    member.save()
    with at(NOW - SECOND):
        assert member.is_suspended
        with pytest.raises(ActionRefused, match="suspended"):
            factories.comment(post, member, "still suspended?")
    with at(NOW):
        assert not member.is_suspended
        factories.comment(post, member, "back")
    assert Comment.objects.filter(author=member).count() == 1


def test_a_suspension_must_end_in_the_future(moderator):
    member = joined("member", timedelta(days=400))
    with at(NOW):
        with pytest.raises(ActionRefused, match="in the future"):
            moderation.member_suspend(actor=moderator, member=member, until=NOW, reason="r")
        moderation.member_suspend(actor=moderator, member=member, until=NOW + TICK, reason="r")
    member.refresh_from_db()
    assert member.suspended_until == NOW + TICK


# Posting and reply rates ---------------------------------------------------------------------------


def _fill(make, count: int, when: datetime, model) -> None:
    """`count` submissions by the same member, all stamped `when`."""
    with at(when):
        made = [make(i) for i in range(count)]
    model.objects.filter(pk__in=[m.pk for m in made]).update(created_at=when)


@pytest.mark.parametrize(
    ("count", "window", "text"),
    [
        (6, timedelta(minutes=1), "at most 6 replies a minute"),
        (60, timedelta(hours=1), "at most 60 replies an hour"),
    ],
    ids=["per minute", "per hour"],
)
def test_reply_rate_windows(settings, post, count, window, text):
    veteran = joined("veteran", timedelta(days=400))
    settings.FORUM_RATE_LIMITS = False  # building the history, not testing it
    _fill(lambda i: factories.comment(post, veteran, f"r{i}"), count, NOW - window, Comment)
    settings.FORUM_RATE_LIMITS = True
    # The oldest reply is a second inside the window.
    with at(NOW - SECOND), pytest.raises(ActionRefused, match=text):
        factories.comment(post, veteran, "inside")
    with at(NOW):  # now the oldest is exactly a window old: outside it
        factories.comment(post, veteran, "outside")


# The documented limits, written out: a test that read them from forum.limits would follow a
# changed count or window instead of catching it.
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
NEW = DAY - timedelta(hours=2)  # joined 22 hours ago: new for the whole test
VETERAN = timedelta(days=400)


@pytest.mark.parametrize(
    ("ago", "count", "window", "text"),
    [
        (NEW, 3, MINUTE, "at most 3 replies a minute in your first day"),
        (NEW, 10, HOUR, "at most 10 replies an hour in your first day"),
        (VETERAN, 6, MINUTE, "at most 6 replies a minute"),
        (VETERAN, 60, HOUR, "at most 60 replies an hour"),
    ],
    ids=["new member a minute", "new member an hour", "member a minute", "member an hour"],
)
def test_every_reply_rate_at_its_edges(settings, post, ago, count, window, text):
    member = joined("m", ago)
    settings.FORUM_RATE_LIMITS = False
    _fill(lambda i: factories.comment(post, member, f"r{i}"), count - 1, NOW - window, Comment)
    settings.FORUM_RATE_LIMITS = True
    # One under the count is allowed (past the shorter window's reach, for the hourly rate).
    with at(NOW - window + min(window / 2, 2 * MINUTE)):
        factories.comment(post, member, "the last one allowed")
    with at(NOW - SECOND), pytest.raises(ActionRefused, match=text):
        factories.comment(post, member, "inside")  # the oldest a second inside the window
    with at(NOW):
        factories.comment(post, member, "outside")  # the oldest exactly a window old


@pytest.mark.parametrize(
    ("ago", "count", "text"),
    [
        (VETERAN, 5, "at most 5 posts an hour"),
        (NEW, 2, "at most 2 posts an hour in your first day"),
    ],
    ids=["member", "new member"],
)
def test_post_rate_window(settings, ago, count, text):
    member = joined("m", ago)
    settings.FORUM_RATE_LIMITS = False
    _fill(lambda i: factories.post(member, title=f"p{i}"), count - 1, NOW - HOUR, Post)
    settings.FORUM_RATE_LIMITS = True
    with at(NOW - HOUR + SECOND):
        factories.post(member, title="the last one allowed")
    with at(NOW - SECOND), pytest.raises(ActionRefused, match=text):
        factories.post(member, title="inside")
    with at(NOW):
        factories.post(member, title="outside")


# The double-submit window (30 seconds) -------------------------------------------------------------

WINDOW = timedelta(seconds=30)


def test_double_submit_window_for_posts():
    member = joined("m", timedelta(days=400))
    with at(NOW):
        first = factories.post(member, title="Same")
    with at(NOW + WINDOW):
        assert factories.post(member, title="Same") == first
    with at(NOW + WINDOW + TICK):
        assert factories.post(member, title="Same") != first
    assert Post.objects.filter(author=member).count() == 2


def test_double_submit_window_for_replies(post):
    member = joined("m", timedelta(days=400))
    with at(NOW):
        first = factories.comment(post, member, "Same")
    with at(NOW + WINDOW):
        assert factories.comment(post, member, "Same") == first
    with at(NOW + WINDOW + TICK):
        assert factories.comment(post, member, "Same") != first
    assert Comment.objects.filter(author=member).count() == 2


def test_double_submit_window_for_campaigns_and_updates(organiser):
    with at(NOW):
        first = campaign_factories.campaign(organiser, title="Same campaign", publish=False)
    with at(NOW + WINDOW):
        assert campaign_factories.campaign(organiser, title="Same campaign", publish=False) == first
    with at(NOW + WINDOW + TICK):
        again = campaign_factories.campaign(organiser, title="Same campaign", publish=False)
        assert again != first
        campaigns.campaign_publish(campaign=again, actor=organiser)
        update = campaigns.campaign_announce(campaign=again, actor=organiser, title="U", body="b")
    with at(NOW + 2 * WINDOW + TICK):
        assert campaigns.campaign_announce(
            campaign=again, actor=organiser, title="U", body="b"
        ) == (update)
    with at(NOW + 2 * WINDOW + 2 * TICK):
        campaigns.campaign_announce(campaign=again, actor=organiser, title="U", body="b")
    assert CampaignUpdate.objects.filter(campaign=again).count() == 2


# Three campaign updates in any seven days ----------------------------------------------------------


def test_three_updates_in_seven_days(organiser):
    week = timedelta(days=7)
    with at(NOW - timedelta(days=1)):
        campaign = campaign_factories.campaign(organiser, title="Weekly")
    for i, when in enumerate([NOW, NOW + timedelta(hours=1), NOW + timedelta(hours=2)]):
        with at(when):
            campaigns.campaign_announce(campaign=campaign, actor=organiser, title=f"u{i}", body="b")
    with at(NOW + week - SECOND):
        with pytest.raises(ActionRefused, match="at most 3 updates in 7 days") as refused:
            campaigns.campaign_announce(campaign=campaign, actor=organiser, title="u3", body="b")
        assert "after 17 March, 12:00" in str(refused.value)  # the first update + 7 days
    with at(NOW + week):  # the first update is now exactly seven days old: out of the window
        campaigns.campaign_announce(campaign=campaign, actor=organiser, title="u3", body="b")
    with at(NOW + week + SECOND), pytest.raises(ActionRefused, match="after 17 March, 13:00"):
        campaigns.campaign_announce(campaign=campaign, actor=organiser, title="u4", body="b")
    assert campaign.updates.count() == 4


# The Recommended list (FORUM_RECOMMENDED_HOURS) ----------------------------------------------------


def test_recommended_list_window(client, settings, other_member):
    settings.FORUM_RECOMMENDED_HOURS = 48
    author = joined("author", timedelta(days=400))
    with at(NOW - timedelta(hours=48)):
        edge = factories.post(author, title="Published exactly 48 hours ago")
    with at(NOW - timedelta(hours=48) - SECOND):
        old = factories.post(author, title="Published 48 hours and a second ago")
    for post in (edge, old):
        forum.post_recommend(post=post, actor=other_member)
    with at(NOW):
        html = client.get(reverse("forum:recommended")).content.decode()
    assert edge.title in html
    assert old.title not in html
