"""In-process measurements: pages through Django's test client, reply inserts, search.

Pages: queries (CaptureQueriesContext), HTML size, comments shown (distinct id="c<pk>"), p50/p95
over --runs requests. Reply inserts: forum.services.comment_create into threads of each size, in a
transaction rolled back each time. Search: forum.search.search() itself.
"""

from __future__ import annotations

import functools
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from .seed import Seeded

COMMENT_ID = re.compile(r'id="c(\d+)"')
SEARCH_QUERIES = ["party finances", "treasurer accounts", '"branch meeting" or union']
POSTS_PER_PAGE = 25  # forum.views.POSTS_PER_PAGE


@dataclass
class Page:
    name: str
    url: str
    kind: str  # list | discussion | campaign | search
    user: str  # anonymous | member
    status: int = 0
    queries: int = 0
    kb: float = 0.0
    comments: int = 0
    p50: float = 0.0
    p95: float = 0.0
    # Over HTTP (load.py): requests per second, latency percentiles, non-2xx answers.
    rps: float | None = None
    http_p50: float | None = None
    http_p99: float | None = None
    http_errors: int = 0


@dataclass
class Reply:
    existing: int
    parent: str  # "post" (a new top-level comment), "comment" or "biggest tree"
    tree_size: int
    p50: float
    p95: float
    queries: int


@dataclass
class SearchTime:
    query: str
    sort: str
    results: int
    p50: float


@dataclass
class Measured:
    pages: list[Page] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    search: list[SearchTime] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def timed(work: Callable[[], object], runs: int, warm: int = 2) -> list[float]:
    for _ in range(warm):
        work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


class _MoreReplies(HTMLParser):
    """The first <a class="more-replies" href="..."> of a page (the thread rewrite's branch link)."""

    def __init__(self) -> None:
        super().__init__()
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a" or self.href is not None:
            return
        values = dict(attrs)
        if "more-replies" in (values.get("class") or "").split() and values.get("href"):
            self.href = values["href"]


def branch_url(html: str) -> tuple[str | None, str]:
    """The page's first "N more replies" link; else the permalink of its first comment (today's
    threads have no such link). Returns (url, how it was found)."""
    finder = _MoreReplies()
    finder.feed(html)
    if finder.href:
        return finder.href, "more-replies link"
    first = COMMENT_ID.search(html)
    if first:
        return f"/c/{first.group(1)}/", "first comment's permalink"
    return None, "no comments"


def page_specs(seeded: Seeded, deep_page: int) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """(name, url, kind) of every page measured, and how each branch page was found."""
    from django.test import Client

    from forum.models import Post

    posts = {name: Post.objects.get(pk=pk) for name, pk in seeded.posts.items()}
    specs = [
        ("index p1", "/", "list"),
        (f"index deep page (p{deep_page})", f"/?page={deep_page}", "list"),
        ("small post", posts["small"].get_absolute_url(), "discussion"),
    ]
    found: dict[str, str] = {}
    anonymous = Client()
    for name in ("big", "huge", "wide", "deep"):
        url = posts[name].get_absolute_url()
        label = f"{name} thread ({posts[name].comment_count:,})"
        specs.append((label, url, "discussion"))
        if name == "deep":
            continue  # the deep thread is one branch: its page is the test
        response = anonymous.get(url)
        branch, how = branch_url(response.content.decode())
        if branch:
            specs.append((f"{name} branch", branch, "discussion"))
            found[f"{name} branch"] = f"{branch} ({how})"
    if seeded.campaigns:
        specs.append(("campaign page", f"/campaigns/{seeded.campaigns[0]}/", "campaign"))
    specs.append(("campaign list", "/campaigns/", "list"))
    specs.append(("search page", "/search/?q=party+finances", "search"))
    return specs, found


def measure_pages(
    specs: list[tuple[str, str, str]], member_client: Any, runs: int, progress: Any
) -> list[Page]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {"anonymous": Client(), "member": member_client}
    pages = []
    for name, url, kind in specs:
        for user, client in clients.items():
            page = Page(name=name, url=url, kind=kind, user=user)
            response = client.get(url)
            page.status = response.status_code
            html = response.content
            page.kb = len(html) / 1024
            page.comments = len(set(COMMENT_ID.findall(html.decode(errors="replace"))))
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            page.queries = len(queries.captured_queries)
            times = timed(functools.partial(client.get, url), runs)
            page.p50, page.p95 = statistics.median(times), percentile(times, 0.95)
            pages.append(page)
            progress.advance(1)
    return pages


# Reply inserts ----------------------------------------------------------------------------------

# Transaction control, not queries: BEGIN/ROLLBACK of the outer transaction, savepoints.
TRANSACTION_SQL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b", re.I)


REPLY_TREE = 50  # "a comment": in a tree of about this many comments, whatever the thread's size


def measure_replies(seeded: Seeded, sizes: tuple[int, ...], runs: int) -> list[Reply]:
    """comment_create as a reply to each thread, rolled back each time (the thread stays its size).

    Into a thread of N comments: a new top-level comment (parent "post"); a reply to the first
    reply of a tree of about REPLY_TREE comments ("comment": the same tree whatever N, so only the
    thread's size changes); and to the first reply of the thread's biggest tree ("biggest tree",
    the insert that shifts the most lft/rght). The member already follows the thread (a
    rolled-back reply would otherwise insert the Follow row every time). The targets take turns,
    run by run, so the machine's noise falls on all alike. Queries are counted without
    transaction control (BEGIN, savepoints, ROLLBACK).
    """
    from django.db import connection, transaction
    from django.db.models import F, Func
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from forum.models import Comment, Follow, Post
    from forum.services import comment_create

    actor = User.objects.get(username=seeded.member)
    targets: list[tuple[int, str, Post, Comment | None, int]] = []
    for size in sizes:
        post = Post.objects.get(pk=seeded.posts[f"reply-{size}"])
        Follow.objects.get_or_create(post=post, user=actor)
        targets.append((size, "post", post, None, 0))
        roots = Comment.objects.filter(post=post, level=0, rght__gt=2)
        tree_size = (F("rght") - F("lft") + 1) / 2
        near = roots.order_by(Func(tree_size - REPLY_TREE, function="ABS"), "pk").first()
        biggest = roots.order_by((F("lft") - F("rght")).asc(), "pk").first()
        for kind, root in (("comment", near), ("biggest tree", biggest)):
            if root is None:
                continue
            first_reply = Comment.objects.get(tree_id=root.tree_id, lft=root.lft + 1)
            targets.append((size, kind, post, first_reply, (root.rght - root.lft + 1) // 2))
    counter = [0]

    def reply(post: Post, parent: Comment | None) -> None:
        counter[0] += 1
        with transaction.atomic():
            comment_create(post=post, actor=actor, body=f"Bench reply {counter[0]}", parent=parent)
            transaction.set_rollback(True)

    queries: list[int] = []
    for _, _, post, parent, _ in targets:
        with CaptureQueriesContext(connection) as captured:
            reply(post, parent)
        queries.append(
            sum(1 for q in captured.captured_queries if not TRANSACTION_SQL.match(q["sql"]))
        )
        reply(post, parent)  # warm
    times: list[list[float]] = [[] for _ in targets]
    for _ in range(runs):
        for index, (_, _, post, parent, _) in enumerate(targets):
            started = time.perf_counter()
            reply(post, parent)
            times[index].append((time.perf_counter() - started) * 1000)
    return [
        Reply(
            existing=size,
            parent=kind,
            tree_size=tree_size,
            p50=statistics.median(taken),
            p95=percentile(taken, 0.95),
            queries=count,
        )
        for (size, kind, _, _, tree_size), taken, count in zip(targets, times, queries, strict=True)
    ]


def measure_search(runs: int) -> list[SearchTime]:
    from forum.search import Filters, search

    results = []
    for query in SEARCH_QUERIES:
        for sort in ("relevance", "newest"):
            count = search(query, Filters(), sort=sort).count
            times = timed(functools.partial(search, query, Filters(), sort=sort), runs)
            results.append(SearchTime(query, sort, count, statistics.median(times)))
    return results
