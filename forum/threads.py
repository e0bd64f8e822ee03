"""Reading comment threads: bounded pages that still read like a conversation.

A page of a discussion holds at most COMMENTS_PER_PAGE comments whatever the thread's shape
(Reddit's way, not a whole thread per page):

- The page's *top* is a run of siblings in the chosen order: a post's top-level comments, or on a
  comment's own page (its permalink, or a branch page) that comment's replies. At most
  SIBLINGS_PER_PAGE of them; "Next page" continues after the last one shown.
- Below each, replies are chosen breadth first: every comment shown may bring its first few
  replies in sort order (REPLIES_SHOWN by depth), level by level, until the page's budget is
  spent. So every top-level comment gets its best replies before anyone's deep chain does, and
  one top-level comment with 1,700 replies fills one page, not the whole thread.
- A comment whose replies are not all shown ends with "N more replies", a link to a branch page:
  that comment's page, continuing after the last reply shown (``?after=<pk>``). Below
  MAX_DEPTH levels, "Continue this thread" links to the comment's own page.

Stable ordering keys: a page continues *after a comment* (its pk, looked up for its current sort
keys), never at an offset, so comments written between two page loads don't shift the next page
by one (no comment seen twice or skipped because another arrived). Every order ends on the
primary key, so ties are total. (In Best and Top a vote can still move a comment across the
point a page continues from; no order that follows votes can avoid that without a snapshot.)

Queries are bounded by the depth, not the data: the top (the anchor first, when continuing), one
per level of replies (a window function picks each parent's first replies), then the chosen
comments with their authors and hats, and the viewer's votes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import F, OrderBy, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from .hats import with_hats
from .models import Comment, CommentVote, Post

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

MAX_DEPTH = 10  # levels shown on one page; deeper branches continue on a comment's own page
SIBLINGS_PER_PAGE = 50
# First replies each comment brings, by its replies' depth below the page's top (deeper: the last).
REPLIES_SHOWN = (10, 5, 3)

SORTS: dict[str, tuple[str, ...]] = {
    "best": ("-confidence", "-score", "created_at", "pk"),
    "top": ("-score", "created_at", "pk"),
    "new": ("-created_at", "-pk"),
    "old": ("created_at", "pk"),
}
SORT_LABELS = {"best": "Best", "top": "Top", "new": "Newest", "old": "Oldest"}
DEFAULT_SORT = "best"

# What choosing needs of a comment; the text and author come later, for the chosen ones only.
_SKELETON = (
    "pk",
    "parent_id",
    "tree_id",
    "level",
    "lft",
    "rght",
    "confidence",
    "score",
    "created_at",
)

# The same orders in Python, for replies sorted in memory (when a page's trees fit whole).
_SIBLING_KEYS: dict[str, Callable[[Node], tuple[float | datetime | int, ...]]] = {
    "best": lambda n: (-n.confidence, -n.score, n.created_at, n.pk),
    "top": lambda n: (-n.score, n.created_at, n.pk),
    "new": lambda n: (-n.created_at.timestamp(), -n.pk),
    "old": lambda n: (n.created_at, n.pk),
}


def comments_per_page() -> int:
    return max(1, int(settings.THREAD_PAGE_COMMENTS))


def clean_sort(value: str | None) -> str:
    return value if value in SORTS else DEFAULT_SORT


def clean_pk(value: str | None) -> int | None:
    """A positive integer from a query string, or None (anything else is ignored)."""
    if value and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _order(sort: str) -> list[OrderBy]:
    return [F(key[1:]).desc() if key.startswith("-") else F(key).asc() for key in SORTS[sort]]


def _after(sort: str, anchor: dict[str, Any]) -> Q:
    """Rows that come after `anchor` in `sort` order (keyset: (a, b, c) > (a0, b0, c0), each key
    in its own direction)."""
    condition = Q()
    equal_so_far = Q()
    for key in SORTS[sort]:
        name = key.lstrip("-")
        beyond = Q(**{f"{name}__lt" if key.startswith("-") else f"{name}__gt": anchor[name]})
        condition |= equal_so_far & beyond
        equal_so_far &= Q(**{name: anchor[name]})
    return condition


@dataclass(eq=False)
class Node:
    """One comment's place on a page (choosing works on these before any comment is loaded)."""

    pk: int
    parent_id: int | None
    tree_id: int
    level: int
    lft: int
    rght: int
    confidence: float
    score: int
    created_at: datetime
    depth: int = 0
    children: list[Node] = field(default_factory=list)

    @property
    def reply_count(self) -> int:
        return (self.rght - self.lft - 1) // 2


@dataclass
class Entry:
    """A comment as the page shows it, in reading order."""

    comment: Comment
    depth: int  # levels below the page's top (0 = the top)
    shown_children: int  # replies shown right below it
    more: int  # replies (all levels) under it that this page doesn't show
    more_after: int | None  # continue its replies after this reply (None: from the start)
    continues: bool  # it is as deep as a page goes: "Continue this thread"


@dataclass
class ThreadPage:
    entries: list[Entry]  # every comment on the page, in reading order
    has_next: bool  # more siblings after the page's last top comment
    next_after: int | None  # continue the top after this comment
    after: int | None  # this page continues after this comment (None: first page)
    sort: str

    @property
    def comments(self) -> list[Comment]:
        return [entry.comment for entry in self.entries]


def _skeleton(queryset: QuerySet[Comment]) -> list[Node]:
    return [Node(**row) for row in queryset.values(*_SKELETON)]


def _nest_all(tops: list[Node], below: Iterable[Node], *, sort: str, base_level: int) -> None:
    """Hang every comment of `below` under its parent among `tops` and themselves, sorted."""
    by_id = {node.pk: node for node in tops}
    for node in below:  # (tree_id, lft) order: a parent comes before its replies
        parent = by_id.get(node.parent_id or 0)
        if parent is None:
            continue
        node.depth = node.level - base_level
        parent.children.append(node)
        by_id[node.pk] = node
    key = _SIBLING_KEYS[sort]
    for node in by_id.values():
        if len(node.children) > 1:
            node.children.sort(key=key)


def _fits(tops: Sequence[Node], budget: int) -> bool:
    return sum(node.reply_count + 1 for node in tops) <= budget


def _replies_shown(depth: int) -> int:
    return REPLIES_SHOWN[min(depth, len(REPLIES_SHOWN)) - 1]


def _choose_replies(tops: list[Node], *, sort: str, budget: int, base_level: int) -> None:
    """Fill in `children` below `tops`, breadth first, spending at most `budget` comments."""
    frontier = [node for node in tops if node.reply_count]
    while frontier and budget > 0:
        depth = frontier[0].depth + 1  # a frontier is one level
        if depth >= MAX_DEPTH:
            break
        limit = _replies_shown(depth)
        by_parent: dict[int, list[Node]] = {}
        ranked = (
            Comment.objects.filter(parent_id__in=[node.pk for node in frontier])
            .annotate(
                sibling_rank=Window(
                    RowNumber(), partition_by=[F("parent_id")], order_by=_order(sort)
                )
            )
            .filter(sibling_rank__lte=limit)
            .order_by("parent_id", "sibling_rank")
        )
        for node in _skeleton(ranked):
            by_parent.setdefault(node.parent_id or 0, []).append(node)
        next_frontier = []
        for parent in frontier:  # in reading order: earlier comments' replies come first
            for child in by_parent.get(parent.pk, [])[:budget]:
                child.depth = child.level - base_level
                parent.children.append(child)
                budget -= 1
                if child.reply_count and child.depth < MAX_DEPTH - 1:
                    next_frontier.append(child)
            if budget <= 0:
                break
        frontier = next_frontier


def _entries(tops: Iterable[Node], loaded: dict[int, Comment]) -> list[Entry]:
    entries: list[Entry] = []

    def visit(node: Node) -> None:
        under_shown = sum(child.reply_count + 1 for child in node.children)
        continues = node.depth >= MAX_DEPTH - 1 and node.reply_count > 0
        entries.append(
            Entry(
                comment=loaded[node.pk],
                depth=node.depth,
                shown_children=len(node.children),
                more=0 if continues else node.reply_count - under_shown,
                more_after=node.children[-1].pk if node.children else None,
                continues=continues,
            )
        )
        for child in node.children:
            visit(child)

    for top in tops:
        visit(top)
    return entries


def _load(nodes: Sequence[Node], user: User | AnonymousUser) -> dict[int, Comment]:
    """The chosen comments with their authors and hats (one query), and the viewer's votes."""
    ids = [node.pk for node in nodes]
    comments = {
        comment.pk: comment
        for comment in with_hats(
            Comment.objects.filter(pk__in=ids).select_related("author"), post_field="post_id"
        )
    }
    attach_votes(comments.values(), user)
    return comments


def _walk(tops: Iterable[Node]) -> list[Node]:
    found: list[Node] = []
    stack = list(reversed(list(tops)))
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(reversed(node.children))
    return found


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


def _siblings(
    queryset: QuerySet[Comment], *, sort: str, after: int | None
) -> tuple[list[Node], bool, int | None]:
    """A page of siblings in `sort` order after the comment `after` (if it is one of them)."""
    used_after = None
    if after is not None:
        anchor = queryset.filter(pk=after).values(*_SKELETON).first()
        if anchor is not None:
            queryset = queryset.filter(_after(sort, anchor))
            used_after = after
    nodes = _skeleton(queryset.order_by(*SORTS[sort])[: SIBLINGS_PER_PAGE + 1])
    return nodes[:SIBLINGS_PER_PAGE], len(nodes) > SIBLINGS_PER_PAGE, used_after


def post_thread(
    post: Post, *, sort: str, after: int | None, user: User | AnonymousUser
) -> ThreadPage:
    """A page of a post's discussion: its top-level comments (after `after`) and their replies."""
    tops, has_next, used_after = _siblings(
        Comment.objects.filter(post=post, level=0), sort=sort, after=after
    )
    if not any(node.reply_count for node in tops):
        pass  # no replies to find
    elif _fits(tops, comments_per_page()):  # the whole trees, in one query
        below = Comment.objects.filter(
            tree_id__in=[node.tree_id for node in tops], level__gt=0, level__lt=MAX_DEPTH
        ).order_by("tree_id", "lft")
        _nest_all(tops, _skeleton(below), sort=sort, base_level=0)
    else:
        _choose_replies(tops, sort=sort, budget=comments_per_page() - len(tops), base_level=0)
    nodes = _walk(tops)
    loaded = _load(nodes, user)
    return ThreadPage(
        entries=_entries(tops, loaded),
        has_next=has_next,
        next_after=tops[-1].pk if has_next else None,
        after=used_after,
        sort=sort,
    )


def comment_thread(
    comment: Comment, *, sort: str, after: int | None, user: User | AnonymousUser
) -> ThreadPage:
    """A comment's own page: the comment, then a page of its replies (after `after`) with theirs.

    Its permalink (no `after`) and its branch pages ("N more replies") are both this.
    """
    top = Node(**{name: getattr(comment, name) for name in _SKELETON})
    budget = comments_per_page()
    if after is None and not top.reply_count:
        has_next, used_after = False, None
    elif after is None and _fits([top], budget):  # the whole branch, in one query
        below = Comment.objects.filter(
            tree_id=comment.tree_id,
            lft__gt=comment.lft,
            rght__lt=comment.rght,
            level__lt=comment.level + MAX_DEPTH,
        ).order_by("lft")
        _nest_all([top], _skeleton(below), sort=sort, base_level=comment.level)
        has_next, used_after = False, None
    else:
        children, has_next, used_after = _siblings(
            Comment.objects.filter(parent=comment), sort=sort, after=after
        )
        for child in children:
            child.depth = 1
        top.children = children
        _choose_replies(
            [child for child in children if child.reply_count],
            sort=sort,
            budget=budget - 1 - len(children),
            base_level=comment.level,
        )
    loaded = _load(_walk([top]), user)
    entries = _entries([top], loaded)
    # What the top's own "more" means here is the next page of its replies.
    entries[0].more = 0
    return ThreadPage(
        entries=entries,
        has_next=has_next,
        next_after=top.children[-1].pk if has_next else None,
        after=used_after,
        sort=sort,
    )
