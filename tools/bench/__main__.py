"""`make bench`: Grassroots' pages, replies and search against seeded data on PostgreSQL.

    make bench                              # the default profile (database grassroots_bench)
    make bench BENCH_ARGS="--small"         # a quick look (grassroots_bench_small)
    make bench BENCH_ARGS="--large"         # 100,000 posts, 1,000,000 comments (..._large)
    .venv/bin/python -m tools.bench --skip-http --runs 10

Seeds the profile's database once (tools/bench/seed.py; reused while it matches), then measures,
with production's settings (DEBUG off, persistent connections, whitenoise):
- each page in process (queries, KB, comments shown, p50/p95 over --runs),
- each page over loopback: gunicorn with 2 workers and wrk (req/s, p50/p99),
- reply inserts into threads of 0, 1k, 10k and 100k comments, search's own time,
- and, in the same run, the machine's ceiling (tools/bench/ceiling.py): a bare Django view and a
  default-middleware one, in process and over HTTP. Every figure is also given against it.
Writes var/bench/results-<profile>.json, var/bench/report.md and var/bench/pages.png; prints the
table. It judges nothing by exit status: the report compares the figures with the targets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .profiles import PROFILES

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "bench"
SITE = "http://127.0.0.1:8000"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--large", action="store_true", help="100,000 posts, 1,000,000 comments")
    size.add_argument("--small", action="store_true", help="1,000 posts: a quick profile")
    parser.add_argument("--runs", type=int, default=30, help="in-process runs per page (30)")
    parser.add_argument("--reply-runs", type=int, default=50, help="reply inserts per thread (50)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (5)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--skip-http", action="store_true", help="in-process figures only")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: write report.md and the chart again from results-<profile>.json",
    )
    return parser.parse_args(argv)


class Bar:
    """The seeder's progress bar, for the measuring phases too."""

    def __init__(self, label: str, total: int) -> None:
        from .seed import Progress

        self.progress = Progress(label, total)

    def advance(self, count: int) -> None:
        self.progress.advance(count)

    def finish(self) -> None:
        self.progress.finish()


def environment(database: str) -> dict[str, str]:
    """Production's settings, made to work on plain http at 127.0.0.1 (as `make serve` does)."""
    values = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DJANGO_SETTINGS_MODULE": "grassroots.settings",
        "DEBUG": "0",
        "SITE_URL": SITE,
        "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        # The test client's host, besides loopback's.
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # Posting and search rate limits off: the bench replies and searches thousands of times.
        "FORUM_RATE_LIMITS": "0",
        "STATIC_ROOT": str(OUT / "static"),
        "TASKS_BACKEND": "database",
    }
    for name, value in values.items():
        os.environ.setdefault(name, value)
    return {name: os.environ[name] for name in values}


def ensure_database(url: str) -> None:
    import psycopg2  # type: ignore[import-untyped]  # (no stubs in the lock)
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    if "bench" not in name:
        raise SystemExit(f"DATABASE_URL names {name!r}: the bench fills only a *bench* database.")
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Created database {name}.")
    admin.close()


def quiet_request_log(path: Path) -> None:
    """The app logs a line per request (to stderr): in process, into a file instead."""
    stream = path.open("w")
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(stream)


def ceiling_in_process(env: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    from .inprocess import percentile

    done = subprocess.run(  # noqa: S603 (our own module)
        [sys.executable, "-m", "tools.bench.ceiling", "--runs", str(runs)],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "tools.bench.ceiling"},
        capture_output=True,
        text=True,
        check=True,
    )
    times: dict[str, list[float]] = json.loads(done.stdout)
    return {
        name: {"p50": statistics.median(values), "p95": percentile(values, 0.95)}
        for name, values in times.items()
    }


def machine() -> dict[str, Any]:
    from django import get_version
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "postgresql": pg,
        "python": platform.python_version(),
        "django": get_version(),
        "load": os.getloadavg()[0],
    }


def results(
    profile: str,
    seeded: Any,
    reused: bool,
    phases: dict[str, float],
    args: argparse.Namespace,
    branches: dict[str, str],
    ceiling: dict[str, Any],
    measured: Any,
) -> dict[str, Any]:
    from accounts.models import User
    from forum.models import Comment, Post

    return {
        "profile": profile,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "sizes": {
            "members": User.objects.count(),
            "posts": Post.objects.count(),
            "comments": Comment.objects.count(),
        },
        "seeded_seconds": seeded.seconds,
        "reused": reused,
        "phases": phases,
        "args": vars(args),
        "branches": branches,
        "ceiling": ceiling,
        "pages": [asdict(page) for page in measured.pages],
        "replies": [asdict(reply) for reply in measured.replies],
        "search": [asdict(hit) for hit in measured.search],
    }


def save(results: dict[str, Any]) -> None:
    (OUT / f"results-{results['profile']}.json").write_text(json.dumps(results, indent=1))


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    profile = PROFILES["large" if args.large else "small" if args.small else "default"]
    env = environment(profile.database)
    if args.report_only:
        from . import report

        print(report.write(OUT, json.loads((OUT / f"results-{profile.name}.json").read_text())))
        return 0
    if not env["DATABASE_URL"].startswith("postgres"):
        print("make bench measures PostgreSQL: set DATABASE_URL to a PostgreSQL database.")
        return 2
    ensure_database(env["DATABASE_URL"])
    OUT.mkdir(parents=True, exist_ok=True)
    phases: dict[str, float] = {}
    begun = time.perf_counter()

    import django

    django.setup()
    quiet_request_log(OUT / "inprocess-requests.log")
    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User
    from forum.models import Post

    from . import inprocess, load, report, seed

    mark = time.perf_counter()
    seeded, reused = seed.seed(profile)
    phases["seed (reused)" if reused else "seed"] = time.perf_counter() - mark
    if reused:
        print(f"Reusing the seeded profile {profile.name!r} (seeded in {seeded.seconds:.0f} s).")

    mark = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    phases["collectstatic"] = time.perf_counter() - mark

    mark = time.perf_counter()
    ceiling: dict[str, Any] = {"inprocess": ceiling_in_process(env, max(args.runs * 20, 500))}
    member = User.objects.get(username=seeded.member)
    member_client = Client()
    member_client.force_login(member)
    listed = Post.objects.listed().count()
    deep_page = min(50, max(2, listed // inprocess.POSTS_PER_PAGE // 2))
    specs, branches = inprocess.page_specs(seeded, deep_page)
    bar = Bar("pages in process", len(specs) * 2)
    measured = inprocess.Measured()
    measured.pages = inprocess.measure_pages(specs, member_client, args.runs, bar)
    bar.finish()
    phases["pages in process"] = time.perf_counter() - mark

    mark = time.perf_counter()
    measured.replies = inprocess.measure_replies(seeded, profile.reply_threads, args.reply_runs)
    phases["reply inserts"] = time.perf_counter() - mark
    mark = time.perf_counter()
    measured.search = inprocess.measure_search(args.runs)
    phases["search"] = time.perf_counter() - mark

    # What is measured so far is kept, should the HTTP phase fail.
    save(results(profile.name, seeded, reused, phases, args, branches, ceiling, measured))
    if not args.skip_http:
        if not load.have_wrk():
            print("wrk is missing: `make bench-deps` installs it (or pass --skip-http).")
            return 2
        mark = time.perf_counter()
        cookie = f"sessionid={member_client.cookies['sessionid'].value}"
        shape = {"duration": args.duration, "threads": args.threads}
        shape["connections"] = args.connections
        http_ceiling: dict[str, Any] = {}
        bar = Bar("over HTTP (wrk)", 2 + len(measured.pages))
        ceiling_env = {**env, "DJANGO_SETTINGS_MODULE": "tools.bench.ceiling"}
        with load.gunicorn(
            ceiling_env,
            workers=args.workers,
            log=OUT / "gunicorn-ceiling.log",
            app="tools.bench.ceiling:application",
        ) as base:
            for name in ("bare", "default"):
                load.get(f"{base}/{name}/")
                http_ceiling[name] = asdict(load.wrk(f"{base}/{name}/", **shape))
                load.drain(base)
                bar.advance(1)
        ceiling["http"] = http_ceiling
        with load.gunicorn(env, workers=args.workers, log=OUT / "gunicorn-app.log") as base:
            for page in measured.pages:
                page_cookie = cookie if page.user == "member" else None
                status, _ = load.get(base + page.url, page_cookie)
                result = load.wrk(base + page.url, cookie=page_cookie, **shape)
                page.rps, page.http_p50, page.http_p99 = result.rps, result.p50, result.p99
                page.http_errors = result.errors + (0 if status == 200 else 1)
                load.drain(base)
                bar.advance(1)
        bar.finish()
        phases["over HTTP"] = time.perf_counter() - mark
    phases["total"] = time.perf_counter() - begun

    save(results(profile.name, seeded, reused, phases, args, branches, ceiling, measured))
    results_now = json.loads((OUT / f"results-{profile.name}.json").read_text())
    text = report.write(OUT, results_now)
    print()
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
