"""Pick up what was left unfinished: `manage.py email_resume` before starting workers, once Redis
is back after an outage, and now and then.

- A worker killed mid-task (SIGKILL, out of memory, a lost machine) leaves its task RUNNING for
  ever on the database backend: django-tasks-db never runs it again. This puts back in the queue
  the resumable tasks (accounts.queueing.RESUMABLE: all of them safe to run twice) that have been
  RUNNING longer than --stale-after seconds. (RQ fails such a job itself once its worker's
  heartbeat stops; the sends below then carry on.)
- It releases the outbox rows claimed longer ago than that, and enqueues email_send for every send
  with unsent rows that no worker holds and no queued task will send (on either backend).
- It runs each app's resumer (accounts.queueing.RESUMERS), which enqueues that app's work still
  pending from before the cutoff: campaign sends whose task was never enqueued (Redis was down) or
  never ran (campaigns.models.SupporterSend).

`make run` runs it with --stale-after 0, since it starts the only worker; with several workers,
keep the default (EMAIL_CLAIM_TIMEOUT), longer than any task runs. It fails (exit status 1) while
the task backend can't be reached, having enqueued nothing twice.
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
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from accounts.queueing import RESUMABLE, RESUMERS, queued_arguments
from accounts.tasks import email_send, unclaimed, unsent


class Command(BaseCommand):
    help = "Re-queue tasks and emails a killed worker or a Redis outage left unfinished."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--stale-after",
            type=int,
            default=None,
            help="Seconds after which a running task or a claimed email is taken to be a dead "
            "worker's, and pending work to have been lost (default: EMAIL_CLAIM_TIMEOUT). 0 when "
            "no worker is running.",
        )

    def handle(self, *args: Any, stale_after: int | None, **options: Any) -> None:
        autodiscover_modules("tasks")  # every app's tasks register themselves (and resumers)
        seconds = settings.EMAIL_CLAIM_TIMEOUT if stale_after is None else stale_after
        cutoff = timezone.now() - timedelta(seconds=seconds)
        backend = email_send.get_backend()
        requeued = 0
        if isinstance(backend, DatabaseBackend):
            requeued = DBTaskResult.objects.filter(
                status=TaskResultStatus.RUNNING,
                task_path__in=sorted(RESUMABLE),
                started_at__lte=cutoff,
            ).update(status=TaskResultStatus.READY)
        # A dead worker's claims: free again, so email_send takes them now, not after the timeout.
        released = unsent().filter(claimed_at__lte=cutoff).update(claimed_at=None)
        # Read before enqueueing anything, so that with Redis down nothing is enqueued at all.
        queued = {args[0] for args in queued_arguments(email_send) if args}
        keys = sorted(set(unclaimed(unsent()).values_list("key", flat=True)) - queued)
        for key in keys:
            email_send.enqueue(key)
        resumed = sum(resume(cutoff) for resume in RESUMERS.values())
        if options["verbosity"]:
            self.stdout.write(
                f"email_resume: {requeued} stopped task(s) queued again, {released} claimed email(s) "
                f"released, email_send queued for {len(keys)} send(s), {resumed} pending task(s) "
                "queued again."
            )
