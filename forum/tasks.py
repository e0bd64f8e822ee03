"""Who hears of a new post or comment, worked out by the worker (forum.services enqueue these
once the write commits).

For a comment: the member answered (the parent comment's author, or the post's for a top-level
reply) is told of a reply; members it @mentions (at most MENTIONS_MAX an item, over all its
edits) of a mention; everyone following the discussion of a new comment, in batches. All under
one key per comment, so nobody gets two notifications for it (a reply that mentions you is one),
however often this runs. Members who muted the discussion hear nothing of it; members who block
the author hear nothing of what they write (accounts.notifications). Each batch is written with
the post and the comment locked and re-read, so a comment removed or hidden (forum.moderation
locks the same rows) before its batch is written notifies nobody more, and the unread ones
already written are withdrawn by the removal.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from django.db import transaction
from django.db.models.functions import Lower
from django_tasks import task

from accounts.models import Notification, User
from accounts.notifications import NotificationData, notifications_add
from accounts.queueing import resumable

from .markup import mentioned_usernames
from .models import Comment, ContentState, Follow, Post

log = logging.getLogger(__name__)

MENTIONS_MAX = 10
EXCERPT_LENGTH = 200
FOLLOWER_BATCH = 500


def target_of(thing: Post | Comment) -> str:
    """How notifications name what they are about (accounts.notifications_withdraw takes it)."""
    return f"{thing._meta.label_lower}:{thing.pk}"


def _excerpt(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1].rstrip() + "…"


def _muted(post: Post) -> set[int]:
    return set(Follow.objects.filter(post=post, muted=True).values_list("user_id", flat=True))


def _mentioned(html: str, key: str, exclude: set[int]) -> list[int]:
    """Active members @mentioned, up to what is left of MENTIONS_MAX for this item's key."""
    already = Notification.objects.filter(key=key, kind="mention").count()
    room = MENTIONS_MAX - already
    names = mentioned_usernames(html, limit=MENTIONS_MAX)
    if room <= 0 or not names:
        return []
    found = dict(
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=names, is_active=True)
        .values_list("lower", "pk")
    )
    ids = [found[name] for name in names if name in found and found[name] not in exclude]
    return ids[:room]


def _locked_comment(comment_id: int) -> Comment | None:
    """The comment and its post locked (post first: forum.services' lock order), if both stand."""
    post_id = Comment.objects.filter(pk=comment_id).values_list("post_id", flat=True).first()
    if post_id is None:
        return None
    post = Post.objects.select_for_update().filter(pk=post_id).first()
    comment = (
        Comment.objects.select_for_update().select_related("author").filter(pk=comment_id).first()
    )
    if post is None or comment is None:
        return None
    if not (comment.is_visible and post.is_visible and post.is_published):
        return None
    comment.post = post
    return comment


@resumable
@task
def comment_notify(comment_id: int, edited: bool = False) -> int:
    """Tell the members a comment concerns (see the module's docstring). `edited`: only members
    newly @mentioned by an edit. Returns how many were notified."""
    key = f"forum.comment:{comment_id}"
    told = 0
    with transaction.atomic():
        comment = _locked_comment(comment_id)
        if comment is None:
            return 0
        post, actor = comment.post, comment.author
        muted = _muted(post) | {actor.pk}
        note = NotificationData(
            kind="reply",
            message="",
            url=comment.get_absolute_url(),
            actor_id=actor.pk,
            excerpt=_excerpt(comment.body),
            thread=f"post:{post.pk}",
            title=post.title,
            target=target_of(comment),
        )
        told_ids: set[int] = set()
        if not edited:
            parent_author = (
                Comment.objects.filter(pk=comment.parent_id).values_list("author_id", flat=True)
                if comment.parent_id
                else None
            )
            answered = parent_author.first() if parent_author is not None else post.author_id
            if answered is not None:
                told_ids.add(answered)  # their choice for replies stands, whatever they follow
            if answered is not None and answered not in muted:
                where = "your comment on" if comment.parent_id else "your post"
                message = f"{actor.name} replied to {where} “{post.title[:80]}”"
                told += notifications_add(
                    key=key, user_ids=[answered], note=replace(note, message=message)
                )
        mentioned = _mentioned(comment.body_html, key, muted | told_ids)
        told_ids |= set(mentioned)
        if mentioned:
            message = f"{actor.name} mentioned you in “{post.title[:80]}”"
            told += notifications_add(
                key=key,
                user_ids=mentioned,
                note=replace(note, kind="mention", message=message),
            )
    if edited:
        return told
    direct = sorted(told_ids)
    # Followers, a batch at a time (a busy discussion can have thousands).
    after = 0
    while True:
        with transaction.atomic():
            comment = _locked_comment(comment_id)
            if comment is None:
                break
            post, actor = comment.post, comment.author
            batch = list(
                Follow.objects.filter(
                    post=post, following=True, user__is_active=True, user_id__gt=after
                )
                .exclude(user_id__in=[actor.pk, *direct])
                .order_by("user_id")
                .values_list("user_id", flat=True)[:FOLLOWER_BATCH]
            )
            if not batch:
                break
            after = batch[-1]
            message = f"{actor.name} commented in “{post.title[:80]}”"
            told += notifications_add(
                key=key, user_ids=batch, note=replace(note, kind="followed", message=message)
            )
    log.info("Comment %d: %d members told", comment_id, told)
    return told


@resumable
@task
def post_notify(post_id: int) -> int:
    """Tell the members a published post @mentions (at most MENTIONS_MAX, over its edits)."""
    key = f"forum.post:{post_id}"
    with transaction.atomic():
        post = Post.objects.select_for_update().select_related("author").filter(pk=post_id).first()
        if post is None or post.state != ContentState.VISIBLE or not post.is_published:
            return 0
        mentioned = _mentioned(post.body_html, key, _muted(post) | {post.author_id})
        if not mentioned:
            return 0
        return notifications_add(
            key=key,
            user_ids=mentioned,
            note=NotificationData(
                kind="mention",
                message=f"{post.author.name} mentioned you in “{post.title[:80]}”",
                url=post.get_absolute_url(),
                actor_id=post.author_id,
                excerpt=_excerpt(post.body),
                thread=f"post:{post.pk}",
                title=post.title,
                target=target_of(post),
            ),
        )
