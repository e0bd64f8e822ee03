"""Notification emails as members get them: made by the worker from the notifications (database
task backend, the real db_worker in the test's process), grouped per discussion, in the daily
digest, each with the footer and the one-click unsubscribe headers, which work without a log-in."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from accounts.models import Delivery, Notification, NotificationPreference
from accounts.notifications import digest_cutoff, digest_send, notification_emails_send
from accounts.preferences import unsubscribe_token
from conversations import services as conversations
from tests.conftest import DATABASE_TASKS, make_member
from tests.forum import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_tasks(settings, monkeypatch):
    settings.TASKS = DATABASE_TASKS
    settings.NOTIFICATION_EMAIL_DELAY = 600
    # Inside the test's transaction the worker must not close the connection.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    def run():
        while True:
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                call_command(
                    "db_worker", batch=True, reload=False, startup_delay=False, verbosity=0
                )
            if not callbacks:
                return

    return run


def _due_now():
    """Bring the deferred email tasks forward, as time passing would."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def _unsubscribe_url(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<") and header.endswith(">")
    return urlsplit(header[1:-1]).path


def test_five_replies_make_one_grouped_email_with_links_excerpts_and_footer(
    member, worker, django_capture_on_commit_callbacks
):
    post = factories.post(member, title="Take back control of the party's finances")
    repliers = [make_member(f"r{i}") for i in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        for n, replier in enumerate(repliers):
            factories.comment(post, replier, f"Reply number {n}: the books must open.")
    worker()  # the notifiers run; the email waits NOTIFICATION_EMAIL_DELAY for more
    assert Notification.objects.filter(user=member, kind="reply").count() == 5
    assert not mail.outbox
    # One email task for the five, not five.
    assert DBTaskResult.objects.filter(task_path=notification_emails_send.module_path).count() == 1
    _due_now()
    worker()
    [email] = mail.outbox
    assert email.to == [member.email]
    assert email.subject == (
        "[Grassroots] 5 new replies in “Take back control of the party's finances”"
    )
    for n in range(5):
        assert f"Reply number {n}: the books must open." in email.body
    assert "r3 replied to your post" in email.body
    assert "http://testserver/c/" in email.body  # a link in context
    assert "You get this email because someone replied to something you wrote." in email.body
    assert isinstance(email, EmailMultiAlternatives)
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    assert "Reply number 4: the books must open." in str(html) and "<a href=" in str(html)
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert _unsubscribe_url(email) in email.body
    assert Notification.objects.filter(user=member, emailed_at__isnull=True).count() == 0


def test_what_the_member_read_in_the_site_meanwhile_is_not_emailed(
    member, other_member, worker, django_capture_on_commit_callbacks, client
):
    post = factories.post(member)
    with django_capture_on_commit_callbacks(execute=True):
        factories.comment(post, other_member, "Seen it already?")
    worker()
    client.force_login(member)
    client.post("/notifications/read/")
    _due_now()
    worker()
    assert not mail.outbox


def test_one_click_unsubscribe_from_the_sent_email_works_without_a_session(
    member, other_member, worker, django_capture_on_commit_callbacks, app
):
    post = factories.post(member)
    with django_capture_on_commit_callbacks(execute=True):
        factories.comment(post, other_member, "Hello")
    worker()
    _due_now()
    worker()
    [email] = mail.outbox
    url = _unsubscribe_url(email)
    # A mail client's one-click POST (RFC 8058): no session, no CSRF token.
    done = app.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "you will no longer get emails about replies to your posts and comments" in done.text
    pref = NotificationPreference.objects.get(user=member, category="replies")
    assert pref.delivery == Delivery.SITE
    # Still told in the site, no longer by email.
    with django_capture_on_commit_callbacks(execute=True):
        factories.comment(post, other_member, "Another")
    worker()
    _due_now()
    worker()
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=member).count() == 2


def test_the_unsubscribe_link_opened_in_a_browser_asks_first(member, app):
    url = f"/unsubscribe/{unsubscribe_token(member.pk, 'mentions')}/"
    page = app.get(url)  # link scanners open links: nothing changes yet
    assert not NotificationPreference.objects.exists()
    done = page.forms["unsubscribe-form"].submit()
    assert "you will no longer get emails about mentions of your @username" in done.text
    assert NotificationPreference.objects.get(user=member).delivery == Delivery.SITE


@pytest.mark.parametrize("token", ["nonsense", "", "x" * 500, "WzEsICJyZXBsaWVzIl0:1abc:forged"])
def test_a_bad_unsubscribe_token_is_refused_clearly(member, client, token):
    response = client.post(f"/unsubscribe/{token}/") if token else client.post("/unsubscribe/x/")
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "not valid or has expired" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_an_expired_unsubscribe_token_is_refused(member, client, settings):
    token = unsubscribe_token(member.pk, "replies")
    later = timezone.now() + timedelta(days=settings.UNSUBSCRIBE_LINK_DAYS + 1)
    with time_machine.travel(later, tick=False):
        response = client.post(f"/unsubscribe/{token}/")
    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_followed_discussions_come_in_one_daily_digest_grouped_by_discussion(
    member, other_member, worker, django_capture_on_commit_callbacks
):
    first = factories.post(other_member, title="Treasurer hustings")
    second = factories.post(other_member, title="Branch social")
    writers = [make_member(f"w{i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        factories.comment(first, member, "I'll be there.")  # member now follows both
        factories.comment(second, member, "Me too.")
        for writer in writers:
            factories.comment(first, writer, f"{writer.username} on hustings")
        factories.comment(second, writers[0], "Bring food")
    worker()
    digest = Notification.objects.filter(user=member, kind="followed")
    assert digest.count() == 4
    assert set(digest.values_list("email", flat=True)) == {Notification.Email.DIGEST}
    assert not mail.outbox  # nothing straight away
    # The next morning's round sends one digest for the lot.
    tomorrow = digest_cutoff() + timedelta(days=1, minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        assert digest_send.call(member.pk, digest_cutoff(tomorrow).isoformat()) == 1
        assert digest_send.call(member.pk, digest_cutoff(tomorrow).isoformat()) == 0  # once
    worker()
    [email] = mail.outbox
    assert email.subject == "[Grassroots] Your daily digest: 4 new in 2 discussions"
    assert "== Treasurer hustings (3 new) ==" in email.body
    assert "== Branch social (1 new) ==" in email.body
    assert "Bring food" in email.body
    assert "you chose a daily digest" in email.body
    # Its one-click link turns the digest off: followed discussions go to the site only.
    Client().post(_unsubscribe_url(email))
    assert NotificationPreference.objects.get(user=member, category="followed").delivery == (
        Delivery.SITE
    )


def test_housekeeping_enqueues_the_digest_round(member, worker):
    call_command("housekeeping", verbosity=0)
    assert DBTaskResult.objects.filter(task_path="accounts.notifications.digests_send").exists()


def test_campaign_updates_carry_the_unsubscribe_headers_and_honour_the_choice(
    member, other_member, worker, django_capture_on_commit_callbacks
):
    from campaigns import services as campaign_services
    from tests.campaigns import factories as campaign_factories

    owner = make_member("owner")
    campaign = campaign_factories.campaign(owner)
    campaign_factories.support(campaign, member)
    campaign_factories.support(campaign, other_member)
    NotificationPreference.objects.create(user=other_member, category="campaigns", delivery="site")
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.campaign_announce(
            campaign=campaign,
            actor=owner,
            title="We won a vote",
            body="At conference. <script>x</script>",
        )
    worker()
    [email] = mail.outbox
    assert email.to == [member.email]
    assert "List-Unsubscribe" in email.extra_headers
    assert "you support or organise this campaign" in email.body
    assert isinstance(email, EmailMultiAlternatives)
    [(html, _)] = email.alternatives
    assert "At conference. &lt;script&gt;" in str(html) and "<script>" not in str(html)
    assert "/unsubscribe/" in str(html)
    assert Notification.objects.filter(user=other_member, kind="campaign_update").exists()
    assert re.search(r"/unsubscribe/[^/\s]+/", str(email.body))


def test_private_messages_are_emailed_grouped_per_conversation_and_can_be_turned_off(
    member, other_member, worker, django_capture_on_commit_callbacks, app
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation = conversations.conversation_start(
            actor=member,
            recipients=[other_member],
            subject="Drinks at conference?",
            body="Shall we meet on *Sunday*?",
        )
        conversations.message_send(conversation=conversation, actor=member, body="Or Monday.")
    worker()
    _due_now()
    worker()
    [email] = mail.outbox
    assert email.to == [other_member.email]
    assert email.subject == "[Grassroots] 2 new private messages in “Drinks at conference?”"
    assert "Shall we meet on *Sunday*?" in email.body and "Or Monday." in email.body
    assert "http://testserver/messages/m/" in email.body
    assert "You get this email because a member sent you a private message." in email.body
    url = _unsubscribe_url(email)
    done = app.post(url, {"List-Unsubscribe": "One-Click"})
    assert "private messages" in done.text
    assert (
        NotificationPreference.objects.get(user=other_member, category="messages").delivery
        == Delivery.SITE
    )
