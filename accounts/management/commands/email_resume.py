"""Pick up what a dead worker left: `manage.py email_resume` before starting workers.

A worker killed mid-task (SIGKILL, out of memory, a lost machine) leaves its task RUNNING for
ever: django-tasks-db never runs it again. This puts back in the queue the resumable tasks
(accounts.tasks.RESUMABLE: all of them safe to run twice) that have been RUNNING longer than
--stale-after seconds, releases the outbox rows claimed longer ago than that, and enqueues
email_send for every send with unsent rows that no worker holds and no queued task will send. `make run` runs it with --stale-after 0, since it starts the
only worker; with several workers, keep the default (EMAIL_CLAIM_TIMEOUT), longer than any task
runs.
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.tasks import RESUMABLE, email_send, unclaimed, unsent


class Command(BaseCommand):
    help = "Re-queue tasks and emails a killed worker left unfinished."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--stale-after",
            type=int,
            default=None,
            help="Seconds after which a running task or a claimed email is taken to be a dead "
            "worker's (default: EMAIL_CLAIM_TIMEOUT). 0 when no worker is running.",
        )

    def handle(self, *args: Any, stale_after: int | None, **options: Any) -> None:
        autodiscover_modules("tasks")  # every app's tasks register themselves as resumable
        seconds = settings.EMAIL_CLAIM_TIMEOUT if stale_after is None else stale_after
        cutoff = timezone.now() - timedelta(seconds=seconds)
        requeued = DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING, task_path__in=sorted(RESUMABLE), started_at__lte=cutoff
        ).update(status=TaskResultStatus.READY)
        # A dead worker's claims: free again, so email_send takes them now, not after the timeout.
        released = unsent().filter(claimed_at__lte=cutoff).update(claimed_at=None)
        queued = DBTaskResult.objects.filter(
            task_path=email_send.module_path,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        )
        keys = sorted(set(unclaimed(unsent()).values_list("key", flat=True)))
        enqueued = 0
        for key in keys:
            if not queued.filter(args_kwargs__args__0=key).exists():
                email_send.enqueue(key)
                enqueued += 1
        if options["verbosity"]:
            self.stdout.write(
                f"email_resume: {requeued} stopped task(s) queued again, {released} claimed email(s) "
                f"released, email_send queued for {enqueued} send(s)."
            )
