"""Reading comment threads: one query for a page of trees, nesting built in memory in linear time.

django-mptt's get_cached_trees() and {% recursetree %} are quadratic on large threads, so neither is
used. Comments come ordered by (tree_id, lft): a parent always arrives before its children.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator

from .hats import with_hats
from .models import Comment, CommentVote, Post

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

MAX_DEPTH = 10  # levels shown on one page; deeper branches continue on a comment's permalink
TREES_PER_PAGE = 50

SORTS: dict[str, tuple[str, ...]] = {
    "best": ("-confidence", "-score", "created_at"),
    "top": ("-score", "created_at"),
    "new": ("-created_at",),
    "old": ("created_at",),
}
SORT_LABELS = {"best": "Best", "top": "Top", "new": "Newest", "old": "Oldest"}
DEFAULT_SORT = "best"

_SIBLING_KEYS: dict[str, Callable[[Comment], tuple[float | datetime | int, ...]]] = {
    "best": lambda c: (-c.confidence, -c.score, c.created_at, c.pk),
    "top": lambda c: (-c.score, c.created_at, c.pk),
    "new": lambda c: (-c.created_at.timestamp(), -c.pk),
    "old": lambda c: (c.created_at, c.pk),
}


def clean_sort(value: str | None) -> str:
    return value if value in SORTS else DEFAULT_SORT


def build_forest(comments: Iterable[Comment], *, sort: str, base_level: int = 0) -> list[Comment]:
    """Nest comments (ordered by tree_id, lft) into `.replies` lists; return the top nodes.

    Each node also gets `.depth` (levels below the page's top) and `.continues` (it has replies
    deeper than the page shows: link to its permalink instead).
    """
    by_id: dict[int, Comment] = {}
    tops: list[Comment] = []
    for comment in comments:
        comment.replies = []
        comment.depth = comment.level - base_level
        comment.continues = comment.depth >= MAX_DEPTH - 1 and comment.reply_count > 0
        by_id[comment.pk] = comment
        parent = by_id.get(comment.parent_id) if comment.parent_id is not None else None
        if parent is None:
            tops.append(comment)
        else:
            parent.replies.append(comment)
    key = _SIBLING_KEYS[sort]
    for comment in by_id.values():
        if len(comment.replies) > 1:
            comment.replies.sort(key=key)
    return tops


def attach_votes(comments: Iterable[Comment], user: User | AnonymousUser) -> None:
    """Set `.my_vote` (1, -1 or 0) on each comment, in one query."""
    comments = list(comments)
    votes: dict[int, int] = {}
    if user.is_authenticated and comments:
        votes = dict(
            CommentVote.objects.filter(
                user=user, comment_id__in=[c.pk for c in comments]
            ).values_list("comment_id", "value")
        )
    for comment in comments:
        comment.my_vote = votes.get(comment.pk, 0)


@dataclass
class ThreadPage:
    page: Page[int]  # of tree ids
    comments: list[Comment]  # every comment on the page, flat
    tops: list[Comment]  # the page's top-level comments, nested


def post_thread(
    post: Post, *, sort: str, page_number: str | int | None, user: User | AnonymousUser
) -> ThreadPage:
    """A page of a post's discussion: TREES_PER_PAGE top-level comments with their replies.

    Queries: count of top-level comments, this page's tree ids, the comments (with their authors
    and the authors' hats), the viewer's votes.
    """
    roots = Comment.objects.filter(post=post, level=0).order_by(*SORTS[sort], "pk")
    page = Paginator(roots.values_list("tree_id", flat=True), TREES_PER_PAGE).get_page(page_number)
    tree_ids = list(page.object_list)
    comments = list(
        with_hats(
            Comment.objects.filter(tree_id__in=tree_ids, level__lt=MAX_DEPTH).for_thread(),
            post_field="post_id",
        )
    )
    attach_votes(comments, user)
    tops = build_forest(comments, sort=sort)
    position = {tree_id: index for index, tree_id in enumerate(tree_ids)}
    tops.sort(key=lambda c: position[c.tree_id])
    return ThreadPage(page=page, comments=comments, tops=tops)


def comment_subtree(comment: Comment, *, sort: str, user: User | AnonymousUser) -> Comment:
    """The comment with its replies down to MAX_DEPTH levels below it, nested (one query + votes)."""
    comments = list(
        with_hats(
            Comment.objects.filter(
                tree_id=comment.tree_id,
                lft__gte=comment.lft,
                rght__lte=comment.rght,
                level__lt=comment.level + MAX_DEPTH,
            ).for_thread(),
            post_field="post_id",
        )
    )
    attach_votes(comments, user)
    return build_forest(comments, sort=sort, base_level=comment.level)[0]
