"""Redis dies under the site (REDIS_URL set: the cache, the sessions' cache and the task queue all
on it). A redis-server of the test's own, killed with SIGKILL mid-test and started again empty,
as a Redis without persistence comes back.

While it is down pages still serve (each cache operation is a miss, logged), members log in and
stay logged in (cached_db sessions read the database), /healthz says 503, and what a member
submits is saved: enqueueing its task fails loudly in the log, not as a 500. A campaign update's
emails are recorded as still to be queued, and are delivered once Redis is back and `manage.py
email_resume` has run.
"""

import logging

import pytest
from django.core.management import call_command
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError
from webtest import TestApp

from accounts.models import Notification, OutboundEmail
from campaigns.models import CampaignUpdate, SupporterSend
from forum.models import Post
from tests.campaigns import factories
from tests.conftest import PASSWORD, make_member, requires_postgres
from tests.forum import factories as forum_factories
from tests.redis_server import RedisServer, requires_redis_server
from tests.rq_setup import run_worker, use_rq, worker_env
from tests.webforms import form_to, form_with

pytestmark = requires_redis_server

CACHE_DOWN = "The cache (Redis) is unreachable"
FANOUT = "campaigns.tasks.campaign_tell_supporters"


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.kill()


@pytest.fixture
def site_on_redis(settings, redis_server):
    """The site as it runs with REDIS_URL: cache, cached_db sessions and RQ on our Redis."""
    use_rq(settings, redis_server.url())
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    return redis_server


@pytest.fixture
def every_warning(monkeypatch):
    # One warning per LOG_EVERY seconds per process; each test wants to see its own.
    monkeypatch.setattr("accounts.cache._last_logged", float("-inf"))


def log_in(app, username: str):
    page = app.get(reverse("account_login"))
    form = form_with(page, "login", "password")
    form["login"], form["password"] = username, PASSWORD
    return form.submit().follow()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_redis_dead_pages_serve_members_log_in_and_a_post_is_saved(
    site_on_redis, app, caplog, every_warning
):
    member = make_member("alice")
    make_member("bob")
    section = forum_factories.section("unions")
    home = log_in(app, "alice")
    assert 'class="current-user">alice<' in home.text  # the session is in Redis, and the database

    site_on_redis.kill()
    caplog.set_level(logging.WARNING)
    home = app.get(reverse("forum:home"))
    assert home.status_code == 200
    assert 'class="current-user">alice<' in home.text  # read from the database now
    assert CACHE_DOWN in caplog.text

    page = app.get(reverse("forum:post-create"))
    form = page.forms["post-form"]
    form["section"].select(str(section.pk))
    form["title"] = "Recognition at the depot"
    form["body"] = "We need **recognition** now."
    published = form.submit("action", value="publish").follow()
    assert "Your post is published." in published.text
    assert "<strong>recognition</strong>" in published.text
    post = Post.objects.get()
    assert (post.title, post.author) == ("Recognition at the depot", member)

    # Logging in needs allauth's rate-limit lock in the cache: it goes ahead without one.
    other = TestApp(app.app, extra_environ={"REMOTE_ADDR": "127.0.0.2"})  # a 2nd browser
    assert 'class="current-user">bob<' in log_in(other, "bob").text

    # Bob answers Alice: the notification task can't be queued, so it is written after the
    # commit instead, and the error in the log names the task.
    detail = other.get(post.get_absolute_url())
    reply = form_to(detail, reverse("forum:comment-create", args=[post.pk]))
    reply["body"] = "Count me in."
    assert "Your reply is posted." in reply.submit().follow().text
    assert "Could not enqueue the task forum.tasks.comment_notify" in caplog.text
    [note] = Notification.objects.filter(user=member)
    assert note.kind == "reply" and "bob" in note.message
    member.refresh_from_db()
    assert member.unread_notifications == 1

    health = app.get("/healthz", expect_errors=True)
    assert health.status_code == 503
    assert health.json == {"database": "ok", "cache": "unreachable"}

    site_on_redis.start()  # back, empty: the sessions are still in the database
    assert 'class="current-user">alice<' in app.get(reverse("forum:home")).text
    assert app.get("/healthz").json == {"database": "ok", "cache": "ok"}


@requires_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_update_posted_with_redis_dead_is_delivered_once_it_is_back(
    site_on_redis, app, caplog, tmp_path
):
    owner = make_member("olu")
    campaign = factories.campaign(owner)
    supporters = [make_member(f"sup{i}") for i in range(4)]
    for member in supporters:
        factories.support(campaign, member)
    form = app.get(reverse("campaigns:update-create", args=[campaign.slug]), user=owner).forms[
        "update-form"
    ]

    site_on_redis.kill()
    form["title"] = "We met the Treasurer"
    form["body"] = "She agreed to publish the accounts."
    page = form.submit("action", value="send").follow()
    assert "Your update is posted" in page.text
    assert "We met the Treasurer" in page.text
    update = CampaignUpdate.objects.get()
    failed = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage().split(";")[0] for r in failed] == [
        f"Could not enqueue the task {FANOUT}"
    ]
    assert failed[0].exc_info[0] is RedisConnectionError
    # Nothing is lost: the send waits in the database for its task.
    [pending] = SupporterSend.objects.all()
    assert pending.key == f"campaign:{campaign.pk}:update:{update.pk}"
    assert not OutboundEmail.objects.exists()

    with pytest.raises(RedisConnectionError):  # fails loudly, having enqueued nothing
        call_command("email_resume", stale_after=0, verbosity=0)

    site_on_redis.start()  # empty: whatever had been queued would be gone too
    call_command("email_resume", stale_after=0, verbosity=0)
    call_command("email_resume", stale_after=0, verbosity=0)  # twice: still one send

    mail_dir = tmp_path / "mail"
    env = worker_env(
        site_on_redis.url(),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
    )
    log_path = tmp_path / "worker.log"
    with log_path.open("ab") as log:
        run_worker(env, log)
    text = "".join(path.read_text() for path in sorted(mail_dir.iterdir()))
    recipients = [line[4:] for line in text.splitlines() if line.startswith("To: ")]
    assert sorted(recipients) == sorted(m.email for m in supporters), log_path.read_text()
    assert not SupporterSend.objects.exists()
    assert not OutboundEmail.objects.filter(sent_at=None).exists()
