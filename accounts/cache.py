"""The shared cache on Redis (REDIS_URL): Django's RedisCache, except that Redis being down
costs a page nothing worse than a cache miss.

Django's RedisCache raises on a connection error, and every page reads the cache (the session,
allauth's rate limits), so while Redis is away every page would be a 500. Here an operation that
can't reach Redis (redis-py's ConnectionError or TimeoutError) behaves as if its value had been
evicted: a read misses, a write (set, add, delete...) is as if stored and evicted at once, so
cached_db sessions fall back to the database and counters start again from nothing. Each failure
is logged as a warning (at most one line every LOG_EVERY seconds per process, with how many were
left out). Other errors (a bad key, a value that can't be pickled) still raise.

/healthz must still see the outage: `ping()` raises when Redis doesn't answer.

`clear()` deletes this cache's keys only (those under KEY_PREFIX), not the whole Redis database:
the task queue (RQ) may live in the same one, and emptying the cache must never drop queued email.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, TypeAlias

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
LOG_EVERY = 30.0  # seconds between warnings while Redis stays down

# What django-stubs calls the client's key and timeout types.
_Key: TypeAlias = str | bytes | memoryview
_Expiry: TypeAlias = int | timedelta

# Per process: Django makes a cache object per thread, and the warnings are about the one Redis.
_log_lock = threading.Lock()
_last_logged = float("-inf")
_left_out = 0


def _warn(operation: str, exc: Exception) -> None:
    global _last_logged, _left_out
    with _log_lock:
        now = time.monotonic()
        if now - _last_logged < LOG_EVERY:
            _left_out += 1
            return
        left_out, _left_out, _last_logged = _left_out, 0, now
    log.warning(
        "The cache (Redis) is unreachable; %s treated as a miss: %s%s",
        operation,
        exc,
        f" ({left_out} more such failures since the last warning)" if left_out else "",
    )


def _glob_escape(text: str) -> str:
    """`text` matched literally in a Redis SCAN pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


class DegradingRedisCacheClient(RedisCacheClient):
    """Django's client for one Redis, with each operation's answer when Redis can't be reached."""

    def add(self, key: _Key, value: Any, timeout: _Expiry | None) -> bool:
        try:
            return super().add(key, value, timeout)
        except UNREACHABLE as exc:
            _warn("add", exc)
            # As if added and evicted at once: a lock built on add() (allauth's rate limits)
            # then goes ahead, instead of waiting a second for a lock it can never get.
            return True

    def get(self, key: _Key, default: Any) -> Any:
        try:
            return super().get(key, default)
        except UNREACHABLE as exc:
            _warn("get", exc)
            return default

    def set(self, key: _Key, value: Any, timeout: _Expiry | None) -> None:
        try:
            super().set(key, value, timeout)
        except UNREACHABLE as exc:
            _warn("set", exc)

    def touch(self, key: _Key, timeout: _Expiry) -> bool:
        try:
            return super().touch(key, timeout)
        except UNREACHABLE as exc:
            _warn("touch", exc)
            return False

    def delete(self, key: _Key) -> bool:
        try:
            return super().delete(key)
        except UNREACHABLE as exc:
            _warn("delete", exc)
            return False

    def get_many(self, keys: Iterable[_Key]) -> dict[_Key, Any]:
        try:
            return super().get_many(keys)
        except UNREACHABLE as exc:
            _warn("get_many", exc)
            return {}

    def has_key(self, key: _Key) -> bool:
        try:
            return super().has_key(key)
        except UNREACHABLE as exc:
            _warn("has_key", exc)
            return False

    def incr(self, key: _Key, delta: int) -> Any:
        try:
            return super().incr(key, delta)
        except UNREACHABLE as exc:
            _warn("incr", exc)
            # What incr() does with a key that isn't there; callers then add() it afresh.
            raise ValueError(f"Key {key!r} not found (the cache is unreachable).") from exc

    def set_many(self, data: Mapping[_Key, Any], timeout: _Expiry) -> None:
        try:
            super().set_many(data, timeout)
        except UNREACHABLE as exc:
            _warn("set_many", exc)

    def delete_many(self, keys: Iterable[_Key]) -> None:
        try:
            super().delete_many(keys)
        except UNREACHABLE as exc:
            _warn("delete_many", exc)

    def clear(self) -> bool:
        raise NotImplementedError("DegradingRedisCache.clear() deletes its own keys only.")


class DegradingRedisCache(RedisCache):
    """settings.CACHES["default"] when REDIS_URL is set (see the module's docstring)."""

    # Django's attributes, which django-stubs leaves out.
    _class: type[RedisCacheClient]
    _cache: RedisCacheClient

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = DegradingRedisCacheClient

    def ping(self) -> None:
        """Raise unless Redis answers (for /healthz)."""
        self._cache.get_client(write=True).ping()

    def clear(self) -> None:
        """Delete this cache's keys (every version of each), and nothing else."""
        try:
            client = self._cache.get_client(write=True)
            batch: list[Any] = []
            for key in client.scan_iter(match=f"{_glob_escape(self.key_prefix)}:*", count=1000):
                batch.append(key)
                if len(batch) == 1000:
                    client.unlink(*batch)
                    batch.clear()
            if batch:
                client.unlink(*batch)
        except UNREACHABLE as exc:
            _warn("clear", exc)
