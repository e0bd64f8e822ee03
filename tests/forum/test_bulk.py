"""forum.bulk writes whole comment trees that django-mptt would have built: the numbering a rebuild
computes from the parent links, the nesting given, tree ids that never meet the app's."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from forum.bulk import TreeNode, bulk_create_trees
from forum.models import Comment
from tests.forum import factories

pytestmark = pytest.mark.django_db

ROW = ("pk", "post_id", "parent_id", "tree_id", "lft", "rght", "level")


class Forest:
    """Comment values for trees of a given shape, with distinct bodies and rising times."""

    def __init__(self, author):
        self.author = author
        self.serial = 0
        self.start = timezone.now() - timedelta(days=1)

    def node(self, post, children=()) -> TreeNode:
        self.serial += 1
        body = f"Comment {self.serial}"
        values = {
            "post_id": post.pk,
            "author_id": self.author.pk,
            "body": body,
            "body_html": f"<p>{body}</p>",
            "created_at": self.start + timedelta(seconds=self.serial),
        }
        return TreeNode(values, list(children))

    def chain(self, post, depth: int) -> TreeNode:
        node = self.node(post)
        for _ in range(depth - 1):
            node = self.node(post, [node])
        return node

    def full(self, post, depth: int, fan: int) -> TreeNode:
        children = [] if depth == 1 else [self.full(post, depth - 1, fan) for _ in range(fan)]
        return self.node(post, children)

    def random(self, post, size: int, seed: int) -> TreeNode:
        rng = random.Random(seed)
        nodes = [self.node(post)]
        for _ in range(size - 1):
            child = self.node(post)
            rng.choice(nodes).children.append(child)
            nodes.append(child)
        return nodes[0]


def walk(node: TreeNode):
    yield node
    for child in node.children:
        yield from walk(child)


def expected_rows(roots: list[TreeNode], first_tree_id: int) -> dict[int, tuple]:
    """(post, parent, tree_id, lft, rght, level) per pk, numbered recursively from the nesting."""
    rows = {}

    def number(node, parent, tree_id, left, level) -> int:
        right = left + 1
        for child in node.children:
            right = number(child, node, tree_id, right, level + 1) + 1
        parent_pk = parent.pk if parent is not None else None
        rows[node.pk] = (node.values["post_id"], parent_pk, tree_id, left, right, level)
        return right

    for offset, root in enumerate(roots):
        number(root, None, first_tree_id + offset, 1, 0)
    return rows


def stored_rows() -> dict[int, tuple]:
    return {row[0]: row[1:] for row in Comment.objects.values_list(*ROW)}


def nested_set_defects(rows: dict[int, tuple]) -> list[str]:
    """The nested-set invariants, from the stored rows alone."""
    defects = []
    trees = defaultdict(list)
    children = defaultdict(list)
    for pk, (_post, parent, tree_id, _lft, _rght, _level) in rows.items():
        trees[tree_id].append(pk)
        if parent is not None:
            children[parent].append(pk)
    for tree_id, pks in trees.items():
        edges = sorted(value for pk in pks for value in rows[pk][3:5])
        if edges != list(range(1, 2 * len(pks) + 1)):
            defects.append(f"tree {tree_id}: lft/rght are not 1..2n")
        roots = [pk for pk in pks if rows[pk][1] is None]
        if len(roots) != 1 or rows[roots[0]][3:] != (1, 2 * len(pks), 0):
            defects.append(f"tree {tree_id}: not one root spanning 1..2n at level 0")

    def size(pk: int) -> int:
        return 1 + sum(size(child) for child in children[pk])

    for pk, (post, parent, tree_id, lft, rght, level) in rows.items():
        if rght - lft + 1 != 2 * size(pk):
            defects.append(f"comment {pk}: interval does not hold exactly its descendants")
        if parent is not None:
            p_post, _, p_tree, p_lft, p_rght, p_level = rows[parent]
            if (p_post, p_tree, p_level + 1) != (post, tree_id, level):
                defects.append(f"comment {pk}: not in its parent's post and tree one level down")
            if not p_lft < lft < rght < p_rght:
                defects.append(f"comment {pk}: outside its parent's interval")
    return defects


@pytest.fixture
def posts(member):
    return [
        factories.post(member, title="Open the books"),
        factories.post(member, title="Branch meeting", section_slug="branch-life"),
    ]


@pytest.fixture
def forest(other_member):
    return Forest(other_member)


def shapes(forest: Forest, posts) -> list[TreeNode]:
    one, two = posts
    return [
        forest.node(one),  # a lone top-level comment
        forest.chain(one, 12),  # the deepest thread the app shows
        forest.node(two, [forest.node(two) for _ in range(40)]),  # one comment, forty replies
        forest.full(two, 4, 3),  # every branch three wide, four deep
        forest.random(one, 300, seed=1),
        forest.node(two, [forest.chain(two, 3), forest.node(two), forest.full(two, 3, 2)]),
        forest.random(two, 120, seed=2),
    ]


@pytest.mark.parametrize("batch_size", [1000, 7])
def test_trees_are_numbered_as_given_and_as_a_rebuild_numbers_them(posts, forest, batch_size):
    roots = shapes(forest, posts)
    given = sum(len(list(walk(root))) for root in roots)

    assert bulk_create_trees(roots, batch_size=batch_size) == given
    rows = stored_rows()
    assert len(rows) == given
    first = roots[0].tree_id
    # Each tree as given: parents, replies in the order given (left to right), tree ids in order.
    assert rows == expected_rows(roots, first)
    assert nested_set_defects(rows) == []
    for root in roots:
        for node in walk(root):
            assert rows[node.pk][2:] == (node.tree_id, node.lft, node.rght, node.level)
            replies = sorted(
                (pk for pk, row in rows.items() if row[1] == node.pk), key=lambda pk: rows[pk][3]
            )
            assert replies == [child.pk for child in node.children]

    # django-mptt's rebuild from the parent links changes nothing but renumbering trees from 1.
    Comment.objects.rebuild()
    rebuilt = stored_rows()
    for pk, (post, parent, tree_id, lft, rght, level) in rows.items():
        assert rebuilt[pk] == (post, parent, tree_id - first + 1, lft, rght, level)


def test_parents_are_saved_before_their_replies(posts, forest):
    roots = shapes(forest, posts)
    bulk_create_trees(roots, batch_size=5)
    for root in roots:
        for node in walk(root):
            assert all(node.pk < child.pk for child in node.children)


def test_each_level_is_saved_in_the_order_asked_for(posts, forest):
    one, two = posts
    early, late = forest.node(two), forest.node(one)
    roots = [forest.node(one, [late]), forest.node(two, [early])]

    bulk_create_trees(roots, order=lambda t: t.values["created_at"])
    assert roots[0].pk < roots[1].pk
    assert early.pk < late.pk  # the second tree's reply was written first
    # The tree ids still follow the order the trees were given in.
    assert roots[1].tree_id == roots[0].tree_id + 1


def test_by_default_each_level_is_saved_tree_by_tree(posts, forest):
    one, two = posts
    early, late = forest.node(two), forest.node(one)
    roots = [forest.node(one, [late]), forest.node(two, [early])]

    bulk_create_trees(roots)
    assert late.pk < early.pk


def test_tree_ids_never_meet_the_apps(posts, forest, member):
    one, _ = posts
    before = factories.comment(one, member)  # a tree the app made

    roots = [forest.chain(one, 3), forest.node(one), forest.full(one, 2, 2)]
    bulk_create_trees(roots)
    after = factories.comment(one, member)  # the app's next new tree

    ids = [root.tree_id for root in roots]
    assert ids == list(range(ids[0], ids[0] + 3))
    assert before.tree_id < ids[0] and after.tree_id > ids[-1]
    assert nested_set_defects(stored_rows()) == []


def test_replies_the_app_adds_to_a_bulk_tree_keep_it_valid(posts, forest, member):
    one, _ = posts
    root = forest.full(one, 3, 2)
    bulk_create_trees([root])
    middle = Comment.objects.get(pk=root.children[0].pk)
    factories.comment(one, member, parent=middle)
    factories.comment(one, member, parent=Comment.objects.get(pk=root.pk))
    assert nested_set_defects(stored_rows()) == []


def test_values_may_not_set_tree_fields(posts, forest):
    one, _ = posts
    bad = forest.node(one)
    bad.values["lft"] = 1
    with pytest.raises(ValueError, match="lft"):
        bulk_create_trees([forest.node(one), forest.node(one, [bad])])
    assert not Comment.objects.exists()


def test_no_trees_write_nothing():
    assert bulk_create_trees([]) == 0
    assert not Comment.objects.exists()
