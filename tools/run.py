"""`make run` and `make serve`: the web server and the task worker, started together and stopped
together.

    .venv/bin/python tools/run.py 127.0.0.1:8000            # runserver (make run)
    .venv/bin/python tools/run.py --serve 127.0.0.1:8000    # gunicorn, gunicorn.conf.py (make serve)

The worker runs the task backend's own command. That is `manage.py db_worker` for the database
backend. With TASKS_BACKEND=rq (the default when REDIS_URL is set) it is
`manage.py rqworker default --with-scheduler`; the scheduler runs the retries that are due later.
Every HOUSEKEEPING_INTERVAL seconds (300) it also runs `manage.py housekeeping`.

Each runs in a session of its own, so Ctrl-C reaches only this launcher. The launcher then asks
each to stop exactly once:
- runserver by SIGINT;
- gunicorn by SIGTERM, its graceful shutdown: requests in progress get GUNICORN_GRACEFUL_TIMEOUT
  seconds to finish;
- the worker by SIGTERM, which lets it finish the task in hand (one batch of email at most).

A process still running after its grace period is killed. `manage.py email_resume`, which both
make targets run first, picks up what a killed worker left. If either process stops by itself,
the other is stopped too.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
WORKER_GRACE = 30.0
RUNSERVER_GRACE = 10.0


def worker_command(environ: Mapping[str, str]) -> list[str]:
    """The task worker for the backend the settings choose: TASKS_BACKEND, which defaults to RQ
    when REDIS_URL is set (grassroots/settings.py; `make run` sets TASKS_BACKEND=database)."""
    backend = environ.get("TASKS_BACKEND", "").strip().lower()
    if not backend:
        backend = "rq" if environ.get("REDIS_URL", "").strip() else "database"
    if backend == "rq":
        return ["manage.py", "rqworker", "default", "--with-scheduler"]
    return ["manage.py", "db_worker", "--no-reload"]


def housekeeping_interval(environ: Mapping[str, str]) -> float:
    """Seconds between runs of `manage.py housekeeping` (HOUSEKEEPING_INTERVAL, default 300; 0
    turns it off)."""
    try:
        return max(0.0, float(environ.get("HOUSEKEEPING_INTERVAL", "").strip() or 300))
    except ValueError:
        return 300.0


def server_command(address: str, *, serve: bool) -> list[str]:
    if serve:
        return ["-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind", address]
    return ["manage.py", "runserver", address]


def server_grace(environ: Mapping[str, str], *, serve: bool) -> float:
    """How long the server gets to stop: gunicorn's graceful timeout (as gunicorn.conf.py reads
    it) and a little more."""
    if not serve:
        return RUNSERVER_GRACE
    try:
        return float(environ.get("GUNICORN_GRACEFUL_TIMEOUT", "").strip() or 30) + 5
    except ValueError:
        return 35.0  # gunicorn.conf.py refuses the value and the server has stopped already


def start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (our own commands with fixed arguments)
        [sys.executable, *args], cwd=ROOT, start_new_session=True
    )


def stop(process: subprocess.Popen[bytes], sig: signal.Signals, grace: float) -> None:
    if process.poll() is None:
        try:
            # The whole group: runserver's autoreloader and gunicorn's workers are children.
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("address", help="address:port to listen on")
    parser.add_argument("--serve", action="store_true", help="gunicorn instead of runserver")
    args = parser.parse_args(argv)
    stopping = False

    def ask_to_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, ask_to_stop)
    signal.signal(signal.SIGTERM, ask_to_stop)
    worker = start(*worker_command(os.environ))
    server = start(*server_command(args.address, serve=args.serve))
    # Neither task backend runs periodic jobs: this launcher runs housekeeping (email_resume, the
    # retention job) every few minutes, as cron does in production (docs/deploy.md).
    interval = housekeeping_interval(os.environ)
    next_housekeeping = time.monotonic() + interval
    housekeeping: subprocess.Popen[bytes] | None = None
    while not stopping and worker.poll() is None and server.poll() is None:
        time.sleep(0.2)
        if interval and time.monotonic() >= next_housekeeping:
            if housekeeping is None or housekeeping.poll() is not None:
                housekeeping = start("manage.py", "housekeeping", "--verbosity", "0")
            next_housekeeping = time.monotonic() + interval
    if housekeeping is not None:
        stop(housekeeping, signal.SIGTERM, WORKER_GRACE)
    # gunicorn stops gracefully on SIGTERM (SIGINT would be its quick shutdown); runserver on
    # SIGINT, as on Ctrl-C.
    stop(
        server,
        signal.SIGTERM if args.serve else signal.SIGINT,
        server_grace(os.environ, serve=args.serve),
    )
    stop(worker, signal.SIGTERM, WORKER_GRACE)
    return server.returncode or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
