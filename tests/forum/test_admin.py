import pytest
from django.urls import reverse

from accounts.models import User
from forum.models import Comment, Post

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, db):
    admin = User.objects.create_superuser("root", "root@example.org", "x-long-password-1")
    client.force_login(admin)
    return client


@pytest.fixture
def thread(member, other_member):
    post = factories.post(member)
    root = factories.comment(post, other_member, "root")
    factories.comment(post, member, "<b>child</b>", parent=root)
    return post, root


def test_admin_lists_posts_and_comments_escaped(admin_client, thread):
    assert admin_client.get(reverse("admin:forum_post_changelist")).status_code == 200
    html = admin_client.get(reverse("admin:forum_comment_changelist")).content.decode()
    assert "<b>child</b>" not in html


def test_admin_cannot_hard_delete_content(admin_client, thread):
    post, root = thread
    assert (
        admin_client.post(
            reverse("admin:forum_comment_delete", args=[root.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        admin_client.post(
            reverse("admin:forum_post_delete", args=[post.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    response = admin_client.post(
        reverse("admin:forum_comment_changelist"),
        {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Comment.objects.count() == 2
    assert Post.objects.count() == 1


def test_member_cannot_open_the_admin(member_client):
    response = member_client.get(reverse("admin:forum_post_changelist"))
    assert response.status_code == 302
    assert Post.objects.count() == 0
