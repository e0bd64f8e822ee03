"""`make serve`, run for real: DEBUG off, gunicorn with gunicorn.conf.py, the task worker, and static
files from whitenoise. The page, a hashed static file (compressed when asked), an upload and
/healthz all answer. Ctrl-C stops gunicorn and the worker, both gracefully."""

import gzip
import importlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.test_make_run import ours, wait_for

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="finds its processes in /proc (Linux)"
)


def free_port_in_our_range() -> int:
    # The ports this project's tests may listen on (other suites use others on this machine).
    for port in range(8100, 8200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port in 8100-8199")


def fetch(url: str, **headers: str):
    """(status, headers, body) without following redirects or raising on an error status."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http, our server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def healthy(base: str) -> bool:
    try:
        return fetch(f"{base}/healthz")[0] == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`make serve` on a port of our own, with its own var/ and SQLite file, as a developer runs it
    (the install step is taken as done: -o)."""
    var = tmp_path_factory.mktemp("var")
    port = free_port_in_our_range()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    for name in ("REDIS_URL", "DEBUG", "SECRET_KEY", "SITE_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env |= {
        "VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'site.sqlite3'}",
        "GUNICORN_WORKERS": "2",  # two processes, so requests really go to forked workers
    }
    log = var / "serve.log"
    with log.open("ab") as out:
        make = subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "-o",
                ".venv/.installed",
                "serve",
                f"SERVE_ADDRESS=127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal gives it
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: healthy(base), 120, "make serve never answered", log)
        wait_for(lambda: "Starting worker" in log.read_text(), 30, "no worker", log)
        yield SimpleNamespace(make=make, base=base, var=var, log=log)
    finally:
        if make.poll() is None:  # a test failed before stopping it
            os.killpg(make.pid, signal.SIGKILL)
            for pid in ours(str(var)):
                os.kill(pid, signal.SIGKILL)
            make.wait()


def test_serves_the_site_production_style(served):
    base = served.base
    commands = ours(str(served.var)).values()
    assert any("gunicorn" in c and "gunicorn.conf.py" in c for c in commands)
    assert any("db_worker" in c for c in commands)
    assert not any("runserver" in c for c in commands)

    status, headers, body = fetch(f"{base}/")
    assert status == 200
    page = body.decode()
    assert "Grassroots" in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
    # Plain http on 127.0.0.1 works (no redirect to https, cookies without Secure) only because
    # the Makefile says so for this target.
    status, headers, body = fetch(f"{base}/accounts/login/")
    assert status == 200
    assert "Secure" not in headers["Set-Cookie"]

    # DEBUG is off: a missing page is the plain 404, not Django's technical page.
    status, _, body = fetch(f"{base}/no-such-page/")
    assert status == 404
    assert b"URLconf" not in body

    # The stylesheet has a hashed name; whitenoise sends it cached for ever, gzip when asked.
    [css] = re.findall(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    status, headers, plain = fetch(f"{base}{css}")
    assert status == 200
    assert "immutable" in headers["Cache-Control"]
    assert headers.get("Content-Encoding") is None
    status, headers, packed = fetch(f"{base}{css}", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed) == plain
    assert len(packed) < len(plain)
    try:
        brotli = importlib.import_module("brotli")  # whitenoise makes .br files only with it
    except ImportError:
        pass
    else:
        status, headers, packed = fetch(f"{base}{css}", **{"Accept-Encoding": "br, gzip"})
        assert headers["Content-Encoding"] == "br"
        assert brotli.decompress(packed) == plain

    # The demo campaign's image (an upload) shows: SERVE_MEDIA is on for make serve.
    page = fetch(f"{base}/campaigns/")[2].decode()
    image = re.search(r'src="(/media/campaigns/[^"]+\.png)"', page)
    assert image is not None
    status, headers, _ = fetch(f"{base}{image.group(1)}")
    assert status == 200
    assert headers["Content-Type"] == "image/png"

    status, _, body = fetch(f"{base}/healthz")
    assert status == 200
    assert json.loads(body) == {"database": "ok", "cache": "ok"}


def test_each_request_is_one_json_log_line_with_its_id(served):
    log = served.log
    _, headers, _ = fetch(f"{served.base}/new/?q=private-words")
    request_id = headers["X-Request-ID"]

    def logged():
        for line in log.read_text().splitlines():
            if line.startswith("{") and request_id in line:
                return json.loads(line)
        return None

    wait_for(lambda: logged() is not None, 10, "no log line for the request", log)
    entry = logged()
    assert entry["logger"] == "grassroots.request"
    assert entry["request_id"] == request_id
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/new/", 200)
    assert entry["user_id"] is None
    assert isinstance(entry["duration_ms"], float)
    assert "private-words" not in log.read_text()
    assert "127.0.0.1" not in json.dumps(entry)


def test_ctrl_c_stops_gunicorn_and_the_worker_gracefully(served):
    os.killpg(served.make.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
    served.make.wait(timeout=60)
    wait_for(lambda: not ours(str(served.var)), 15, "something is still running", served.log)
    assert not healthy(served.base)
    text = served.log.read_text()
    assert "Handling signal: term" in text  # gunicorn's graceful shutdown
    assert "Shutting down: Master" in text
    assert "shutting down gracefully" in text  # the worker was asked, not killed


def test_a_bad_worker_count_stops_gunicorn_before_it_starts():
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--check-config"],
        cwd=ROOT,
        env={**os.environ, "GUNICORN_WORKERS": "many"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "GUNICORN_WORKERS='many' is not a whole number" in result.stdout + result.stderr


def test_the_production_settings_refuse_a_missing_secret_even_for_gunicorn():
    # make serve gets its secret from the Makefile; gunicorn with DEBUG off and none refuses.
    env = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env |= {"DEBUG": "0", "SITE_URL": "https://forum.example.org"}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--check-config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stdout + result.stderr
