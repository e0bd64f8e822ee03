"""allauth's emails (here a password reset) are sent by the worker, not in the request, and
retried when the mail server fails. Database task backend, real worker in the test's process."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from accounts.tasks import email_message_send, retry_delay
from tests.conftest import DATABASE_TASKS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_tasks(settings, monkeypatch):
    settings.TASKS = DATABASE_TASKS
    # Inside the test's transaction the worker must not close the connection (see
    # tests/campaigns/test_email_tasks.py).
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker(capture):
    while True:
        with capture(execute=True) as callbacks:
            call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
        if not callbacks:
            return


def test_a_password_reset_email_is_sent_by_the_worker(
    client, member, django_capture_on_commit_callbacks
):
    client.post(reverse("account_reset_password"), {"email": member.email})
    assert not mail.outbox  # the request only enqueued it
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == email_message_send.module_path
    run_worker(django_capture_on_commit_callbacks)
    [email] = mail.outbox
    assert email.to == [member.email]
    assert "Password Reset" in email.subject
    assert "/accounts/password/reset/key/" in email.body


def test_a_failed_send_is_retried_later_and_then_sent_once(
    client, member, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "tests.campaigns.failing_mail.Backend"
    client.post(reverse("account_reset_password"), {"email": member.email})
    before = timezone.now()
    run_worker(django_capture_on_commit_callbacks)
    assert "SMTP server down" in caplog.text
    [retry] = DBTaskResult.objects.filter(status="READY")
    assert retry.args_kwargs["args"][1] == 2
    assert retry.run_after >= before + retry_delay(1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[member.email]]


def test_a_send_that_keeps_failing_ends_failed(
    client, member, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "tests.campaigns.failing_mail.Backend"
    settings.EMAIL_MAX_ATTEMPTS = 2
    client.post(reverse("account_reset_password"), {"email": member.email})
    run_worker(django_capture_on_commit_callbacks)
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker(django_capture_on_commit_callbacks)
    assert not DBTaskResult.objects.filter(status="READY").exists()
    [failed] = DBTaskResult.objects.filter(status="FAILED")
    assert failed.exception_class_path == "accounts.tasks.EmailGivenUp"
    assert "given up" in caplog.text
