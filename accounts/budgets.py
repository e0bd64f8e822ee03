"""Budgets for work that saves nothing (previews, image checks, searches): counted in the shared
cache, so every app server sees the same count (Redis with REDIS_URL; the database cache else)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def spend(key: str, *, count: int, window: timedelta) -> bool:
    """Count one more use of the budget named `key`; False once `count` are spent in `window`.

    The window is fixed (clock-aligned) and its number is part of the key, so the count holds on
    any Django cache backend: add + incr, and touch because the database and file caches' incr
    sets the default expiry. A burst across a window's end may get up to twice the count.
    """
    seconds = int(window.total_seconds())
    key = f"budget:{key}:{int(time.time()) // seconds}"
    cache.add(key, 0, seconds)
    try:
        used = cache.incr(key)
    except ValueError:  # it expired between add and incr
        cache.add(key, 1, seconds)
        used = 1
    cache.touch(key, seconds)
    return used <= count


def client_key(request: HttpRequest) -> str:
    """Whose budget a request spends: the member's, or else the address allauth's rate limits
    use (its TRUSTED_PROXY_COUNT / TRUSTED_CLIENT_IP_HEADER settings)."""
    if request.user.is_authenticated:
        return f"member:{request.user.pk}"
    from allauth.account.adapter import get_adapter

    try:
        return f"ip:{get_adapter(request).get_client_ip(request)}"
    except PermissionDenied:  # no usable address: all such requests share one budget
        return "ip:unknown"
