"""Read replicas: which database each query goes to (DATABASE_REPLICA_URL; docs/deploy.md).

A query reads from the replica only inside a request that can do with data a moment old: a GET or
HEAD from a browser that hasn't written in the last REPLICA_PIN_SECONDS. Everything else reads the
primary: unsafe requests (POST and the rest), a browser's requests for a few seconds after its own
write (read-your-writes: the response to the write sets a cookie), the rest of a request once it has
written, reads inside a transaction, and all work outside requests (tasks, management commands, the
shell). Writes always go to the primary.

The decision is made per request by ReplicaRoutingMiddleware and kept in a context variable, so
each thread and each async task has its own; outside any request there is none, and the primary it
is. A replica that doesn't answer is skipped: the request reads from the primary instead, and this
process leaves the replica alone for REPLICA_RETRY_SECONDS, so an outage costs one failed connection
attempt, not one per request, and never takes the site down.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, Error, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase

log = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
# Holds the time (Unix seconds) until which this browser reads from the primary. Not signed: all a
# forged value can do is send that browser's own reads to the primary, as posting a form would.
PIN_COOKIE = "read_primary_until"
# Methods that never write; any other request pins its browser to the primary.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Only these read from the replica (OPTIONS and TRACE are rare enough not to bother).
REPLICA_METHODS = frozenset({"GET", "HEAD"})
# After the replica fails to answer, this process reads from the primary for this long before
# trying it again.
REPLICA_RETRY_SECONDS = 10.0
# Always read from the primary, whoever asks: the database cache's table (allauth's log-in limits
# and the other counters in it must not lag behind, or each app server would seem to have its own),
# and sessions (a logged-out session read back from a lagging replica would log its member in again;
# reading sessions is one key lookup, and with cached_db mostly not a database read at all).
PRIMARY_ONLY_APPS = frozenset({"django_cache", "sessions"})


@dataclass
class _RequestRouting:
    replica: bool  # may this request's reads still go to the replica?
    checked: bool = False  # has the replica been found to answer, in this request?
    wrote: bool = False  # has the request written (so its browser is pinned to the primary)?


_routing: ContextVar[_RequestRouting | None] = ContextVar("replica_routing", default=None)
_replica_down_until = 0.0  # time.monotonic() before which the replica isn't tried again


def _app_label(model: type[Model]) -> str:
    return model._meta.app_label


def _replica_answers() -> bool:
    """Is the replica reachable? Connects if need be; on failure, backs off for a while."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    replica = connections[REPLICA]
    try:
        # What Django does before a query (_cursor): drop a persistent connection that died, then
        # connect. A replica stopped since the last request fails here, before any query.
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except Error:
        log.warning(
            "the read replica is not reachable: reading from the primary for %.0f seconds",
            REPLICA_RETRY_SECONDS,
            exc_info=True,
        )
        _replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        return False
    return True


def reads_from_replica() -> bool:
    """May the current request's reads still go to the replica (so see data a moment old)?"""
    routing = _routing.get()
    return routing is not None and routing.replica


class ReplicaRouter:
    """Django's database router for a primary ("default") and one read replica ("replica")."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        routing = _routing.get()
        if routing is None or not routing.replica or _app_label(model) in PRIMARY_ONLY_APPS:
            return PRIMARY
        # Django asks here even for a plain read inside transaction.atomic() on the primary; that
        # read belongs to the write transaction (it may read what the transaction wrote, or decide
        # what it writes), so it stays on the primary.
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        if not routing.checked:
            routing.checked = True
            routing.replica = _replica_answers()
        return REPLICA if routing.replica else PRIMARY

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        # Also asked for select_for_update() and get_or_create(), which must read the primary.
        routing = _routing.get()
        if routing is not None and _app_label(model) not in PRIMARY_ONLY_APPS:
            # The rest of this request, and this browser's next few, read what was written.
            routing.wrote = True
            routing.replica = False
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: a row read from either may point at the other's.
        if {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica receives the schema from the primary by replication.
        return db == PRIMARY


def _pinned(request: HttpRequest) -> bool:
    """Did this browser write in the last REPLICA_PIN_SECONDS?"""
    raw = request.COOKIES.get(PIN_COOKIE, "")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        return False
    # A time further off than one window from now was never set by us (or by an older setting).
    now = time.time()
    return now < int(raw) <= now + settings.REPLICA_PIN_SECONDS + 1


class ReplicaRoutingMiddleware:
    """Decides, per request, whether its reads may go to the replica; pins writers' browsers.

    Installed (by settings, with DATABASE_REPLICA_URL) before every middleware that can touch the
    database, so the decision is made before the first query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        routing = _RequestRouting(
            replica=request.method in REPLICA_METHODS and not _pinned(request)
        )
        token = _routing.set(routing)
        try:
            response = self.get_response(request)
        finally:
            _routing.reset(token)
        # A login, a logout, a post, a failed form: any unsafe request may have written, and the
        # page it redirects to must show it.
        if routing.wrote or request.method not in SAFE_METHODS:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                str(math.ceil(time.time() + seconds)),
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
