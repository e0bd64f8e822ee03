"""Log-in limits hold across processes, and count each client, not the proxy in front of them.

allauth counts failures in Django's cache: a per-process cache would give every gunicorn worker
its own five tries, and an address shared by everyone behind a proxy would let one client lock the
whole site's log-in.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, make_member, requires_postgres

ROOT = Path(__file__).resolve().parents[2]
TOO_MANY = "Too many failed login attempts"


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail_login(client: Client, login: str, **headers) -> str:
    response = client.post(
        reverse("account_login"), {"login": login, "password": "wrong-password"}, **headers
    )
    return response.content.decode()


def test_the_cache_is_shared_by_every_process(db):
    # The database cache without REDIS_URL; tests run what production runs.
    if os.environ.get("REDIS_URL"):
        assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    else:
        assert isinstance(caches["default"], DatabaseCache)


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_failures_in_another_process_count_here():
    """Three wrong passwords in one process and two in another use up alice's five."""
    make_member("alice")
    db = connection.settings_dict
    other_process = textwrap.dedent(
        """
        import django
        django.setup()
        from django.test.utils import setup_test_environment
        setup_test_environment()  # the test client's host, the in-memory outbox
        from django.test import Client
        from django.urls import reverse
        client = Client()
        for _ in range(3):
            page = client.post(reverse("account_login"), {"login": "alice", "password": "nope"})
            assert "not correct" in page.content.decode(), page.content
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env["DJANGO_SETTINGS_MODULE"] = "grassroots.settings"
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    result = subprocess.run(
        [sys.executable, "-c", other_process], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr

    client = Client()
    for _ in range(2):
        assert "not correct" in fail_login(client, "alice")
    page = client.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
    assert TOO_MANY in page.content.decode()
    assert not logged_in(client)


def test_behind_a_trusted_proxy_one_client_cannot_lock_out_another(settings, member):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.2")  # every request arrives from the proxy's address
    for n in range(12):
        fail_login(attacker, f"made-up-{n}", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert TOO_MANY in fail_login(attacker, "made-up-x", HTTP_X_FORWARDED_FOR="203.0.113.5")

    neighbour = Client(REMOTE_ADDR="10.0.0.2")
    neighbour.post(
        reverse("account_login"),
        {"login": "alice", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert logged_in(neighbour)


def test_behind_a_trusted_proxy_a_forged_address_does_not_reset_the_count(settings, db):
    # The proxy appends the address it saw; only that last entry is believed.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.2")
    for n in range(10):
        fail_login(attacker, f"made-up-{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5")
    assert TOO_MANY in fail_login(
        attacker, "made-up-x", HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.5"
    )


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings, db):
    # Anyone can send the header: rotating it must not buy more tries.
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == 0
    attacker = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(10):
        fail_login(attacker, f"made-up-{n}", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert TOO_MANY in fail_login(attacker, "made-up-x", HTTP_X_FORWARDED_FOR="192.0.2.200")
