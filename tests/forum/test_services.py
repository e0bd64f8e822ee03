"""forum.services: every write, checked in the database. Trees have their own module
(test_comment_tree.py); here: posts, revisions, recommendations, votes and the counters they move."""

from __future__ import annotations

import math
import threading
import time
import traceback
from datetime import timedelta
from statistics import NormalDist

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from forum import services
from forum.models import (
    Comment,
    CommentRevision,
    CommentVote,
    ContentState,
    Post,
    PostRevision,
    Recommendation,
    Section,
    hot_score,
    wilson_lower_bound,
)
from forum.services import (
    ActionRefused,
    comment_create,
    comment_delete,
    comment_update,
    comment_vote,
    post_create,
    post_delete,
    post_recommend,
    post_unrecommend,
    post_update,
)
from tests.concurrency import in_threads
from tests.conftest import make_member, requires_postgres


@pytest.fixture
def section(db) -> Section:
    return Section.objects.create(name="Service tests", slug="service-tests")


@pytest.fixture
def other_section(db) -> Section:
    return Section.objects.create(name="Elsewhere", slug="elsewhere")


@pytest.fixture
def post(member, section) -> Post:
    return post_create(
        actor=member, section=section, title="Dues review", body="Old **text**", publish=True
    )


@pytest.fixture
def draft(member, section) -> Post:
    return post_create(
        actor=member, section=section, title="Half an idea", body="Notes", publish=False
    )


@pytest.fixture
def comment(post, member) -> Comment:
    return comment_create(post=post, actor=member, body="First *thoughts*")


def voters(count: int) -> list[User]:
    # Plain rows: voting needs no login, and 100 members through make_member would be slow.
    User.objects.bulk_create(User(username=f"voter{i}") for i in range(count))
    return list(User.objects.filter(username__startswith="voter").order_by("pk"))


# Posts -------------------------------------------------------------------------------------------


def test_post_create_draft_has_no_publication_time_and_no_hot(draft):
    draft.refresh_from_db()
    assert draft.status == Post.Status.DRAFT
    assert draft.published_at is None
    assert draft.hot == 0.0
    assert draft.slug == "half-an-idea"
    assert not Post.objects.listed().filter(pk=draft.pk).exists()


def test_post_create_publish_sets_published_at_and_hot(post):
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    assert post.published_at == post.created_at == post.last_activity_at
    assert post.hot == pytest.approx(hot_score(0, post.published_at))
    assert post.hot > 0
    assert post.edited_at is None
    assert Post.objects.listed().filter(pk=post.pk).exists()


def test_post_create_stores_sanitised_html_and_stripped_title(member, section):
    post = post_create(
        actor=member,
        section=section,
        title="  Padded title \n",
        body='Hi <script>alert("x")</script> **bold**',
        publish=True,
    )
    post.refresh_from_db()
    assert post.title == "Padded title"
    assert post.body == 'Hi <script>alert("x")</script> **bold**'  # as typed
    assert "<script" not in post.body_html
    assert "&lt;script&gt;" in post.body_html
    assert "<strong>bold</strong>" in post.body_html


def test_post_update_of_published_post_keeps_a_revision_and_sets_edited_at(post, member, section):
    published_at = post.published_at
    post_update(post=post, actor=member, section=section, title="Dues review (v2)", body="New")

    post.refresh_from_db()
    assert (post.title, post.body, post.body_html) == ("Dues review (v2)", "New", "<p>New</p>\n")
    assert post.edited_at is not None and post.edited_at > published_at
    revision = PostRevision.objects.get(post=post)
    assert (revision.title, revision.body) == ("Dues review", "Old **text**")
    assert revision.created_at == published_at  # the first version dates from publication
    assert revision.replaced_at == post.edited_at


def test_second_post_edit_dates_its_revision_from_the_first_edit(post, member, section):
    post_update(post=post, actor=member, section=section, title="T", body="Second")
    first_edit = Post.objects.get(pk=post.pk).edited_at
    post_update(post=post, actor=member, section=section, title="T", body="Third")

    newest = PostRevision.objects.filter(post=post).first()  # ordered newest first
    assert newest is not None
    assert PostRevision.objects.filter(post=post).count() == 2
    assert newest.body == "Second"
    assert newest.created_at == first_edit


def test_post_update_without_text_change_keeps_no_revision(post, member, other_section):
    # Moving a post to another section changes nothing readers read: no revision, no "edited".
    post_update(post=post, actor=member, section=other_section, title=post.title, body=post.body)
    post.refresh_from_db()
    assert post.section == other_section
    assert post.edited_at is None
    assert not PostRevision.objects.exists()


def test_post_update_of_draft_keeps_no_history(draft, member, section):
    post_update(post=draft, actor=member, section=section, title="A whole idea", body="Text")
    draft.refresh_from_db()
    assert (draft.title, draft.body) == ("A whole idea", "Text")
    assert draft.edited_at is None
    assert draft.status == Post.Status.DRAFT
    assert not PostRevision.objects.exists()


def test_post_update_can_publish_a_draft(draft, member, section):
    post_update(post=draft, actor=member, section=section, title="Ready", body="Text", publish=True)
    draft.refresh_from_db()
    assert draft.status == Post.Status.PUBLISHED
    assert draft.published_at is not None
    assert draft.hot == pytest.approx(hot_score(0, draft.published_at))
    assert draft.edited_at is None  # publishing is not an edit
    assert not PostRevision.objects.exists()


def test_post_update_by_another_member_is_refused_and_changes_nothing(
    post, other_member, other_section
):
    before = Post.objects.filter(pk=post.pk).values().get()
    with pytest.raises(ActionRefused, match="your own posts"):
        post_update(post=post, actor=other_member, section=other_section, title="X", body="Y")
    assert Post.objects.filter(pk=post.pk).values().get() == before
    assert not PostRevision.objects.exists()


def test_post_update_of_deleted_post_is_refused(post, member, section):
    post_delete(post=post, actor=member)
    with pytest.raises(ActionRefused):
        post_update(post=post, actor=member, section=section, title="Back", body="Again")
    assert Post.objects.get(pk=post.pk).title == "Dues review"


def test_post_delete_keeps_the_row_as_deleted_and_unlisted(post, member, comment):
    post_delete(post=post, actor=member)
    post.refresh_from_db()
    assert post.state == ContentState.DELETED
    assert post.status == Post.Status.PUBLISHED  # the thread stays reachable as a placeholder
    assert Comment.objects.filter(pk=comment.pk).exists()
    assert not Post.objects.listed().filter(pk=post.pk).exists()
    assert Post.objects.visible_to(None).filter(pk=post.pk).exists()


def test_draft_delete_keeps_no_copy_of_the_text(draft, member):
    post_delete(post=draft, actor=member)
    draft.refresh_from_db()
    assert draft.state == ContentState.DELETED
    assert draft.body == draft.body_html == ""


def test_deleting_a_post_twice_is_refused(post, member):
    post_delete(post=post, actor=member)
    with pytest.raises(ActionRefused, match="already deleted"):
        post_delete(post=post, actor=member)


def test_post_delete_by_another_member_is_refused(post, other_member):
    with pytest.raises(ActionRefused, match="your own posts"):
        post_delete(post=post, actor=other_member)
    assert Post.objects.get(pk=post.pk).state == ContentState.VISIBLE


# Recommendations ---------------------------------------------------------------------------------


def test_recommend_counts_once_and_twice_is_refused(post, other_member):
    post_recommend(post=post, actor=other_member)
    with pytest.raises(ActionRefused, match="already recommend"):
        post_recommend(post=post, actor=other_member)
    post.refresh_from_db()
    assert post.recommendation_count == 1
    assert Recommendation.objects.filter(post=post).count() == 1


def test_recommending_own_post_is_refused(post, member):
    with pytest.raises(ActionRefused, match="your own post"):
        post_recommend(post=post, actor=member)
    assert Post.objects.get(pk=post.pk).recommendation_count == 0
    assert not Recommendation.objects.exists()


def test_recommending_a_draft_is_refused(draft, other_member):
    with pytest.raises(ActionRefused, match="can't be recommended"):
        post_recommend(post=draft, actor=other_member)
    assert not Recommendation.objects.exists()


def test_unrecommend_decrements_and_is_refused_without_a_recommendation(post, other_member):
    post_recommend(post=post, actor=other_member)
    post_unrecommend(post=post, actor=other_member)
    post.refresh_from_db()
    assert post.recommendation_count == 0
    assert not Recommendation.objects.exists()
    with pytest.raises(ActionRefused, match="don't recommend"):
        post_unrecommend(post=post, actor=other_member)
    assert Post.objects.get(pk=post.pk).recommendation_count == 0


def test_hot_follows_the_recommendation_count(post, other_member, moderator, organiser):
    hots = [Post.objects.get(pk=post.pk).hot]
    for user in (other_member, moderator, organiser):
        post_recommend(post=post, actor=user)
        hots.append(Post.objects.get(pk=post.pk).hot)
    post.refresh_from_db()
    assert post.recommendation_count == 3
    assert post.hot == pytest.approx(hot_score(3, post.published_at))
    assert hots[1] < hots[2] < hots[3]
    # 12.5 hours younger is worth one more order of magnitude of recommendations.
    later = post.published_at + timedelta(seconds=45_000)
    assert hot_score(3, later) - hot_score(3, post.published_at) == pytest.approx(1.0)
    post_unrecommend(post=post, actor=organiser)
    assert Post.objects.get(pk=post.pk).hot == pytest.approx(hots[2])


def test_first_recommendation_raises_hot(post, other_member):
    before = Post.objects.get(pk=post.pk).hot
    post_recommend(post=post, actor=other_member)
    assert Post.objects.get(pk=post.pk).hot > before


def test_recommending_a_post_deleted_since_it_was_loaded_is_refused(post, member, other_member):
    stale = Post.objects.get(pk=post.pk)
    post_delete(post=post, actor=member)
    with pytest.raises(ActionRefused):
        post_recommend(post=stale, actor=other_member)


# Comments ----------------------------------------------------------------------------------------


def test_each_comment_increments_the_posts_comment_count(post, member, other_member):
    first = comment_create(post=post, actor=other_member, body="One")
    assert Post.objects.get(pk=post.pk).comment_count == 1
    second = comment_create(post=post, actor=member, body="Two", parent=first)
    post.refresh_from_db()
    assert post.comment_count == 2
    assert post.last_activity_at == Comment.objects.get(pk=second.pk).created_at


def test_comment_create_stores_sanitised_html(post, member):
    comment = comment_create(post=post, actor=member, body="<script>x</script> *hi*")
    comment.refresh_from_db()
    assert "<script" not in comment.body_html
    assert "<em>hi</em>" in comment.body_html


def test_comment_update_keeps_a_revision_and_sets_edited_at(comment, member):
    created_at = comment.created_at
    comment_update(comment=comment, actor=member, body="Second thoughts")
    comment.refresh_from_db()
    assert comment.body == "Second thoughts"
    assert comment.body_html == "<p>Second thoughts</p>\n"
    assert comment.edited_at is not None
    revision = CommentRevision.objects.get(comment=comment)
    assert revision.body == "First *thoughts*"
    assert revision.created_at == created_at
    assert revision.replaced_at == comment.edited_at

    comment_update(comment=comment, actor=member, body="Third thoughts")
    newest = CommentRevision.objects.filter(comment=comment).first()
    assert newest is not None
    assert newest.body == "Second thoughts"
    assert newest.created_at == comment.edited_at


def test_comment_update_with_the_same_text_keeps_no_revision(comment, member):
    comment_update(comment=comment, actor=member, body="First *thoughts*")
    assert Comment.objects.get(pk=comment.pk).edited_at is None
    assert not CommentRevision.objects.exists()


def test_comment_update_by_another_member_is_refused(comment, other_member):
    with pytest.raises(ActionRefused, match="your own comments"):
        comment_update(comment=comment, actor=other_member, body="Hijacked")
    comment.refresh_from_db()
    assert comment.body == "First *thoughts*"
    assert comment.edited_at is None
    assert not CommentRevision.objects.exists()


def test_comment_delete_keeps_the_row_and_drops_text_and_history(comment, member, post):
    comment_update(comment=comment, actor=member, body="Edited once")
    assert CommentRevision.objects.filter(comment=comment).count() == 1

    comment_delete(comment=comment, actor=member)
    comment.refresh_from_db()
    assert comment.state == ContentState.DELETED
    assert comment.body == comment.body_html == ""
    assert not CommentRevision.objects.filter(comment=comment).exists()
    # The placeholder still holds its place in the thread and the count.
    assert Post.objects.get(pk=post.pk).comment_count == 1


def test_comment_delete_refused_for_others_and_twice(comment, member, other_member):
    with pytest.raises(ActionRefused, match="your own comments"):
        comment_delete(comment=comment, actor=other_member)
    assert Comment.objects.get(pk=comment.pk).state == ContentState.VISIBLE
    comment_delete(comment=comment, actor=member)
    with pytest.raises(ActionRefused, match="already deleted"):
        comment_delete(comment=comment, actor=member)


def test_editing_a_deleted_comment_is_refused(comment, member):
    comment_delete(comment=comment, actor=member)
    with pytest.raises(ActionRefused):
        comment_update(comment=comment, actor=member, body="Back from the dead")
    assert Comment.objects.get(pk=comment.pk).body == ""


# Votes -------------------------------------------------------------------------------------------


def counters(comment: Comment) -> tuple[int, int, int]:
    return Comment.objects.values_list("upvotes", "downvotes", "score").get(pk=comment.pk)


def test_vote_up_then_down_switches_the_counters(comment, other_member):
    comment_vote(comment=comment, actor=other_member, value=1)
    assert counters(comment) == (1, 0, 1)
    assert Comment.objects.get(pk=comment.pk).confidence == pytest.approx(wilson_lower_bound(1, 0))

    comment_vote(comment=comment, actor=other_member, value=-1)
    assert counters(comment) == (0, 1, -1)
    assert CommentVote.objects.get().value == -1  # switched, not a second vote
    assert Comment.objects.get(pk=comment.pk).confidence == 0.0


def test_voting_the_same_way_twice_is_refused(comment, other_member):
    comment_vote(comment=comment, actor=other_member, value=1)
    with pytest.raises(ActionRefused, match="already voted that way"):
        comment_vote(comment=comment, actor=other_member, value=1)
    assert counters(comment) == (1, 0, 1)
    assert CommentVote.objects.count() == 1


def test_vote_zero_takes_the_vote_back(comment, other_member):
    comment_vote(comment=comment, actor=other_member, value=-1)
    comment_vote(comment=comment, actor=other_member, value=0)
    assert counters(comment) == (0, 0, 0)
    assert not CommentVote.objects.exists()
    assert Comment.objects.get(pk=comment.pk).confidence == 0.0
    with pytest.raises(ActionRefused, match="haven't voted"):
        comment_vote(comment=comment, actor=other_member, value=0)


def test_voting_on_own_comment_is_refused(comment, member):
    with pytest.raises(ActionRefused, match="your own comment"):
        comment_vote(comment=comment, actor=member, value=1)
    assert counters(comment) == (0, 0, 0)


@pytest.mark.parametrize("value", [2, -2, 5])
def test_vote_values_other_than_up_down_or_nothing_are_refused(comment, other_member, value):
    with pytest.raises(ActionRefused):
        comment_vote(comment=comment, actor=other_member, value=value)
    assert not CommentVote.objects.exists()


def test_deleted_comment_takes_no_new_votes_but_a_vote_can_be_withdrawn(
    comment, member, other_member, moderator
):
    comment_vote(comment=comment, actor=other_member, value=1)
    comment_delete(comment=comment, actor=member)
    with pytest.raises(ActionRefused, match="deleted or removed"):
        comment_vote(comment=comment, actor=moderator, value=1)
    comment_vote(comment=comment, actor=other_member, value=0)
    assert counters(comment) == (0, 0, 0)


def test_vote_leaves_the_comment_tree_alone(post, comment, member, other_member):
    child = comment_create(post=post, actor=other_member, body="Reply", parent=comment)
    stale = Comment.objects.get(pk=comment.pk)  # rght from before the next reply
    comment_create(post=post, actor=other_member, body="Reply 2", parent=comment)
    comment_vote(comment=stale, actor=other_member, value=1)
    fresh = Comment.objects.get(pk=comment.pk)
    assert (fresh.lft, fresh.rght) == (1, 6)
    assert Comment.objects.get(pk=child.pk).parent_id == comment.pk


def test_confidence_ranks_five_up_above_sixty_up_forty_down(post, member):
    crowd = voters(100)
    few = comment_create(post=post, actor=member, body="Five up")
    many = comment_create(post=post, actor=member, body="Sixty up, forty down")
    for user in crowd[:5]:
        comment_vote(comment=few, actor=user, value=1)
    for i, user in enumerate(crowd):
        comment_vote(comment=many, actor=user, value=1 if i < 60 else -1)

    few.refresh_from_db()
    many.refresh_from_db()
    assert (many.upvotes, many.downvotes, many.score) == (60, 40, 20)
    assert few.confidence == pytest.approx(wilson_lower_bound(5, 0))
    assert many.confidence == pytest.approx(wilson_lower_bound(60, 40))
    best_first = list(Comment.objects.filter(post=post).order_by("-confidence"))
    assert best_first == [few, many]  # "best" order, though `many` has four times the score


def test_wilson_lower_bound_values():
    z = NormalDist().inv_cdf(0.9)  # the two-sided 80% interval, as the docstring says
    assert wilson_lower_bound(0, 0) == 0.0
    # With no down-votes the bound is n / (n + z^2).
    for n in (1, 5, 100):
        assert wilson_lower_bound(n, 0) == pytest.approx(n / (n + z * z))
    assert wilson_lower_bound(5, 0) == pytest.approx(0.7527, abs=1e-4)
    assert wilson_lower_bound(60, 40) == pytest.approx(0.5361, abs=1e-4)
    assert wilson_lower_bound(5, 0) > wilson_lower_bound(60, 40)
    # Never above the observed share of up-votes, never below zero; more evidence, higher bound.
    for up, down in [(1, 1), (3, 7), (0, 5), (99, 1)]:
        assert 0.0 <= wilson_lower_bound(up, down) <= up / (up + down)
    assert wilson_lower_bound(60, 40) > wilson_lower_bound(6, 4)
    assert wilson_lower_bound(0, 5) == 0.0
    assert not math.isnan(wilson_lower_bound(1, 0))


# Concurrency: PostgreSQL only --------------------------------------------------------------------


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_recommendations_and_double_clicks_count_each_member_once():
    section = Section.objects.create(name="Busy", slug="busy")
    author = make_member("author")
    post = post_create(actor=author, section=section, title="Popular", body="x", publish=True)
    fans = [make_member(f"fan{i}") for i in range(6)]
    refused: list[int] = []

    def recommend(index: int) -> None:
        # Twelve threads, six members: each member clicks twice at the same moment.
        try:
            post_recommend(post=post, actor=fans[index % 6])
        except ActionRefused:
            refused.append(index)

    errors = in_threads(recommend, 12)
    assert errors == [], "\n".join(errors)
    post.refresh_from_db()
    assert len(refused) == 6
    assert post.recommendation_count == Recommendation.objects.filter(post=post).count() == 6
    assert post.published_at is not None
    assert post.hot == pytest.approx(hot_score(6, post.published_at))


def waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_vote_and_reply_on_the_same_comment_at_once_do_not_deadlock(monkeypatch):
    """The exact interleaving, made deterministic: a vote holds the comment's row lock while a
    reply to that comment, holding the post's lock, waits for it; then the vote commits.

    When the vote locked the comment before the post and wrote the row twice, the second UPDATE
    made PostgreSQL queue the (deferred) foreign-key checks, and at COMMIT the post_id check wanted
    KEY SHARE on the post row the reply held FOR UPDATE: a lock-order deadlock. Votes now take the
    post lock first, like every other comment write.
    """
    section = Section.objects.create(name="Busy", slug="busy")
    author, voter = make_member("author"), make_member("voter")
    post = post_create(actor=author, section=section, title="Lively", body="x", publish=True)
    target = comment_create(post=post, actor=author, body="Vote on me")

    # Pause the vote inside its transaction, after it has locked the comment.
    paused, resume = threading.Event(), threading.Event()
    real_wilson = wilson_lower_bound  # the function forum.services imported

    def wilson_after_a_pause(up: int, down: int) -> float:
        paused.set()
        resume.wait(timeout=10)
        return real_wilson(up, down)

    monkeypatch.setattr(services, "wilson_lower_bound", wilson_after_a_pause)
    errors: list[str] = []

    def run(action) -> None:
        try:
            action()
        except Exception:
            errors.append(traceback.format_exc())
        finally:
            connection.close()

    vote = threading.Thread(
        target=run, args=(lambda: comment_vote(comment=target, actor=voter, value=1),)
    )
    answer = threading.Thread(
        target=run,
        args=(lambda: comment_create(post=post, actor=voter, body="Reply", parent=target),),
    )
    vote.start()
    assert paused.wait(timeout=10), "the vote never reached wilson_lower_bound"
    answer.start()
    deadline = time.monotonic() + 5
    while not waiting_on_locks() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert waiting_on_locks() == 1  # the reply waits for the vote
    resume.set()
    vote.join(timeout=20)
    answer.join(timeout=20)

    assert errors == [], "\n".join(errors)
    target.refresh_from_db()
    assert (target.upvotes, target.reply_count) == (1, 1)


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_votes_replies_and_recommendations_keep_every_counter_exact():
    section = Section.objects.create(name="Busy", slug="busy")
    author = make_member("author")
    post = post_create(actor=author, section=section, title="Lively", body="x", publish=True)
    target = comment_create(post=post, actor=author, body="Vote on me")
    crowd = [make_member(f"member{i}") for i in range(8)]

    def act(index: int) -> None:
        # Votes lock the comment row, replies lock the post and renumber the same comment row,
        # recommendations update the post row: together they would show any lock-order deadlock.
        user = crowd[index]
        for round_ in range(4):
            comment_vote(comment=target, actor=user, value=1 if round_ % 2 == 0 else -1)
            comment_create(post=post, actor=user, body=f"{index}/{round_}", parent=target)
        post_recommend(post=post, actor=user)
        comment_vote(comment=target, actor=user, value=1 if index % 2 else 0)

    started = timezone.now()
    errors = in_threads(act, len(crowd))
    assert errors == [], "\n".join(errors)
    assert timezone.now() - started < timedelta(seconds=30)

    target.refresh_from_db()
    post.refresh_from_db()
    # Final votes: odd members up, even members took theirs back.
    assert (target.upvotes, target.downvotes, target.score) == (4, 0, 4)
    assert CommentVote.objects.filter(comment=target).count() == 4
    assert target.confidence == pytest.approx(wilson_lower_bound(4, 0))
    assert post.recommendation_count == 8
    assert post.comment_count == Comment.objects.filter(post=post).count() == 1 + 8 * 4
    assert target.reply_count == 8 * 4


def test_replies_notify_the_member_answered_but_not_oneself(post, member, other_member, on_commit):
    from accounts.models import Notification

    with on_commit():
        top = comment_create(post=post, actor=other_member, body="To the post")
    assert Notification.objects.get(user=member, kind="reply").url == top.get_absolute_url()
    with on_commit():
        answer = comment_create(post=post, actor=member, body="Back to you", parent=top)
    note = Notification.objects.get(user=other_member, kind="reply")
    assert note.url == answer.get_absolute_url()
    assert "replied to your comment" in note.message
    with on_commit():
        comment_create(post=post, actor=member, body="Talking to myself", parent=answer)
    assert Notification.objects.filter(user=member, kind="reply").count() == 1
    member.refresh_from_db()
    assert member.unread_notifications == 1
