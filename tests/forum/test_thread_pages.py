"""Bounded thread pages: whatever a thread's shape, a page holds at most a page of comments, and
every comment can still be reached: through "N more replies" (branch pages), "Next page", or its
permalink, with its ancestors.

Big threads are written with forum.bulk (the seeder's tree writer), not comment by comment.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.bulk import TreeNode, bulk_create_trees
from forum.models import Comment
from forum.threads import MAX_DEPTH, SIBLINGS_PER_PAGE, comments_per_page
from tests.conftest import make_member
from tests.webforms import buttons_to

from . import factories

pytestmark = pytest.mark.django_db

SHOWN = re.compile(r'<li class="comment-node" id="c(\d+)"')
MORE = re.compile(r'<a class="more-replies" href="([^"]+)">(\d+) more repl')


@pytest.fixture
def post(member):
    return factories.post(member)


class Writer:
    """Comments as plain trees, numbered in order of writing (older first)."""

    def __init__(self, post, authors):
        self.post, self.authors, self.count = post, authors, 0
        self.start = timezone.now() - timedelta(days=30)

    def node(self, *children: TreeNode, body: str | None = None) -> TreeNode:
        self.count += 1
        n = self.count
        return TreeNode(
            values={
                "post_id": self.post.pk,
                "author_id": self.authors[n % len(self.authors)].pk,
                "body": body or f"comment {n}",
                "body_html": f"<p>{body or f'comment {n}'}</p>",
                "created_at": self.start + timedelta(seconds=n),
            },
            children=list(children),
        )

    def chain(self, depth: int) -> TreeNode:
        node = self.node()
        for _ in range(depth - 1):
            node = self.node(node)
        return node


def shown_ids(html: str) -> list[int]:
    return [int(pk) for pk in SHOWN.findall(html)]


def html_of(client, url: str) -> str:
    response = client.get(url.replace("&amp;", "&"))
    assert response.status_code == 200
    return response.content.decode()


def test_one_comment_with_1700_replies_fills_one_bounded_page(client, post, member, other_member):
    w = Writer(post, [member, other_member])
    # Replies with replies of their own, so the page has a conversation to show.
    root = w.node(*[w.node(w.node(), w.node()) for _ in range(1700)])
    bulk_create_trees([root])
    html = html_of(client, post.get_absolute_url() + "?sort=old")
    shown = shown_ids(html)
    assert len(shown) <= comments_per_page()
    assert root.pk in shown
    # The first replies in order, each with its own first replies (breadth first).
    first = root.children[0]
    assert first.pk in shown and first.children[0].pk in shown
    (more_url, more), *_ = MORE.findall(html)
    # "N more replies": all the replies (any depth) under the root that the page doesn't show.
    assert int(more) == (1700 * 3) - (len(shown) - 1)
    assert more_url.startswith(reverse("forum:comment-detail", args=[root.pk]))


def test_branch_pages_reach_every_reply_once_and_in_order(client, post, member):
    w = Writer(post, [member])
    root = w.node(*[w.node() for _ in range(300)])  # more than fits on a page
    bulk_create_trees([root])
    seen: list[int] = []
    url = post.get_absolute_url() + "?sort=old"
    html = html_of(client, url)
    seen += [pk for pk in shown_ids(html) if pk != root.pk]
    pages = 1
    while match := MORE.search(html) or re.search(r'rel="next" href="(\?[^"]+)"', html):
        target = match.group(1)
        if target.startswith("?"):
            target = reverse("forum:comment-detail", args=[root.pk]) + target
        html = html_of(client, target)
        # A branch page shows the comment whose replies it continues, then the next replies.
        assert shown_ids(html)[0] == root.pk
        seen += shown_ids(html)[1:]
        pages += 1
        assert pages < 10
    assert seen == [child.pk for child in root.children]
    assert pages > 1


def test_a_wide_thread_pages_by_top_level_comment(client, post, member):
    w = Writer(post, [member])
    bulk_create_trees([w.node(w.node()) for _ in range(SIBLINGS_PER_PAGE * 2 + 5)])
    html = html_of(client, post.get_absolute_url() + "?sort=old")
    tops = Comment.objects.filter(post=post, level=0).order_by("created_at", "pk")
    shown = shown_ids(html)
    assert [pk for pk in shown if pk in {c.pk for c in tops}] == [
        c.pk for c in tops[:SIBLINGS_PER_PAGE]
    ]
    assert len(shown) == SIBLINGS_PER_PAGE * 2  # each with its reply: the trees fit whole


def test_new_comments_between_page_loads_shift_nothing(client, post, member, other_member):
    """Page 2 continues after page 1's last comment, whatever was written meanwhile."""
    w = Writer(post, [member])
    bulk_create_trees([w.node() for _ in range(SIBLINGS_PER_PAGE + 10)])
    first = html_of(client, post.get_absolute_url() + "?sort=new")
    found = re.search(r'rel="next" href="(\?[^"]+)"', first)
    assert found is not None
    next_url = found.group(1)
    # Someone writes while the reader reads page 1: newest first, it would push page 1's last
    # comment onto page 2 under offset paging.
    for i in range(3):
        factories.comment(post, other_member, f"Written meanwhile {i}")
    second = html_of(client, post.get_absolute_url() + next_url)
    first_ids, second_ids = shown_ids(first), shown_ids(second)
    assert not set(first_ids) & set(second_ids)
    every = list(
        Comment.objects.filter(post=post, level=0)
        .exclude(body__startswith="Written meanwhile")
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)
    )
    assert first_ids + second_ids == every


def test_permalink_deep_inside_a_huge_branch_shows_it_with_its_ancestors(
    client, post, member, other_member
):
    w = Writer(post, [member, other_member])
    deep = w.chain(6)  # six levels down the 1,500th reply
    root = w.node(*[w.node() for _ in range(1499)], w.node(deep))
    bulk_create_trees([root])
    target = deep
    while target.children:
        target = target.children[0]
    assert target.level == 7
    html = html_of(client, reverse("forum:comment-detail", args=[target.pk]))
    assert shown_ids(html) == [target.pk]
    assert f"{target.level} comments above" in html
    # The nearest ancestors are quoted, each linking to its own page.
    assert target.pk is not None
    parent = Comment.objects.get(pk=target.pk).parent
    assert parent is not None
    assert parent.body in html
    assert reverse("forum:comment-detail", args=[parent.pk]) in html


@pytest.mark.parametrize("shape", ["deep", "broom", "bushy"])
def test_no_thread_shape_makes_a_page_bigger_than_a_page(client, post, member, shape):
    w = Writer(post, [member])
    if shape == "deep":  # 100 levels: the page stops at MAX_DEPTH with "Continue this thread"
        roots = [w.chain(100)]
    elif shape == "broom":  # long chains hanging off one comment
        roots = [w.node(*[w.chain(12) for _ in range(60)])]
    else:  # many trees, each 3 wide and 4 deep

        def bush(depth):
            return w.node(*[bush(depth - 1) for _ in range(3)]) if depth else w.node()

        roots = [bush(3) for _ in range(30)]
    bulk_create_trees(roots)
    html = html_of(client, post.get_absolute_url())
    shown = shown_ids(html)
    assert 0 < len(shown) <= comments_per_page()
    depths = dict(Comment.objects.filter(pk__in=shown).values_list("pk", "level"))
    assert max(depths.values()) <= MAX_DEPTH - 1
    if shape == "deep":
        assert "Continue this thread" in html
        assert len(shown) == MAX_DEPTH


def test_page_size_setting_is_honoured(client, post, member, settings):
    settings.THREAD_PAGE_COMMENTS = 30
    w = Writer(post, [member])
    bulk_create_trees([w.node(*[w.node(w.node()) for _ in range(40)])])
    assert len(shown_ids(html_of(client, post.get_absolute_url()))) <= 30


@pytest.mark.parametrize("replies", [600, 3000])
def test_a_big_thread_page_keeps_its_query_count(
    client, post, member, other_member, replies, django_assert_num_queries
):
    """Past a page, replies are chosen a level at a time: as many queries for 600 replies as for
    3,000, set by the depth of the page."""
    w = Writer(post, [member, other_member])
    per_root = replies // 20  # replies, each with a reply of its own, under 10 comments
    bulk_create_trees([w.node(*[w.node(w.node()) for _ in range(per_root)]) for _ in range(10)])
    client.force_login(member)
    # session, user, my groups, post, recommended?, follow?, the top-level comments, replies at
    # level 1, replies at level 2, the comments shown (+authors, hats), my votes
    with django_assert_num_queries(11):
        response = client.get(post.get_absolute_url())
    assert len(shown_ids(response.content.decode())) <= comments_per_page()


def test_logged_in_page_of_200_comments_stays_small(client, post, member, other_member):
    w = Writer(post, [member, other_member])
    body = "A fair-sized reply about the branch accounts, " * 6  # ~280 characters
    bulk_create_trees(
        [w.node(*[w.node(body=body) for _ in range(9)], body=body) for _ in range(20)]
    )
    client.force_login(member)
    html = html_of(client, post.get_absolute_url())
    assert len(shown_ids(html)) == 200
    per_comment = len(html.encode()) / 200
    # Each comment: its text (~300 bytes) and under 1 KB of markup, controls included.
    assert per_comment < 1300, per_comment
    # The page's own forms (log out, recommend, follow, reply, the comments' one), not one a comment.
    assert html.count("csrfmiddlewaretoken") == 5


# Who sees which controls --------------------------------------------------------------------------


def _controls(html: str, pk: int) -> set[str]:
    start = html.index(f'id="c{pk}"')
    end = (
        html.index('<li class="comment-node"', start + 1)
        if html.find('<li class="comment-node"', start + 1) > 0
        else len(html)
    )
    part = html[start:end]
    found = set()
    for name, marker in {
        "vote": 'class="vote up"',
        "voted-up": 'aria-pressed="true" class="vote up"',
        "edit": reverse("forum:comment-edit", args=[pk]),
        "delete": reverse("forum:comment-delete", args=[pk]),
        "report": reverse("forum:report", args=["comment", pk]),
        "moderate": f'id="mod-form-comment-{pk}"',
        "reply": reverse("forum:comment-reply", args=[pk]),
    }.items():
        if marker in part:
            found.add(name)
    return found


def test_two_members_and_a_moderator_each_see_their_own_controls(
    client, post, member, other_member, moderator
):
    mine = factories.comment(post, member, "Alice writes")
    theirs = factories.comment(post, other_member, "Bob writes")
    services.comment_vote(comment=theirs, actor=member, value=1)
    pages = {}
    for viewer in (member, other_member, moderator, None):
        client.logout()
        if viewer:
            client.force_login(viewer)
        pages[viewer.username if viewer else "anonymous"] = html_of(client, post.get_absolute_url())
    alice, bob, mod, anon = (pages[k] for k in ("alice", "bob", moderator.username, "anonymous"))
    assert _controls(alice, mine.pk) == {"edit", "delete", "reply"}
    assert _controls(alice, theirs.pk) == {"vote", "voted-up", "report", "reply"}
    assert _controls(bob, mine.pk) == {"vote", "report", "reply"}  # Alice's vote isn't his
    assert _controls(bob, theirs.pk) == {"edit", "delete", "reply"}
    assert _controls(mod, mine.pk) == {"vote", "report", "moderate", "reply"}
    assert _controls(mod, theirs.pk) == {"vote", "report", "moderate", "reply"}
    assert _controls(anon, mine.pk) == _controls(anon, theirs.pk) == {"reply"}
    # The one page form carries each viewer's own CSRF token; anonymous pages have none.
    assert 'id="tf"' in alice and 'id="tf"' not in anon


def test_controls_work_as_rendered_for_whoever_sees_them(app, post, member, other_member):
    theirs = factories.comment(post, other_member, "Bob writes")
    page = app.get(post.get_absolute_url(), user=member)
    back = buttons_to(page, reverse("forum:comment-vote", args=[theirs.pk])).submit("up")
    assert back.status_code == 302
    theirs.refresh_from_db()
    assert theirs.upvotes == 1
    # Bob's own page offers him no vote on his comment, only delete: which works.
    page = app.get(post.get_absolute_url(), user=other_member)
    assert not page.html.find(
        "button", attrs={"formaction": reverse("forum:comment-vote", args=[theirs.pk])}
    )
    buttons_to(page, reverse("forum:comment-delete", args=[theirs.pk])).submit().follow()
    theirs.refresh_from_db()
    assert theirs.state == "deleted"


def test_names_and_reasons_are_escaped_in_the_thread(client, post, moderator):
    villain = make_member("villain", display_name='<script>alert("x")</script>"><b>')
    comment = factories.comment(post, villain, "Hello")
    html = html_of(client, post.get_absolute_url())
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&quot;&gt;&lt;b&gt;" in html
    from forum import moderation

    moderation.content_remove(actor=moderator, target=comment, reason='<img src=x onerror="1">')
    html = html_of(client, post.get_absolute_url())
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;1&quot;&gt;" in html


def test_no_reply_links_on_a_locked_post(client, post, member, other_member):
    comment = factories.comment(post, other_member, "Before the lock")
    post.is_locked = True
    post.save(update_fields=["is_locked"])
    client.force_login(member)
    html = html_of(client, post.get_absolute_url())
    assert "Before the lock" in html
    assert reverse("forum:comment-reply", args=[comment.pk]) not in html


def test_a_viewers_controls_are_the_models_answers_for_every_comment(
    post, member, other_member, moderator
):
    """thread_html asks the predicates once per (owner-ness, state): the answers must be what
    asking each comment would give, for every kind of comment and viewer."""
    from django.contrib.auth.models import AnonymousUser

    from forum import moderation
    from forum.thread_html import Viewer

    comments = []
    for author in (member, other_member, moderator):
        for state in ("visible", "hidden", "removed", "deleted"):
            comment = factories.comment(post, author, f"{author.username} {state}")
            if state == "hidden":
                Comment.objects.filter(pk=comment.pk).update(state="hidden")
            elif state == "removed":
                moderation.content_remove(actor=moderator, target=comment, reason="Rule 2")
            elif state == "deleted":
                services.comment_delete(comment=comment, actor=author)
            comments.append(comment)
    for user in (member, other_member, moderator, AnonymousUser()):
        viewer = Viewer(user)
        for comment in Comment.objects.filter(pk__in=[c.pk for c in comments]):
            allowed = viewer.allowed(comment)
            assert (
                allowed.vote,
                allowed.edit,
                allowed.delete,
                allowed.see_history,
                allowed.report,
                allowed.moderate,
            ) == (
                comment.can_vote(user),
                comment.can_edit(user),
                comment.can_delete(user),
                comment.can_see_history(user),
                comment.can_report(user),
                comment.can_moderate(user),
            ), (user, comment.body, comment.state)
