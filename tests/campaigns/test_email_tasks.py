"""Campaign emails are background tasks: enqueued on commit only, delivered by the worker in
batches over one connection each, once per supporter however often the tasks run, retried with
back-off when the mail server fails, and given up (visibly) when it keeps failing.

These use the real database backend (django-tasks-db) and run the real worker (`db_worker
--batch`) in the test's process; test_email_delivery_at_scale.py runs it as its own process."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from accounts.models import Notification, OutboundEmail, User
from accounts.tasks import email_send, retry_delay
from campaigns import services
from campaigns.models import CampaignUpdate, SupporterSend
from campaigns.tasks import campaign_tell_supporters
from tests.conftest import DATABASE_TASKS, make_member

from . import factories
from .mail_backends import REFUSED, Counting

pytestmark = pytest.mark.django_db

FAILING = "tests.campaigns.failing_mail.Backend"
FANOUT = campaign_tell_supporters.module_path
SEND = email_send.module_path


@pytest.fixture(autouse=True)
def _database_tasks(settings):
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def run_worker(django_capture_on_commit_callbacks, monkeypatch):
    """Run the worker until nothing is left. The test's transaction never commits, so what the
    tasks enqueue on commit (the next batch, a retry) is enqueued as each run ends, as a real
    commit would, and the worker runs again.

    The worker closes connections that are not in autocommit between tasks (as Django does
    between requests); the test's connection is inside the test's transaction, so on PostgreSQL
    that would close it under the test. (SQLite's in-memory test database is never closed.)"""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        while True:
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                call_command(
                    "db_worker", batch=True, reload=False, startup_delay=False, verbosity=0
                )
            if not callbacks:
                return

    return run


def supporters(campaign, n, prefix="s"):
    users = [make_member(f"{prefix}{i}") for i in range(n)]
    for user in users:
        factories.support(campaign, user)
    return users


def announce(campaign, owner, title="News"):
    return services.campaign_announce(campaign=campaign, actor=owner, title=title, body="Body.")


def edit_ask(campaign, owner):
    fields = {
        name: getattr(campaign, name)
        for name in ("title", "summary", "target", "ask", "body", "goal", "deadline", "section")
    }
    fields["ask"] = "A different ask."
    return services.campaign_update(
        campaign=campaign,
        actor=owner,
        fields=services.CampaignFields(**fields),
        change_note="We changed the ask.",
    )


def close(campaign, owner):
    return services.campaign_close(campaign=campaign, actor=owner, outcome="won", story="We won.")


SENDS = {"update": announce, "change note": edit_ask, "closing story": close}


# Enqueued on commit only -------------------------------------------------------------------------


@pytest.mark.parametrize("send", SENDS.values(), ids=SENDS.keys())
def test_each_send_enqueues_one_task_only_when_its_transaction_commits(
    campaign, owner, django_capture_on_commit_callbacks, send
):
    supporters(campaign, 3)
    campaign.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(campaign, owner)
    assert DBTaskResult.objects.count() == 0  # not before commit
    for callback in callbacks:
        callback()
    [result] = DBTaskResult.objects.filter(task_path=FANOUT)
    assert result.args_kwargs["args"][0] == campaign.pk
    assert result.args_kwargs["args"][1].startswith(f"campaign:{campaign.pk}:")
    assert not OutboundEmail.objects.exists()  # the rows are the worker's job
    assert not mail.outbox


@pytest.mark.parametrize("send", SENDS.values(), ids=SENDS.keys())
def test_nothing_is_enqueued_when_the_transaction_rolls_back(
    run_worker, campaign, owner, django_capture_on_commit_callbacks, send
):
    supporters(campaign, 2)
    campaign.refresh_from_db()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send(campaign, owner)
        raise RuntimeError("the request failed after the send")
    assert callbacks == []
    assert DBTaskResult.objects.count() == 0
    run_worker()
    assert not mail.outbox


def test_the_worker_delivers_one_message_to_each_supporter(
    run_worker, campaign, owner, supporter, on_commit, settings
):
    others = supporters(campaign, 3)
    campaign.refresh_from_db()
    with on_commit():
        update = announce(campaign, owner, title="Hello")
    assert not mail.outbox
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in [supporter, *others])
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == {
        f"<outbound.{row.pk}@testserver>" for row in OutboundEmail.objects.all()
    }
    assert mail.outbox[0].subject == f"[Grassroots] {campaign.title}: Hello"
    assert f"#update-{update.pk}" in mail.outbox[0].body
    assert OutboundEmail.objects.filter(sent_at__isnull=False, claimed_at=None).count() == 4
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {"SUCCESSFUL"}


def test_batches_of_email_batch_size_each_over_one_connection(
    run_worker, campaign, owner, on_commit, settings
):
    settings.EMAIL_BATCH_SIZE = 2
    settings.EMAIL_BACKEND = "tests.campaigns.mail_backends.Counting"
    Counting.opened = 0
    supporters(campaign, 5)
    campaign.refresh_from_db()
    with on_commit():
        announce(campaign, owner)
    run_worker()
    assert len(mail.outbox) == 5
    assert Counting.opened == 3
    sends = DBTaskResult.objects.filter(task_path=SEND).order_by("enqueued_at")
    assert [r.return_value for r in sends] == [2, 2, 1]


# Idempotent --------------------------------------------------------------------------------------


def test_fan_out_and_send_tasks_run_twice_send_each_supporter_one_message(
    run_worker, campaign, owner, on_commit
):
    users = supporters(campaign, 4)
    campaign.refresh_from_db()
    with on_commit():
        update = announce(campaign, owner)
        key = f"campaign:{campaign.pk}:update:{update.pk}"
        campaign_tell_supporters.enqueue(campaign.pk, key)  # a second fan-out, queued beside
    run_worker()
    assert OutboundEmail.objects.filter(key=key).count() == 4
    # The send task again, twice, and the fan-out once more: nothing more goes.
    with on_commit():
        email_send.enqueue(key)
        email_send.enqueue(key)
        campaign_tell_supporters.enqueue(campaign.pk, key)
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert DBTaskResult.objects.exclude(status="SUCCESSFUL").count() == 0
    fan_outs = DBTaskResult.objects.filter(task_path=FANOUT)
    assert sorted(r.return_value for r in fan_outs) == [0, 0, 4]


def test_the_worker_notifies_each_supporter_once_in_the_site(
    run_worker, campaign, owner, on_commit
):
    users = supporters(campaign, 3)
    campaign.refresh_from_db()
    with on_commit():
        update = announce(campaign, owner, title="Hello")
    assert not Notification.objects.exists()  # the request only enqueued the task
    run_worker()
    key = f"campaign:{campaign.pk}:update:{update.pk}"
    notes = Notification.objects.filter(key=key)
    assert sorted(n.user_id for n in notes) == sorted(u.pk for u in users)
    assert {n.url for n in notes} == {f"{campaign.get_absolute_url()}#update-{update.pk}"}
    # The same task again, as if the first had died before it could mark the send done (a
    # resumed worker): nobody is notified twice, counts it twice, or gets a second email.
    SupporterSend.objects.create(
        key=key,
        campaign=campaign,
        kind="campaign_update",
        message="m",
        url="/",
        subject="s",
        body="b",
    )
    with on_commit():
        campaign_tell_supporters.enqueue(campaign.pk, key)
    run_worker()
    assert Notification.objects.filter(key=key).count() == 3
    assert len(mail.outbox) == 3
    assert not SupporterSend.objects.exists()
    assert set(
        User.objects.filter(pk__in=[u.pk for u in users]).values_list(
            "unread_notifications", flat=True
        )
    ) == {1}


def test_a_supporter_who_withdrew_before_the_worker_ran_hears_nothing(
    run_worker, campaign, owner, on_commit
):
    stays, leaves = supporters(campaign, 2)
    campaign.refresh_from_db()
    with on_commit():
        announce(campaign, owner)
    campaign.supports.filter(user=leaves).delete()
    run_worker()
    assert [n.user_id for n in Notification.objects.all()] == [stays.pk]
    assert [m.to for m in mail.outbox] == [[stays.email]]


def test_the_request_posting_an_update_costs_the_same_for_3_or_300_supporters(
    campaign, owner, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_to_announce(title):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            announce(campaign, owner, title=title)
        return len(queries)

    supporters(campaign, 3, prefix="a")
    few = queries_to_announce("First")
    supporters(campaign, 297, prefix="b")
    many = queries_to_announce("Second")
    assert few == many
    assert not Notification.objects.exists() and not OutboundEmail.objects.exists()


def test_a_second_send_under_another_key_goes_again(run_worker, campaign, owner, on_commit):
    supporters(campaign, 2)
    campaign.refresh_from_db()
    with on_commit():
        announce(campaign, owner, title="One")
        announce(campaign, owner, title="Two")
    run_worker()
    assert len(mail.outbox) == 4


# Mail server failures ----------------------------------------------------------------------------


def test_a_mail_server_failure_keeps_the_error_and_schedules_a_retry(
    run_worker, campaign, owner, on_commit, settings, caplog
):
    settings.EMAIL_BACKEND = FAILING
    users = supporters(campaign, 3)
    campaign.refresh_from_db()
    with on_commit():
        announce(campaign, owner)
    before = timezone.now()
    run_worker()
    assert CampaignUpdate.objects.count() == 1  # the update itself stands
    rows = OutboundEmail.objects.all()
    assert len(rows) == 3
    assert all(r.sent_at is None and r.failed_at is None and r.claimed_at is None for r in rows)
    assert all(r.attempts == 1 and "SMTP server down" in r.last_error for r in rows)
    assert "Sending 3 campaign emails failed" in caplog.text
    [retry] = DBTaskResult.objects.filter(task_path=SEND, status="READY")
    assert retry.args_kwargs["args"][1] == 2  # the attempt travels as an argument
    assert retry.run_after >= before + retry_delay(1)
    run_worker()  # not due yet: nothing runs
    assert DBTaskResult.objects.get(pk=retry.pk).status == "READY"

    # The server is back, and the retry is due.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert OutboundEmail.objects.filter(sent_at__isnull=False).count() == 3
    run_worker()
    assert len(mail.outbox) == 3


def test_back_off_doubles():
    assert [retry_delay(n) for n in (1, 2, 3, 4, 5)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16)
    ]


def test_a_send_that_keeps_failing_ends_failed_and_listed_for_staff(
    run_worker, campaign, owner, on_commit, settings, admin_client, caplog
):
    settings.EMAIL_BACKEND = FAILING
    settings.EMAIL_MAX_ATTEMPTS = 3
    supporters(campaign, 2)
    campaign.refresh_from_db()
    with on_commit():
        announce(campaign, owner)
    run_worker()
    for _ in range(2):
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
        run_worker()
    rows = OutboundEmail.objects.all()
    assert all(r.failed_at is not None and r.sent_at is None for r in rows)
    assert all(r.attempts == 3 for r in rows)
    assert not DBTaskResult.objects.filter(status="READY").exists()  # no endless retries
    [failed] = DBTaskResult.objects.filter(status="FAILED")  # the last attempt, visibly
    assert failed.exception_class_path == "accounts.tasks.EmailGivenUp"
    assert "Given up on 2" in caplog.text
    # Another send afterwards is not held up by the failed one.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with on_commit():
        announce(campaign, owner, title="Later")
    run_worker()
    assert len(mail.outbox) == 2
    page = admin_client.get(reverse("admin:accounts_outboundemail_changelist") + "?status=failed")
    assert page.status_code == 200
    assert page.content.decode().count("SMTP server down") == 2
    row = OutboundEmail.objects.filter(failed_at__isnull=False)[0]
    change = admin_client.get(reverse("admin:accounts_outboundemail_change", args=[row.pk]))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content  # read-only


def test_an_address_the_server_refuses_fails_alone(
    run_worker, campaign, owner, on_commit, settings
):
    settings.EMAIL_BACKEND = "tests.campaigns.mail_backends.RefusingOne"
    bounce = make_member("bounce")
    User.objects.filter(pk=bounce.pk).update(email=REFUSED)
    users = supporters(campaign, 2)
    factories.support(campaign, bounce)
    campaign.refresh_from_db()
    with on_commit():
        announce(campaign, owner)
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    refused = OutboundEmail.objects.get(user__username="bounce")
    assert refused.failed_at is not None and "No such user" in refused.last_error
    assert not DBTaskResult.objects.filter(status="READY").exists()


# A killed worker ---------------------------------------------------------------------------------


def test_email_resume_requeues_a_task_a_killed_worker_left_running(
    run_worker, campaign, owner, on_commit
):
    users = supporters(campaign, 3)
    campaign.refresh_from_db()
    with on_commit():
        announce(campaign, owner)
    # The worker took the fan-out task and was killed: the row stays RUNNING, never run again.
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())
    run_worker()
    assert not OutboundEmail.objects.exists()
    call_command("email_resume", verbosity=0)  # running for less than EMAIL_CLAIM_TIMEOUT: alive
    assert DBTaskResult.objects.get().status == "RUNNING"
    call_command("email_resume", stale_after=0, verbosity=0)
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)


def test_email_resume_frees_a_dead_workers_claims_once_they_are_stale(
    run_worker, campaign, owner, on_commit, settings
):
    users = supporters(campaign, 3)
    campaign.refresh_from_db()
    with on_commit():
        announce(campaign, owner)
    run_worker()
    mail.outbox.clear()
    key = OutboundEmail.objects.values_list("key", flat=True)[0]
    # Two were sent; the worker had claimed the third when it died, with no task left queued.
    OutboundEmail.objects.filter(user=users[2]).update(sent_at=None, claimed_at=timezone.now())
    DBTaskResult.objects.all().delete()
    call_command("email_resume", verbosity=0)
    run_worker()
    assert not mail.outbox  # a live worker might still be sending it
    OutboundEmail.objects.filter(user=users[2]).update(
        claimed_at=timezone.now() - timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT + 1)
    )
    call_command("email_resume", verbosity=0)
    call_command("email_resume", verbosity=0)  # twice: still one task
    assert DBTaskResult.objects.filter(task_path=SEND, args_kwargs__args__0=key).count() == 1
    run_worker()
    assert [m.to[0] for m in mail.outbox] == [users[2].email]
