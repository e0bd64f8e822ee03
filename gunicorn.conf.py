"""gunicorn's configuration for Grassroots: `make serve`, and production.

    .venv/bin/gunicorn --config gunicorn.conf.py

Every value comes from the environment. A malformed one stops the server before it starts,
as the Django settings do.

- GUNICORN_BIND: address:port, or unix:/path (default 127.0.0.1:8000).
- GUNICORN_WORKERS: processes (default 2 per CPU this process may use, plus 1).
- GUNICORN_THREADS: threads per process (default 1). With more than 1, gunicorn's threaded
  worker is used, which also keeps idle connections open.
- GUNICORN_TIMEOUT: seconds a request may take before its worker is killed and restarted
  (default 30).
- GUNICORN_GRACEFUL_TIMEOUT: on SIGTERM, seconds the requests in progress get to finish
  (default 30).
- FORWARDED_ALLOW_IPS (read by gunicorn itself): the proxies trusted to say the request came
  over https (default 127.0.0.1,::1).
"""

import os


def _env_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise SystemExit(f"{name}={raw!r} must be at least {minimum}.")
    return value


def _cpus() -> int:
    # The CPUs this process may run on (a container's share), not all the machine has.
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


wsgi_app = "grassroots.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "").strip() or "127.0.0.1:8000"]
workers = _env_int("GUNICORN_WORKERS", 2 * _cpus() + 1, minimum=1)
threads = _env_int("GUNICORN_THREADS", 1, minimum=1)
timeout = _env_int("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=0)
keepalive = 5

# Django is loaded once in the master, before the workers fork. A broken setting stops the
# start at once, not in every worker in turn, and the workers share the loaded code's memory.
preload_app = True

# Django's middleware logs each request as one line (accounts/observability.py): with the request
# id and the member's id, but no address. gunicorn's access log would repeat it with the address
# and the query string, so it stays off. gunicorn's own messages go to stderr.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# The heartbeat file each worker touches, in memory: a slow disk must not get workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (it is a RAM disk)
# gunicorn's control socket (for gunicornc) defaults to one path per user: two servers on one
# machine would fight over it. Nothing here uses it.
control_socket_disable = True
proc_name = "grassroots"
