"""The site against a real streaming replica: tools/replica.sh makes one of the test's PostgreSQL
(pg_basebackup -R, a second cluster on port 5433), and gunicorn serves the site with DATABASE_URL on
the primary and DATABASE_REPLICA_URL on the replica. Pages are loaded and forms submitted through
WebTest, forwarded over HTTP to that server.

The proof that a page came from the replica: replay is paused there, a post is written to the
primary, and the anonymous page doesn't have it. A member's own write is on their next page at once
(the primary), and stopping the replica mid-run leaves every page serving.

Skipped unless the tests run on a PostgreSQL on this machine with its server binaries installed
(CI has them). The replica is removed at the end, pass or fail.
"""

from __future__ import annotations

import glob
import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import psycopg2  # type: ignore[import-untyped]  # no stubs installed
import pytest
from django.conf import global_settings
from django.db import connection
from django.urls import reverse
from webtest import TestApp

from forum.models import Comment
from tests.conftest import PASSWORD, make_member, on_postgres, requires_postgres
from tests.forum import factories
from tests.webforms import form_to

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "replica.sh"
REPLICA_PORT = 5433
PIN_SECONDS = 2

primary = connection.settings_dict if on_postgres else {}
local_primary = (
    primary.get("HOST") in ("127.0.0.1", "localhost") and str(primary.get("PORT") or 5432) == "5432"
)
have_binaries = bool(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup")) and (
    os.geteuid() != 0 or shutil.which("runuser") is not None
)

pytestmark = [
    pytest.mark.postgres,
    requires_postgres,
    pytest.mark.skipif(
        not (local_primary and have_binaries),
        reason="needs the PostgreSQL on 127.0.0.1:5432 and its server binaries (pg_basebackup)",
    ),
    # Real commits: the site's processes must see the test's rows, and the replica receives them.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def script(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def replica() -> Iterator[dict[str, str]]:
    """A streaming replica of the primary on 127.0.0.1:5433, its own directory and slot."""
    if not port_is_free(REPLICA_PORT):
        pytest.skip(f"something already listens on port {REPLICA_PORT}")
    env = {
        **os.environ,
        "REPLICA_PORT": str(REPLICA_PORT),
        "REPLICA_DIR": str(ROOT / "var" / "replica-test"),
        "REPLICA_SLOT": "grassroots_replica_test",
    }
    try:
        started = script("start", env=env)
        assert started.returncode == 0, started.stdout + started.stderr
        yield env
    finally:
        removed = script("remove", env=env)
        assert removed.returncode == 0, removed.stdout + removed.stderr


def on_replica(sql: str, *params: object) -> object:
    """One value from the replica's copy of the test database."""
    with (
        psycopg2.connect(
            host="127.0.0.1", port=REPLICA_PORT, user=primary["USER"], dbname=primary["NAME"]
        ) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute(sql, params)
        value = cursor.fetchone()[0]
    conn.close()
    return value


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def url(database: str, port: int) -> str:
    return f"postgres://{primary['USER']}@127.0.0.1:{port}/{database}"


@pytest.fixture
def site(replica, tmp_path) -> Iterator[tuple[TestApp, Path]]:
    """gunicorn serving the site on the primary and the replica; a WebTest browser for it."""
    port = next((p for p in range(8300, 8400) if port_is_free(p)), None)
    assert port, "no free port in 8300-8399"
    log = tmp_path / "gunicorn.log"
    config = tmp_path / "gunicorn_test.conf.py"  # not the project's gunicorn.conf.py, if any
    config.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "grassroots.settings",
        "DATABASE_URL": url(primary["NAME"], 5432),
        "DATABASE_REPLICA_URL": url(primary["NAME"], REPLICA_PORT),
        "REPLICA_PIN_SECONDS": str(PIN_SECONDS),
        "DEBUG": "1",
        "SECRET_KEY": "replica-test-only",
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "-c", str(config), "--no-control-socket"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "grassroots.wsgi:application"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: answers(port), 30, f"the site never answered\n{log.read_text()}")
        yield TestApp(forward_to(port)), log
    finally:
        server.terminate()
        server.wait(timeout=20)


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "upgrade"}


def forward_to(port: int):
    """A WSGI app that sends each request on to the server at this port, over HTTP."""

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        path = urllib.parse.quote(environ["PATH_INFO"])
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            upstream.request(environ["REQUEST_METHOD"], path, body=body, headers=headers)
            response = upstream.getresponse()
            content = response.read()
        finally:
            upstream.close()
        kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        start_response(f"{response.status} {response.reason}", kept)
        return [content]

    return app


def test_the_site_reads_a_real_replica_and_survives_losing_it(replica, site, settings):
    app, log = site
    # The password hashed as the site (not the suite's fast test hasher) can check it.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    member = make_member("alice", display_name="Alice Okafor")
    first = factories.post(member, title="Written before the pause")
    wait_for(
        lambda: on_replica("SELECT count(*) FROM forum_post WHERE id = %s", first.pk) == 1,
        10,
        "the post never reached the replica",
    )
    assert "Written before the pause" in app.get("/").text

    # Replay paused: what the primary commits from now on reaches the replica's disk, not its data.
    on_replica("SELECT pg_wal_replay_pause()")
    wait_for(
        lambda: on_replica("SELECT pg_get_wal_replay_pause_state()") == "paused", 10, "no pause"
    )
    second = factories.post(member, title="Written during the pause")
    assert on_replica("SELECT count(*) FROM forum_post WHERE id = %s", second.pk) == 0

    # An anonymous page comes from the replica: it hasn't the second post.
    home = app.get("/")
    assert "Written before the pause" in home.text
    assert "Written during the pause" not in home.text

    # A member logs in (a write) and is pinned to the primary: their next page has it.
    login = form_to(app.get(reverse("account_login")), reverse("account_login"))
    login["login"] = "alice"
    login["password"] = PASSWORD
    home = login.submit().follow()
    assert "Written during the pause" in home.text

    # They reply; the page the reply redirects to shows it at once, though the replica can't have it.
    detail = app.get(second.get_absolute_url())
    form = form_to(detail, reverse("forum:comment-create", args=[second.pk]))
    form["body"] = "Posted while the replica stood still."
    page = form.submit().follow()
    assert "Posted while the replica stood still." in page.text
    assert Comment.objects.get(post=second).body == "Posted while the replica stood still."

    # Past the pin window their pages read the replica again, still paused, yet they stay logged in:
    # sessions are always read from the primary.
    time.sleep(PIN_SECONDS + 0.5)
    home = app.get("/")
    assert "Written during the pause" not in home.text
    assert reverse("account_logout") in home.text

    # Replay resumes: the replica catches up and anonymous pages show the post.
    on_replica("SELECT pg_wal_replay_resume()")
    anonymous = TestApp(app.app)
    wait_for(lambda: "Written during the pause" in anonymous.get("/").text, 10, "never caught up")

    # The replica stops mid-run: pages keep serving, from the primary.
    stopped = script("stop", env=replica)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert anonymous.get("/").status_code == 200
    assert "Written during the pause" in anonymous.get(second.get_absolute_url()).text
    detail = app.get(second.get_absolute_url())
    form = form_to(detail, reverse("forum:comment-create", args=[second.pk]))
    form["body"] = "And again with the replica gone."
    assert "And again with the replica gone." in form.submit().follow().text
    assert "read replica is not reachable" in log.read_text()
    assert "Internal Server Error" not in log.read_text()
