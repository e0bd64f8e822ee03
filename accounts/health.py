"""/healthz, for load balancers: is this app server able to serve? No log-in, no session, no
writes: it reads one row's worth from the database, and one key from the database cache or a
PING from Redis (whose cache answers a miss, not an error, while Redis is down)."""

from __future__ import annotations

import logging

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .cache import DegradingRedisCache

log = logging.getLogger(__name__)


def _database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, DegradingRedisCache):
        backend.ping()  # its reads never fail: a dead Redis is a miss to them
    else:
        backend.get("healthz:probe")  # a read: the database cache would otherwise write a row


CHECKS = {"database": _database, "cache": _cache}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the cache answer, 503 (naming what failed) when one doesn't."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # anything at all: the balancer needs an answer, not a 500
            log.warning("healthz: the %s is not reachable", name, exc_info=True)
            results[name] = "unreachable"
        else:
            results[name] = "ok"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)
