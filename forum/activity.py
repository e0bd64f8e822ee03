"""A member's posts and comments, newest first, for their public page (accounts.profile_sections).

One rule for every viewer, the member and moderators included: published posts that stand, and
comments that stand in such posts. Drafts, hidden, deleted and removed content never appear.

A page costs three queries however many items the member has: a UNION ALL of (kind, pk, date)
over both tables, ordered and sliced in the database (each side read from an author-and-date
index), then the page's posts and comments. There is no COUNT over everything: the page asks for
one row more than it shows to know whether an older page exists ("Newer" / "Older" links).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.db.models import CharField, F, Q, QuerySet, Value
from django.http import HttpRequest
from django.utils.html import strip_tags
from django.utils.text import Truncator

from accounts.models import User
from accounts.profile_sections import SectionContent

from .models import Comment, ContentState, Post

PER_PAGE = 20
SNIPPET_CHARS = 200
# Only the start of a body is read for its snippet: a 40,000-character post needs no more.
SNIPPET_SOURCE_CHARS = 3_000
# Far past any member's history; keeps OFFSET inside a 64-bit integer whatever ?page= says.
MAX_PAGE = 1_000_000

Show = Literal["all", "posts", "comments"]
SHOW_CHOICES: dict[Show, str] = {"all": "All", "posts": "Posts", "comments": "Comments"}


def plain_snippet(body_html: str, length: int = SNIPPET_CHARS) -> str:
    """Plain text from sanitised HTML, for a list: tags dropped, entities decoded, whitespace
    collapsed, cut at a word. The result is text, to be escaped like any other (never safe)."""
    start = body_html[:SNIPPET_SOURCE_CHARS]
    # A cut inside a tag would leave half of it as text. In sanitised HTML every literal "<" in
    # text is &lt;, so a "<" after the last ">" opens a tag.
    if start.rfind("<") > start.rfind(">"):
        start = start[: start.rfind("<")]
    text = " ".join(html.unescape(strip_tags(start)).split())
    return Truncator(text).chars(length)


@dataclass(frozen=True)
class ActivityItem:
    kind: Literal["post", "comment"]
    date: datetime
    post: Post
    comment: Comment | None
    snippet: str
    url: str


@dataclass(frozen=True)
class ActivityPage:
    show: Show
    number: int
    items: list[ActivityItem]
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def listed_posts_by(member: User) -> QuerySet[Post]:
    return Post.objects.listed().filter(author=member)


def listed_comments_by(member: User) -> QuerySet[Comment]:
    """Comments that stand, in posts that are listed (published and standing)."""
    return Comment.objects.filter(
        Q(author=member, state=ContentState.VISIBLE)
        & Q(post__status=Post.Status.PUBLISHED, post__state=ContentState.VISIBLE)
    )


def _keys(queryset: QuerySet[Any], kind: str, date: str) -> QuerySet[Any, tuple[Any, ...]]:
    # (kind, pk, date) rows; order_by() drops each model's own ordering, which a UNION refuses.
    keys: QuerySet[Any, tuple[Any, ...]] = (
        queryset.order_by()
        .annotate(kind=Value(kind, output_field=CharField()), date=F(date))
        .values_list("kind", "pk", "date")
    )
    return keys


def _read_page(member: User, show: Show, number: int) -> tuple[list[tuple[str, int]], bool]:
    parts = []
    if show in ("all", "posts"):
        parts.append(_keys(listed_posts_by(member), "post", "published_at"))
    if show in ("all", "comments"):
        parts.append(_keys(listed_comments_by(member), "comment", "created_at"))
    keys = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    start = (number - 1) * PER_PAGE
    # One more than a page: whether there is an older page, without counting.
    rows = list(keys.order_by("-date", "kind", "-pk")[start : start + PER_PAGE + 1])
    return [(kind, pk) for kind, pk, _date in rows[:PER_PAGE]], len(rows) > PER_PAGE


def _last_page(member: User, show: Show) -> int:
    total = 0
    if show in ("all", "posts"):
        total += listed_posts_by(member).count()
    if show in ("all", "comments"):
        total += listed_comments_by(member).count()
    return max(1, -(-total // PER_PAGE))


def activity_page(member: User, *, show: Show, number: int) -> ActivityPage:
    """The page `number` of the member's activity. A page past the end is the last page (the
    only case that counts: a stale or made-up link)."""
    keys, has_next = _read_page(member, show, number)
    if not keys and number > 1:
        number = _last_page(member, show)
        keys, has_next = _read_page(member, show, number)
    post_ids = [pk for kind, pk in keys if kind == "post"]
    comment_ids = [pk for kind, pk in keys if kind == "comment"]
    # Read again with the same rules: something removed since the first query stays out.
    posts = (
        listed_posts_by(member).select_related("section").defer("body").in_bulk(post_ids)
        if post_ids
        else {}
    )
    comments = (
        listed_comments_by(member)
        .select_related("post")
        .defer("body", "post__body", "post__body_html")
        .in_bulk(comment_ids)
        if comment_ids
        else {}
    )
    items = []
    for kind, pk in keys:
        if kind == "post" and pk in posts:
            post = posts[pk]
            items.append(
                ActivityItem(
                    kind="post",
                    date=post.published_at or post.created_at,
                    post=post,
                    comment=None,
                    snippet=plain_snippet(post.body_html),
                    url=post.get_absolute_url(),
                )
            )
        elif kind == "comment" and pk in comments:
            comment = comments[pk]
            items.append(
                ActivityItem(
                    kind="comment",
                    date=comment.created_at,
                    post=comment.post,
                    comment=comment,
                    snippet=plain_snippet(comment.body_html),
                    url=comment.get_absolute_url(),
                )
            )
    return ActivityPage(show=show, number=number, items=items, has_next=has_next)


def clean_show(value: str | None) -> Show:
    for show in SHOW_CHOICES:
        if value == show:
            return show
    return "all"


def clean_page_number(value: str | None) -> int:
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def profile_activity(request: HttpRequest, member: User) -> SectionContent | None:
    """The member's page's "Posts and comments" part (registered in forum.apps)."""
    show = clean_show(request.GET.get("show"))
    page = activity_page(member, show=show, number=clean_page_number(request.GET.get("page")))
    if not page.items and show == "all":
        return None  # nothing written yet, or nothing that still stands
    return SectionContent(
        template="forum/_profile_activity.html",
        context={"activity": page, "show_choices": SHOW_CHOICES},
    )
