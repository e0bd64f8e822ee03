"""`make run`'s launcher (tools/run.py): runserver and the task worker start together, and stop
together, whether Ctrl-C stops them or one of them dies."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="finds its processes in /proc (Linux)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ours(marker: str) -> dict[int, str]:
    """Our processes started with this VAR_DIR: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"VAR_DIR={marker}".encode() in environ.split(b"\0"):
            found[int(entry.name)] = cmdline
    return found


def wait_for(condition, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}\n{log.read_text()}"
        time.sleep(0.1)


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    env |= {
        "VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'site.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "grassroots.settings",
        "TASKS_BACKEND": "database",  # what `make run` sets, whether REDIS_URL is set or not
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return var, env


def launch(site, log: Path):
    var, env = site
    port = free_port()
    with log.open("ab") as out:
        launcher = subprocess.Popen(
            [sys.executable, "tools/run.py", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    wait_for(lambda: answers(port), 30, "the site never answered", log)
    wait_for(lambda: "Starting worker" in log.read_text(), 30, "no worker", log)
    commands = ours(str(var)).values()
    assert any("db_worker" in c for c in commands)
    assert any("runserver" in c for c in commands)
    return launcher, port


def test_ctrl_c_stops_the_server_and_the_worker(site, tmp_path):
    log = tmp_path / "run.log"
    launcher, port = launch(site, log)
    launcher.send_signal(signal.SIGINT)
    assert launcher.wait(timeout=40) == 0, log.read_text()
    wait_for(lambda: not ours(str(site[0])), 10, "something is still running", log)
    assert not answers(port)
    assert "shutting down gracefully" in log.read_text()  # the worker was asked, not killed


def test_when_the_worker_dies_the_server_stops_too(site, tmp_path):
    log = tmp_path / "run.log"
    launcher, port = launch(site, log)
    [worker] = [pid for pid, c in ours(str(site[0])).items() if "db_worker" in c]
    os.kill(worker, signal.SIGKILL)
    launcher.wait(timeout=40)
    wait_for(lambda: not ours(str(site[0])), 10, "something is still running", log)
    assert not answers(port)
