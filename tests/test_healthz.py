"""/healthz: what a load balancer asks each app server before sending it members."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db

WRITES = ("insert", "update", "delete")


def test_a_healthy_server_answers_200_without_a_session_or_a_write(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok"}
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert "no-cache" in response["Cache-Control"]
    statements = [q["sql"].lstrip().lower() for q in queries.captured_queries]
    assert 1 <= len(statements) <= 2  # SELECT 1, and the database cache's read when it is used
    assert not [s for s in statements if s.startswith(WRITES)]


def test_with_the_cache_unreachable_it_answers_503_and_says_which(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "unreachable"}


def test_with_the_database_unreachable_it_answers_503():
    # A real server process whose PostgreSQL is down (nothing listens on port 1).
    code = (
        "from django.test import Client; r = Client(HTTP_HOST='localhost').get('/healthz'); "
        "print(r.status_code, r.content.decode())"
    )
    result = run_manage(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/grassroots"},
        "shell",
        "--no-imports",
        "-c",
        code,
    )
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503", result.stderr
    assert json.loads(body) == {"database": "unreachable", "cache": "unreachable"}


def test_only_get_and_head(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
