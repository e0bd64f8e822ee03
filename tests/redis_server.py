"""A throwaway redis-server of the test's own, to stop and start again: Redis dying under the site.

Debian's redis-server on a loopback port (the first free one of PORTS), with nothing saved to
disk, so a restart comes back empty, as a Redis without persistence does.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis

PORTS = range(6390, 6400)

requires_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="needs Debian's redis-server (apt install redis)"
)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class RedisServer:
    """`start()`, `kill()` (SIGKILL: no goodbye to anyone), `start()` again on the same port."""

    def __init__(self) -> None:
        port = next((p for p in PORTS if _free(p)), None)
        if port is None:
            pytest.skip(f"no free port in {PORTS} for a throwaway redis-server")
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        assert self.process is None
        self.process = subprocess.Popen(
            [
                "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        with redis.Redis(port=self.port, socket_connect_timeout=0.2) as client:
            while True:
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    pass
                assert self.process.poll() is None, "redis-server did not start"
                assert time.monotonic() < deadline, "redis-server never answered"
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
