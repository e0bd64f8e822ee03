"""Members replying to one thread through the balancer, several at once, recording every answer.

Each client, in a thread of its own, repeats what a member does: load the thread's page (a read),
fill in the reply form it renders and post it (a write), and see the reply on the page the form
leads to (a read). It goes through its own members in turn,
a few replies each, so the forum's per-member reply limits (forum/limits.py) are never what stops
a reply.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from webtest import TestApp

from tests.webforms import form_to

from .remote import browser, new_cookie_jar

REPLIES_PER_MEMBER = 5  # under the 6 a minute an established member may post


@dataclass
class Answer:
    kind: str  # "read" (GET the thread) or "write" (POST a reply)
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all
    served_by: str | None = None
    body: str | None = None  # the reply a write sent
    location: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        """A success for the member: the page, or (for a write) the redirect to their reply."""
        if self.kind == "write":
            return self.status == 302 and "/c/" in self.location
        return self.status == 200


class Load:
    def __init__(
        self,
        *,
        port: int,
        sessions: list[str],
        thread_url: str,
        reply_action: str,
        label: str,
        clients: int = 2,
    ) -> None:
        self.port = port
        self.thread_url = thread_url
        self.reply_action = reply_action
        self.label = label
        self.answers: list[Answer] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._client, args=(n, sessions[n::clients]), daemon=True)
            for n in range(clients)
        ]
        self.exhausted = 0  # clients that have stopped (out of members, or crashed)
        self.crashed: list[str] = []

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _member(self, session: str) -> TestApp:
        app = browser(self.port, new_cookie_jar())
        app.set_cookie(settings.SESSION_COOKIE_NAME, session)
        return app

    def _record(self, answer: Answer) -> None:
        with self._lock:
            self.answers.append(answer)

    def _client(self, n: int, sessions: list[str]) -> None:
        try:
            self._replies(n, sessions)
        except Exception as exc:  # a bug here, not the servers: make it the test's failure
            self.crashed.append(repr(exc))
        with self._lock:
            self.exhausted += 1

    def _replies(self, n: int, sessions: list[str]) -> None:
        jitter = random.Random(n)
        count = 0
        for session in sessions:
            app = self._member(session)
            for _ in range(REPLIES_PER_MEMBER):
                if self._stop.is_set():
                    return
                page = self._request("read", app.get, self.thread_url)
                if page is None or page.status_code != 200:
                    continue
                count += 1
                body = f"{self.label} reply {n}-{count}: Tuesday works for me."
                form = form_to(page, self.reply_action)
                form["body"] = body
                done = self._request("write", form.submit, body=body)
                if done is not None and done.status_code == 302:
                    # The member sees their reply: one read more, whichever server it reaches.
                    shown = self._request("read", done.follow)
                    if shown is not None and shown.status_code == 200:
                        assert body in shown.text, f"reply not shown: {body}"
                # Clients out of step, so round robin can't settle into sending one client's
                # reads to one server and its writes to the other.
                time.sleep(jitter.uniform(0, 0.03))

    def _request(self, kind: str, send: Any, *args: Any, body: str | None = None) -> Any:
        """send(*args): one request, recorded with its answer (an error status is an answer)."""
        started = time.monotonic()
        try:
            response = send(*args, expect_errors=True)
        except Exception as exc:  # no answer at all (a refused or dropped connection)
            self._record(Answer(kind, started, time.monotonic(), None, body=body, error=repr(exc)))
            return None
        self._record(
            Answer(
                kind,
                started,
                time.monotonic(),
                response.status_code,
                served_by=response.headers.get("X-Served-By"),
                body=body,
                location=response.headers.get("Location", ""),
                error="" if response.status_code < 400 else response.text[:300],
            )
        )
        return response

    # What happened ---------------------------------------------------------------------------

    def snapshot(self) -> list[Answer]:
        with self._lock:
            return list(self.answers)

    def wait_until(self, condition: Any, *, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition(answers := self.snapshot()):
            assert not self.crashed, self.crashed
            assert self.exhausted < len(self._threads), (
                f"out of members ({what}): {summary(answers)}"
            )
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {summary(answers)}"
            time.sleep(0.05)


def summary(answers: list[Answer]) -> str:
    """How many of each kind of answer, and the first few that were not a success."""
    counts = Counter((a.kind, a.status, a.served_by, a.ok) for a in answers)
    bad = [f"{a.kind} {a.status} {a.location} {a.error[:200]}" for a in answers if not a.ok][:5]
    return f"{dict(counts)}; not ok: {bad}"
