"""`manage.py check_trees`: sound forests pass quietly; each kind of corruption, made with a raw
.update() (as a bad migration, a hand-edit or a lockless writer would leave it), is reported with
exit status 1 and nothing changed; `--fix` repairs it, and a second run is clean. The command's
queries don't grow with the number of trees."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from forum import integrity, services
from forum.models import Comment, ContentState, Post
from tests.forum.factories import comment, post

pytestmark = pytest.mark.django_db

TREE_FIELDS = ("pk", "tree_id", "lft", "rght", "level", "parent_id", "post_id")


def check(*args: str, verbosity: int = 1) -> tuple[int, str]:
    """Run the command; (exit status, what it printed)."""
    out = StringIO()
    try:
        call_command("check_trees", *args, stdout=out, verbosity=verbosity)
    except CommandError as exc:
        out.write(f"{exc}\n")
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


def snapshot() -> list[tuple]:
    return sorted(Comment.objects.values_list(*TREE_FIELDS))


def counts() -> dict[int, int]:
    return dict(Post.objects.values_list("pk", "comment_count"))


@pytest.fixture
def forum(member, other_member):
    """Two posts, each with a few trees of nested replies (one deleted, one removed)."""
    posts = [post(member, title="Open the books"), post(other_member, title="Branch rota")]
    made = {}
    for p in posts:
        root = comment(p, member)
        child = comment(p, other_member, parent=root)
        grandchild = comment(p, member, parent=child)
        comment(p, other_member, parent=root)
        second = comment(p, other_member)
        comment(p, member, parent=second)
        made[p.pk] = {"root": root, "child": child, "grandchild": grandchild, "second": second}
    # Deleted and removed comments stay as placeholders and keep counting.
    services.comment_delete(comment=made[posts[0].pk]["grandchild"], actor=member)
    Comment.objects.filter(pk=made[posts[1].pk]["second"].pk).update(state=ContentState.REMOVED)
    for named in made.values():
        for c in named.values():
            c.refresh_from_db()  # their lft/rght moved as later replies went in
    return posts, made


def test_a_sound_forum_passes_quietly(forum):
    assert check() == (0, "")
    status, out = check(verbosity=2)
    assert status == 0
    assert "check_trees: 4 trees, 12 comments, 2 posts: no defects." in out


def test_an_empty_forum_passes(db):
    assert check() == (0, "")


def test_wrong_rght_is_reported_and_nothing_changes(forum):
    posts, made = forum
    child = made[posts[0].pk]["child"]
    Comment.objects.filter(pk=child.pk).update(rght=child.rght + 4)
    before = snapshot()

    status, out = check()

    assert status == 1
    assert f"comment {child.pk}: rght {child.rght + 4} (a rebuild gives {child.rght})" in out
    assert "1 defects, in 1 trees" in out and "Nothing was changed" in out
    assert snapshot() == before
    assert check("--dry-run")[0] == 1  # the same as the default


def test_wrong_level_is_reported(forum):
    posts, made = forum
    grandchild = made[posts[1].pk]["grandchild"]
    Comment.objects.filter(pk=grandchild.pk).update(level=5)

    status, out = check()

    assert status == 1
    assert f"comment {grandchild.pk}: level 5 (a rebuild gives 2)" in out


def test_parent_in_another_tree_is_reported_and_fixed(forum):
    posts, made = forum
    p = posts[0].pk
    # The reply to "second" now claims to be under "child", which is in the other tree.
    moved = Comment.objects.get(parent=made[p]["second"])
    Comment.objects.filter(pk=moved.pk).update(parent=made[p]["child"])

    status, out = check()

    assert status == 1
    assert (
        f"tree {moved.tree_id}: comment {moved.pk} has its parent {made[p]['child'].pk} "
        f"in tree {made[p]['root'].tree_id}"
    ) in out
    status, out = check("--fix")
    assert status == 0, out
    assert "every tree and count is sound now" in out
    moved.refresh_from_db()
    assert moved.tree_id == made[p]["root"].tree_id and moved.level == 2
    assert check() == (0, "")
    assert counts()[p] == 6


def test_a_tree_id_shared_across_posts_is_reported_and_split(forum):
    posts, made = forum
    first, second = (made[p.pk]["second"] for p in posts)
    # Both posts' second trees under one id (what mptt's racy max(tree_id) + 1 can do).
    Comment.objects.filter(tree_id=second.tree_id).update(tree_id=first.tree_id)

    status, out = check()

    assert status == 1
    assert f"tree {first.tree_id} has 2 roots" in out
    assert f"shared by posts [{posts[0].pk}, {posts[1].pk}]" in out
    assert check("--fix")[0] == 0
    assert check() == (0, "")
    trees = {
        root.post_id: root.tree_id for root in Comment.objects.filter(pk__in=[first.pk, second.pk])
    }
    assert len(set(trees.values())) == 2


def test_a_cycle_is_reported_and_left_for_a_person(forum):
    posts, made = forum
    p = posts[0].pk
    # root -> child -> grandchild; make child's parent the grandchild.
    Comment.objects.filter(pk=made[p]["child"].pk).update(parent=made[p]["grandchild"])

    status, out = check()

    assert status == 1
    assert f"comment {made[p]['child'].pk} never reaches a root" in out
    assert f"comment {made[p]['grandchild'].pk} never reaches a root" in out
    status, out = check("--fix")
    assert status == 1
    assert "need a person" in out
    assert f"after --fix: tree {made[p]['root'].tree_id}: comment" in out


def test_a_parent_on_another_post_is_reported(forum):
    posts, made = forum
    stray = made[posts[1].pk]["child"]
    Comment.objects.filter(pk=stray.pk).update(post=posts[0])

    status, out = check()

    assert status == 1
    assert f"comment {stray.pk} (post {posts[0].pk}) has its parent" in out
    assert f"on post {posts[1].pk}" in out
    # And both posts' counts are now off by one.
    assert f"post {posts[0].pk}: comment_count is 6, it has 7 comments" in out
    assert f"post {posts[1].pk}: comment_count is 6, it has 5 comments" in out


def test_a_wrong_comment_count_is_reported_and_fixed(forum):
    posts, _ = forum
    Post.objects.filter(pk=posts[1].pk).update(comment_count=2)
    before = snapshot()

    status, out = check()

    assert status == 1
    assert f"post {posts[1].pk}: comment_count is 2, it has 6 comments" in out
    assert "in 0 trees and 1 posts' comment counts" in out
    status, out = check("--fix")
    assert status == 0, out
    assert counts() == {posts[0].pk: 6, posts[1].pk: 6}
    assert snapshot() == before  # no tree was touched
    assert check() == (0, "")


def test_fix_repairs_several_defects_at_once(forum):
    posts, made = forum
    sound = snapshot()
    for p in posts:
        Comment.objects.filter(pk=made[p.pk]["child"].pk).update(rght=99, level=7)
        Comment.objects.filter(pk=made[p.pk]["root"].pk).update(lft=0)
    Post.objects.filter(pk=posts[0].pk).update(comment_count=0)

    status, out = check("--fix")

    assert status == 0, out
    assert snapshot() == sound
    assert counts() == {posts[0].pk: 6, posts[1].pk: 6}


def test_verbosity_zero_prints_nothing_but_still_fails(forum):
    posts, made = forum
    Comment.objects.filter(pk=made[posts[0].pk]["root"].pk).update(rght=1000)
    out = StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("check_trees", stdout=out, verbosity=0)
    assert failed.value.returncode == 1
    assert out.getvalue() == ""


def test_many_wrong_numbers_in_one_tree_are_summarised(member):
    p = post(member)
    parent = comment(p, member)
    for _ in range(integrity.NUMBERING_LINES_PER_TREE + 5):
        comment(p, member, parent=parent)
    Comment.objects.filter(post=p, level=1).update(level=3)

    status, out = check()

    assert status == 1
    assert out.count("level 3 (a rebuild gives 1)") == integrity.NUMBERING_LINES_PER_TREE
    assert f"tree {parent.tree_id}: and 5 more comments numbered wrong" in out


def forest_of(member, trees: int) -> None:
    p = post(member, title=f"A post with {trees} trees")
    for _ in range(trees):
        root = comment(p, member)
        comment(p, member, parent=comment(p, member, parent=root))


@pytest.mark.parametrize("trees", [5, 50])
def test_queries_do_not_grow_with_the_trees(member, trees, django_assert_max_num_queries):
    forest_of(member, trees)
    # Two queries: the comments, streamed, and the posts' counts (and the posts' total).
    with django_assert_max_num_queries(3):
        assert check(verbosity=2)[0] == 0
