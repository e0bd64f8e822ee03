"""Two app servers, an RQ worker and HAProxy, as real processes sharing PostgreSQL and Redis.

The servers get a database of their own (the pytest-django test database belongs to the test
process, and they are other processes), created and migrated here and dropped afterwards, and the
run's Redis database (flushed before and after, as the suite's cache fixture flushes it anyway).
Every process runs in a session of its own, so stopping one stops its children too, and the
caller's `with Cluster(...)` stops them all, whatever happened.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2  # type: ignore[import-untyped]  # no stubs installed (types-psycopg2)
import redis

ROOT = Path(__file__).resolve().parents[2]
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
LOOPBACK = "127.0.0.1"
HEALTH_HOST = "localhost"  # in ALLOWED_HOSTS; what HAProxy's checks send (GR_HEALTH_HOST)
SERVERS = ("app1", "app2")  # HAProxy's names for them (X-Served-By)
START_TIMEOUT = 60.0  # a loaded 2-core machine starts gunicorn slowly
STOP_GRACE = 20.0
PASSED_ON = {"PATH", "HOME", "LANG", "TZ", "TMPDIR", "VIRTUAL_ENV"}

# The task worker of several machines: RQ's, on the servers' Redis (the scheduler runs retries).
WORKER = ["manage.py", "rqworker", "default", "--with-scheduler"]


# The servers as production runs them: gunicorn with the checked-in gunicorn.conf.py.
GUNICORN = ["-m", "gunicorn", "--config", "gunicorn.conf.py"]


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def get(port: int, path: str, *, host: str | None = None, timeout: float = 10.0) -> Any:
    """One plain GET: (status, headers (looked up in any case), body)."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": host or f"{LOOPBACK}:{port}"})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class Cluster:
    def __init__(self, *, database_url: str, redis_url: str, base_port: int, folder: Path) -> None:
        self.folder = folder
        self.redis_url = redis_url
        self.balancer_port = base_port
        self.ports = {name: base_port + 1 + i for i, name in enumerate(SERVERS)}
        parts = urlsplit(database_url)
        self.db_name = f"{parts.path.lstrip('/')}_servers"
        self.db_dsn = {
            "host": parts.hostname or LOOPBACK,
            "port": parts.port or 5432,
            "user": parts.username or "postgres",
            "password": parts.password or "",
        }
        self.database_url = parts._replace(path=f"/{self.db_name}").geturl()
        self.mail_dir = folder / "mail"
        self.admin_socket = folder / "haproxy.sock"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.seeded: dict[str, Any] = {}
        self.env = self._server_env()

    # Environment ---------------------------------------------------------------------------

    def _server_env(self) -> dict[str, str]:
        var = self.folder / "var"
        # Only what a process needs from the machine: none of the test run's own settings
        # (a replica, a mail server, Sentry) reach the servers unless named below.
        env = {k: v for k, v in os.environ.items() if k in PASSED_ON or k.startswith("LC_")}
        env |= {
            "DJANGO_SETTINGS_MODULE": "grassroots.settings",
            "PYTHONUNBUFFERED": "1",
            "DEBUG": "0",
            "SECRET_KEY": f"scale-out-test-{secrets.token_urlsafe(40)}",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "TASKS_BACKEND": "rq",
            "ALLOWED_HOSTS": f"{LOOPBACK},{HEALTH_HOST}",
            "SITE_URL": f"http://{LOOPBACK}:{self.balancer_port}",
            # Plain HTTP on loopback, as `make serve`: no TLS to redirect to, cookies without
            # the Secure flag, and no HSTS for 127.0.0.1.
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0",
            # What HAProxy adds (deploy/haproxy.cfg): X-Forwarded-For, and the request's id.
            "TRUSTED_PROXY_COUNT": "1",
            "TRUSTED_REQUEST_ID_HEADER": "X-Request-ID",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_GRACEFUL_TIMEOUT": "15",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            # Small batches: a campaign update's 25 emails go out as a chain of three tasks.
            "EMAIL_BATCH_SIZE": "10",
            "VAR_DIR": str(var),
            "STATIC_ROOT": str(var / "static"),
            "MEDIA_ROOT": str(var / "media"),
            "LOG_LEVEL": "INFO",
        }
        return env

    # Set-up and tear-down ------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.mail_dir.mkdir()
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        busy = [p for p in [self.balancer_port, *self.ports.values()] if not port_is_free(p)]
        assert not busy, f"ports {busy} are taken: set SCALEOUT_BASE_PORT to a free range"
        redis.Redis.from_url(self.redis_url).flushdb()
        self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.db_name}"')
        # Before the servers start: whitenoise indexes the files when it loads.
        self.manage("collectstatic", "--noinput", "-v0")
        # The servers boot while the database is migrated: nothing reaches them before the
        # balancer starts, and booting is most of the wait.
        for name in SERVERS:
            self.start_server(name, wait=False)
        self.manage("migrate", "--noinput", "-v0")
        seeded = self.run_python("-m", "tests.scaleout.seed")
        self.seeded = json.loads(seeded.strip().splitlines()[-1])
        self.processes["worker"] = self._spawn("worker", [sys.executable, *WORKER])
        for name in SERVERS:
            self.wait_healthy(name)
        self.processes["haproxy"] = self._spawn(
            "haproxy",
            [self._haproxy(), "-db", "-f", str(HAPROXY_CFG)],
            env=os.environ
            | {
                "GR_BIND": f"{LOOPBACK}:{self.balancer_port}",
                "GR_APP1": f"{LOOPBACK}:{self.ports['app1']}",
                "GR_APP2": f"{LOOPBACK}:{self.ports['app2']}",
                "GR_HEALTH_HOST": HEALTH_HOST,
                "GR_ADMIN_SOCKET": str(self.admin_socket),
            },
        )
        self.wait_balanced()

    def __exit__(self, *exc: object) -> None:
        for name in ["haproxy", *SERVERS, "worker"]:
            if name in self.processes:
                self.stop(name, signal.SIGTERM)
        with contextlib.suppress(Exception):
            self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        with contextlib.suppress(Exception):
            redis.Redis.from_url(self.redis_url).flushdb()

    @staticmethod
    def _haproxy() -> str:
        for path in (os.environ.get("HAPROXY"), "/usr/sbin/haproxy"):
            if path and os.path.exists(path):
                return path
        raise AssertionError("no haproxy: run `make balancer`")

    def _admin(self, sql: str) -> None:
        connection = psycopg2.connect(dbname="postgres", **self.db_dsn)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def run_python(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def manage(self, *args: str) -> str:
        return self.run_python("manage.py", *args)

    # Processes -----------------------------------------------------------------------------

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def logs(self) -> str:
        """The end of every process's log, for a failing assertion's message."""
        parts = []
        for path in sorted(self.folder.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()[-40:]
            parts.append(f"--- {path.name} ---\n" + "\n".join(lines))
        return "\n".join(parts)

    def _spawn(self, name: str, command: list[str], env: Any = None) -> subprocess.Popen[bytes]:
        with self.log(name).open("ab") as log:
            return subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env if env is None else env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped with its children
            )

    def start_server(self, name: str, *, wait: bool = True) -> None:
        bind = {"GUNICORN_BIND": f"{LOOPBACK}:{self.ports[name]}"}
        self.processes[name] = self._spawn(name, [sys.executable, *GUNICORN], self.env | bind)
        if wait:
            self.wait_healthy(name)

    def stop(self, name: str, sig: signal.Signals, *, group: bool = True) -> None:
        """Send `sig` (to the process group, or to the main process only) and wait for the
        process to end; one still running after STOP_GRACE seconds is killed."""
        process = self.processes[name]
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                if group:
                    os.killpg(process.pid, sig)
                else:
                    process.send_signal(sig)
        try:
            process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        # Children that outlived their parent (a SIGTERM to the main process only) go too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def wait_healthy(self, name: str) -> None:
        """Until the server answers /healthz with 200 (HAProxy's own check, addressed as it)."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert self.processes[name].poll() is None, f"{name} exited:\n{self.logs()}"
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(self.ports[name], "/healthz", host=HEALTH_HOST)[0] == 200:
                    return
            assert time.monotonic() < deadline, f"{name} never became healthy:\n{self.logs()}"
            time.sleep(0.2)

    def wait_balanced(self, timeout: float = 30.0) -> None:
        """Until the balancer sends requests to both servers again (after a start or restart:
        HAProxy's checks need two good answers, a second apart)."""
        deadline = time.monotonic() + timeout
        while True:
            seen = set()
            for _ in range(4):
                with contextlib.suppress(OSError, http.client.HTTPException):
                    status, headers, _body = get(self.balancer_port, "/healthz")
                    if status == 200:
                        seen.add(headers.get("X-Served-By"))
            if seen >= set(SERVERS):
                return
            assert time.monotonic() < deadline, f"balancer only reached {seen}:\n{self.logs()}"
            time.sleep(0.3)

    # HAProxy's runtime API (the stats socket) ------------------------------------------------

    def haproxy(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as api:
            api.settimeout(10)
            api.connect(str(self.admin_socket))
            api.sendall(command.encode() + b"\n")
            answer = b""
            while chunk := api.recv(65536):
                answer += chunk
        return answer.decode()

    def sessions_on(self, name: str) -> int:
        """Requests HAProxy has in progress on the server now (`show stat`'s scur)."""
        lines = self.haproxy("show stat").splitlines()
        fields = lines[0].lstrip("# ").split(",")
        for line in lines[1:]:
            row = dict(zip(fields, line.split(","), strict=False))
            if row.get("pxname") == "app" and row.get("svname") == name:
                return int(row["scur"])
        raise AssertionError(f"no server {name} in HAProxy's stats:\n{lines}")

    def in_hand(self, name: str) -> list[str]:
        """The methods of the requests HAProxy has sent the server and awaits its answer to
        (`show sess all`; HAProxy 2.6 numbers the methods, OPTIONS=0, GET=1, HEAD=2, POST=3)."""
        methods = {"1": "GET", "2": "HEAD", "3": "POST"}
        found = []
        for stream in self.haproxy("show sess all").split("\n0x"):
            if f"server={name} (" in stream and "rsp.st=MSG_RPBEFORE" in stream:
                number = stream.split(" meth=", 1)[1].split(" ", 1)[0] if " meth=" in stream else ""
                found.append(methods.get(number, number))
        return found

    def wait_in_hand(self, name: str, method: str, timeout: float = 30.0) -> None:
        """Until the server is working on a request of this method (stopping it now cuts in)."""
        deadline = time.monotonic() + timeout
        while method not in self.in_hand(name):
            assert time.monotonic() < deadline, f"{name} never had a {method} in hand"
            time.sleep(0.002)

    def drain(self, name: str, timeout: float = 30.0) -> None:
        """Send the server no new requests, and wait until those it has are answered: how a
        server is taken out for a planned stop."""
        assert self.haproxy(f"set server app/{name} state drain").strip() == ""
        deadline = time.monotonic() + timeout
        while self.sessions_on(name):
            assert time.monotonic() < deadline, f"{name} never drained"
            time.sleep(0.05)

    def restore(self, name: str) -> None:
        """Start a stopped server again and put it back in rotation (undoing a drain)."""
        self.start_server(name)
        assert self.haproxy(f"set server app/{name} state ready").strip() == ""
        self.wait_balanced()

    # The servers' database -----------------------------------------------------------------

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows from the servers' database, as committed now (a fresh connection each time)."""
        connection = psycopg2.connect(dbname=self.db_name, **self.db_dsn)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()
        finally:
            connection.close()
