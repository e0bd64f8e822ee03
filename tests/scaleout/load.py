"""Members replying to one thread through the balancer, several at once, recording every answer.

Each client, in a thread of its own, repeats what a member does: load the thread's page (a read),
fill in the reply form it renders and post it (a write). It goes through its own members in turn,
a few replies each, so the forum's per-member reply limits (forum/limits.py) are never what stops
a reply.
"""

from __future__ import annotations

import threading
import time
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
        self.exhausted = 0

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
        count = 0
        for session in sessions:
            app = self._member(session)
            for _ in range(REPLIES_PER_MEMBER):
                if self._stop.is_set():
                    return
                page = self._request("read", lambda: app.get(self.thread_url, expect_errors=True))
                if page is None or page.status_code != 200:
                    continue
                count += 1
                body = f"{self.label} reply {n}-{count}: Tuesday works for me."
                form = form_to(page, self.reply_action)
                form["body"] = body
                self._request("write", lambda: form.submit(expect_errors=True), body=body)
        with self._lock:
            self.exhausted += 1

    def _request(self, kind: str, send: Any, body: str | None = None) -> Any:
        started = time.monotonic()
        try:
            response = send()
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
        while not condition(self.snapshot()):
            assert self.exhausted < len(self._threads), f"the load ran out of members ({what})"
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.05)
