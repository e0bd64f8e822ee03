"""A member's posts and comments on their public page (forum.activity): newest first, paginated,
with a plain-text snippet and a link in context; drafts, hidden, deleted and removed content never,
whoever looks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forum import activity, moderation, services
from forum.models import Comment, ContentState, Post
from tests.conftest import make_member
from tests.forum import factories

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def at(minutes_ago: int):
    return NOW - timedelta(minutes=minutes_ago)


def dated_post(author, title, minutes_ago, **kwargs) -> Post:
    post = factories.post(author, title=title, **kwargs)
    Post.objects.filter(pk=post.pk).update(published_at=at(minutes_ago))
    return post


def dated_comment(post, author, body, minutes_ago) -> Comment:
    comment = factories.comment(post, author, body=body)
    Comment.objects.filter(pk=comment.pk).update(created_at=at(minutes_ago))
    return comment


@pytest.fixture
def history(member, other_member):
    """Alice's standing posts and comments, interleaved in time, in others' posts and her own."""
    theirs = dated_post(other_member, "Bob asks about the budget", 100)
    return {
        "old_post": dated_post(member, "Alice's oldest post", 50),
        "comment_on_bob": dated_comment(theirs, member, "Reply to Bob, in the middle", 40),
        "new_post": dated_post(member, "Alice's newest post", 30),
        "newest_comment": dated_comment(theirs, member, "Alice's latest words", 10),
    }


def activity_texts(page):
    return [li.text for li in page.html.select("#activity li.activity-item")]


def test_lists_posts_and_comments_newest_first_for_everyone(
    app, member, other_member, moderator, history
):
    for viewer in (None, other_member, member, moderator):
        page = app.get(member.get_absolute_url(), user=viewer)
        rows = activity_texts(page)
        assert len(rows) == 4
        assert "Alice's latest words" in rows[0] and "on Bob asks about the budget" in rows[0]
        assert "Alice's newest post" in rows[1]
        assert "Reply to Bob, in the middle" in rows[2]
        assert "Alice's oldest post" in rows[3]
        assert page.html.select_one("#activity h2").text == "Posts and comments"
        assert page.html.select("#activity time[datetime]")


def test_links_go_to_the_post_and_to_the_comment_permalink(app, member, history):
    page = app.get(member.get_absolute_url())
    links = [a["href"] for a in page.html.select("#activity .activity-title a")]
    assert links[0] == history["newest_comment"].get_absolute_url()
    assert links[1] == history["new_post"].get_absolute_url()
    permalink = page.click(href=history["newest_comment"].get_absolute_url(), index=0)
    assert permalink.status_code == 200
    assert "Alice's latest words" in permalink.html.select_one("main").text


def test_nothing_that_does_not_stand_is_listed_even_for_author_or_moderator(
    app, member, other_member, moderator
):
    dated_post(member, "Standing post", 5)
    factories.post(member, title="Secret draft title", body="draft words", publish=False)
    removed = factories.post(member, title="Removed post title", body="removed words")
    moderation.content_remove(actor=moderator, target=removed, reason="Spam")
    deleted = factories.post(member, title="Deleted post title", body="deleted words")
    services.post_delete(post=deleted, actor=member)
    hidden = factories.post(member, title="Hidden post title", body="hidden words")
    Post.objects.filter(pk=hidden.pk).update(state=ContentState.HIDDEN)

    theirs = factories.post(other_member, title="Bob's open thread")
    gone = factories.comment(theirs, member, body="comment removed by a moderator")
    moderation.content_remove(actor=moderator, target=gone, reason="Abuse")
    mine = factories.comment(theirs, member, body="comment deleted by its author")
    services.comment_delete(comment=mine, actor=member)
    hid = factories.comment(theirs, member, body="comment hidden after reports")
    Comment.objects.filter(pk=hid.pk).update(state=ContentState.HIDDEN)
    # Comments that stand, in posts that don't: a removed post, a post now hidden, a draft.
    bad_thread = factories.post(other_member, title="Bob's thread, removed later")
    factories.comment(bad_thread, member, body="comment in a removed post")
    moderation.content_remove(actor=moderator, target=bad_thread, reason="Off-topic")
    hidden_thread = factories.post(other_member, title="Bob's thread, hidden later")
    factories.comment(hidden_thread, member, body="comment in a hidden post")
    Post.objects.filter(pk=hidden_thread.pk).update(state=ContentState.HIDDEN)
    draft_thread = factories.post(other_member, title="Bob's thread, a draft again")
    factories.comment(draft_thread, member, body="comment in a draft post")
    Post.objects.filter(pk=draft_thread.pk).update(status=Post.Status.DRAFT)

    for viewer in (None, other_member, member, moderator):
        for show in ("all", "posts", "comments"):
            page = app.get(member.get_absolute_url(), {"show": show}, user=viewer)
            section = page.html.select_one("#activity").text
            for absent in (
                "Secret draft title",
                "draft words",
                "Removed post title",
                "removed words",
                "Deleted post title",
                "deleted words",
                "Hidden post title",
                "hidden words",
                "comment removed by a moderator",
                "comment deleted by its author",
                "comment hidden after reports",
                "comment in a removed post",
                "removed later",
                "comment in a hidden post",
                "hidden later",
                "comment in a draft post",
                "a draft again",
            ):
                assert absent not in section, (viewer, show, absent)
            assert ("Standing post" in section) == (show != "comments")


def test_tabs_filter_and_mark_the_current_one(app, member, history):
    posts = app.get(member.get_absolute_url(), {"show": "posts"})
    assert len(activity_texts(posts)) == 2
    assert all("Post" in row and "on Bob" not in row for row in activity_texts(posts))
    assert posts.html.select_one('#activity nav.tabs a[aria-current="page"]').text == "Posts"

    comments = posts.click("Comments", href="show=comments")
    rows = activity_texts(comments)
    assert len(rows) == 2 and all("on Bob asks about the budget" in row for row in rows)
    current = comments.html.select_one('#activity nav.tabs a[aria-current="page"]')
    assert current.text == "Comments"

    everything = app.get(member.get_absolute_url(), {"show": "nonsense"})
    assert len(activity_texts(everything)) == 4


def test_member_with_nothing_standing_has_no_activity_part(app, member, moderator):
    factories.post(member, title="Only a draft", publish=False)
    page = app.get(member.get_absolute_url())
    assert not page.html.select("#activity")
    assert "Only a draft" not in page.text


def test_pages_of_twenty_older_on_the_next(app, member, other_member):
    theirs = dated_post(other_member, "Bob's thread", 1000)
    for n in range(25):
        dated_comment(theirs, member, f"Comment number {n:02d}", minutes_ago=100 - n)
    first = app.get(member.get_absolute_url())
    rows = activity_texts(first)
    assert len(rows) == PER_PAGE
    assert "Comment number 24" in rows[0]
    assert first.html.select_one('#activity a[rel="next"]')
    assert not first.html.select_one('#activity a[rel="prev"]')

    second = first.click("Older")
    rows = activity_texts(second)
    assert len(rows) == 5
    assert "Comment number 04" in rows[0] and "Comment number 00" in rows[-1]
    assert not second.html.select_one('#activity a[rel="next"]')
    assert second.click("Newer").html.select("#activity li.activity-item")[0].text == (
        first.html.select("#activity li.activity-item")[0].text
    )


PER_PAGE = activity.PER_PAGE


@pytest.mark.parametrize(
    ("value", "expected"),
    [("abc", 1), ("-1", 1), ("0", 1), ("99999", 2), ("99999999999999999999", 2), ("", 1)],
)
def test_odd_page_numbers_give_the_first_or_last_page(app, member, other_member, value, expected):
    theirs = dated_post(other_member, "Bob's thread", 1000)
    for n in range(PER_PAGE + 3):
        dated_comment(theirs, member, f"Comment {n}", minutes_ago=100 - n)
    page = app.get(member.get_absolute_url(), {"page": value})
    assert page.status_code == 200
    assert f"Page {expected}" in page.html.select_one("#activity nav.pagination").text


def test_snippet_is_escaped_plain_text(app, member, other_member):
    theirs = factories.post(other_member, title="Bob's thread")
    factories.comment(
        theirs,
        member,
        body="**Bold** and <script>alert('x')</script> & [a link](https://a.example)",
    )
    factories.post(member, title="Long one", body="word " * 300)
    page = app.get(member.get_absolute_url())
    snippets = [p.text for p in page.html.select("#activity .snippet")]
    # Newest first: the long post, then the comment.
    assert snippets[1] == "Bold and <script>alert('x')</script> & a link"
    assert "<script>alert" not in page.text  # shown as text, never as a tag
    assert "&lt;script&gt;alert" in page.text
    assert len(snippets[0]) <= activity.SNIPPET_CHARS
    assert snippets[0].endswith("…")


def test_plain_snippet_drops_a_tag_cut_in_half():
    html = "<p>" + "a " * 2000 + '<a href="https://example.org/long">link</a></p>'
    cut = activity.plain_snippet(html[: activity.SNIPPET_SOURCE_CHARS + 10], length=10_000)
    assert "<" not in cut and "href" not in cut


def many_items(member, count):
    others = [make_member(f"writer{n}") for n in range(3)]
    for n in range(count):
        dated_post(member, f"Post {n}", minutes_ago=2 * n)
        thread = factories.post(others[n % 3], title=f"Thread {n}")
        dated_comment(thread, member, f"Comment {n}", minutes_ago=2 * n + 1)


@pytest.mark.parametrize("count", [3, 30])
def test_query_count_does_not_grow_with_items(
    client, member, other_member, count, django_assert_num_queries
):
    many_items(member, count)
    client.force_login(other_member)
    # 11: the session, the viewer, the member, whether the viewer blocks them, the campaigns
    # they organise, the union of (kind, pk, date) keys, the page's posts, the page's comments
    # (with their posts), the viewer's groups (the header) and the member's (may they be
    # blocked?), the affiliations the viewer may see.
    with django_assert_num_queries(11):
        response = client.get(member.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="post-item activity-item') == min(
        2 * count, PER_PAGE
    )
