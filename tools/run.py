"""`make run`: the web server and the task worker, started together and stopped together.

    .venv/bin/python tools/run.py 127.0.0.1:8000

Both run in sessions of their own, so Ctrl-C reaches only this launcher, which then asks each to
stop exactly once: runserver by SIGINT, the worker (`manage.py db_worker`) by SIGTERM, which lets
it finish the task in hand (one batch of email at most). A worker still busy after
WORKER_GRACE seconds is killed; `manage.py email_resume`, which `make run` runs first, picks up
what it left. If either process stops by itself, the other is stopped too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
WORKER_GRACE = 30.0


def start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (manage.py with fixed arguments)
        [sys.executable, "manage.py", *args], cwd=ROOT, start_new_session=True
    )


def stop(process: subprocess.Popen[bytes], sig: signal.Signals, grace: float) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)  # runserver's autoreloader has a child: the whole group
        except ProcessLookupError:
            return
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main(argv: list[str]) -> int:
    stopping = False

    def ask_to_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, ask_to_stop)
    signal.signal(signal.SIGTERM, ask_to_stop)
    worker = start("db_worker", "--no-reload")
    server = start("runserver", *argv)
    while not stopping and worker.poll() is None and server.poll() is None:
        time.sleep(0.2)
    stop(server, signal.SIGINT, 10.0)
    stop(worker, signal.SIGTERM, WORKER_GRACE)
    return server.returncode or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
