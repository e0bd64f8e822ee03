"""The Redis cache (accounts/cache.py) with Redis gone: every operation answers as a miss, at once,
with a warning in the log; /healthz still sees the outage. And emptying the cache leaves the
rest of the Redis database (the task queue) alone."""

import logging
import time

import pytest
import redis
from django.core.cache import caches

from tests.redis_server import RedisServer, requires_redis_server

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def degrading(settings, location: str):
    settings.CACHES = {
        "default": {
            "BACKEND": "accounts.cache.DegradingRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "grassroots",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    return caches["default"]


@pytest.fixture
def every_warning(monkeypatch):
    monkeypatch.setattr("accounts.cache._last_logged", float("-inf"))


def test_with_redis_unreachable_every_operation_is_a_miss(settings, caplog, every_warning):
    cache = degrading(settings, CLOSED)
    caplog.set_level(logging.WARNING, logger="accounts.cache")
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_or_set("k", 1) == 1
    assert cache.add("k", 1) is True  # as if added and evicted at once
    cache.set("k", 1)
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    assert cache.has_key("k") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1}) == []
    cache.delete_many(["a", "b"])
    with pytest.raises(ValueError):  # what incr does with a missing key
        cache.incr("k")
    cache.clear()
    with pytest.raises(redis.ConnectionError):
        cache.ping()
    [warning] = caplog.records  # one line, not one per operation
    assert "The cache (Redis) is unreachable; get treated as a miss" in warning.getMessage()


def test_a_dead_redis_costs_milliseconds(settings):
    cache = degrading(settings, CLOSED)
    started = time.monotonic()
    for n in range(200):
        cache.get(f"k{n}")
    assert time.monotonic() - started < 2  # ~0.1 ms each on loopback; a 500 is never the answer


def test_warnings_say_how_many_were_left_out(settings, caplog, every_warning, monkeypatch):
    cache = degrading(settings, CLOSED)
    caplog.set_level(logging.WARNING, logger="accounts.cache")
    for _ in range(3):
        cache.get("k")
    monkeypatch.setattr("accounts.cache._last_logged", float("-inf"))  # LOG_EVERY later
    cache.set("k", 1)
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "The cache (Redis) is unreachable; get treated as a miss",
        "The cache (Redis) is unreachable; set treated as a miss",
    ]
    assert "(2 more such failures since the last warning)" in caplog.records[1].getMessage()


def test_other_errors_still_raise(settings):
    cache = degrading(settings, CLOSED)
    with pytest.raises(TypeError, match="cannot pickle"):  # a bug, not an outage
        cache.set("k", (n for n in range(3)))


@pytest.mark.django_db
def test_healthz_says_503_while_redis_is_down(client, settings):
    degrading(settings, CLOSED)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "unreachable"}


@requires_redis_server
def test_clearing_the_cache_leaves_the_task_queue(settings):
    server = RedisServer()
    server.start()
    closing: list[redis.Redis] = []
    try:
        cache = degrading(settings, server.url())
        cache.set("session", "data")
        cache.set("limit", 1, version=2)
        raw = redis.Redis.from_url(server.url())
        closing.append(raw)
        raw.rpush("rq:queue:default", "job-1")
        raw.set("grassroots-other:1:x", "not ours either")
        cache.clear()
        assert cache.get("session") is None
        assert cache.get("limit", version=2) is None
        assert raw.lrange("rq:queue:default", 0, -1) == [b"job-1"]
        assert raw.get("grassroots-other:1:x") == b"not ours either"
        assert sorted(raw.keys()) == [b"grassroots-other:1:x", b"rq:queue:default"]
        server.kill()
        assert cache.get("session") is None  # and then Redis dies: a miss, not an error
        server.start()
        cache.set("session", "again")
        assert cache.get("session") == "again"  # and it is used again once back
    finally:
        for client in closing:
            client.close()
        server.kill()
