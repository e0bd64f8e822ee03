"""Anti-abuse: posting rates, new members' link limit, double submits (also under concurrency)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from forum import services
from forum.models import Comment, Post
from forum.services import ActionRefused
from tests.conftest import make_member, requires_postgres

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits_on(settings):
    settings.FORUM_RATE_LIMITS = True


@pytest.fixture
def veteran(db):
    """A member who joined long ago: the ordinary limits apply."""
    return make_member("veteran", date_joined=timezone.now() - timedelta(days=400))


@pytest.fixture
def newcomer(db):
    return make_member("newcomer")


@pytest.fixture
def post(veteran):
    return factories.post(veteran)


def test_replies_per_minute_limit_keeps_text(client, veteran, post, other_member):
    other_member.date_joined = timezone.now() - timedelta(days=30)
    other_member.save()
    for i in range(6):
        factories.comment(post, other_member, f"quick {i}")
    client.force_login(other_member)
    response = client.post(
        reverse("forum:comment-create", args=[post.pk]), {"body": "one too many"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "at most 6 replies a minute" in html
    assert "one too many" in html
    assert Comment.objects.count() == 6


def test_rate_window_passes(veteran, post, other_member):
    other_member.date_joined = timezone.now() - timedelta(days=30)
    other_member.save()
    for i in range(6):
        factories.comment(post, other_member, f"quick {i}")
    Comment.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    factories.comment(post, other_member, "after a pause")
    assert Comment.objects.count() == 7


def test_new_member_gets_fewer_replies(post, newcomer):
    for i in range(3):
        factories.comment(post, newcomer, f"hello {i}")
    with pytest.raises(ActionRefused, match="at most 3 replies a minute in your first day"):
        factories.comment(post, newcomer, "hello again")


def test_new_member_gets_fewer_posts(client, newcomer):
    for i in range(2):
        factories.post(newcomer, title=f"First days {i}")
    client.force_login(newcomer)
    data = {
        "section": factories.section().pk,
        "title": "Third",
        "body": "Still typing",
        "action": "publish",
    }
    response = client.post(reverse("forum:post-create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "at most 2 posts an hour in your first day" in html
    assert "Still typing" in html
    assert Post.objects.count() == 2


def test_everyone_has_a_post_rate(veteran):
    for i in range(5):
        factories.post(veteran, title=f"Busy {i}")
    with pytest.raises(ActionRefused, match="at most 5 posts an hour"):
        factories.post(veteran, title="Busy 5")


def test_new_member_limited_to_two_links(client, newcomer, post):
    body = "See https://a.example, https://b.example and [c](https://c.example)"
    client.force_login(newcomer)
    response = client.post(reverse("forum:comment-create", args=[post.pk]), {"body": body})
    html = response.content.decode()
    assert "at most 2" in html and "links" in html
    assert "b.example" in html
    assert not Comment.objects.exists()
    factories.comment(post, newcomer, "Only https://a.example and https://b.example")
    assert Comment.objects.count() == 1


def test_links_fine_after_the_first_day(post, veteran):
    body = " ".join(f"https://{i}.example" for i in range(5))
    factories.comment(post, veteran, body)
    assert Comment.objects.count() == 1


def test_new_member_hours_is_configurable(settings, post, newcomer):
    settings.FORUM_NEW_MEMBER_HOURS = 0
    body = " ".join(f"https://{i}.example" for i in range(5))
    factories.comment(post, newcomer, body)
    assert Comment.objects.count() == 1


def test_double_submitted_reply_creates_one(client, post, other_member):
    client.force_login(other_member)
    url = reverse("forum:comment-create", args=[post.pk])
    first = client.post(url, {"body": "Said once"})
    second = client.post(url, {"body": "Said once"})
    assert first["Location"] == second["Location"]
    assert Comment.objects.count() == 1
    post.refresh_from_db()
    assert post.comment_count == 1


def test_same_text_later_or_elsewhere_is_a_new_reply(post, other_member):
    first = factories.comment(post, other_member, "Agreed")
    Comment.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    factories.comment(post, other_member, "Agreed")
    factories.comment(post, other_member, "Agreed", parent=first)
    assert Comment.objects.count() == 3


def test_double_submitted_post_creates_one(client, veteran):
    client.force_login(veteran)
    data = {
        "section": factories.section().pk,
        "title": "Once",
        "body": "Only once",
        "action": "publish",
    }
    client.post(reverse("forum:post-create"), data)
    client.post(reverse("forum:post-create"), data)
    assert Post.objects.filter(title="Once").count() == 1


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_identical_submissions_create_one_item():
    section = factories.section()
    author = make_member("quickfingers", date_joined=timezone.now() - timedelta(days=30))
    post = services.post_create(actor=author, section=section, title="T", body="B", publish=True)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def submit(make):
        try:
            barrier.wait(timeout=10)
            make()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def reply():
        services.comment_create(post=post, actor=User.objects.get(pk=author.pk), body="Same")

    def new_post():
        services.post_create(
            actor=User.objects.get(pk=author.pk),
            section=section,
            title="Dup",
            body="x",
            publish=True,
        )

    for make in (reply, new_post):
        threads = [threading.Thread(target=submit, args=(make,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        barrier.reset()
    assert errors == []
    assert Comment.objects.filter(body="Same").count() == 1
    assert Post.objects.filter(title="Dup").count() == 1
    post.refresh_from_db()
    assert post.comment_count == 1
