"""The retention job (accounts.tasks.retention_prune), enqueued by `manage.py housekeeping` and run
by a real database worker: what is kept only for a while goes, and nothing else."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from accounts import tasks
from accounts.models import OutboundEmail
from tests.conftest import DATABASE_TASKS, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_tasks(settings, monkeypatch):
    settings.TASKS = DATABASE_TASKS
    settings.EMAIL_RETENTION_DAYS = 30
    settings.TASK_RESULT_RETENTION_DAYS = 7
    settings.TASK_FAILED_RETENTION_DAYS = 30
    # The worker closes connections between tasks; the test's is inside its transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def run_worker():
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


def email(key, user, days_ago, **state):
    created = timezone.now() - timedelta(days=days_ago)
    return OutboundEmail.objects.create(
        key=key, user=user, subject="s", body="b", created_at=created, **state
    )


def result(status, days_ago):
    finished = timezone.now() - timedelta(days=days_ago)
    return DBTaskResult.objects.create(
        task_path="accounts.tasks.email_send",
        args_kwargs={"args": ["k"], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        priority=0,
        status=status,
        enqueued_at=finished,
        finished_at=None if status == "READY" else finished,
    )


def test_housekeeping_prunes_old_finished_rows_and_keeps_everything_else():
    alice, bob = make_member("alice"), make_member("bob")
    long_ago = timezone.now() - timedelta(days=40)
    keep = {
        email("old-unsent", alice, 40, failed_at=None).pk,  # still to go: sent by the worker
        email("recent-sent", alice, 3, sent_at=timezone.now()).pk,
        # Made long ago, sent lately (after retries, say): kept as long as any sent one.
        email("late-sent", bob, 40, sent_at=timezone.now() - timedelta(days=2)).pk,
        email("recent-failed", bob, 29, failed_at=timezone.now()).pk,
    }
    gone = {
        email("old-sent", alice, 31, sent_at=long_ago).pk,
        email("old-failed", bob, 40, failed_at=long_ago).pk,
    }
    kept_results = {
        result("SUCCESSFUL", 6).pk,
        result("FAILED", 29).pk,  # staff still look into those
        result("READY", 90).pk,  # never finished: not the retention job's
    }
    old_results = {result("SUCCESSFUL", 8).pk, result("FAILED", 31).pk}

    call_command("housekeeping", verbosity=0)
    assert set(OutboundEmail.objects.values_list("pk", flat=True)) == keep | gone  # not yet run
    run_worker()

    assert set(OutboundEmail.objects.values_list("pk", flat=True)) == keep
    prune = DBTaskResult.objects.get(task_path=tasks.retention_prune.module_path)
    assert prune.status == "SUCCESSFUL"
    assert prune.return_value == {"outbound_emails": 2, "task_results": 2}
    remaining = set(DBTaskResult.objects.exclude(pk=prune.pk).values_list("pk", flat=True))
    assert kept_results <= remaining and not (old_results & remaining)


def test_retention_deletes_in_batches(monkeypatch):
    monkeypatch.setattr(tasks, "PRUNE_BATCH_SIZE", 2)
    members = [make_member(f"m{i}") for i in range(5)]
    for member in members:
        email("old", member, 60, sent_at=timezone.now() - timedelta(days=60))
    assert tasks.retention_prune.call() == {"outbound_emails": 5, "task_results": 0}
    assert not OutboundEmail.objects.exists()
