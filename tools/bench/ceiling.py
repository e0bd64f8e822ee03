"""The machine's ceiling: a tiny Django project of its own (settings, URLs and WSGI in this module).

Two URLs answer HttpResponse("ok"): /bare/ through no middleware at all, /default/ through the
middleware list `django-admin startproject` writes. Served by gunicorn with the app's own
gunicorn.conf.py and worker count, and measured with wrk in the same run as the app's pages, they
say what this machine can do at best today; `python -m tools.bench.ceiling --runs N` times both
through Django's test client, in process, and prints JSON ({"bare": [ms...], "default": [...]}).

    DJANGO_SETTINGS_MODULE=tools.bench.ceiling gunicorn -c gunicorn.conf.py tools.bench.ceiling:application
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path

SECRET_KEY = "bench-ceiling-not-secret-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = __name__
USE_TZ = True
DATABASES: dict[str, Any] = {}
# `django-admin startproject`'s lists, as Django 5.2 writes them.
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
DEFAULT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
MIDDLEWARE = DEFAULT_MIDDLEWARE
LOGGING_CONFIG = None  # nothing logged per request: the ceiling does no work


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bare/", ok), path("default/", ok)]

StartResponse = Callable[..., Any]
_handlers: dict[str, Any] = {}


def _load() -> dict[str, Any]:
    """One Django handler per middleware list (each reads settings.MIDDLEWARE when made)."""
    if not _handlers:
        import django
        from django.conf import settings
        from django.core.handlers.wsgi import WSGIHandler

        django.setup(set_prefix=False)
        settings.MIDDLEWARE = []
        _handlers["bare"] = WSGIHandler()
        settings.MIDDLEWARE = DEFAULT_MIDDLEWARE
        _handlers["default"] = WSGIHandler()
    return _handlers


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    handlers = _load()
    which = "bare" if environ.get("PATH_INFO", "").startswith("/bare/") else "default"
    result: Iterable[bytes] = handlers[which](environ, start_response)
    return result


def measure(runs: int) -> dict[str, list[float]]:
    """Each view's time through the test client (the app's pages are timed the same way), ms."""
    import django
    from django.conf import settings
    from django.test import Client

    django.setup(set_prefix=False)
    clients = {}
    for name, middleware in (("bare", []), ("default", DEFAULT_MIDDLEWARE)):
        settings.MIDDLEWARE = middleware
        client = Client()
        assert client.get(f"/{name}/").status_code == 200  # loads this middleware list
        clients[name] = client
    times: dict[str, list[float]] = {"bare": [], "default": []}
    for _ in range(runs):
        for name, client in clients.items():
            started = time.perf_counter()
            client.get(f"/{name}/")
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    json.dump(measure(args.runs), sys.stdout)
    return 0


os.environ.setdefault("DJANGO_SETTINGS_MODULE", __name__)

if __name__ == "__main__":
    raise SystemExit(main())
