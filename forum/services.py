"""Every write to posts, comments and votes. Views call these; nothing writes forum rows elsewhere.

Side effects (counters, and later notifications and the moderation log) are called here, explicitly.
Comment trees: django-mptt rewrites lft/rght of a whole tree on insert and does no locking, so every
tree write first locks the post's row (`_lock_post`). That serialises writers per post; tree ids of new
top-level comments come from a sequence (forum.models.CommentManager), so posts don't contend.

The one exception is seeding an empty database (`manage.py demo_data`, later `make bench`):
forum.demo.write bulk-inserts posts, recommendations and votes directly, and every comment tree goes
through forum.bulk.bulk_create_trees, which computes the MPTT fields and takes no locks, so neither
may run beside these services.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone
from django_tasks.base import Task

from accounts.models import User
from accounts.queueing import enqueue_logged
from accounts.services import notifications_withdraw

from . import limits, pagecache
from .markup import count_links, mentioned_usernames, render_markdown
from .models import (
    Comment,
    CommentRevision,
    CommentVote,
    ContentState,
    Follow,
    Post,
    PostRevision,
    Recommendation,
    Section,
    hot_score,
    wilson_lower_bound,
)
from .tasks import comment_notify, post_notify, target_of


class ActionRefused(Exception):
    """A member asked for something the rules don't allow; the message says why, for them."""


_GONE: dict[str, str] = {  # by `state` (a ContentState equals its value)
    ContentState.DELETED: "This {thing} is already deleted.",
    ContentState.REMOVED: "A moderator removed this {thing}; it can't be changed now.",
    ContentState.HIDDEN: "This {thing} is hidden while moderators review reports about it.",
}


def _lock_post(post_id: int) -> Post:
    return Post.objects.select_for_update().get(pk=post_id)


def _lock_member(user: User) -> User:
    """Serialise one member's submissions, so rate limits and double-submit checks hold under
    concurrent requests. Lock order everywhere: post, then member, then comment."""
    return User.objects.select_for_update().get(pk=user.pk)


def ensure_can_participate(user: User) -> None:
    """Suspended members can read and log in, but not post, reply, vote, support, report or send
    messages."""
    if user.is_suspended:
        until = timezone.localtime(user.suspended_until)
        raise ActionRefused(
            f"Your account is suspended until {until:%d %B %Y, %H:%M}: you can read, but not "
            "post, reply, vote, support, report or send messages."
        )


def check_rate(
    user: User,
    mine: QuerySet[Any],
    *,
    rates: list[limits.Rate],
    new_member_rates: list[limits.Rate],
    doing: str,
) -> None:
    """Refuse a submission past the member's rates (`mine`: what they wrote, with `created_at`).
    Call it under the member's row lock, so concurrent requests count each other."""
    if not settings.FORUM_RATE_LIMITS:
        return
    chosen = new_member_rates if limits.is_new_member(user) else rates
    since = timezone.now() - limits.longest_window(chosen)
    times = list(mine.filter(created_at__gte=since).values_list("created_at", flat=True))
    if rate := limits.exceeded(chosen, times):
        raise ActionRefused(
            f"You are {doing} faster than the site allows ({rate.text}). "
            "Your text is still here: try again in a little while."
        )


def check_links(user: User, html: str) -> None:
    """Refuse more links than a new member may send (spam's shape)."""
    if limits.is_new_member(user) and count_links(html) > limits.NEW_MEMBER_MAX_LINKS:
        raise ActionRefused(
            f"In their first day new members can include at most {limits.NEW_MEMBER_MAX_LINKS} "
            "links in a post, reply or message. Remove some links, or send them tomorrow."
        )


# Posts -------------------------------------------------------------------------------------------


@transaction.atomic
def post_create(*, actor: User, section: Section, title: str, body: str, publish: bool) -> Post:
    """Create a post. An identical post by the same author moments ago is returned instead of a
    second copy (a double-clicked submit button)."""
    ensure_can_participate(actor)
    _lock_member(actor)
    now = timezone.now()
    title = title.strip()
    mine = Post.objects.filter(author=actor)
    duplicate = mine.filter(
        title=title, body=body, created_at__gte=now - limits.DOUBLE_SUBMIT_WINDOW
    ).first()
    if duplicate is not None:
        return duplicate
    check_rate(
        actor,
        mine,
        rates=limits.POST_RATES,
        new_member_rates=limits.NEW_MEMBER_POST_RATES,
        doing="posting",
    )
    body_html = render_markdown(body)
    check_links(actor, body_html)
    post = Post(
        author=actor,
        section=section,
        title=title,
        body=body,
        body_html=body_html,
        created_at=now,
        last_activity_at=now,
    )
    if publish:
        _mark_published(post, now)
    post.save()
    _follow(post, actor)
    if post.is_published and mentioned_usernames(body_html):
        _notify_after_commit(post_notify, post.pk)
    return post


def _mark_published(post: Post, now: datetime) -> None:
    post.status = Post.Status.PUBLISHED
    post.published_at = now
    post.last_activity_at = now
    post.hot = hot_score(post.recommendation_count, now)


@transaction.atomic
def post_update(
    *, post: Post, actor: User, section: Section, title: str, body: str, publish: bool = False
) -> Post:
    post = _lock_post(post.pk)
    if not post.can_edit(actor):
        raise ActionRefused("You can only edit your own posts.")
    ensure_can_participate(actor)
    body_html = render_markdown(body)
    check_links(actor, body_html)
    title = title.strip()
    changed = (title, body) != (post.title, post.body)
    now = timezone.now()
    if post.is_published and changed:
        # Keep what readers saw before; drafts have no readers, so no history.
        PostRevision.objects.create(
            post=post,
            title=post.title,
            body=post.body,
            # A published post has published_at (_mark_published); created_at only for the type.
            created_at=post.edited_at or post.published_at or post.created_at,
            replaced_at=now,
        )
        post.edited_at = now
    post.section, post.title, post.body, post.body_html = section, title, body, body_html
    if publish and not post.is_published:
        _mark_published(post, now)
    post.save()
    if post.is_published and mentioned_usernames(body_html):
        _notify_after_commit(post_notify, post.pk)  # members newly @mentioned (or, once published)
    return post


@transaction.atomic
def post_delete(*, post: Post, actor: User) -> Post:
    """The author deletes their post: the thread stays, the post shows as deleted."""
    post = _lock_post(post.pk)
    if not post.is_owned_by(actor):
        raise ActionRefused("You can only delete your own posts.")
    if post.state != ContentState.VISIBLE:
        raise ActionRefused(_GONE[post.state].format(thing="post"))
    # The author asked for the text to go: the body and its earlier versions are erased; the row
    # (and the title, for the thread's context in moderation) stays so the discussion keeps its place.
    post.state = ContentState.DELETED
    post.body = post.body_html = ""
    post.save(update_fields=["state", "body", "body_html"])
    post.revisions.all().delete()
    notifications_withdraw(target=target_of(post))
    return post


@transaction.atomic
def post_recommend(*, post: Post, actor: User) -> None:
    ensure_can_participate(actor)
    post = _lock_post(post.pk)  # the row as it is now, not as the caller loaded it
    if post.is_owned_by(actor):
        raise ActionRefused("You can't recommend your own post.")
    if not post.can_recommend(actor):
        raise ActionRefused("This post can't be recommended.")
    try:
        with transaction.atomic():
            Recommendation.objects.create(post=post, user=actor)
    except IntegrityError:
        raise ActionRefused("You already recommend this post.") from None
    Post.objects.filter(pk=post.pk).update(recommendation_count=F("recommendation_count") + 1)
    pagecache.bump_on_commit()  # .update() sends no signal
    _refresh_hot(post.pk)


@transaction.atomic
def post_unrecommend(*, post: Post, actor: User) -> None:
    post = _lock_post(post.pk)
    deleted, _ = Recommendation.objects.filter(post=post, user=actor).delete()
    if not deleted:
        raise ActionRefused("You don't recommend this post.")
    Post.objects.filter(pk=post.pk).update(recommendation_count=F("recommendation_count") - 1)
    pagecache.bump_on_commit()  # neither .update() nor a queryset's delete() sends a signal here
    _refresh_hot(post.pk)


def _refresh_hot(post_id: int) -> None:
    post = (
        Post.objects.select_for_update()
        .only("recommendation_count", "published_at")
        .get(pk=post_id)
    )
    if post.published_at:
        hot = hot_score(post.recommendation_count, post.published_at)
        Post.objects.filter(pk=post_id).update(hot=hot)


# Comments ----------------------------------------------------------------------------------------


@transaction.atomic
def comment_create(*, post: Post, actor: User, body: str, parent: Comment | None = None) -> Comment:
    """Reply to a post (parent None: a new tree) or to a comment. An identical reply by the same
    member to the same place moments ago is returned instead of a second copy."""
    ensure_can_participate(actor)
    post = _lock_post(post.pk)
    if not post.accepts_replies():
        if post.is_locked:
            raise ActionRefused("This discussion is locked: no new replies.")
        raise ActionRefused("This post no longer takes replies.")
    if parent is not None:
        # Re-read under the lock: mptt places the reply from the parent's current lft/rght.
        parent = Comment.objects.get(pk=parent.pk, post=post)
        if not parent.is_visible:
            raise ActionRefused("That comment was deleted or removed; you can't reply to it.")
    _lock_member(actor)
    # One query answers both "did they just send this?" and "how much have they sent lately?".
    rates = limits.NEW_MEMBER_REPLY_RATES if limits.is_new_member(actor) else limits.REPLY_RATES
    now = timezone.now()
    since = now - limits.DOUBLE_SUBMIT_WINDOW
    if settings.FORUM_RATE_LIMITS:
        since = min(since, now - limits.longest_window(rates))
    same = Q(post=post, parent=parent, body=body, created_at__gte=now - limits.DOUBLE_SUBMIT_WINDOW)
    recent = list(
        Comment.objects.filter(author=actor, created_at__gte=since)
        .annotate(same=ExpressionWrapper(same, output_field=BooleanField()))
        .order_by("-created_at")
        .values_list("pk", "created_at", "same")
    )
    if duplicate_pk := next((pk for pk, _, is_same in recent if is_same), None):
        return Comment.objects.get(pk=duplicate_pk)
    if settings.FORUM_RATE_LIMITS and (rate := limits.exceeded(rates, [t for _, t, _ in recent])):
        raise ActionRefused(
            f"You are replying faster than the site allows ({rate.text}). "
            "Your text is still here: try again in a little while."
        )
    body_html = render_markdown(body)
    check_links(actor, body_html)
    comment = Comment(post=post, author=actor, parent=parent, body=body, body_html=body_html)
    # Placed from the parent just re-read under the post's lock, so django-mptt needn't read it
    # again (its save() would); then save() only inserts.
    Comment.objects.insert_node(comment, parent, position="last-child", refresh_target=False)
    comment.save()
    Post.objects.filter(pk=post.pk).update(
        comment_count=F("comment_count") + 1, last_activity_at=comment.created_at
    )
    pagecache.bump_on_commit()  # the comment's save did too; the post's counter is an .update()
    _follow(post, actor)
    _notify_after_commit(comment_notify, comment.pk)
    return comment


def _follow(post: Post, user: User) -> None:
    """Follow a discussion one writes in, unless one already chose (follow, unfollow or mute):
    one INSERT that an existing row (one_follow_per_member) turns into nothing."""
    Follow.objects.bulk_create([Follow(post=post, user=user)], ignore_conflicts=True)


def _notify_after_commit(the_task: Task[..., int], *args: Any) -> None:
    """Enqueue a forum.tasks notifier once the write commits; with the queue down (Redis), run it
    here instead, after the commit, so the replies and mentions aren't lost."""

    def enqueue() -> None:
        if enqueue_logged(the_task, *args) is None:
            the_task.call(*args)

    transaction.on_commit(enqueue)


@transaction.atomic
def comment_update(*, comment: Comment, actor: User, body: str) -> Comment:
    _lock_post(comment.post_id)
    comment = Comment.objects.get(pk=comment.pk)
    if not comment.can_edit(actor):
        raise ActionRefused("You can only edit your own comments.")
    ensure_can_participate(actor)
    if body == comment.body:
        return comment
    body_html = render_markdown(body)
    check_links(actor, body_html)
    now = timezone.now()
    CommentRevision.objects.create(
        comment=comment,
        body=comment.body,
        created_at=comment.edited_at or comment.created_at,
        replaced_at=now,
    )
    comment.body, comment.body_html, comment.edited_at = body, body_html, now
    comment.save(update_fields=["body", "body_html", "edited_at"])
    if mentioned_usernames(body_html):
        _notify_after_commit(comment_notify, comment.pk, True)  # members newly @mentioned
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> Comment:
    """The author deletes a comment. Its row stays as a placeholder so replies keep their place;
    the text and its history go, because the author asked for them to go."""
    _lock_post(comment.post_id)
    comment = Comment.objects.get(pk=comment.pk)
    if not comment.is_owned_by(actor):
        raise ActionRefused("You can only delete your own comments.")
    if not comment.is_visible:
        raise ActionRefused(_GONE[comment.state].format(thing="comment"))
    comment.state = ContentState.DELETED
    comment.body = comment.body_html = ""
    comment.save(update_fields=["state", "body", "body_html"])
    comment.revisions.all().delete()
    notifications_withdraw(target=target_of(comment))
    return comment


@transaction.atomic
def comment_vote(*, comment: Comment, actor: User, value: int) -> Comment:
    """value 1 (up), -1 (down) or 0 (take my vote back)."""
    if value not in (1, -1, 0):
        raise ActionRefused("A vote is up, down, or nothing.")
    ensure_can_participate(actor)
    # Post before comment: the lock order of every comment write. Taking the comment first
    # deadlocks against a reply being inserted into the same tree.
    _lock_post(comment.post_id)
    comment = Comment.objects.get(pk=comment.pk)
    if comment.is_owned_by(actor):
        raise ActionRefused("You can't vote on your own comment.")
    if value != 0 and not comment.can_vote(actor):
        raise ActionRefused("You can't vote on a deleted or removed comment.")
    existing = CommentVote.objects.filter(comment=comment, user=actor).first()
    old = existing.value if existing else 0
    if old == value:
        raise ActionRefused(
            "You already voted that way." if value else "You haven't voted on this comment."
        )
    if existing is None:  # so value is 1 or -1: 0 would be `old` and refused above
        CommentVote.objects.create(comment=comment, user=actor, value=value)
    elif value == 0:
        existing.delete()
    else:
        existing.value = value
        existing.save(update_fields=["value"])
    up = (value == 1) - (old == 1)
    down = (value == -1) - (old == -1)
    votes = Comment.objects.filter(pk=comment.pk)
    votes.update(
        upvotes=F("upvotes") + up, downvotes=F("downvotes") + down, score=F("score") + up - down
    )
    comment.refresh_from_db(fields=["upvotes", "downvotes", "score"])
    comment.confidence = wilson_lower_bound(comment.upvotes, comment.downvotes)
    votes.update(confidence=comment.confidence)
    pagecache.bump_on_commit()  # the score shows, and .update() sends no signal
    return comment


# Following ---------------------------------------------------------------------------------------


@transaction.atomic
def post_follow_set(*, post: Post, actor: User, choice: str) -> Follow:
    """A member follows ("follow"), stops following ("unfollow") or mutes ("mute") a discussion
    they can open. Muted: told of nothing in it, replies and mentions included."""
    if choice not in ("follow", "unfollow", "mute"):
        raise ActionRefused("Follow, unfollow or mute.")
    if not post.is_published:
        raise ActionRefused("Drafts have no discussion to follow.")
    follow, _ = Follow.objects.select_for_update().get_or_create(post=post, user=actor)
    follow.following = choice == "follow"
    follow.muted = choice == "mute"
    follow.save(update_fields=["following", "muted"])
    return follow
