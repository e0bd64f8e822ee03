"""With SENTRY_DSN set, an error in a request is reported, to a real HTTP endpoint speaking
Sentry's protocol (a small server here stands in for Sentry), and the report names no member:
no cookie, no session, no email address, no username, no query string, no form data."""

import gzip
import importlib
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from accounts.observability import sentry_before_send
from tests.test_make_run import wait_for
from tests.test_make_serve import free_port_in_our_range, healthy

ROOT = Path(__file__).resolve().parent.parent

# A member with a session, made the way logging in makes one.
MEMBER_WITH_A_SESSION = """
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management import call_command
from accounts.models import User
call_command("migrate", verbosity=0)
member = User.objects.create_user("rosaparks", "rosa.parks@example.org", "a-long-pass-phrase-42")
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(member.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = member.get_session_auth_hash()
session.save()
print(session.session_key)
"""


class Collector(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            body = importlib.import_module("brotli").decompress(body)
        self.server.received.append((self.path, body.decode()))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format, *args):
        pass


@pytest.fixture
def sentry_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", free_port_in_our_range()), Collector)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def envelope_items(body: str) -> list[tuple[dict, dict]]:
    """Sentry's envelope: a header line, then (item header, payload) line pairs."""
    lines = body.splitlines()[1:]
    return [(json.loads(h), json.loads(p)) for h, p in zip(lines[::2], lines[1::2], strict=True)]


@pytest.fixture
def failing_site(tmp_path, sentry_endpoint):
    """gunicorn (gunicorn.conf.py) serving the site plus a failing URL, reporting errors to
    sentry_endpoint; and a logged-in member's session key."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "SITE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "tests.error_report_settings",
        "DEBUG": "0",
        "SECRET_KEY": "a-test-only-secret-key-that-is-long-and-random-enough-7f3a9c2e1b",
        "SITE_URL": "https://forum.example.net",
        "SECURE_SSL_REDIRECT": "0",  # plain http on loopback
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
    }
    made = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", MEMBER_WITH_A_SESSION],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    session_key = made.stdout.strip()
    port = free_port_in_our_range()
    env |= {
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{sentry_endpoint.server_address[1]}/42",
        "SENTRY_ENVIRONMENT": "error-report-test",
        "SENTRY_RELEASE": "grassroots@1.2.3",
        "GUNICORN_WORKERS": "1",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config=gunicorn.conf.py",
                f"--bind=127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: healthy(base), 60, "gunicorn never answered", log)
        yield base, session_key, log
    finally:
        server.terminate()
        server.wait(timeout=40)


def test_an_error_is_reported_without_naming_the_member(failing_site, sentry_endpoint):
    base, session_key, log = failing_site
    request = urllib.request.Request(  # noqa: S310 (http, our own server)
        f"{base}/fail/?q=rosaparks",
        data=b"username=rosaparks&note=rosa.parks%40example.org",
        headers={
            "Cookie": f"sessionid={session_key}; csrftoken=abcdefghijklmnopqrstuvwxyz012345",
            "Referer": f"{base}/members/rosaparks/",
            "X-Forwarded-For": "203.0.113.9",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    with failed.value as response:
        assert response.code == 500
        request_id = response.headers["X-Request-ID"]

    def the_report():
        for _, body in sentry_endpoint.received:
            for header, payload in envelope_items(body):
                if header["type"] == "event" and "exception" in payload:
                    return payload
        return None

    wait_for(lambda: the_report() is not None, 20, "no error report arrived", log)
    event = the_report()
    assert all(path == "/api/42/envelope/" for path, _ in sentry_endpoint.received)
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "Could not send to [email]"
    assert event["environment"] == "error-report-test"
    assert event["release"] == "grassroots@1.2.3"
    assert event["tags"]["request_id"] == request_id  # the same id as the request's log lines
    assert event["request"]["url"] == f"{base}/fail/"
    assert event["request"]["method"] == "POST"
    assert set(event["request"]["headers"]) <= {
        "Host",
        "Content-Type",
        "Content-Length",
        "Accept",
        "User-Agent",
    }
    for frame in exception["stacktrace"]["frames"]:
        assert "vars" not in frame  # no local variables
    items = [item for _, body in sentry_endpoint.received for item in envelope_items(body)]
    assert not [h for h, _ in items if h["type"] == "transaction"]  # tracing is off

    everything = "\n".join(body for _, body in sentry_endpoint.received)
    for private in [
        session_key,
        "sessionid",
        "abcdefghijklmnopqrstuvwxyz012345",
        "rosaparks",
        "rosa.parks",
        "example.org",
        "203.0.113.9",
    ]:
        assert private not in everything, private


def test_the_report_filter_keeps_only_harmless_headers_and_no_user():
    event: Any = {
        "request": {
            "url": "https://forum.example.net/members/rosaparks/?tab=support",
            "query_string": "tab=support",
            "cookies": {"sessionid": "abc"},
            "data": {"email": "rosa@example.org"},
            "headers": {
                "Host": "forum.example.net",
                "User-Agent": "Firefox",
                "Cookie": "sessionid=abc",
                "Referer": "https://forum.example.net/members/rosaparks/",
                "X-Forwarded-For": "203.0.113.9",
            },
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"id": 5, "email": "rosa@example.org"},
        "breadcrumbs": {"values": [{"message": "sent to rosa@example.org"}]},
        "release": "grassroots@1.2.3",
    }
    scrubbed: Any = sentry_before_send(event, {})
    assert scrubbed["request"] == {
        "url": "https://forum.example.net/members/rosaparks/",
        "headers": {"Host": "forum.example.net", "User-Agent": "Firefox"},
    }
    assert "user" not in scrubbed
    assert scrubbed["breadcrumbs"]["values"][0]["message"] == "sent to [email]"
    assert scrubbed["release"] == "grassroots@1.2.3"
