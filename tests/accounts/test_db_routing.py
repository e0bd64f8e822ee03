"""Which database each query reads (accounts/db_routing.py), with the router turned on over two
aliases: "default" (the primary) and "replica", the test mirror of default that tests/conftest.py
adds (another, read-only connection to the same test database, as Django's docs set a replica up).

Each test records the alias every query ran on. The tests are transactional (real commits), since
the mirror is another connection and would not see a test's uncommitted rows, and the router sends
every read inside a transaction (which is what a non-transactional test runs in) to the primary.
The real streaming replica is tests/test_replica_streaming.py's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core.management import call_command
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts import db_routing
from accounts.db_routing import PIN_COOKIE, ReplicaRoutingMiddleware
from accounts.models import User
from forum.models import Comment, Post
from tests.conftest import PASSWORD, on_postgres
from tests.forum import factories
from tests.webforms import form_to

pytestmark = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", "replica"]
)

ROUTER = "accounts.db_routing.ReplicaRouter"
MIDDLEWARE = "accounts.db_routing.ReplicaRoutingMiddleware"
PIN_SECONDS = 5


@pytest.fixture(autouse=True)
def routing(settings, monkeypatch):
    """The router and middleware as settings.py installs them with DATABASE_REPLICA_URL set."""
    settings.DATABASE_ROUTERS = [ROUTER]
    middleware = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    middleware.insert(
        middleware.index("django.middleware.security.SecurityMiddleware") + 1, MIDDLEWARE
    )
    settings.MIDDLEWARE = middleware
    settings.REPLICA_PIN_SECONDS = PIN_SECONDS
    monkeypatch.setattr(db_routing, "_replica_down_until", 0.0)


@dataclass
class Queries:
    """(alias, sql) of every query run since the last clear()."""

    seen: list[tuple[str, str]] = field(default_factory=list)

    def clear(self) -> None:
        self.seen.clear()

    def aliases(self) -> set[str]:
        assert self.seen, "no query ran"
        return {alias for alias, _ in self.seen}

    def on(self, alias: str) -> list[str]:
        return [sql for a, sql in self.seen if a == alias]


@pytest.fixture
def queries() -> Iterator[Queries]:
    recorded = Queries()

    def recorder(alias):
        def record(execute, sql, params, many, context):
            recorded.seen.append((alias, sql))
            return execute(sql, params, many, context)

        return record

    with ExitStack() as stack:
        for alias in ("default", "replica"):
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield recorded


@pytest.fixture
def post(other_member) -> Post:
    return factories.post(other_member, title="Open the party's books")


def log_in(app, username: str):
    page = app.get(reverse("account_login"))
    form = form_to(page, reverse("account_login"))
    form["login"] = username
    form["password"] = PASSWORD
    return form.submit()


def pinned(app) -> bool:
    """Does the browser hold a pin that is still running?"""
    value = app.cookies.get(PIN_COOKIE, "")
    return value.isdigit() and int(value) > time.time()


def later():
    """Past the pin window of anything done so far."""
    return time_machine.travel(time.time() + PIN_SECONDS + 1, tick=True)


def selects(queries: Queries) -> list[str]:
    """The alias of each SELECT, in order (leaving out BEGIN, SAVEPOINT and the like)."""
    return [alias for alias, sql in queries.seen if sql.lstrip().upper().startswith("SELECT")]


# Requests -----------------------------------------------------------------------------------------


def test_anonymous_page_reads_only_from_the_replica(app, post, queries):
    queries.clear()
    page = app.get("/")
    assert "Open the party&#x27;s books" in page.text
    assert queries.aliases() == {"replica"}
    assert not pinned(app)  # reading pins nobody


def test_anonymous_head_reads_from_the_replica(app, post, queries):
    queries.clear()
    assert app.head(post.get_absolute_url()).status_code == 200
    assert queries.aliases() == {"replica"}


def test_logging_in_and_the_page_after_it_read_the_primary(app, member, queries):
    queries.clear()
    response = log_in(app, "alice")
    assert response.status_code == 302
    assert queries.aliases() == {"default"}
    assert pinned(app)
    queries.clear()
    home = response.follow()
    assert reverse("account_logout") in home.text  # logged in, as the session on the primary says
    assert queries.aliases() == {"default"}


def test_a_members_reply_and_the_page_it_redirects_to_read_the_primary(app, member, post, queries):
    log_in(app, "alice")
    with later():
        assert not pinned(app)
        reply_and_follow(app, post, queries)


def reply_and_follow(app, post, queries):
    queries.clear()
    detail = app.get(post.get_absolute_url())
    # A member's pages read from the replica too once their window is over, all but the session.
    assert queries.aliases() == {"default", "replica"}
    assert all("django_session" in sql for sql in queries.on("default"))

    form = form_to(detail, reverse("forum:comment-create", args=[post.pk]))
    form["body"] = "Every line, and the receipts."
    queries.clear()
    response = form.submit()
    assert response.status_code == 302
    assert queries.aliases() == {"default"}
    assert pinned(app)

    queries.clear()
    page = response.follow()
    assert "Every line, and the receipts." in page.text
    assert queries.aliases() == {"default"}
    assert Comment.objects.get().body == "Every line, and the receipts."


def test_after_the_pin_window_the_browser_reads_the_replica_again(app, member, post, queries):
    log_in(app, "alice")
    queries.clear()
    app.get(post.get_absolute_url())
    assert queries.aliases() == {"default"}  # pinned by the log-in

    with time_machine.travel(time.time() + PIN_SECONDS - 1, tick=False):
        queries.clear()
        app.get(post.get_absolute_url())
        assert queries.aliases() == {"default"}  # still inside the window
    with time_machine.travel(time.time() + PIN_SECONDS + 1, tick=False):
        queries.clear()
        app.get(post.get_absolute_url())
        assert "replica" in queries.aliases()
        assert all("django_session" in sql for sql in queries.on("default"))


def test_logging_out_pins_so_the_next_page_is_logged_out(app, member, queries):
    log_in(app, "alice")
    with later():
        logout = form_to(app.get(reverse("account_logout")), reverse("account_logout"))
        queries.clear()
        response = logout.submit()
        assert queries.aliases() == {"default"}
        assert pinned(app)
        queries.clear()
        page = response.follow()
        assert queries.aliases() == {"default"}
        assert reverse("account_logout") not in page.text
        assert reverse("account_login") in page.text


def test_the_server_checks_the_pin_time_not_only_the_browser(app, post, queries):
    # A browser that keeps a cookie past its Max-Age (or a clock that's wrong) isn't pinned for it.
    app.set_cookie(PIN_COOKIE, str(int(time.time()) - 1))
    queries.clear()
    app.get("/")
    assert queries.aliases() == {"replica"}
    app.set_cookie(PIN_COOKIE, str(int(time.time()) + 3))
    queries.clear()
    app.get("/")
    assert queries.aliases() == {"default"}


@pytest.mark.parametrize("value", ["soon", "-5", "1e99", "9" * 12, "9" * 5000, ""])
def test_a_malformed_or_far_off_pin_cookie_reads_the_replica(app, post, queries, value):
    # 9 * 12: a pin for thousands of years, which this site never set; 9 * 5000: past the
    # digits Python turns into an int.
    app.set_cookie(PIN_COOKIE, value)
    queries.clear()
    assert app.get("/").status_code == 200
    assert queries.aliases() == {"replica"}


def test_a_refused_form_still_pins(app, member, queries):
    """Any unsafe request pins: the router can't know what a failed one wrote (a log-in failure
    is counted in the cache, for instance)."""
    form = form_to(app.get(reverse("account_login")), reverse("account_login"))
    form["login"] = "alice"
    form["password"] = "not the password"
    queries.clear()
    assert form.submit().status_code == 200
    assert queries.aliases() == {"default"}
    assert pinned(app)


# The router inside a request: transactions, writes, threads -----------------------------------------


def run_view(view) -> HttpResponse:
    """A GET through the routing middleware, as an anonymous visitor, to a view of the test's own."""
    response = ReplicaRoutingMiddleware(view)(RequestFactory().get("/"))
    assert isinstance(response, HttpResponse)
    return response


def test_reads_inside_a_transaction_use_the_primary(post, queries):
    def view(request: HttpRequest) -> HttpResponse:
        queries.clear()
        list(Post.objects.all())
        with transaction.atomic():
            list(Post.objects.all())
            Post.objects.filter(pk=post.pk).exists()
        list(Post.objects.all())
        return HttpResponse()

    response = run_view(view)
    assert selects(queries) == ["replica", "default", "default", "replica"]
    assert PIN_COOKIE not in response.cookies  # it only read


def test_select_for_update_reads_the_primary_and_so_does_the_rest_of_the_request(post, queries):
    def view(request: HttpRequest) -> HttpResponse:
        queries.clear()
        with transaction.atomic():
            list(Post.objects.select_for_update().filter(pk=post.pk))
        list(Post.objects.all())
        return HttpResponse()

    response = run_view(view)
    assert selects(queries) == ["default", "default"]
    # Django asks the router where to write: taken as a write, which pins (harmless if it wasn't).
    assert PIN_COOKIE in response.cookies


def test_a_get_that_writes_reads_the_primary_after_and_pins(post, queries):
    def view(request: HttpRequest) -> HttpResponse:
        queries.clear()
        list(Post.objects.all())
        Post.objects.filter(pk=post.pk).update(title="Renamed")
        titles = list(Post.objects.values_list("title", flat=True))
        return HttpResponse(titles[0])

    response = run_view(view)
    assert [alias for alias, _ in queries.seen if "BEGIN" not in _] == [
        "replica",
        "default",
        "default",
    ]
    assert response.content == b"Renamed"
    assert PIN_COOKIE in response.cookies
    assert response.cookies[PIN_COOKIE]["max-age"] == PIN_SECONDS
    assert response.cookies[PIN_COOKIE]["httponly"]


def test_a_thread_started_by_a_request_reads_the_primary(post, queries):
    seen_in_thread: list[str] = []

    def record(execute, sql, *args):
        seen_in_thread.append("default")
        return execute(sql, *args)

    def work() -> None:
        with connections["default"].execute_wrapper(record):
            list(Post.objects.all())
        connections.close_all()

    def view(request: HttpRequest) -> HttpResponse:
        queries.clear()
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        list(Post.objects.all())
        return HttpResponse()

    run_view(view)
    assert seen_in_thread == ["default"]  # the thread has no request of its own
    assert queries.aliases() == {"replica"}  # and the request's own decision stood


def test_the_cache_and_sessions_are_read_from_the_primary(post, queries):
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    def view(request: HttpRequest) -> HttpResponse:
        queries.clear()
        Session.objects.filter(session_key="x").exists()
        if isinstance(caches["default"], DatabaseCache):
            caches["default"].get("some-counter")
        list(Post.objects.all())
        return HttpResponse()

    response = run_view(view)
    assert selects(queries)[-1] == "replica"
    assert set(selects(queries)[:-1]) == {"default"}
    assert PIN_COOKIE not in response.cookies


# Outside requests ---------------------------------------------------------------------------------


def test_code_outside_requests_reads_the_primary(post, queries):
    queries.clear()
    assert Post.objects.count() == 1
    User.objects.get(username="bob")
    assert queries.aliases() == {"default"}


def test_management_commands_read_the_primary(post, queries):
    queries.clear()
    call_command("email_resume", "--stale-after", "0")
    assert queries.aliases() == {"default"}


# A replica that doesn't answer ---------------------------------------------------------------------


@pytest.fixture
def replica_unreachable():
    """Point the replica alias where nothing answers (a closed port, a missing directory) until
    the test calls what this returns."""
    replica = connections["replica"]
    real = dict(replica.settings_dict)
    if on_postgres:
        replica.settings_dict.update(HOST="127.0.0.1", PORT="9")  # discard: nothing listens
    else:
        replica.settings_dict["NAME"] = "/nonexistent/replica.sqlite3"
    # After the change: Django ignores close() on an in-memory SQLite database.
    replica.close()

    def comes_back() -> None:
        replica.close()
        replica.settings_dict.update(real)

    yield comes_back
    comes_back()


def test_replica_down_pages_are_served_from_the_primary(
    app, post, queries, replica_unreachable, caplog, monkeypatch
):
    monkeypatch.setattr(db_routing, "REPLICA_RETRY_SECONDS", 0.5)
    with caplog.at_level(logging.WARNING, logger="accounts.db_routing"):
        queries.clear()
        page = app.get("/")
        assert "Open the party&#x27;s books" in page.text
        assert queries.aliases() == {"default"}
        queries.clear()
        app.get(post.get_absolute_url())  # within the back-off: not even a connection attempt
        assert queries.aliases() == {"default"}
        assert len(caplog.records) == 1
        assert "read replica is not reachable" in caplog.records[0].getMessage()

        time.sleep(0.6)  # past the back-off: tried again, and still down
        queries.clear()
        assert app.get("/").status_code == 200
        assert queries.aliases() == {"default"}
        assert len(caplog.records) == 2


def test_when_the_replica_comes_back_reads_return_to_it_after_the_back_off(
    app, post, queries, monkeypatch, replica_unreachable
):
    monkeypatch.setattr(db_routing, "REPLICA_RETRY_SECONDS", 0.5)
    queries.clear()
    app.get("/")
    assert queries.aliases() == {"default"}
    replica_unreachable()  # it comes back
    queries.clear()
    app.get("/")
    assert queries.aliases() == {"default"}  # not tried again yet
    time.sleep(0.6)
    queries.clear()
    app.get("/")
    assert queries.aliases() == {"replica"}


# The mirror itself --------------------------------------------------------------------------------


def test_the_replica_alias_refuses_writes_as_a_standby_does(post):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), connections["replica"].cursor() as cursor:
        cursor.execute("UPDATE forum_post SET title = 'x'")
