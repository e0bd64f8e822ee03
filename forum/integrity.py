"""Comment-tree integrity: every tree checked against what a rebuild from the parent links gives.

Read only (`manage.py check_trees` reports; `--fix` calls forum.services.tree_repair). The comments
are read in one streamed query, ordered by (tree_id, lft), and checked one tree at a time, so
memory holds the largest tree, never the table. Posts' ``comment_count`` is checked in a second
query, by the database. Both take a database alias (the backup drill checks a restored copy).

What a rebuild gives (django-mptt's ``partial_rebuild``): each tree numbered depth first from its
root by the parent links, children in their current ``lft`` order (ties by primary key), ``lft``
from 1, ``level`` 0 at the root. A defect is any comment whose ``lft``, ``rght`` or ``level``
differs from that; a tree with no root or several (one tree id shared, perhaps across posts); a
comment whose parent is in another tree, on another post, or missing; and comments that never
reach a root (a cycle of parent links, or under one). ``comment_count`` counts every comment of
a post, whatever its state: forum.services only ever adds to it (deleted and removed comments stay
as placeholders and keep counting).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, F, Q

from .models import Comment, Post

CHUNK_SIZE = 2000
# Per tree, at most this many "numbered wrong" lines; the rest are counted in one more line.
NUMBERING_LINES_PER_TREE = 10

# (pk, tree_id, lft, rght, level, parent_id, post_id, the parent's tree_id, the parent's post_id)
Row = tuple[int, int, int, int, int, int | None, int, int | None, int | None]


@dataclass(frozen=True, slots=True)
class Defect:
    """One thing wrong. ``tree_id`` names the tree that --fix rebuilds (None: a post's count);
    ``post_id`` the post whose comment_count is recomputed."""

    message: str
    tree_id: int | None = None
    post_id: int | None = None


@dataclass(slots=True)
class Totals:
    trees: int = 0
    comments: int = 0
    posts: int = 0


def tree_rows(
    using: str = DEFAULT_DB_ALIAS, tree_ids: Iterable[int] | None = None
) -> Iterator[Row]:
    """Every comment's tree fields, in (tree_id, lft, pk) order, streamed in chunks."""
    comments = Comment.objects.using(using).all()
    if tree_ids is not None:
        comments = comments.filter(tree_id__in=list(tree_ids))
    rows = comments.order_by("tree_id", "lft", "pk").values_list(
        "pk",
        "tree_id",
        "lft",
        "rght",
        "level",
        "parent_id",
        "post_id",
        "parent__tree_id",
        "parent__post_id",
    )
    return rows.iterator(chunk_size=CHUNK_SIZE)


def tree_defects(rows: list[Row]) -> list[Defect]:
    """What is wrong with one tree (its rows in lft order), against a rebuild from its parent links."""
    tree_id = rows[0][1]
    found: list[Defect] = []
    by_pk = {row[0]: row for row in rows}
    children: dict[int, list[int]] = defaultdict(list)
    roots: list[int] = []
    strays: list[int] = []  # parent outside this tree: a rebuild of it leaves them out
    for pk, _tree, _lft, _rght, _level, parent_id, post_id, parent_tree, parent_post in rows:
        if parent_id is None:
            roots.append(pk)
        elif parent_id in by_pk:
            children[parent_id].append(pk)  # rows come in lft order: the order mptt keeps
            if by_pk[parent_id][6] != post_id:
                found.append(
                    Defect(
                        f"tree {tree_id}: comment {pk} (post {post_id}) has its parent {parent_id} "
                        f"on post {by_pk[parent_id][6]}",
                        tree_id,
                        post_id,
                    )
                )
        else:
            strays.append(pk)
            if parent_tree is None:
                where = "which does not exist"
            else:
                where = f"in tree {parent_tree}"
                if parent_post != post_id:
                    where += f", on post {parent_post} (this comment is on post {post_id})"
            found.append(
                Defect(f"tree {tree_id}: comment {pk} has its parent {parent_id} {where}", tree_id)
            )
    if not roots:
        found.append(Defect(f"tree {tree_id} has no root comment", tree_id))
    elif len(roots) > 1:
        posts = sorted({by_pk[pk][6] for pk in roots})
        shared = f", shared by posts {posts}" if len(posts) > 1 else ""
        found.append(Defect(f"tree {tree_id} has {len(roots)} roots {roots}{shared}", tree_id))

    # Number every root's tree (an extra root becomes a tree of its own: numbered from 1), and
    # walk the strays' subtrees only to tell them apart from cycles.
    expected: dict[int, tuple[int, int, int]] = {}
    seen: set[int] = set()
    for pk in roots:
        _number(pk, children, expected, seen)
    for pk in strays:
        _number(pk, children, {}, seen)
    wrong = 0
    for pk, _tree, lft, rght, level, *_ in rows:
        if pk not in seen:
            found.append(
                Defect(
                    f"tree {tree_id}: comment {pk} never reaches a root (a cycle of parent links)",
                    tree_id,
                )
            )
            continue
        if pk not in expected or expected[pk] == (lft, rght, level):
            continue
        wrong += 1
        if wrong <= NUMBERING_LINES_PER_TREE:
            want = dict(zip(("lft", "rght", "level"), expected[pk], strict=True))
            have = {"lft": lft, "rght": rght, "level": level}
            diffs = ", ".join(
                f"{name} {have[name]} (a rebuild gives {want[name]})"
                for name in ("lft", "rght", "level")
                if have[name] != want[name]
            )
            found.append(Defect(f"tree {tree_id}: comment {pk}: {diffs}", tree_id))
    if wrong > NUMBERING_LINES_PER_TREE:
        more = wrong - NUMBERING_LINES_PER_TREE
        found.append(Defect(f"tree {tree_id}: and {more} more comments numbered wrong", tree_id))
    return found


def _number(
    root: int,
    children: dict[int, list[int]],
    expected: dict[int, tuple[int, int, int]],
    seen: set[int],
) -> None:
    """Nested-set numbers of root's subtree (as mptt's rebuild gives them), iteratively: a thread
    may be thousands deep."""
    counter = 1
    lfts: dict[int, int] = {}
    stack: list[tuple[int, int, int]] = [(root, 0, 0)]  # (node, level, next child's index)
    while stack:
        pk, level, index = stack.pop()
        if index == 0:
            seen.add(pk)
            lfts[pk] = counter
            counter += 1
        kids = children.get(pk, [])
        if index < len(kids):
            stack.append((pk, level, index + 1))
            if kids[index] not in seen:  # a cycle through a root can't loop for ever
                stack.append((kids[index], level + 1, 0))
        else:
            expected[pk] = (lfts[pk], counter, level)
            counter += 1


def count_defects(using: str = DEFAULT_DB_ALIAS) -> Iterator[Defect]:
    """Posts whose comment_count isn't the number of their comments (every state counts)."""
    wrong = (
        Post.objects.using(using)
        .order_by("pk")
        .values("pk")
        .annotate(actual=Count("comments"))
        .filter(~Q(comment_count=F("actual")))
        .values_list("pk", "comment_count", "actual")
    )
    for pk, stored, actual in wrong.iterator(chunk_size=CHUNK_SIZE):
        yield Defect(f"post {pk}: comment_count is {stored}, it has {actual} comments", post_id=pk)


def forest_defects(
    using: str = DEFAULT_DB_ALIAS,
    totals: Totals | None = None,
    tree_ids: Iterable[int] | None = None,
) -> Iterator[Defect]:
    """Every defect of every comment tree, then of posts' comment counts, as they are found.
    ``totals`` (if given) is filled in with what was checked. ``tree_ids`` limits the trees."""
    totals = totals if totals is not None else Totals()
    for _tree_id, group in groupby(tree_rows(using, tree_ids), key=itemgetter(1)):
        rows = list(group)
        totals.trees += 1
        totals.comments += len(rows)
        yield from tree_defects(rows)
    if tree_ids is None:
        totals.posts = Post.objects.using(using).count()
        yield from count_defects(using)
