"""A brief shared cache of the pages anonymous visitors read (issue 12): `@anonymous_page_cache`.

What is cached: the rendered body of a decorated view (the forum's lists, sections, posts and
comment permalinks; the campaign list and campaign pages), for PAGE_CACHE_SECONDS (0: off), in the
site's shared cache (settings.CACHES: the database cache, or Redis), under the page's full address
(scheme, host, path and query string).

For whom: only a GET or HEAD from a visitor who is anonymous and sends neither a session cookie nor
a messages cookie (a flash message is never cached, nor swallowed by a cached page). A csrftoken
cookie is no reason to skip the cache: no cached page holds a CSRF token (below). Nothing is
stored unless the response is a 200, not streaming, sets no cookie, is not `Cache-Control: private`
or `no-store`, and used no per-visitor value while it rendered: no CSRF token (a form with
{% csrf_token %}), no CSP nonce (request.csp_nonce: a nonce must not be shared by many visitors,
and django-csp would otherwise send a header without it), no session write, no new flash message.
A logged-in member's page is never served from or stored in the cache. Every response of a
decorated view says `Vary: Cookie`, so a cache downstream can't hand a visitor's page to a member.

A hit does no template rendering and one cache read (`get_many` of the page and the generation:
one query with the database cache, one round trip with Redis). The response is rebuilt from the
stored body and the view's own headers (Content-Type...); the middleware adds the rest (CSP
without a nonce, X-Frame-Options, the request id) as it does for any page.

Invalidation: one global generation for the whole site, a random token kept in the cache. Each
entry records the generation it was rendered under (read before rendering, so a write that
commits mid-render makes that render stale); an entry of another generation is a miss. `bump()`
sets a new token: every page is stale at once. It is called on commit (transaction.on_commit,
once per transaction) by every write that changes what an anonymous page shows: `watch()`
connects post_save/post_delete (and m2m_changed for the Moderators group's members: the moderator
hat) for the models that appear in pages, which covers services, the admin and the shell alike;
services that write with `.update()` or in bulk call `bump_on_commit()` themselves. One global
generation is deliberately simple: a busy site renders each page again after any write, which is
still one render per page per write instead of one per visit, and never a stale page.

With a read replica (accounts.db_routing), a page rendered from the replica within
REPLICA_PIN_SECONDS of the last bump is not stored: the replica may not show that write yet.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import cc_delim_re, patch_vary_headers

from accounts.db_routing import reads_from_replica

GENERATION_KEY = "pagecache:generation"
KEY_PREFIX = "pagecache:page:"
# The messages framework's cookie (CookieStorage, and FallbackStorage's first choice).
MESSAGES_COOKIE = "messages"
CACHEABLE_METHODS = frozenset({"GET", "HEAD"})

# (token, time of the bump): the token tells generations apart, the time is for the replica rule.
Generation = tuple[str, float]


def _seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0))


def _new_generation() -> Generation:
    return (secrets.token_hex(8), time.time())


def bump() -> None:
    """Make every cached page stale, now. A new random token rather than an increment: two bumps
    at once can't both write the same value, so no render that read the old one is kept."""
    if _seconds() <= 0:
        return  # nothing is stored while the cache is off
    cache.set(GENERATION_KEY, _new_generation(), timeout=None)


class _Pending:
    """The bump one transaction's writes are waiting for: the first of their on-commit callbacks
    to run bumps, the others see it done."""

    done = False


# Per database connection (each thread has its own): the bump its open transaction waits for.
_pending: weakref.WeakKeyDictionary[Any, _Pending] = weakref.WeakKeyDictionary()


def bump_on_commit(using: str | None = None) -> None:
    """bump() once the current transaction commits (at once outside one); once per transaction,
    however many writes in it ask."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        bump()
        return
    pending = _pending.get(connection)
    if pending is None or pending.done:
        pending = _pending[connection] = _Pending()
    # robust: the write has committed; a cache that fails to take the bump is logged, not a 500
    # (its pages then age out within PAGE_CACHE_SECONDS).
    callback = functools.partial(_bump_once, pending, connection)
    transaction.on_commit(callback, using=using, robust=True)


def _bump_once(pending: _Pending, connection: Any) -> None:
    if pending.done:
        return
    pending.done = True
    if _pending.get(connection) is pending:
        del _pending[connection]
    bump()


def _on_save(
    sender: type[Model],
    using: str,
    update_fields: Iterable[str] | None = None,
    ignore_fields: frozenset[str] = frozenset(),
    **kwargs: Any,
) -> None:
    if update_fields is not None and ignore_fields and set(update_fields) <= ignore_fields:
        return
    bump_on_commit(using)


def _on_change(sender: type[Model], using: str, **kwargs: Any) -> None:
    bump_on_commit(using)


def watch(*models: type[Model], deletes: bool = True, ignore_fields: Iterable[str] = ()) -> None:
    """Bump the generation whenever a row of these models is saved (and deleted, unless
    deletes=False). A save that writes only `ignore_fields` changes nothing pages show.

    deletes=False is for models that services delete with a queryset's .delete() and that bump
    themselves: a post_delete receiver makes Django fetch the rows before deleting them."""
    ignored = frozenset(ignore_fields)
    for model in models:
        receiver = functools.partial(_on_save, ignore_fields=ignored)
        uid = f"pagecache:{model._meta.label_lower}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}:save")
        if deletes:
            post_delete.connect(_on_change, sender=model, weak=False, dispatch_uid=f"{uid}:delete")


def watch_m2m(through: type[Model]) -> None:
    m2m_changed.connect(
        _on_change,
        sender=through,
        weak=False,
        dispatch_uid=f"pagecache:{through._meta.label_lower}",
    )


# The cache -------------------------------------------------------------------------------------


def _anonymous(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or MESSAGES_COOKIE in cookies:
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def _key(request: HttpRequest) -> str:
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return KEY_PREFIX + hashlib.sha256(address.encode()).hexdigest()


def _personal(request: HttpRequest) -> bool:
    """Did rendering use something of this visitor's own, or leave something for them?"""
    if isinstance(getattr(request, "_csp_nonce", None), str):
        return True  # the body carries a CSP nonce
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return True  # the body carries a CSRF token (and the response will set its cookie)
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return True
    storage = getattr(request, "_messages", None)
    return bool(storage is not None and storage.added_new)


def _storable(response: HttpResponseBase) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    directives = {
        d.split("=", 1)[0].strip().lower()
        for d in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    return not directives & {"private", "no-store"}


def _may_store(request: HttpRequest, response: HttpResponse, generation: Generation) -> bool:
    if not _storable(response) or _personal(request) or not _anonymous(request):
        return False
    # A replica may not show the last bump's write yet.
    lagging = time.time() - generation[1] < settings.REPLICA_PIN_SECONDS
    return not (lagging and reads_from_replica())


def _current_generation() -> Generation:
    """The generation to store a new page under, making one if the cache has none."""
    generation = _new_generation()
    if cache.add(GENERATION_KEY, generation, timeout=None):
        return generation
    found = cache.get(GENERATION_KEY)
    return found if found is not None else generation


View = Callable[..., HttpResponseBase]


def anonymous_page_cache(view: View) -> View:
    """Serve anonymous visitors this view's page from the shared cache (see the module's text)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        seconds = _seconds()
        if seconds <= 0 or request.method not in CACHEABLE_METHODS or not _anonymous(request):
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, ["Cookie"])
            return response
        key = _key(request)
        found = cache.get_many([GENERATION_KEY, key])
        generation: Generation | None = found.get(GENERATION_KEY)
        entry = found.get(key)
        if generation is not None and entry is not None and entry[0] == generation[0]:
            _, content, headers = entry
            response = HttpResponse(content, headers=headers)
            patch_vary_headers(response, ["Cookie"])
            return response
        if generation is None:
            generation = _current_generation()
        response = view(request, *args, **kwargs)
        patch_vary_headers(response, ["Cookie"])
        if isinstance(response, HttpResponse) and _may_store(request, response, generation):
            headers = list(response.items())
            cache.set(key, (generation[0], response.content, headers), timeout=seconds)
        return response

    return wrapper
