"""Enqueueing tasks so that no member's request fails for it, and finding what is still queued.

`enqueue_after_commit(task, *args)` enqueues the task once the caller's transaction commits (at
once outside one). On both backends, then, a worker never runs a task before the rows it needs
are committed, nor for rows that were rolled back: the database backend's row would be part of
the transaction anyway, but RQ would queue the job at once (django-tasks-rq#11).

When enqueueing fails (Redis is down, or the database refuses the task's row), `enqueue_logged`
logs an error naming the task and returns None instead of raising: what the member submitted is
committed by then, and a 500 would only tell them it wasn't. What the task was to do is not lost,
because the database knows it: `manage.py email_resume` queues email_send for every send with
unsent rows in the outbox, and each app registers with `@resumer` a function that enqueues again
its own work still pending (campaigns.tasks: campaign sends whose emails never reached the
outbox). Run email_resume before starting workers and once Redis is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, ParamSpec, TypeVar

import django_rq
from django.db import transaction
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from django_tasks_rq import Job, RQBackend
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

# What `manage.py email_resume` runs: each enqueues again its app's work that is still pending and
# older than the cutoff it is given (by then it should have run), and returns how many it queued.
Resumer = Callable[[datetime], int]

# Tasks that are safe to run again from the start (idempotent): `manage.py email_resume` puts
# those a dead worker left RUNNING back in the queue. Registered with @resumable.
RESUMABLE: set[str] = set()


def resumable(the_task: Task[P, T]) -> Task[P, T]:
    RESUMABLE.add(the_task.module_path)
    return the_task


RESUMERS: dict[str, Resumer] = {}


def resumer(function: Resumer) -> Resumer:
    """Register `function` with `manage.py email_resume` (see the module's docstring)."""
    RESUMERS[f"{function.__module__}.{function.__qualname__}"] = function
    return function


def enqueue_logged(task: Task[P, T], /, *args: P.args, **kwargs: P.kwargs) -> TaskResult[T] | None:
    """Enqueue now; None, with an error in the log, if the backend can't take the task. Outside
    a transaction (as enqueue_after_commit calls it): a database backend's failed INSERT would
    otherwise leave the caller's transaction unusable."""
    try:
        return task.enqueue(*args, **kwargs)
    except Exception:  # Redis down, a database error: anything, the caller's work is done
        # The arguments stay out of the log: they can hold addresses and password-reset links.
        log.exception(
            "Could not enqueue the task %s; it will be enqueued again by manage.py email_resume "
            "if its work is recorded as pending",
            task.module_path,
        )
        return None


def enqueue_after_commit(task: Task[P, T], /, *args: P.args, **kwargs: P.kwargs) -> None:
    """`enqueue_logged` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(enqueue_logged, task, *args, **kwargs))


def queued_arguments(task: Task[Any, Any]) -> list[list[Any]]:
    """The positional arguments of each of `task`'s jobs still to run or running on its backend:
    queued, waiting for their time (retries with run_after), or started. Empty for backends that
    keep no queue (immediate, dummy). email_resume uses it not to enqueue what will run anyway."""
    backend = task.get_backend()
    if isinstance(backend, DatabaseBackend):
        rows = DBTaskResult.objects.filter(
            task_path=task.module_path,
            backend_name=backend.alias,
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        ).values_list("args_kwargs", flat=True)
        return [list(row.get("args", [])) for row in rows]
    if isinstance(backend, RQBackend):
        return _rq_arguments(task, backend.queues)
    return []


def _rq_arguments(task: Task[Any, Any], queue_names: set[str]) -> list[list[Any]]:
    found: list[list[Any]] = []
    for name in sorted(queue_names):
        queue = django_rq.get_queue(name, job_class=Job)
        ids = [
            *queue.get_job_ids(),
            *ScheduledJobRegistry(queue=queue).get_job_ids(),  # type: ignore[no-untyped-call]
            *StartedJobRegistry(queue=queue).get_job_ids(),
        ]
        for start in range(0, len(ids), 500):
            for job in Job.fetch_many(ids[start : start + 500], connection=queue.connection):
                if job is not None and job.func_name == task.module_path:
                    found.append(list(job.args))
    return found
