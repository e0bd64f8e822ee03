"""The forum's Atom feeds, read as a feed reader reads them (feedparser): well-formed, absolute
links to the right pages, dates, sanitised HTML, newest first, and never what no longer stands."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import feedparser  # type: ignore[import-untyped]  # ships no types; PyPI has no stubs
import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from forum import moderation, services
from forum.feeds import FEED_ITEMS
from forum.models import Comment, ContentState, ModerationAction, Post
from tests.conftest import make_member

from . import factories

SCRIPT_BODY = "Hello <script>alert('x')</script> **bold**"


def parse(response):
    """A feed from Django's test client or from WebTest (`app`)."""
    assert response.status_code == 200
    headers = getattr(response, "headers", None) or response
    assert headers["Content-Type"].startswith("application/atom+xml")
    body = response.body if hasattr(response, "body") else response.content
    # sanitize_html off: what is checked is the HTML we send, not feedparser's cleaning of it.
    feed = feedparser.parse(body, sanitize_html=False)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def path_of(link: str) -> str:
    parts = urlsplit(link)
    assert parts.scheme == "http" and parts.netloc == "testserver", link
    return parts.path


def titles(feed) -> list[str]:
    return [entry.title for entry in feed.entries]


def content(entry) -> str:
    return entry.content[0].value


def backdate(post: Post, minutes: int) -> Post:
    when = timezone.now() - timedelta(minutes=minutes)
    Post.objects.filter(pk=post.pk).update(published_at=when, created_at=when)
    post.refresh_from_db()
    return post


@pytest.fixture
def posts(member):
    """Three listed posts, oldest first, and one each of what must never appear."""
    listed = [
        backdate(factories.post(member, title=f"Listed {n}", body=SCRIPT_BODY), 30 - n)
        for n in range(3)
    ]
    factories.post(member, title="A draft", publish=False)
    deleted = factories.post(member, title="Deleted by its author")
    services.post_delete(post=deleted, actor=member)
    hidden = factories.post(member, title="Hidden after reports")
    Post.objects.filter(pk=hidden.pk).update(state=ContentState.HIDDEN)
    return listed


@pytest.fixture
def removed(posts, member, moderator):
    post = factories.post(member, title="Removed by a moderator")
    moderation.content_remove(actor=moderator, target=post, reason="Doxxing a member")
    return post


# The post feeds ----------------------------------------------------------------------------------


def test_newest_feed_lists_listed_posts_newest_first_with_links_dates_and_sanitised_html(
    client, posts, removed
):
    feed = parse(client.get("/new/feed/"))
    assert feed.feed.title == "Grassroots: newest posts"
    assert path_of(feed.feed.link) == "/new/"
    assert titles(feed) == ["Listed 2", "Listed 1", "Listed 0"]
    entry = feed.entries[0]
    newest = posts[2]
    assert path_of(entry.link) == newest.get_absolute_url()
    assert resolve(path_of(entry.link)).view_name == "forum:post-detail"
    assert entry.author == "Alice Okafor"
    assert entry.updated_parsed[:5] == newest.published_at.utctimetuple()[:5]
    assert entry.published_parsed[:5] == newest.published_at.utctimetuple()[:5]
    assert content(entry) == newest.body_html.strip()
    assert "<strong>bold</strong>" in content(entry)
    assert "<script" not in content(entry)
    assert [e.id for e in feed.entries] == list(dict.fromkeys(e.id for e in feed.entries))
    assert entry.id.startswith("tag:testserver,")


def test_front_feed_carries_what_the_front_page_lists(client, posts, removed, moderator):
    promoted = moderation.post_set_promoted(
        actor=moderator, post=posts[0], promoted=True, reason="Read this"
    )
    feed = parse(client.get("/feed/"))
    assert feed.feed.title == "Grassroots: front page"
    assert titles(feed)[0] == promoted.title
    assert sorted(titles(feed)) == ["Listed 0", "Listed 1", "Listed 2"]


def test_section_feed_lists_only_that_sections_posts(client, posts, member):
    elsewhere = factories.post(member, title="In another section", section_slug="policy")
    feed = parse(client.get("/s/party-finances/feed/"))
    assert titles(feed) == ["Listed 2", "Listed 1", "Listed 0"]
    assert path_of(feed.feed.link) == "/s/party-finances/"
    other = parse(client.get("/s/policy/feed/"))
    assert titles(other) == [elsewhere.title]


def test_section_feed_of_a_section_that_does_not_exist_is_404(client, db):
    assert client.get("/s/no-such-section/feed/").status_code == 404


def test_member_feed_lists_that_members_listed_posts(client, posts, other_member):
    factories.post(other_member, title="Bob's post")
    url = reverse("forum:member-feed", args=["alice"])
    assert url == "/members/alice/feed/"
    assert resolve(url).view_name == "forum:member-feed"
    feed = parse(client.get(url))
    assert feed.feed.title == "Grassroots: posts by Alice Okafor"
    assert path_of(feed.feed.link) == "/members/alice/"
    assert titles(feed) == ["Listed 2", "Listed 1", "Listed 0"]


def test_member_feed_of_a_banned_member_is_404(client, posts, member, moderator):
    moderation.member_ban(actor=moderator, member=member, reason="Spam")
    assert client.get("/members/alice/feed/").status_code == 404
    assert client.get("/members/nobody-here/feed/").status_code == 404


def test_a_post_titled_feed_keeps_its_own_url(client, member):
    post = factories.post(member, title="Feed")
    assert post.slug != "feed"
    assert client.get(post.get_absolute_url()).status_code == 200


# Comments ----------------------------------------------------------------------------------------


def test_comment_feed_lists_visible_comments_newest_first(client, member, other_member):
    post = factories.post(member, title="Open the books")
    first = factories.comment(post, other_member, "First <script>alert(1)</script>")
    second = factories.comment(post, member, "Second, *agreed*", parent=first)
    gone = factories.comment(post, other_member, "Taken back")
    services.comment_delete(comment=gone, actor=other_member)
    hidden = factories.comment(post, other_member, "Hidden")
    Comment.objects.filter(pk=hidden.pk).update(state=ContentState.HIDDEN)
    Comment.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    feed = parse(client.get(f"/p/{post.pk}/feed/"))
    assert feed.feed.title == "Grassroots: comments on “Open the books”"
    assert path_of(feed.feed.link) == post.get_absolute_url()
    assert titles(feed) == ["Comment by Alice Okafor", "Comment by Bob Hughes"]
    assert [path_of(e.link) for e in feed.entries] == [f"/c/{second.pk}/", f"/c/{first.pk}/"]
    second.refresh_from_db()
    assert content(feed.entries[0]) == second.body_html.strip()
    assert "<script" not in content(feed.entries[1])
    assert all(e.updated_parsed for e in feed.entries)
    assert "Taken back" not in response_text(client, post) and "Hidden" not in response_text(
        client, post
    )


def response_text(client, post) -> str:
    return client.get(f"/p/{post.pk}/feed/").content.decode()


@pytest.mark.parametrize("what", ["draft", "deleted", "hidden", "removed"])
def test_comment_feed_of_a_post_that_is_not_listed_is_404(client, member, moderator, what):
    post = factories.post(member, title="Going", publish=what != "draft")
    if what == "deleted":
        services.post_delete(post=post, actor=member)
    elif what == "hidden":
        Post.objects.filter(pk=post.pk).update(state=ContentState.HIDDEN)
    elif what == "removed":
        moderation.content_remove(actor=moderator, target=post, reason="Spam")
    assert client.get(f"/p/{post.pk}/feed/").status_code == 404
    assert client.get("/p/999999/feed/").status_code == 404


# The public moderation log -----------------------------------------------------------------------


def test_moderation_log_feed_says_only_what_the_log_page_says(client, removed, member, moderator):
    feed = parse(client.get("/moderation/log/feed/"))
    assert feed.feed.title == "Grassroots: moderation log"
    entry = feed.entries[0]
    assert entry.title == f"Removed: post #{removed.pk} by @alice"
    assert content(entry) == "<p>Doxxing a member</p>"
    assert entry.updated_parsed
    assert entry.author == "@maya"
    assert path_of(entry.link) == "/moderation/log/"
    assert "Removed by a moderator" not in client.get("/moderation/log/feed/").content.decode()


def test_moderation_log_feed_leaves_out_private_actions(client, removed):
    ModerationAction.objects.update(is_public=False)
    assert parse(client.get("/moderation/log/feed/")).entries == []


# Query budgets -----------------------------------------------------------------------------------


@pytest.fixture
def many_posts(member, other_member, moderator):
    authors = [member, other_member] + [make_member(f"writer{n}") for n in range(6)]
    made = [
        factories.post(authors[n % len(authors)], title=f"Post {n}", section_slug="party-finances")
        for n in range(40)
    ]
    moderation.post_set_promoted(actor=moderator, post=made[0], promoted=True, reason="Look")
    return made


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # The posts with their authors and sections.
        ("/new/feed/", 1),
        # The promoted posts, then the hot ones.
        ("/feed/", 2),
        # The section, then its posts.
        ("/s/party-finances/feed/", 2),
        # The member, then their posts.
        ("/members/alice/feed/", 2),
    ],
)
def test_post_feeds_take_constant_queries(
    client, many_posts, django_assert_num_queries, url, queries
):
    with django_assert_num_queries(queries):
        feed = parse(client.get(url))
    assert len(feed.entries) == (5 if "alice" in url else FEED_ITEMS)


def test_comment_feed_takes_constant_queries(client, member, django_assert_num_queries):
    post = factories.post(member, title="Busy")
    commenters = [make_member(f"commenter{n}") for n in range(8)]
    for n in range(40):
        factories.comment(post, commenters[n % 8], f"Comment {n}")
    # The post, then its comments with their authors.
    with django_assert_num_queries(2):
        feed = parse(client.get(f"/p/{post.pk}/feed/"))
    assert len(feed.entries) == FEED_ITEMS


def test_moderation_log_feed_takes_constant_queries(
    client, many_posts, moderator, django_assert_num_queries
):
    for post in many_posts[1:]:
        moderation.post_set_locked(actor=moderator, post=post, locked=True, reason="Cool down")
    # The actions with their moderators.
    with django_assert_num_queries(1):
        feed = parse(client.get("/moderation/log/feed/"))
    assert len(feed.entries) == FEED_ITEMS


# The pages name their feeds ----------------------------------------------------------------------


def feed_link(page):
    links = page.html.head.find_all("link", rel="alternate", type="application/atom+xml")
    assert len(links) == 1, links
    assert links[0]["title"]
    return links[0]["href"]


@pytest.mark.parametrize(
    ("page_url", "feed_url"),
    [
        ("/", "/feed/"),
        ("/new/", "/new/feed/"),
        ("/s/party-finances/", "/s/party-finances/feed/"),
        ("/members/alice/", "/members/alice/feed/"),
        ("/moderation/log/", "/moderation/log/feed/"),
    ],
)
def test_pages_link_their_feed_in_the_head(app, posts, removed, page_url, feed_url):
    page = app.get(page_url)
    href = feed_link(page)
    assert href == feed_url
    feed = parse(app.get(href))
    assert feed.entries


def test_post_page_links_its_comment_feed(app, posts, other_member):
    post = posts[0]
    factories.comment(post, other_member, "A comment")
    href = feed_link(app.get(post.get_absolute_url()))
    assert href == f"/p/{post.pk}/feed/"
    assert titles(parse(app.get(href))) == ["Comment by Bob Hughes"]


def test_removed_post_page_links_no_feed(app, removed):
    page = app.get(f"/p/{removed.pk}/").maybe_follow()
    assert not page.html.head.find_all("link", rel="alternate")


def test_recommended_and_own_moderation_pages_link_no_feed(app, member):
    assert not app.get("/recommended/").html.head.find_all("link", rel="alternate")
    page = app.get("/moderation/mine/", user=member)
    assert not page.html.head.find_all("link", rel="alternate")


def test_titles_and_names_are_text_not_markup(client, db):
    author = make_member("amp", display_name="Tom & <Jerry>")
    factories.post(author, title="Fish & <chips> for all")
    entry = parse(client.get("/new/feed/")).entries[0]
    assert entry.title == "Fish & <chips> for all"
    assert entry.author == "Tom & <Jerry>"
