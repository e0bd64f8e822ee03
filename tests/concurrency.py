"""Running test code in several threads at once, for the PostgreSQL-only concurrency tests.

Each thread gets its own database connection (Django's are per thread) and closes it at the end,
so the test database can be dropped afterwards. A barrier releases the threads together, so they
really do meet in the database.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from typing import TypedDict

from django.db import connection


class Outcome(TypedDict):
    errors: list[str]  # the traceback of each work(index) that raised
    seconds: float  # from the first start to the last join
    hung: list[str]  # names of the threads still running after their join timed out


def start_together(
    work: Callable[[int], object], count: int, *, join_timeout: float = 60
) -> Outcome:
    """Run work(index) in `count` threads released together by a barrier; collect what failed."""
    errors: list[str] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except Exception:
            errors.append(traceback.format_exc())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=join_timeout)
    return {
        "errors": errors,
        "seconds": time.monotonic() - started,
        "hung": [t.name for t in threads if t.is_alive()],
    }


def in_threads(work: Callable[[int], object], count: int, *, who: str = "a writer") -> list[str]:
    """start_together, failing the test if any thread hung; returns the errors (tracebacks)."""
    outcome = start_together(work, count)
    assert not outcome["hung"], f"{who} hung"
    return outcome["errors"]
