"""`make run`'s launcher (tools/run.py): runserver and the task worker start together, and stop
together, whether Ctrl-C stops them or one of them dies."""

import importlib.util
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
    # The embedded set-up: without REDIS_URL the worker is db_worker (the database backend).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_ALLOW"))}
    env.pop("REDIS_URL", None)
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


def test_housekeeping_runs_every_interval_and_the_worker_runs_its_retention_job(site, tmp_path):
    import sqlite3

    var, env = site
    database = var / "site.sqlite3"

    def retention_jobs(status: str) -> int:
        with sqlite3.connect(database) as connection:
            return connection.execute(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE task_path = 'accounts.tasks.retention_prune' AND status = ?",
                [status],
            ).fetchone()[0]

    before = retention_jobs("SUCCESSFUL")
    log = tmp_path / "run.log"
    launcher, _ = launch((var, env | {"HOUSEKEEPING_INTERVAL": "1"}), log)
    try:
        wait_for(lambda: retention_jobs("SUCCESSFUL") >= before + 2, 60, "no retention job", log)
    finally:
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=40) == 0, log.read_text()
    wait_for(lambda: not ours(str(var)), 10, "something is still running", log)


def load_launcher():
    spec = importlib.util.spec_from_file_location("run", ROOT / "tools" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_worker_is_the_task_backends_own():
    # With REDIS_URL the settings send tasks to RQ, whose worker is django-rq's rqworker (with the
    # scheduler, which runs retries when they are due); without it, the database backend's.
    run = load_launcher()
    assert run.worker_command({}) == ["manage.py", "db_worker", "--no-reload"]
    assert run.worker_command({"REDIS_URL": ""}) == ["manage.py", "db_worker", "--no-reload"]
    assert run.worker_command({"REDIS_URL": "redis://127.0.0.1:6379/3"}) == [
        "manage.py",
        "rqworker",
        "default",
        "--with-scheduler",
    ]
    # TASKS_BACKEND wins, as in the settings (`make run` sets it to database).
    assert run.worker_command(
        {"REDIS_URL": "redis://127.0.0.1:6379/3", "TASKS_BACKEND": "database"}
    ) == ["manage.py", "db_worker", "--no-reload"]
    assert run.housekeeping_interval({}) == 300
    assert run.housekeeping_interval({"HOUSEKEEPING_INTERVAL": "0"}) == 0
