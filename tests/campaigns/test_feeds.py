"""A campaign's updates as an Atom feed: listed campaigns only (open or closed, standing)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import feedparser
import pytest
from django.urls import resolve
from django.utils import timezone

from campaigns import services
from campaigns.models import CampaignUpdate
from forum import moderation
from forum.feeds import FEED_ITEMS
from tests.conftest import make_member
from tests.forum.test_feeds import feed_links, read_feed


def parse(response):
    """A feed from Django's test client, as a feed reader reads it."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def titles(feed) -> list[str]:
    return [entry.title for entry in feed.entries]


def announce(campaign, owner, title, body="News **today**", minutes_ago=0):
    update = services.campaign_announce(campaign=campaign, actor=owner, title=title, body=body)
    if minutes_ago:
        when = timezone.now() - timedelta(minutes=minutes_ago)
        CampaignUpdate.objects.filter(pk=update.pk).update(created_at=when)
        update.refresh_from_db()
    return update


def feed_url(campaign) -> str:
    return f"/campaigns/{campaign.slug}/updates/feed/"


def test_updates_feed_lists_updates_newest_first_with_sanitised_html(client, campaign, owner):
    announce(campaign, owner, "We met the council", minutes_ago=10)
    newest = announce(campaign, owner, "Petition handed in", body="Done <script>x()</script>")
    feed = parse(client.get(feed_url(campaign)))
    assert feed.feed.title == f"Updates: {campaign.title}"
    assert urlsplit(feed.feed.link).path == campaign.get_absolute_url()
    assert titles(feed) == ["Petition handed in", "We met the council"]
    entry = feed.entries[0]
    link = urlsplit(entry.link)
    assert link.netloc == "testserver"
    assert resolve(link.path).view_name == "campaigns:updates"
    assert link.fragment == f"update-{newest.pk}"
    assert entry.author == "Olu Adeyemi"
    assert entry.updated_parsed[:5] == newest.created_at.utctimetuple()[:5]
    assert entry.summary == newest.body_html.strip()
    assert "<script" not in entry.summary


def test_a_closed_campaign_keeps_its_feed(client, campaign, owner):
    announce(campaign, owner, "Before closing")
    services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="We won.")
    assert "Before closing" in titles(parse(client.get(feed_url(campaign))))


@pytest.mark.parametrize("what", ["draft", "removed", "archived", "missing"])
def test_campaigns_that_are_not_listed_have_no_feed(client, owner, moderator, campaign, what):
    announce(campaign, owner, "Secret plans")
    target = campaign
    if what == "draft":
        from tests.campaigns import factories

        target = factories.campaign(owner, title="A draft", publish=False)
    elif what == "removed":
        moderation.content_remove(actor=moderator, target=campaign, reason="Spam")
    elif what == "archived":
        services.campaign_close(campaign=campaign, actor=owner, outcome="lost", story="We lost.")
        services.campaign_archive(campaign=campaign, actor=owner)
    url = "/campaigns/no-such-campaign/updates/feed/" if what == "missing" else feed_url(target)
    response = client.get(url)
    assert response.status_code == 404
    assert b"Secret plans" not in response.content


def test_updates_feed_takes_constant_queries(client, campaign, owner, django_assert_num_queries):
    co = [make_member(f"co{n}") for n in range(4)]
    for member in co:
        services.organiser_add(campaign=campaign, actor=owner, member=member)
    authors = [owner, *co]
    # Written as rows: the service allows three updates a week.
    CampaignUpdate.objects.bulk_create(
        CampaignUpdate(
            campaign=campaign,
            author=authors[n % len(authors)],
            title=f"Update {n}",
            body=f"News {n}",
            body_html=f"<p>News {n}</p>",
        )
        for n in range(40)
    )
    # The campaign, then its updates with their authors.
    with django_assert_num_queries(2):
        feed = parse(client.get(feed_url(campaign)))
    assert len(feed.entries) == FEED_ITEMS


def test_campaign_page_links_its_updates_feed(app, campaign, owner):
    announce(campaign, owner, "First news")
    (href,) = feed_links(app.get(campaign.get_absolute_url()))
    assert href == feed_url(campaign)
    assert titles(read_feed(app, href)) == ["First news"]


def test_removed_campaign_page_links_no_feed(app, campaign, moderator):
    moderation.content_remove(actor=moderator, target=campaign, reason="Spam")
    page = app.get(campaign.get_absolute_url(), expect_errors=True)
    assert not page.html.head.find_all("link", rel="alternate")
