"""The scale-out harness: two gunicorn servers, a task worker and HAProxy (tests/scaleout/cluster.py).

It needs PostgreSQL (DATABASE_URL=postgres://...), Redis (REDIS_URL) and Debian's haproxy
(`make balancer`); without them the tests skip, unless REQUIRE_SCALEOUT is set (CI), in which case
they fail: CI must never pass without having run them. The servers listen on SCALEOUT_BASE_PORT
(the balancer) and the next two ports.
"""

import os
import shutil

import pytest

from .cluster import Cluster

BASE_PORT = int(os.environ.get("SCALEOUT_BASE_PORT") or 8400)


def _missing() -> str | None:
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if not os.environ.get("REDIS_URL"):
        return "needs Redis: set REDIS_URL=redis://..."
    if not (
        os.environ.get("HAPROXY") or shutil.which("haproxy") or os.path.exists("/usr/sbin/haproxy")
    ):
        return "needs HAProxy: run `make balancer` (Debian's haproxy package)"
    return None


@pytest.fixture(scope="package")
def cluster(tmp_path_factory):
    missing = _missing()
    if missing:
        if os.environ.get("REQUIRE_SCALEOUT"):
            pytest.fail(f"REQUIRE_SCALEOUT is set but the scale-out test {missing}")
        pytest.skip(f"scale-out test {missing}")
    with Cluster(
        database_url=os.environ["DATABASE_URL"],
        redis_url=os.environ["REDIS_URL"],
        base_port=BASE_PORT,
        folder=tmp_path_factory.mktemp("scaleout"),
    ) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Replaces the suite's fixture, which flushes the cache's Redis database around each test:
    here that database also holds the servers' task queue, mid-run. The harness flushes it once
    before the servers start and once after they stop."""
    yield
