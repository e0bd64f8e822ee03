"""Over loopback: gunicorn (gunicorn.conf.py, a fixed worker count) driven by wrk.

The app is served as production serves it (DEBUG off, persistent connections, whitenoise and the
collected static files), the ceiling project (tools/bench/ceiling.py) by the same gunicorn
configuration. wrk runs with --latency; its Requests/sec and the 50% and 99% lines of its latency
distribution are what the report shows.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    rps: float
    p50: float  # ms
    p99: float  # ms
    errors: int  # non-2xx/3xx answers and socket errors
    requests: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    """Requests/sec, the latency distribution's 50% and 99%, and errors from wrk's report."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise ValueError(f"could not read wrk's output:\n{output}")
    errors = 0
    if bad := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(bad.group(1))
    if socket_errors := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                                  r"timeout (\d+)", output):  # fmt: skip
        errors += sum(int(n) for n in socket_errors.groups())
    return WrkResult(
        rps=float(rps.group(1)),
        p50=_ms(p50.group(1)),
        p99=_ms(p99.group(1)),
        errors=errors,
        requests=int(total.group(1)),
    )


def wrk(
    url: str, *, duration: int, threads: int, connections: int, cookie: str | None = None
) -> WrkResult:
    # wrk's own timeout is 2 s: a slower answer would count as a socket error, not a latency.
    timeout = f"--timeout={max(10, duration * 2)}s"
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", timeout, "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run(  # noqa: S603 (wrk, with our own arguments)
        [*command, url], capture_output=True, text=True, timeout=duration + 60, check=True
    )
    return parse_wrk(done.stdout)


def get(url: str, cookie: str | None = None, timeout: float = 120) -> tuple[int, int]:
    """One request: (status, body bytes); status 0 if it got no answer in time."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, len(error.read())
    except (urllib.error.URLError, OSError):
        return 0, 0


def drain(base: str, limit: float = 180) -> None:
    """Wait until the server answers at once again: when wrk stops, the requests it left queued
    (up to --connections of a slow page) are still being served, and would count against the next
    page."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.monotonic()
        status, _ = get(f"{base}/healthz", timeout=limit)
        if status and time.monotonic() - started < 0.5:
            return
        time.sleep(0.5)


@contextmanager
def gunicorn(
    env: Mapping[str, str], *, workers: int, log: Path, app: str | None = None
) -> Iterator[str]:
    """gunicorn with gunicorn.conf.py on a free loopback port; yields its base URL."""
    port = free_port()
    environ = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)}
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    if app:
        command.append(app)
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command)
            command, cwd=ROOT, env=environ, stdout=output, stderr=output, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start: see {log}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not listen within 60 s: see {log}") from None
                time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def have_wrk() -> bool:
    return shutil.which("wrk") is not None
