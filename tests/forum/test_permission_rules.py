"""Posts' and comments' predicates are the rules; the thread page offers exactly what they allow,
and a template asking for a rule that doesn't exist fails loudly instead of reading as "no"."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from forum.models import Post
from forum.templatetags.forum_tags import UnknownPermission

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(member, other_member):
    post = factories.post(member)
    return post, factories.comment(post, other_member)


def offered(html: str, url: str) -> bool:
    return f'action="{url}"' in html or f'href="{url}"' in html


def test_the_thread_page_offers_exactly_what_the_predicates_allow(
    thread, member, other_member, moderator
):
    post, comment = thread
    post_controls = {
        "edit": reverse("forum:post-edit", args=[post.pk]),
        "delete": reverse("forum:post-delete", args=[post.pk]),
        "recommend": reverse("forum:post-recommend", args=[post.pk]),
        "report": reverse("forum:report", args=["post", post.pk]),
    }
    comment_controls = {
        "edit": reverse("forum:comment-edit", args=[comment.pk]),
        "delete": reverse("forum:comment-delete", args=[comment.pk]),
        "vote": reverse("forum:comment-vote", args=[comment.pk]),
        "report": reverse("forum:report", args=["comment", comment.pk]),
    }
    seen = set()
    for user in (None, member, other_member, moderator):
        client = Client()
        if user is not None:
            client.force_login(user)
        html = client.get(post.get_absolute_url()).content.decode()
        who = user or AnonymousUser()
        fresh = Post.objects.get(pk=post.pk)
        for action, url in post_controls.items():
            may = getattr(fresh, f"can_{action}")(who)
            assert offered(html, url) == may, f"post {action} for {who}"
            seen.add((action, may))
        for action, url in comment_controls.items():
            may = getattr(type(comment).objects.get(pk=comment.pk), f"can_{action}")(who)
            assert offered(html, url) == may, f"comment {action} for {who}"
        assert ("/moderation/post/" in html) == fresh.can_moderate(who)
    # Every control was both offered and withheld to someone: the loop proved something.
    assert seen == {(a, b) for a in post_controls for b in (True, False)}


def test_a_template_asking_for_a_rule_that_does_not_exist_fails(thread, member):
    post, _ = thread
    template = Template(
        "{% load forum_tags %}{% with can=post|permissions:user %}{{ can.edti }}{% endwith %}"
    )
    with pytest.raises(UnknownPermission, match="can_edti"):
        template.render(Context({"post": post, "user": member}))
