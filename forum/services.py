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

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Max, Q, QuerySet
from django.db.models.functions import Greatest
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


def _lock_post(post_id: int, using: str = DEFAULT_DB_ALIAS) -> Post:
    return Post.objects.using(using).select_for_update().get(pk=post_id)


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


# Repairs (manage.py check_trees --fix) -----------------------------------------------------------


def tree_repair(tree_id: int, *, using: str = DEFAULT_DB_ALIAS) -> set[int]:
    """Rebuild one comment tree from its parent links, under the lock of every post it touches,
    and recompute those posts' comment_count. Returns the tree ids rewritten.

    The parent links are the truth: a comment whose parent is in another tree moves there with its
    replies, and a second root sharing the tree id gets a tree of its own; then django-mptt's
    partial_rebuild numbers each tree (siblings keep their lft order). What no rebuild can decide
    (a cycle of parent links, a parent on another post, a missing parent) is left as it is, for a
    person: `check_trees` reports it again.
    """
    comments = Comment.objects.db_manager(using)
    with transaction.atomic(using=using):
        locked: set[int] = set()
        while True:  # lock the posts, then read the tree as it is under their locks
            rows = list(
                comments.filter(tree_id=tree_id)
                .order_by("lft", "pk")
                .values_list("pk", "parent_id", "post_id", "parent__tree_id", "parent__post_id")
            )
            posts = {row[2] for row in rows} | {row[4] for row in rows if row[4] is not None}
            if posts <= locked:
                break
            for post_id in sorted(posts - locked):  # in pk order, like any multi-post lock
                _lock_post(post_id, using)
            locked |= posts
        homes = _tree_homes(tree_id, rows, using)
        moves: dict[int, list[int]] = {}
        for pk, home in homes.items():
            if home is not None and home != tree_id:
                moves.setdefault(home, []).append(pk)
        for home, pks in moves.items():
            comments.filter(pk__in=pks).update(tree_id=home)
        rebuilt = set()
        for tid in sorted({tree_id, *moves}):
            try:
                comments.partial_rebuild(tid)
            except RuntimeError:  # that tree has several roots: its own repair splits them
                continue
            rebuilt.add(tid)
        for post_id in sorted(locked):
            _recount_comments(post_id, using)
        pagecache.bump_on_commit(using)  # .update() and bulk_update() send no signal
    return rebuilt


def comment_count_repair(post_id: int, *, using: str = DEFAULT_DB_ALIAS) -> int:
    """Set a post's comment_count to the number of its comments (every state counts: comments
    only ever add to it); returns that number."""
    with transaction.atomic(using=using):
        _lock_post(post_id, using)
        count = _recount_comments(post_id, using)
        pagecache.bump_on_commit(using)
    return count


def _recount_comments(post_id: int, using: str) -> int:
    count = Comment.objects.using(using).filter(post_id=post_id).count()
    Post.objects.using(using).filter(pk=post_id).exclude(comment_count=count).update(
        comment_count=count
    )
    return count


_TreeRow = tuple[int, int | None, int, int | None, int | None]


def _tree_homes(tree_id: int, rows: Sequence[_TreeRow], using: str) -> dict[int, int | None]:
    """The tree each comment of this tree belongs in by its parent links: its root's (the first
    root keeps this tree's id; another gets a new one), or, under a parent outside the tree, that
    parent's tree. None: no root reached (a cycle) or the parent is missing."""
    parent_of = {pk: parent_id for pk, parent_id, _post, _ptree, _ppost in rows}
    outside_tree = {pk: ptree for pk, parent_id, _post, ptree, _ppost in rows if parent_id}
    keeper = next((pk for pk, parent_id, *_ in rows if parent_id is None), None)  # lowest lft
    homes: dict[int, int | None] = {}
    for pk, *_ in rows:
        path: list[int] = []
        on_path: set[int] = set()
        node: int | None = pk
        home: int | None = None
        while node is not None and node not in homes:
            if node in on_path:  # a cycle of parent links
                break
            path.append(node)
            on_path.add(node)
            parent = parent_of[node]
            if parent is None:
                home = tree_id if node == keeper else _new_tree_id(using)
                break
            if parent not in parent_of:
                home = outside_tree[node]
                break
            node = parent
        else:
            if node is not None:
                home = homes[node]
        for member in path:
            homes[member] = home
    return homes


def _new_tree_id(using: str) -> int:
    """An unused tree id, taken as forum.models.CommentManager takes them (the sequence on
    PostgreSQL), never below an id in use."""
    highest: int = Comment.objects.using(using).aggregate(m=Max("tree_id"))["m"] or 0
    connection = connections[using]
    if connection.vendor != "postgresql":
        return highest + 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('forum_comment_tree_id_seq')")
        tree_id = int(cursor.fetchone()[0])
        if tree_id <= highest:
            tree_id = highest + 1
            cursor.execute("SELECT setval('forum_comment_tree_id_seq', %s, true)", [tree_id])
    return tree_id


# Account deletion (accounts.deletion) ------------------------------------------------------------


def account_delete_forum(user: User, *, erase_content: bool) -> None:
    """The forum's part of deleting an account (accounts.services.account_delete calls it, holding
    the member's row lock). Their votes and recommendations go, the counters they moved moved
    back; their follows go; their drafts go (nobody else ever saw them). Their published posts
    and comments stay, shown under "[deleted member]", unless `erase_content`: then each is erased
    as deleting it themselves would (the text and its history go, the row stays so replies keep
    their place; a removed one keeps its state and the moderator's reason). Every change to a
    post's comments is made under that post's lock, posts in pk order."""
    votes = CommentVote.objects.filter(user=user)
    vote_posts = set(votes.values_list("comment__post_id", flat=True))
    recommended = set(Recommendation.objects.filter(user=user).values_list("post_id", flat=True))
    written = set(Comment.objects.filter(author=user).values_list("post_id", flat=True))
    own_posts = set(Post.objects.filter(author=user).values_list("pk", flat=True))
    for post_id in sorted(vote_posts | recommended | written | own_posts):
        post = _lock_post(post_id)
        for vote in CommentVote.objects.filter(user=user, comment__post_id=post_id):
            _vote_take_back(vote)
        if post_id in recommended:
            Recommendation.objects.filter(post_id=post_id, user=user).delete()
            Post.objects.filter(pk=post_id).update(
                recommendation_count=Greatest(F("recommendation_count") - 1, 0)
            )
            _refresh_hot(post_id)
        if erase_content and post_id in written:
            for comment in Comment.objects.filter(post_id=post_id, author=user):
                _erase_comment(comment)
        if post_id in own_posts:
            if post.status == Post.Status.DRAFT and not post.comments.exists():
                post.delete()
            elif erase_content:
                _erase_post(post)
    Follow.objects.filter(user=user).delete()
    pagecache.bump_on_commit()  # .update() and a queryset's delete() send no signal


def _vote_take_back(vote: CommentVote) -> None:
    """As comment_vote(value=0) does, under the post's lock the caller holds."""
    up, down = int(vote.value == 1), int(vote.value == -1)
    vote.delete()
    votes = Comment.objects.filter(pk=vote.comment_id)
    votes.update(
        upvotes=Greatest(F("upvotes") - up, 0),
        downvotes=Greatest(F("downvotes") - down, 0),
        score=F("score") - up + down,
    )
    upvotes, downvotes = votes.values_list("upvotes", "downvotes").get()
    votes.update(confidence=wilson_lower_bound(upvotes, downvotes))


def _erase_comment(comment: Comment) -> None:
    """comment_delete's erasure, for any state: a removed comment stays removed (its reason is
    the moderators' record), anything else becomes deleted by its author."""
    if comment.state != ContentState.REMOVED:
        comment.state = ContentState.DELETED
    comment.body = comment.body_html = ""
    comment.save(update_fields=["state", "body", "body_html"])
    comment.revisions.all().delete()
    notifications_withdraw(target=target_of(comment))


def _erase_post(post: Post) -> None:
    """post_delete's erasure (the title stays, for the thread's context), for any state."""
    if post.state != ContentState.REMOVED:
        post.state = ContentState.DELETED
    post.body = post.body_html = ""
    post.save(update_fields=["state", "body", "body_html"])
    post.revisions.all().delete()
    notifications_withdraw(target=target_of(post))
