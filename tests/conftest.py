"""Shared fixtures: the personas every view test uses, and test-only settings."""

import copy
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.urls import reverse

from accounts.models import MODERATORS_GROUP, User

PASSWORD = "correct-horse-battery-42"
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

on_postgres = django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# A second alias, "replica", set up as Django's docs set up a read replica for tests: the test
# mirror of default (another connection to the same test database), even when DATABASE_REPLICA_URL
# names a real one. It is read-only, as a standby is. No router sends queries to it unless a test
# turns accounts.db_routing on (tests/accounts/test_db_routing.py), so every other test runs on
# default alone and its query counts are default's. Added to the dict Django's connections already
# read (pytest-django has set Django up by the time this file is imported).
_default = django_settings.DATABASES["default"]
django_settings.DATABASES["replica"] = {
    **copy.deepcopy(_default),
    "OPTIONS": {
        **_default.get("OPTIONS", {}),
        **(
            {"options": "-c default_transaction_read_only=on"}
            if on_postgres
            else {"init_command": "PRAGMA query_only = ON;"}
        ),
    },
    "TEST": {**_default.get("TEST", {}), "MIRROR": "default"},
}
ROUTING_MIDDLEWARE = "accounts.db_routing.ReplicaRoutingMiddleware"
requires_postgres = pytest.mark.skipif(
    not on_postgres,
    reason="needs PostgreSQL (row locks and real concurrency); set DATABASE_URL=postgres://... to run",
)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # A fast hasher: the suite logs members in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The forum's posting rate limits are off except in the tests about them (which turn them on):
    # fixtures write hundreds of comments in a second.
    settings.FORUM_RATE_LIMITS = False
    # No anonymous page comes from the page cache (forum/pagecache.py) unless a test turns it on
    # (tests/forum/test_pagecache.py): every other test renders every page it loads.
    settings.PAGE_CACHE_SECONDS = 0
    # Links in email point where the test client's pages are.
    settings.SITE_URL = "http://testserver"
    # Sessions in the database only: a page's query budget then counts the session read as one
    # query whichever cache the run has (with Redis, cached_db would read it with none). The
    # cached_db engine the site runs is tested in tests/accounts/test_sessions.py.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    # Tasks run at once, in the test's process (inside the on-commit callbacks that enqueue them),
    # so mail.outbox has the emails; the delivery tests (tests/accounts/test_email_tasks.py) use
    # the database backend and a real worker.
    settings.TASKS = IMMEDIATE_TASKS
    # One database even when the run has DATABASE_REPLICA_URL set: the routing tests turn the
    # router on themselves.
    if ROUTING_MIDDLEWARE in django_settings.MIDDLEWARE:
        settings.DATABASE_ROUTERS = []
        settings.MIDDLEWARE = [m for m in django_settings.MIDDLEWARE if m != ROUTING_MIDDLEWARE]


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """allauth's rate limits count in the cache: every test starts with none spent.

    The cache is the one production uses (the database cache, or Redis with REDIS_URL). The
    database cache lives in the test database, so a test without database access has none to
    clear; for one with it, the database is opened first, and the table is emptied again at the
    end, since flushing after a transactional test empties the models' tables only.
    """
    uses_db = (
        request.node.get_closest_marker("django_db") is not None
        or "_django_db_helper" in request.fixturenames
    )
    if isinstance(caches["default"], DatabaseCache) and not uses_db:
        yield
        return
    if uses_db:
        request.getfixturevalue("db")  # the test's own flavour (transactional or not) is kept
    cache.clear()
    yield
    cache.clear()


def make_member(username: str, **extra) -> User:
    """A member who signed up and verified their email, as allauth would leave them."""
    user = User.objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD, **extra
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def activate_totp(user: User) -> str:
    """Turn on two-factor authentication (an authenticator app) for `user`, as allauth's set-up
    page does, and return the secret the app would hold."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, *, steps_ago: int = 0) -> str:
    """The code the authenticator app shows now (allauth's own HOTP function)."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD - steps_ago
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def member(db) -> User:
    return make_member("alice", display_name="Alice Okafor")


@pytest.fixture
def other_member(db) -> User:
    return make_member("bob", display_name="Bob Hughes")


@pytest.fixture
def moderator(db) -> User:
    """A moderator (staff, in the Moderators group) with two-factor authentication on, as every
    moderator must have before using moderator tools or the admin (accounts.middleware)."""
    user = make_member("maya", display_name="Maya Patel", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    activate_totp(user)
    return user


@pytest.fixture
def organiser(db) -> User:
    return make_member("olu", display_name="Olu Adeyemi")


@pytest.fixture
def superuser(db) -> User:
    """A superuser with two-factor authentication on (required for the admin)."""
    user = User.objects.create_superuser("root", "root@example.org", "x-long-password-1")
    activate_totp(user)
    return user


@pytest.fixture
def admin_client(client, superuser):
    """Logged in as a superuser (replaces pytest-django's fixture of the same name)."""
    client.force_login(superuser)
    return client


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what services defer to after commit (notifications), as a real commit would.

    Tests run inside a transaction that is rolled back, so deferred work needs this to happen:
    `with on_commit(): services.thing(...)`.
    """
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def app(django_app, db):
    """A WebTest browser: `app.get(url, user=member)` loads a page as that member, and
    `page.forms[...]` fills and submits the form exactly as the HTML renders it."""
    return django_app


def force_login_fresh(client, user: User, password: str = PASSWORD) -> None:
    """force_login, then the password given again (allauth's re-authentication), as a member who
    has just confirmed it would be: what views behind reauthentication_required need."""
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response


def give_password_again(response, password: str = PASSWORD):
    """A WebTest response that allauth answered by asking for the password again: its rendered
    form filled in and submitted. allauth then carries out the request it held (a POST too)."""
    from tests.webforms import form_with

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_reauthenticate"))
    form = form_with(response.follow(), "password")
    form["password"] = password
    return form.submit()
