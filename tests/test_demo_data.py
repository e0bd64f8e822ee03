"""The demo command builds a believable community, and running it again changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from conversations.models import Conversation, Message
from forum.models import Comment, ModerationAction, Post

pytestmark = pytest.mark.django_db


def counts() -> dict:
    return {
        "users": User.objects.count(),
        "posts": Post.objects.count(),
        "comments": Comment.objects.count(),
        "actions": ModerationAction.objects.count(),
        "conversations": Conversation.objects.count(),
        "messages": Message.objects.count(),
    }


def test_demo_data_is_believable_and_idempotent(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_data", stdout=out)
    first = counts()
    assert first["users"] >= 40
    assert first["posts"] >= 200
    big = Post.objects.get(
        title="Take back control of party finances", section__slug="party-finances"
    )
    assert big.comment_count == Comment.objects.filter(post=big).count() >= 2000
    deepest = Comment.objects.filter(post=big).order_by("-level").first()
    assert deepest is not None and deepest.level >= 11
    assert first["actions"] > 0
    # A private conversation, so the demo shows messages (and nobody posts an address in public).
    assert first["conversations"] == 1 and first["messages"] == 3
    assert "grassroots-demo" in out.getvalue()
    # The trees are valid: rebuilding one changes no lft/rght/level.
    biggest = Comment.objects.filter(post=big, level=0).order_by("-rght").first()
    assert biggest is not None
    tree_id = biggest.tree_id
    before = list(Comment.objects.filter(tree_id=tree_id).values_list("pk", "lft", "rght", "level"))
    Comment.objects.partial_rebuild(tree_id)
    after = list(Comment.objects.filter(tree_id=tree_id).values_list("pk", "lft", "rght", "level"))
    assert sorted(before) == sorted(after)

    call_command("demo_data", stdout=StringIO())
    assert counts() == first


def test_demo_data_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("demo_data", stdout=StringIO())
    assert User.objects.count() == 0
