"""Bulk-create whole comment trees with their MPTT fields: for seeding only (the demo, the bench).

django-mptt shifts a tree's ``lft``/``rght`` on every insert, which makes thousands of comments
slow to add one by one through forum.services. Here each tree is given as plain data (nested
``TreeNode``s: a comment's field values and its replies in order), numbered in memory (tree_id,
lft, rght, level, exactly as mptt numbers a tree whose replies were each added as the last child),
and written with ``bulk_create`` in batches, level by level, so every parent has its primary key
before its replies point at it. Each root becomes a new tree; on PostgreSQL its block of tree ids is
reserved from ``forum_comment_tree_id_seq``, as forum.models.CommentManager takes them.

This is the one place outside forum.services that writes forum rows in bulk, and it is not a
service: it takes no locks, checks no rules, and keeps nothing else in step (posts' comment_count
and last_activity_at, votes, notifications are the caller's). It must not run beside live writers:
run it on a database being seeded (``manage.py demo_data``, ``make bench``), nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max

from . import pagecache
from .models import Comment

# Computed here from the nesting: a node's values must not set them.
TREE_FIELDS = frozenset({"parent", "parent_id", "tree_id", "lft", "rght", "level"})


@dataclass(eq=False, slots=True)
class TreeNode:
    """One comment to create: its Comment field values (``post_id``, ``author_id``, ``body``,
    ``body_html``, ``created_at``...) and its replies, in order (the first is the leftmost child).

    The tree fields and ``pk`` are filled in by bulk_create_trees.
    """

    values: dict[str, Any]
    children: list[TreeNode] = field(default_factory=list)
    pk: int | None = None
    parent_id: int | None = None
    tree_id: int = 0
    lft: int = 0
    rght: int = 0
    level: int = 0


def bulk_create_trees(
    roots: Sequence[TreeNode],
    *,
    order: Callable[[TreeNode], Any] | None = None,
    batch_size: int = 1000,
) -> int:
    """Create every comment of these trees; return how many were created.

    The trees get consecutive new tree ids in the order given. Rows are inserted one level at a
    time; within a level in the order of the trees given, each walked depth first, or sorted by
    ``order`` (a sort key) when one is given, which decides the order of primary keys. Afterwards
    every node holds its ``pk`` and tree fields. Memory grows with the trees passed: seed a large
    forest in several calls.
    """
    levels: list[list[TreeNode]] = []
    with transaction.atomic():
        first = reserve_tree_ids(len(roots))
        for offset, root in enumerate(roots):
            number_tree(root, first + offset, levels)
        for nodes in levels:
            if order is not None:
                nodes.sort(key=order)
            for start in range(0, len(nodes), batch_size):
                batch = nodes[start : start + batch_size]
                comments = [
                    Comment(
                        **node.values,
                        parent_id=node.parent_id,
                        tree_id=node.tree_id,
                        lft=node.lft,
                        rght=node.rght,
                        level=node.level,
                    )
                    for node in batch
                ]
                Comment.objects.bulk_create(comments, batch_size=batch_size)
                for node, comment in zip(batch, comments, strict=True):
                    node.pk = comment.pk
                    for child in node.children:
                        child.parent_id = comment.pk
        pagecache.bump_on_commit()  # bulk_create sends no signal
    return sum(len(nodes) for nodes in levels)


def number_tree(root: TreeNode, tree_id: int, levels: list[list[TreeNode]]) -> None:
    """Give one tree's nodes their tree_id, nested-set numbers (children in the order given:
    mptt's last-child insert) and level, and add each node to ``levels[level]``, depth first."""
    counter = 1
    stack: list[tuple[TreeNode, int, int]] = [(root, 0, 0)]
    while stack:  # iterative depth-first walk: (node, its level, index of the next child to visit)
        node, level, child_index = stack.pop()
        if child_index == 0:
            bad = TREE_FIELDS & node.values.keys()
            if bad:
                raise ValueError(f"tree fields are computed, not given: {sorted(bad)}")
            node.tree_id, node.lft, node.level = tree_id, counter, level
            counter += 1
            if level == len(levels):
                levels.append([])
            levels[level].append(node)
        if child_index < len(node.children):
            stack.append((node, level, child_index + 1))
            stack.append((node.children[child_index], level + 1, 0))
        else:
            node.rght = counter
            counter += 1


def reserve_tree_ids(count: int) -> int:
    """First of `count` consecutive unused tree ids, allocated the way the app allocates them."""
    highest: int = Comment.objects.aggregate(m=Max("tree_id"))["m"] or 0
    if connection.vendor != "postgresql":
        return highest + 1  # django-mptt's own rule; SQLite serialises writers
    if not count:
        return highest + 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('forum_comment_tree_id_seq')")
        first: int = max(cursor.fetchone()[0], highest + 1)  # nextval() is a bigint
        # The next nextval() returns first + count: past every id used here.
        cursor.execute("SELECT setval('forum_comment_tree_id_seq', %s, true)", [first + count - 1])
    return first
