import pytest
from django.test import Client
from django.urls import reverse

from forum.models import Comment, CommentRevision, CommentVote
from forum.threads import MAX_DEPTH, SIBLINGS_PER_PAGE
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(member):
    return factories.post(member)


# Replying -----------------------------------------------------------------------------------------


def test_member_replies_to_the_post(client, post, other_member):
    client.force_login(other_member)
    response = client.post(reverse("forum:comment-create", args=[post.pk]), {"body": "Hear, hear."})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == comment.get_absolute_url()
    assert (comment.author, comment.parent, comment.level) == (other_member, None, 0)
    post.refresh_from_db()
    assert post.comment_count == 1
    assert "Hear, hear." in client.get(post.get_absolute_url()).content.decode()


def test_member_replies_to_a_reply(client, post, member, other_member):
    first = factories.comment(post, other_member, "First")
    second = factories.comment(post, member, "Second", parent=first)
    client.force_login(other_member)
    url = reverse("forum:comment-reply", args=[second.pk])
    page = client.get(url).content.decode()
    assert "Second" in page  # the comment being answered is shown for context
    client.post(url, {"body": "Third, nested"})
    third = Comment.objects.get(body="Third, nested")
    assert third.parent == second
    assert third.level == 2
    assert third.tree_id == first.tree_id


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something before you post your reply."),
        ("  \n ", "Write something"),
        ("x" * 10_001, "at most 10000 characters"),
    ],
)
def test_bad_reply_is_refused_keeping_text(client, post, other_member, body, message):
    client.force_login(other_member)
    response = client.post(reverse("forum:comment-create", args=[post.pk]), {"body": body})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    if body.strip() and len(body) < 200:
        assert body in html
    assert not Comment.objects.exists()


def test_reply_to_missing_comment_is_404(member_client):
    assert (
        member_client.post(reverse("forum:comment-reply", args=[424242]), {"body": "x"}).status_code
        == 404
    )


def test_reply_to_deleted_comment_is_refused_keeping_text(client, post, member, other_member):
    target = factories.comment(post, member, "Soon gone")
    client.force_login(member)
    client.post(reverse("forum:comment-delete", args=[target.pk]))
    client.force_login(other_member)
    response = client.post(
        reverse("forum:comment-reply", args=[target.pk]), {"body": "My careful answer"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "you can&#x27;t reply to it" in html
    assert "My careful answer" in html
    assert Comment.objects.count() == 1


def test_reply_to_locked_post_is_refused_keeping_text(client, post, other_member):
    post.is_locked = True
    post.save()
    client.force_login(other_member)
    response = client.post(reverse("forum:comment-create", args=[post.pk]), {"body": "Too late?"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This discussion is locked" in html
    assert "Too late?" in html
    assert not Comment.objects.exists()


def test_reply_to_someone_elses_draft_is_404(client, member, other_member):
    draft = factories.post(member, publish=False)
    client.force_login(other_member)
    response = client.post(reverse("forum:comment-create", args=[draft.pk]), {"body": "Hi"})
    assert response.status_code == 404


def test_anonymous_is_sent_to_log_in_to_reply(client, post):
    response = client.post(reverse("forum:comment-create", args=[post.pk]), {"body": "Hi"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Comment.objects.exists()


# Editing and deleting -----------------------------------------------------------------------------


def test_author_edits_comment_with_history(client, post, other_member, member, moderator):
    comment = factories.comment(post, other_member, "Fist version")
    client.force_login(other_member)
    client.post(reverse("forum:comment-edit", args=[comment.pk]), {"body": "First version"})
    comment.refresh_from_db()
    assert comment.body == "First version"
    assert comment.edited_at is not None
    assert CommentRevision.objects.get(comment=comment).body == "Fist version"
    history = reverse("forum:comment-history", args=[comment.pk])
    assert "Fist version" in client.get(history).content.decode()
    client.force_login(moderator)
    assert client.get(history).status_code == 200
    client.force_login(member)
    assert client.get(history).status_code == 403


def test_another_member_cannot_edit_or_delete_a_comment(client, post, member, other_member):
    comment = factories.comment(post, other_member, "Mine")
    client.force_login(member)
    assert client.get(reverse("forum:comment-edit", args=[comment.pk])).status_code == 403
    assert (
        client.post(reverse("forum:comment-edit", args=[comment.pk]), {"body": "Yours"}).status_code
        == 403
    )
    assert client.post(reverse("forum:comment-delete", args=[comment.pk])).status_code == 403
    comment.refresh_from_db()
    assert (comment.body, comment.state) == ("Mine", "visible")


def test_deleted_comment_with_replies_stays_as_placeholder(client, post, member, other_member):
    parent = factories.comment(post, member, "Parent text to delete")
    factories.comment(post, other_member, "Child stays readable", parent=parent)
    client.force_login(member)
    client.post(reverse("forum:comment-delete", args=[parent.pk]))
    parent.refresh_from_db()
    assert parent.state == "deleted"
    assert parent.body == ""
    html = Client().get(post.get_absolute_url()).content.decode()
    assert "[deleted by its author]" in html
    assert "Parent text to delete" not in html
    assert "Child stays readable" in html
    assert Comment.objects.count() == 2


@pytest.mark.parametrize("name", ["forum:comment-delete", "forum:comment-vote"])
def test_comment_post_only_urls_refuse_get(client, post, other_member, name):
    comment = factories.comment(post, other_member)
    client.force_login(other_member)
    assert client.get(reverse(name, args=[comment.pk])).status_code == 405


# Voting -------------------------------------------------------------------------------------------


def test_member_votes_up_then_down_then_clears(client, post, member, other_member):
    comment = factories.comment(post, other_member)
    client.force_login(member)
    url = reverse("forum:comment-vote", args=[comment.pk])
    client.post(url, {"vote": "up"})
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes, comment.score) == (1, 0, 1)
    response = client.post(url, {"vote": "up"}, follow=True)
    assert "You already voted that way." in response.content.decode()
    client.post(url, {"vote": "down"})
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes, comment.score) == (0, 1, -1)
    client.post(url, {"vote": "clear"})
    comment.refresh_from_db()
    assert (comment.upvotes, comment.downvotes, comment.score) == (0, 0, 0)
    assert not CommentVote.objects.exists()


def test_nonsense_vote_is_refused(client, post, member, other_member):
    comment = factories.comment(post, other_member)
    client.force_login(member)
    response = client.post(
        reverse("forum:comment-vote", args=[comment.pk]), {"vote": "7"}, follow=True
    )
    assert "A vote is up, down, or clear." in response.content.decode()
    assert not CommentVote.objects.exists()


def test_member_cannot_vote_on_own_comment(client, post, other_member):
    comment = factories.comment(post, other_member)
    client.force_login(other_member)
    response = client.post(
        reverse("forum:comment-vote", args=[comment.pk]), {"vote": "up"}, follow=True
    )
    assert "You can&#x27;t vote on your own comment." in response.content.decode()
    comment.refresh_from_db()
    assert comment.score == 0


# Reading ------------------------------------------------------------------------------------------


def test_permalink_shows_comment_with_parent_context(client, post, member, other_member):
    parent = factories.comment(post, member, "The parent says this")
    child = factories.comment(post, other_member, "The child answers", parent=parent)
    factories.comment(post, member, "An unrelated tree")
    html = client.get(child.get_absolute_url()).content.decode()
    assert "The parent says this" in html
    assert "The child answers" in html
    assert "An unrelated tree" not in html


def test_deep_branch_continues_on_permalink(client, post, member, other_member):
    parent = None
    chain = []
    for depth in range(MAX_DEPTH + 2):
        parent = factories.comment(
            post, member if depth % 2 else other_member, f"depth {depth}", parent
        )
        chain.append(parent)
    html = client.get(post.get_absolute_url()).content.decode()
    assert f"depth {MAX_DEPTH - 1}<" in html
    assert f"depth {MAX_DEPTH}<" not in html
    continue_from = chain[MAX_DEPTH - 1]
    assert f'href="{continue_from.get_absolute_url()}">Continue this thread' in html
    deeper = client.get(continue_from.get_absolute_url()).content.decode()
    assert f"depth {MAX_DEPTH}<" in deeper
    assert f"depth {MAX_DEPTH + 1}<" in deeper


def test_collapsible_branch_shows_hidden_reply_count(client, post, member, other_member):
    root = factories.comment(post, member, "Root")
    reply = factories.comment(post, other_member, "Reply", parent=root)
    factories.comment(post, member, "Reply to reply", parent=reply)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "<details open>" in html
    assert "· 2 replies" in html


def test_sort_orders(client, post, member, other_member, organiser):
    old = factories.comment(post, member, "oldest comment")
    liked = factories.comment(post, member, "liked comment")
    new = factories.comment(post, member, "newest comment")
    from forum import services

    services.comment_vote(comment=liked, actor=other_member, value=1)
    services.comment_vote(comment=liked, actor=organiser, value=1)
    services.comment_vote(comment=new, actor=other_member, value=-1)

    def order(sort):
        html = client.get(post.get_absolute_url() + f"?sort={sort}").content.decode()
        return sorted([old, liked, new], key=lambda c: html.index(f'id="c{c.pk}"'))

    assert order("best") == [liked, old, new]
    assert order("top") == [liked, old, new]
    assert order("new") == [new, liked, old]
    assert order("old") == [old, liked, new]
    assert order("nonsense") == order("best")


def test_huge_thread_continues_after_the_last_top_level_comment(client, post, member):
    trees = [
        factories.comment(post, member, f"tree number {i}.") for i in range(SIBLINGS_PER_PAGE + 3)
    ]
    first = client.get(post.get_absolute_url() + "?sort=old").content.decode()
    assert "tree number 0." in first
    assert f"tree number {SIBLINGS_PER_PAGE}." not in first
    last_shown = trees[SIBLINGS_PER_PAGE - 1]
    assert f'rel="next" href="?sort=old&amp;after={last_shown.pk}#comments"' in first
    second = client.get(
        post.get_absolute_url() + f"?sort=old&after={last_shown.pk}"
    ).content.decode()
    assert f"tree number {SIBLINGS_PER_PAGE}." in second
    assert "tree number 0." not in second
    assert 'rel="next"' not in second
    # Anything else in `after` shows the first page rather than an error.
    for junk in ("999999", "abc", "-1", "1" * 40, "١٢"):
        response = client.get(post.get_absolute_url(), {"after": junk})
        assert response.status_code == 200
        assert "tree number 0." in response.content.decode()


def build_thread(post, authors, n, *, depth=4):
    """n comments in trees exactly `depth` levels deep: a fifth top-level, the rest replies."""
    comments: list[Comment] = []
    for i in range(n):
        parents = [c for c in comments if c.level < depth - 1]
        parent = parents[(i * 7) % len(parents)] if parents and i % 5 else None
        if i < depth:  # the first chain reaches the full depth
            parent = comments[-1] if comments else None
        comments.append(factories.comment(post, authors[i % len(authors)], f"c{i}", parent))
    return comments


@pytest.mark.parametrize("n", [4, 200])
def test_post_page_query_count_is_constant(
    client, post, member, other_member, organiser, n, django_assert_num_queries
):
    build_thread(post, [member, other_member, organiser], n)
    client.force_login(member)
    # session, user, my groups (moderator controls), post (+author, section), recommended?,
    # do I follow it?, the top-level comments, the rest of their trees (they fit on the page),
    # the comments shown (+authors, hats), my votes. (Threads past a page: test_thread_pages.)
    with django_assert_num_queries(10):
        response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    shown = Comment.objects.filter(post=post).count()
    assert response.content.decode().count('class="comment-node"') == min(shown, 200)


@pytest.mark.parametrize("n", [4, 200])
def test_anonymous_post_page_query_count_is_constant(
    client, post, member, other_member, n, django_assert_num_queries
):
    build_thread(post, [member, other_member], n)
    # post, the top-level comments, the rest of their trees, the comments shown
    with django_assert_num_queries(4):
        response = client.get(post.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("n", [3, 150])
def test_comment_permalink_query_count_is_constant(
    client, post, member, other_member, n, django_assert_num_queries
):
    root = factories.comment(post, member, "root")
    parent = root
    for i in range(n):
        parent = factories.comment(
            post,
            other_member if i % 2 else member,
            f"r{i}",
            parent if i % 4 and parent.level < 3 else root,
        )
    # comment (+post), the post's visibility (checked with the comment), the post again (for the
    # page), the branch below it (it fits on a page), the comments shown (+authors). No
    # ancestors query: django-mptt answers a root's ancestors with none() without asking.
    with django_assert_num_queries(5):
        response = client.get(root.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize(("depth", "replies"), [(1, 3), (MAX_DEPTH + 15, 60)])
def test_deep_comment_permalink_query_count_is_constant(
    client, post, member, other_member, depth, replies, django_assert_num_queries
):
    parent = None
    for level in range(depth):
        parent = factories.comment(post, member if level % 2 else other_member, f"a{level}", parent)
    deep = factories.comment(post, member, "the deep comment", parent)
    below = deep
    for i in range(replies):
        below = factories.comment(
            post, other_member, f"r{i}", below if i % 3 and below.level < deep.level + 2 else deep
        )
    # comment (+post), the post's visibility, the post again, ancestors (+authors, however many:
    # one query on the tree's lft/rght), the branch below it, the comments shown
    with django_assert_num_queries(6):
        response = client.get(deep.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "the deep comment" in html
    assert f"a{depth - 1}" in html  # the comment it answers, for context
    if depth > 3:
        assert f"{depth} comments above" in html


def test_emptying_a_comment_in_edit_is_refused_and_keeps_the_original(client, post, other_member):
    comment = factories.comment(post, other_member, "Original words")
    client.force_login(other_member)
    response = client.post(reverse("forum:comment-edit", args=[comment.pk]), {"body": "   "})
    assert response.status_code == 200
    assert "Write something before you post your reply." in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Original words"
    assert not CommentRevision.objects.exists()


def test_deleted_comment_cannot_be_edited(client, post, other_member):
    comment = factories.comment(post, other_member, "Gone soon")
    client.force_login(other_member)
    client.post(reverse("forum:comment-delete", args=[comment.pk]))
    assert client.get(reverse("forum:comment-edit", args=[comment.pk])).status_code == 403


def test_vote_returns_to_the_same_page_and_order(client, post, member, other_member):
    first = factories.comment(post, other_member, "Page one")
    comment = factories.comment(post, other_member, "Vote me")
    client.force_login(member)
    url = f"{post.get_absolute_url()}?sort=old&after={first.pk}"
    html = client.get(url).content.decode()
    assert f'name="next" value="{post.get_absolute_url()}?sort=old&amp;after={first.pk}"' in html
    response = client.post(
        reverse("forum:comment-vote", args=[comment.pk]), {"vote": "up", "next": url}
    )
    assert response["Location"] == f"{url}#c{comment.pk}"


def test_comment_head_shows_the_username_so_names_cannot_impersonate(client, post, db):
    impostor = make_member("bob2", display_name="Maya Patel")
    factories.comment(post, impostor, "Official: delete your posts now")
    html = client.get(post.get_absolute_url()).content.decode()
    assert "@bob2" in html


def _vote(comment, voters, up, down):
    from forum import services

    for voter in voters[:up]:
        services.comment_vote(comment=comment, actor=voter, value=1)
    for voter in voters[up : up + down]:
        services.comment_vote(comment=comment, actor=voter, value=-1)


@pytest.fixture
def voters(db):
    return [make_member(f"voter{i}") for i in range(100)]


def _order(client, url, comments):
    html = client.get(url).content.decode()
    return sorted(comments, key=lambda c: html.index(f'id="c{c.pk}"'))


def test_best_ranks_confidence_top_ranks_score(client, post, member, voters):
    sure = factories.comment(post, member, "five up, none down")
    popular = factories.comment(post, member, "sixty up, forty down")
    _vote(sure, voters, 5, 0)
    _vote(popular, voters, 60, 40)
    url = post.get_absolute_url()
    assert _order(client, url + "?sort=best", [sure, popular]) == [sure, popular]
    assert _order(client, url + "?sort=top", [sure, popular]) == [popular, sure]


@pytest.mark.parametrize("where", ["post page", "permalink"])
def test_replies_within_a_branch_follow_the_chosen_order(client, post, member, voters, where):
    from datetime import timedelta

    from django.utils import timezone

    root = factories.comment(post, member, "root of the branch")
    early = factories.comment(post, member, "early, disliked", parent=root)
    middle = factories.comment(post, member, "middle, loved", parent=root)
    late = factories.comment(post, member, "late, unvoted", parent=root)
    now = timezone.now()
    for offset, c in [(3, early), (2, middle), (1, late)]:
        Comment.objects.filter(pk=c.pk).update(created_at=now - timedelta(hours=offset))
    _vote(early, voters, 0, 3)
    _vote(middle, voters, 4, 0)
    url = post.get_absolute_url() if where == "post page" else root.get_absolute_url()
    replies = [early, middle, late]
    assert _order(client, url + "?sort=best", replies) == [middle, late, early]
    assert _order(client, url + "?sort=top", replies) == [middle, late, early]
    assert _order(client, url + "?sort=new", replies) == [late, middle, early]
    assert _order(client, url + "?sort=old", replies) == [early, middle, late]


@pytest.mark.parametrize("how", ["deleted", "removed", "hidden"])
def test_reply_to_a_taken_down_comment_is_refused_keeping_text(
    client, post, member, other_member, moderator, how
):
    from datetime import timedelta

    from django.utils import timezone

    from forum import moderation, services

    target = factories.comment(post, member, "Soon gone")
    if how == "deleted":
        services.comment_delete(comment=target, actor=member)
    elif how == "removed":
        moderation.content_remove(actor=moderator, target=target, reason="Abuse")
    else:
        joined = timezone.now() - timedelta(days=60)
        for i in range(3):
            moderation.report_create(
                actor=make_member(f"r{i}", date_joined=joined), target=target, reason="spam"
            )
    client.force_login(other_member)
    response = client.post(
        reverse("forum:comment-reply", args=[target.pk]), {"body": "My careful answer"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "you can&#x27;t reply to it" in html
    assert "My careful answer" in html
    assert Comment.objects.count() == 1


def test_voting_on_a_removed_comment_is_refused(client, post, member, other_member, moderator):
    from forum import moderation

    target = factories.comment(post, other_member, "Removed soon")
    moderation.content_remove(actor=moderator, target=target, reason="Abuse")
    client.force_login(member)
    response = client.post(
        reverse("forum:comment-vote", args=[target.pk]), {"vote": "up"}, follow=True
    )
    assert "You can&#x27;t vote on a deleted or removed comment." in response.content.decode()
    assert not CommentVote.objects.exists()


def test_thread_pages_never_use_mptts_quadratic_tree_builder(client, post, member, monkeypatch):
    """django-mptt's get_cached_trees (and {% recursetree %}, built on it) is quadratic on big
    threads; the pages nest comments themselves (forum.threads.build_forest)."""
    # Outside what typings/mptt declares: only patched here, never called.
    import mptt.templatetags.mptt_tags  # type: ignore[import-untyped]
    import mptt.utils  # type: ignore[import-untyped]

    def refuse(*args, **kwargs):
        raise AssertionError("get_cached_trees used for a thread")

    monkeypatch.setattr(mptt.utils, "get_cached_trees", refuse)
    monkeypatch.setattr(mptt.templatetags.mptt_tags, "get_cached_trees", refuse)
    root = factories.comment(post, member, "root")
    factories.comment(post, member, "child", parent=root)
    assert client.get(post.get_absolute_url()).status_code == 200
    assert client.get(root.get_absolute_url()).status_code == 200
