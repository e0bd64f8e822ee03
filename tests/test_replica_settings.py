"""DATABASE_REPLICA_URL and REPLICA_PIN_SECONDS: what settings.py makes of them, and what it refuses
(in a subprocess with the given environment, as tests/test_settings.py does)."""

import json

import pytest

from tests.test_settings import run_manage

PRIMARY = "postgres://postgres@127.0.0.1:5432/grassroots"
REPLICA = "postgres://postgres@10.0.0.2:5433/grassroots"

SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'aliases': list(s.DATABASES), 'replica': s.DATABASES.get('replica'),"
    "'routers': s.DATABASE_ROUTERS, 'middleware': s.MIDDLEWARE, 'pin': s.REPLICA_PIN_SECONDS}))"
)


def settings_with(env: dict) -> dict:
    result = run_manage(
        {"DATABASE_REPLICA_URL": "", "REPLICA_PIN_SECONDS": "", **env}, "shell", "-c", SHOW
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # after the shell's own banner


def test_without_a_replica_there_is_one_database_and_no_router():
    shown = settings_with({"DATABASE_URL": PRIMARY})
    assert shown["aliases"] == ["default"]
    assert shown["routers"] == []
    assert "accounts.db_routing.ReplicaRoutingMiddleware" not in shown["middleware"]


def test_a_replica_url_adds_the_alias_the_router_and_the_middleware():
    shown = settings_with({"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": REPLICA})
    assert shown["aliases"] == ["default", "replica"]
    replica = shown["replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("10.0.0.2", 5433, "grassroots")
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert replica["OPTIONS"]["connect_timeout"] == 2
    assert replica["TEST"]["MIRROR"] == "default"
    assert shown["routers"] == ["accounts.db_routing.ReplicaRouter"]
    middleware = shown["middleware"]
    # Before the session and authentication middleware, whose reads it decides.
    assert middleware.index("accounts.db_routing.ReplicaRoutingMiddleware") == 1 + middleware.index(
        "django.middleware.security.SecurityMiddleware"
    )
    assert shown["pin"] == 5


def test_the_replica_urls_own_connect_timeout_wins():
    shown = settings_with(
        {"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": f"{REPLICA}?connect_timeout=7"}
    )
    assert shown["replica"]["OPTIONS"]["connect_timeout"] == 7


def test_pin_seconds_come_from_the_environment():
    shown = settings_with(
        {"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": REPLICA, "REPLICA_PIN_SECONDS": "12"}
    )
    assert shown["pin"] == 12


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DATABASE_REPLICA_URL": REPLICA},  # the default SQLite primary
            "DATABASE_REPLICA_URL needs a PostgreSQL primary",
        ),
        (
            {"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": "sqlite:////tmp/replica.sqlite3"},
            "must be a postgres:// URL",
        ),
        (
            {"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": "postgres://10.0.0.2"},
            "DATABASE_REPLICA_URL='postgres://10.0.0.2' names no database",
        ),
        (
            {"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": "mysql://u@h/db"},
            "DATABASE_REPLICA_URL='mysql://u@h/db': only sqlite:/// and postgres://",
        ),
        ({"REPLICA_PIN_SECONDS": "five"}, "REPLICA_PIN_SECONDS='five' is not a whole number"),
        ({"REPLICA_PIN_SECONDS": "0"}, "REPLICA_PIN_SECONDS=0 must be at least 1"),
    ],
)
def test_bad_replica_settings_stop_the_server(env, message):
    result = run_manage({"DATABASE_REPLICA_URL": "", "REPLICA_PIN_SECONDS": "", **env}, "check")
    assert result.returncode != 0
    assert message in result.stderr
