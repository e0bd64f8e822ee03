"""A reply costs the same few queries however big the thread it goes into."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum import services
from forum.bulk import TreeNode, bulk_create_trees
from forum.models import Comment, Follow

from . import factories

pytestmark = pytest.mark.django_db
TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|SAVEPOINT|RELEASE SAVEPOINT)\b")


def _bushy(post, author, n):
    def node(body, children=()):
        values = {"post_id": post.pk, "author_id": author.pk, "body": body, "body_html": ""}
        return TreeNode(values=values, children=list(children))

    return node("root", [node(f"r{i}") for i in range(n)])


@pytest.mark.parametrize("existing", [0, 2000])
def test_a_reply_takes_eight_queries_with_rate_limits_on(
    post, member, other_member, existing, settings
):
    settings.FORUM_RATE_LIMITS = True
    root = _bushy(post, member, existing)
    bulk_create_trees([root])
    parent = Comment.objects.get(pk=root.pk)
    # lock the post, re-read the parent, lock the member, their recent comments (double submit
    # and rate limits in one), make room in the tree, insert, count it on the post, follow
    # (besides the transaction's own BEGIN/SAVEPOINT and COMMIT/RELEASE)
    with CaptureQueriesContext(connection) as queries:
        reply = services.comment_create(
            post=post, actor=other_member, body="Agreed.", parent=parent
        )
    statements = [q["sql"] for q in queries.captured_queries if not TRANSACTION.match(q["sql"])]
    assert len(statements) == 8, statements
    reply.refresh_from_db()
    parent.refresh_from_db()
    assert (reply.parent_id, reply.level, reply.lft, reply.rght) == (
        parent.pk,
        1,
        parent.rght - 2,
        parent.rght - 1,
    )
    assert Follow.objects.filter(post=post, user=other_member, following=True).exists()


def test_replying_again_keeps_a_muted_discussion_muted(post, other_member):
    Follow.objects.create(post=post, user=other_member, following=False, muted=True)
    services.comment_create(post=post, actor=other_member, body="Still muted.")
    assert Follow.objects.get(post=post, user=other_member).muted


def test_a_double_submit_returns_the_first_reply(post, other_member, settings):
    settings.FORUM_RATE_LIMITS = True
    first = services.comment_create(post=post, actor=other_member, body="Once.")
    assert services.comment_create(post=post, actor=other_member, body="Once.") == first
    assert Comment.objects.filter(author=other_member).count() == 1


@pytest.fixture
def post(member):
    return factories.post(member)
