"""Atom feeds, read with a real feed parser (feedparser), found the way a feed reader finds them:
from the <link rel="alternate"> of the page they follow. Plus sitemap.xml and robots.txt."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone

from campaigns import services as campaign_services
from forum import moderation
from forum import services as forum_services
from forum.models import Comment, ContentState, Post
from tests.campaigns import factories as campaign_factories
from tests.conftest import make_member
from tests.forum import factories

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def feed_links(page) -> list[str]:
    return [
        link["href"]
        for link in page.html.select('head link[rel="alternate"][type="application/atom+xml"]')
    ]


def read_feed(app, url: str):
    response = app.get(url)
    assert response.content_type == "application/atom+xml"
    parsed = feedparser.parse(response.body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_front_and_newest_feeds_from_the_front_page(app, member, moderator):
    older = factories.post(
        member, title="Older post", body="Hello <script>alert(1)</script> **all**"
    )
    Post.objects.filter(pk=older.pk).update(published_at=timezone.now() - timedelta(hours=5))
    newer = factories.post(member, title="Newer post", body="Second.")
    factories.post(member, title="Secret draft", body="x", publish=False)
    removed = factories.post(member, title="Removed post", body="x")
    moderation.content_remove(actor=moderator, target=removed, reason="Spam")

    links = feed_links(app.get("/"))
    assert links == ["/feed/", "/new/feed/"]
    newest = read_feed(app, "/new/feed/")
    assert [e.title for e in newest.entries] == ["Newer post", "Older post"]
    entry = newest.entries[1]
    assert entry.link == "http://testserver" + older.get_absolute_url()
    assert entry.author == member.name
    published = Post.objects.get(pk=older.pk).published_at
    assert published is not None
    assert entry.updated_parsed[:5] == published.utctimetuple()[:5]
    html = entry.summary
    assert "<strong>all</strong>" in html and "<script" not in html
    front = read_feed(app, "/feed/")
    assert {e.title for e in front.entries} == {"Newer post", "Older post"}
    assert newer.get_absolute_url() in {
        e.link.removeprefix("http://testserver") for e in front.entries
    }


def test_section_feed_lists_only_that_section(app, member):
    factories.post(member, title="In finances")
    factories.post(member, title="In policy", section_slug="policy")
    page = app.get("/s/policy/")
    assert feed_links(page) == ["/s/policy/feed/"]
    feed = read_feed(app, "/s/policy/feed/")
    assert [e.title for e in feed.entries] == ["In policy"]
    assert app.get("/s/no-such-section/feed/", status=404)


def test_member_feed_from_their_page_and_404_once_banned(app, member, other_member):
    factories.post(member, title="Mine")
    factories.post(other_member, title="Theirs")
    page = app.get(member.get_absolute_url())
    assert feed_links(page) == [f"/members/{member.username}/feed/"]
    feed = read_feed(app, feed_links(page)[0])
    assert [e.title for e in feed.entries] == ["Mine"]
    member.is_active = False
    member.save()
    app.get(f"/members/{member.username}/feed/", status=404)


def test_comment_feed_carries_replies_that_stand_and_404s_for_posts_nobody_may_read(
    app, member, other_member, moderator
):
    post = factories.post(member, title="Thread")
    kept = factories.comment(post, other_member, body="A *fine* point.")
    gone = factories.comment(post, other_member, body="Something rude.")
    moderation.content_remove(actor=moderator, target=gone, reason="Rude")
    page = app.get(post.get_absolute_url())
    assert feed_links(page) == [f"/p/{post.pk}/feed/"]
    feed = read_feed(app, f"/p/{post.pk}/feed/")
    assert [e.link for e in feed.entries] == ["http://testserver" + kept.get_absolute_url()]
    assert "<em>fine</em>" in feed.entries[0].summary
    assert "rude" not in str(feed).lower()

    draft = factories.post(member, title="Draft", publish=False)
    app.get(f"/p/{draft.pk}/feed/", status=404)
    app.get(f"/p/{draft.pk}/feed/", user=member, status=404)
    moderation.content_remove(actor=moderator, target=post, reason="Off topic")
    app.get(f"/p/{post.pk}/feed/", status=404)
    assert feed_links(app.get(f"/p/{post.pk}/", status="*").maybe_follow()) == []


def test_moderation_log_feed_says_what_the_log_says_and_nothing_removed(app, member, moderator):
    post = factories.post(member, title="Title that was removed", body="Words that were removed.")
    moderation.content_remove(actor=moderator, target=post, reason="Doxxing")
    assert feed_links(app.get("/moderation/log/")) == ["/moderation/log/feed/"]
    feed = read_feed(app, "/moderation/log/feed/")
    assert len(feed.entries) == 1
    text = str(feed)
    assert "Doxxing" in text and f"post #{post.pk}" in text
    assert "Title that was removed" not in text and "Words that were removed" not in text


def test_campaign_updates_feed_only_for_listed_campaigns(app, organiser, moderator):
    campaign = campaign_factories.campaign(organiser, title="Open the books")
    campaign_services.campaign_announce(
        campaign=campaign, actor=organiser, title="We met the NEC", body="It went **well**."
    )
    page = app.get(campaign.get_absolute_url())
    assert feed_links(page) == [f"/campaigns/{campaign.slug}/updates/feed/"]
    feed = read_feed(app, feed_links(page)[0])
    assert [e.title for e in feed.entries] == ["We met the NEC"]
    assert "<strong>well</strong>" in feed.entries[0].summary
    draft = campaign_factories.campaign(organiser, title="Draft one", publish=False)
    app.get(f"/campaigns/{draft.slug}/updates/feed/", status=404)
    moderation.content_remove(actor=moderator, target=campaign, reason="Spam")
    app.get(f"/campaigns/{campaign.slug}/updates/feed/", status=404)


def test_feeds_take_constant_queries(client, member, other_member, django_assert_num_queries):
    for n in range(40):
        post = factories.post(make_member(f"writer{n}"), title=f"Post {n}")
    for n in range(40):
        factories.comment(post, make_member(f"replier{n}"), body=f"Reply {n}")
    # The posts with their authors and sections: one query.
    with django_assert_num_queries(1):
        assert client.get("/new/feed/").status_code == 200
    # The post, then its replies with their authors.
    with django_assert_num_queries(2):
        assert client.get(f"/p/{post.pk}/feed/").status_code == 200


# sitemap.xml and robots.txt --------------------------------------------------------------------


def sitemap_locations(app, url: str) -> list[str]:
    root = ET.fromstring(app.get(url).body)  # noqa: S314 - our own page
    return [loc.text or "" for loc in root.iter(f"{{{SITEMAP_NS['sm']}}}loc")]


def test_sitemap_lists_sections_published_posts_and_listed_campaigns(app, member, organiser):
    published = factories.post(member, title="Published")
    draft = factories.post(member, title="Draft", publish=False)
    campaign = campaign_factories.campaign(organiser, title="Listed campaign")
    hidden = campaign_factories.campaign(organiser, title="Draft campaign", publish=False)
    index = sitemap_locations(app, "/sitemap.xml")
    assert {url.removeprefix("http://testserver") for url in index} == {
        "/sitemap-sections.xml",
        "/sitemap-posts.xml",
        "/sitemap-campaigns.xml",
    }
    posts = sitemap_locations(app, "/sitemap-posts.xml")
    assert "http://testserver" + published.get_absolute_url() in posts
    assert not any(f"/p/{draft.pk}/" in url for url in posts)
    campaigns = sitemap_locations(app, "/sitemap-campaigns.xml")
    assert "http://testserver" + campaign.get_absolute_url() in campaigns
    assert not any(hidden.slug in url for url in campaigns)
    assert "http://testserver/s/policy/" in sitemap_locations(app, "/sitemap-sections.xml")


def test_sitemap_pages_when_there_are_many_posts(app, member, monkeypatch):
    from forum.sitemaps import PostSitemap

    monkeypatch.setattr(PostSitemap, "limit", 2)
    for n in range(5):
        factories.post(member, title=f"Post {n}", body=f"Body {n}")
    index = sitemap_locations(app, "/sitemap.xml")
    assert "http://testserver/sitemap-posts.xml?p=3" in index
    pages = [sitemap_locations(app, f"/sitemap-posts.xml?p={p}") for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 2, 1]
    app.get("/sitemap-posts.xml?p=9", status=404)


def test_robots_txt_keeps_crawlers_off_member_and_action_urls(app):
    response = app.get("/robots.txt")
    assert response.content_type == "text/plain"
    lines = response.text.splitlines()
    for path in ("/members/", "/account/", "/messages/", "/search/", "/*/edit/", "/*/reply/"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_every_entry_of_every_feed_has_updated(app, member, other_member, organiser, moderator):
    # Atom requires <updated> on each entry; feedparser would otherwise stand published in for it
    # (with a DeprecationWarning, an error here).
    post = factories.post(member, title="A post")
    factories.comment(post, other_member, body="A reply")
    campaign = campaign_factories.campaign(organiser, title="A campaign")
    campaign_services.campaign_announce(campaign=campaign, actor=organiser, title="News", body="x")
    moderation.post_set_locked(actor=moderator, post=post, locked=True, reason="Cool down")
    for url in (
        "/feed/",
        "/new/feed/",
        "/s/party-finances/feed/",
        "/members/alice/feed/",
        f"/p/{post.pk}/feed/",
        f"/campaigns/{campaign.slug}/updates/feed/",
        "/moderation/log/feed/",
    ):
        feed = read_feed(app, url)
        assert feed.entries, url
        assert all(entry.updated_parsed for entry in feed.entries), url


def test_entry_ids_are_iris_and_author_links_absolute(app, member, moderator):
    post = factories.post(member, title="A post")
    moderation.post_set_locked(actor=moderator, post=post, locked=True, reason="Cool down")
    log = read_feed(app, "/moderation/log/feed/")
    # Atom's <id> is an IRI; every entry of the log links to the same page, so each has its own.
    ids = [entry.id for entry in log.entries]
    assert all(i.startswith("tag:testserver,") for i in ids) and len(set(ids)) == len(ids)
    newest = read_feed(app, "/new/feed/")
    assert newest.entries[0].author_detail.href == "http://testserver/members/alice/"


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/feed/", 1),  # the posts with their authors and sections
        ("/new/feed/", 1),  # the same
        ("/s/party-finances/feed/", 2),  # the section, then its posts
        ("/members/writer0/feed/", 2),  # the member, then their posts
        ("/moderation/log/feed/", 1),  # the actions with their moderators
    ],
)
def test_every_list_feed_takes_constant_queries(
    client, moderator, django_assert_num_queries, url, queries
):
    writers = [make_member(f"writer{n}") for n in range(8)]
    for n in range(40):
        post = factories.post(writers[n % 8] if "writer0" not in url else writers[0], title=f"P{n}")
        moderation.post_set_locked(actor=moderator, post=post, locked=True, reason=f"Calm {n}")
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert len(feedparser.parse(response.content).entries) == 30


@pytest.mark.parametrize("what", ["draft", "deleted", "hidden", "removed", "missing"])
def test_comment_feed_of_a_post_nobody_may_read_is_404(client, member, moderator, what):
    post = factories.post(member, title="Going", publish=what != "draft")
    if what == "deleted":
        forum_services.post_delete(post=post, actor=member)
    elif what == "hidden":
        Post.objects.filter(pk=post.pk).update(state=ContentState.HIDDEN)
    elif what == "removed":
        moderation.content_remove(actor=moderator, target=post, reason="Spam")
    pk = 99_999_999 if what == "missing" else post.pk
    assert client.get(f"/p/{pk}/feed/").status_code == 404


def test_comment_feed_leaves_out_hidden_and_deleted_replies(app, member, other_member):
    post = factories.post(member, title="Open the books")
    factories.comment(post, other_member, body="Stands")
    taken_back = factories.comment(post, other_member, body="Taken back")
    forum_services.comment_delete(comment=taken_back, actor=other_member)
    hidden = factories.comment(post, other_member, body="Hidden after reports")
    Comment.objects.filter(pk=hidden.pk).update(state=ContentState.HIDDEN)
    feed = read_feed(app, f"/p/{post.pk}/feed/")
    assert len(feed.entries) == 1
    text = app.get(f"/p/{post.pk}/feed/").text
    assert "Stands" in text and "Taken back" not in text and "Hidden after" not in text


def test_a_post_titled_feed_keeps_its_own_page(client, member):
    post = factories.post(member, title="Feed")
    assert post.slug != "feed"
    assert client.get(post.get_absolute_url()).status_code == 200
