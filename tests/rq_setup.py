"""The RQ task backend in tests: settings, a clean Redis database, and the real worker command.

Tests run with the immediate backend (tests/conftest.py); these switch to django-tasks-rq for one
test. `requires_rq` tests need the site's RQ set-up (REDIS_URL set, as in CI: django_rq is then
installed, with its dashboard); others bring their own redis-server (tests/redis_server.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
# THE worker command (README): --burst only so that it stops once the queue is empty.
RQ_WORKER = ["manage.py", "rqworker", "default", "--with-scheduler", "--burst"]

on_rq = "django_rq" in settings.INSTALLED_APPS
requires_rq = pytest.mark.skipif(
    not on_rq, reason="needs the RQ set-up: set REDIS_URL=redis://... (and not TASKS_BACKEND)"
)


def use_rq(test_settings, redis_url: str) -> None:
    """Tasks to RQ on `redis_url` and the cache on the same Redis, as the site runs them."""
    test_settings.TASKS = RQ_TASKS
    test_settings.RQ_QUEUES = {
        "default": {"URL": f"{redis_url}?socket_connect_timeout=0.5", "DEFAULT_TIMEOUT": 300}
    }
    test_settings.RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    test_settings.CACHES = {
        "default": {
            "BACKEND": "accounts.cache.DegradingRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "grassroots",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }


def worker_env(redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker process on the test's database and `redis_url`."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "grassroots.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "TASKS_BACKEND": "rq",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    return env


def run_worker(env: dict[str, str], log: IO[bytes], timeout: float = 60) -> None:
    """`manage.py rqworker default --with-scheduler --burst`: runs every job that is due (the
    scheduler first queues the retries whose time has come), then exits."""
    result = subprocess.run(
        [sys.executable, *RQ_WORKER],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        timeout=timeout,
    )
    assert result.returncode == 0, f"rqworker exited {result.returncode}"


def scheduled_job_ids() -> list[str]:
    """The jobs waiting for their time (retries enqueued with run_after)."""
    import django_rq
    from rq.registry import ScheduledJobRegistry

    return ScheduledJobRegistry(queue=django_rq.get_queue("default")).get_job_ids()


def make_scheduled_jobs_due() -> int:
    """Bring every scheduled job's time forward to now, as if its back-off had passed."""
    import django_rq
    from rq.registry import ScheduledJobRegistry

    registry = ScheduledJobRegistry(queue=django_rq.get_queue("default"))
    ids = registry.get_job_ids()
    if ids:
        registry.connection.zadd(registry.key, dict.fromkeys(ids, int(time.time()) - 1))
    return len(ids)
