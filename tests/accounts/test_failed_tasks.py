"""A task that keeps failing ends FAILED where staff can see it, and the tasks queued beside it
still run. The failing task is a real one: a password reset to an address the mail server
refuses, retried once after its back-off (EMAIL_MAX_ATTEMPTS=2), then given up.

Database backend: django-tasks-db's read-only task list in the admin (superusers; moderators,
staff without the permission, are refused). RQ: django-rq's dashboard under /admin/rq/, for
superusers only, since every job's arguments (here, the reset link) are on it."""

import signal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from accounts.tasks import email_message_send
from tests.campaigns.mail_backends import REFUSED
from tests.conftest import DATABASE_TASKS, make_member
from tests.rq_setup import make_scheduled_jobs_due, requires_rq, use_rq

pytestmark = pytest.mark.django_db

REFUSING = "tests.campaigns.mail_backends.RefusingOne"


@pytest.fixture
def bounced(db):
    member = make_member(REFUSED.split("@")[0])
    assert member.email == REFUSED
    return member


def ask_for_resets(client, *members):
    for member in members:
        page = client.post(reverse("account_reset_password"), {"email": member.email})
        assert page.status_code == 302


def refused(client, url: str, login_url: str = "/accounts/login/") -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith((login_url, reverse("admin:login")))


# Database backend --------------------------------------------------------------------------------


@pytest.fixture
def run_db_worker(settings, django_capture_on_commit_callbacks, monkeypatch):
    settings.TASKS = DATABASE_TASKS
    # Inside the test's transaction (see tests/campaigns/test_email_tasks.py).
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


def test_on_the_database_a_task_that_keeps_failing_is_failed_in_the_admin_and_blocks_nothing(
    client, bounced, member, other_member, moderator, superuser, settings, run_db_worker, caplog
):
    settings.EMAIL_BACKEND = REFUSING
    settings.EMAIL_MAX_ATTEMPTS = 2
    ask_for_resets(client, bounced, member)
    run_db_worker()
    assert [m.to for m in mail.outbox] == [[member.email]]  # queued after the failing one
    [retry] = DBTaskResult.objects.filter(status="READY")
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # back-off over
    ask_for_resets(client, other_member)
    run_db_worker()
    assert [m.to for m in mail.outbox] == [[member.email], [other_member.email]]
    [failed] = DBTaskResult.objects.filter(status="FAILED")
    assert failed.task_path == email_message_send.module_path
    assert failed.exception_class_path == "accounts.tasks.EmailGivenUp"
    assert "failed (attempt 2 of 2), given up" in caplog.text

    changelist = reverse("admin:django_tasks_database_dbtaskresult_changelist")
    detail = reverse("admin:django_tasks_database_dbtaskresult_change", args=[failed.pk])
    client.logout()
    refused(client, changelist)
    client.force_login(member)
    refused(client, changelist)
    client.force_login(moderator)  # staff, but the task list isn't theirs
    assert client.get(changelist).status_code == 403
    assert client.get(detail).status_code == 403

    client.force_login(superuser)
    page = client.get(changelist, {"status__exact": "FAILED"}).content.decode()
    assert str(failed.pk) in page
    assert "email_message_send" in page
    page = client.get(detail).content.decode()
    assert "EmailGivenUp" in page
    assert "SMTPRecipientsRefused" in page  # the traceback, with the cause


# RQ ----------------------------------------------------------------------------------------------


@pytest.fixture
def rq(settings):
    """The site's RQ (REDIS_URL), emptied before and after."""
    import django_rq

    use_rq(settings, settings.RQ_QUEUES["default"]["URL"].split("?")[0])
    redis = django_rq.get_connection()
    redis.flushdb()
    yield django_rq.get_queue("default")
    redis.flushdb()


@pytest.fixture
def run_rq_worker(rq, django_capture_on_commit_callbacks):
    """django-rq's worker, in this process (SimpleWorker: no fork, so mail.outbox sees what it
    sends), until the queue is empty; its scheduler first queues the retries that are due. What
    the tasks enqueue on commit (a retry) is enqueued as each run ends, as a real commit would."""
    import django_rq

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def run():
        while True:
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                worker = django_rq.get_worker("default", worker_class="rq.SimpleWorker")
                worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
            if not callbacks:
                return

    yield run
    for sig, handler in handlers.items():  # the worker takes over Ctrl-C
        signal.signal(sig, handler)


@requires_rq
def test_on_rq_a_task_that_keeps_failing_is_failed_on_the_dashboard_for_superusers_only(
    client, bounced, member, other_member, moderator, superuser, settings, rq, run_rq_worker
):
    settings.EMAIL_BACKEND = REFUSING
    settings.EMAIL_MAX_ATTEMPTS = 2
    ask_for_resets(client, bounced, member)
    run_rq_worker()
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert make_scheduled_jobs_due() == 1  # the retry, its back-off over
    ask_for_resets(client, other_member)
    run_rq_worker()
    assert [m.to for m in mail.outbox] == [[member.email], [other_member.email]]
    [failed_id] = rq.failed_job_registry.get_job_ids()
    failed = rq.fetch_job(failed_id)
    assert failed.func_name == email_message_send.module_path
    assert "EmailGivenUp" in failed.latest_result().exc_string
    result = email_message_send.get_backend().get_result(failed_id)
    assert result.status == "FAILED"
    assert result.errors[0].exception_class_path == "accounts.tasks.EmailGivenUp"

    home = reverse("django_rq:home")
    failed_list = reverse("django_rq:failed_jobs", args=[0])
    job_page = reverse("django_rq:job_detail", args=[0, failed_id])
    assert home == "/admin/rq/"
    client.logout()
    for url in (home, failed_list, job_page):
        refused(client, url)
    client.force_login(member)
    for url in (home, failed_list, job_page):
        refused(client, url)
    client.force_login(moderator)  # staff, but the jobs hold reset links: not theirs to read
    for url in (home, failed_list, job_page, reverse("django_rq:home_json")):
        assert client.get(url).status_code == 403
    # django-rq's own entry in the admin, which any staff member could open, isn't there.
    assert client.get("/admin/django_rq/dashboard/").status_code == 404

    client.force_login(superuser)
    assert "Failed Jobs" in client.get(home).content.decode()
    page = client.get(failed_list).content.decode()
    assert failed_id in page
    assert "email_message_send" in page
    page = client.get(job_page).content.decode()
    assert "EmailGivenUp" in page
