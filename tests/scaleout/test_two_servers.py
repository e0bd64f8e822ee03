"""Past one machine: two gunicorn servers behind HAProxy (deploy/haproxy.cfg, round robin, no
stickiness), sharing PostgreSQL and Redis, with an RQ worker. Members use it through the balancer
as through a browser, pages loaded and forms submitted as rendered; each server is also addressed
directly with the same cookies, to show that what one server did the other sees at once."""

from __future__ import annotations

import contextlib
import email
import itertools
import json
import re
import signal
import time
from email.message import Message
from pathlib import Path

import pytest
import redis
import rq
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.webforms import form_to

from .cluster import SERVERS, get
from .load import Load
from .remote import browser, new_cookie_jar

pytestmark = [pytest.mark.postgres, pytest.mark.scaleout]

SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what Django's file backend writes after each message
LOGIN = reverse("account_login")
WRITE = reverse("forum:post-create")


def log_in(cluster, username: str):
    """Log in through the balancer with the form as rendered; the member's cookie jar."""
    jar = new_cookie_jar()
    balancer = browser(cluster.balancer_port, jar)
    form = form_to(balancer.get(LOGIN), LOGIN)
    form["login"] = username
    form["password"] = PASSWORD
    assert form.submit().status_code == 302
    return jar


def current_user(page) -> str | None:
    """Whose name the page's header shows (None: nobody is logged in)."""
    found = page.html.select_one("header .current-user")
    return found.get_text(strip=True) if found else None


def on(cluster, server: str, jar):
    return browser(cluster.ports[server], jar)


def publish_post(app, title: str, body: str = "Bring a friend."):
    form = app.get(WRITE).forms["post-form"]
    form["section"].select(text="Branch life")
    form["title"] = title
    form["body"] = body
    return form.submit("action", value="publish")


def test_the_balancer_sends_requests_to_each_server_in_turn(cluster):
    served = [get(cluster.balancer_port, "/healthz")[1]["X-Served-By"] for _ in range(6)]
    assert set(served) == set(SERVERS)
    assert all(a != b for a, b in itertools.pairwise(served)), served


def test_a_member_logged_in_through_the_balancer_is_logged_in_on_both_servers(cluster):
    jar = new_cookie_jar()
    balancer = browser(cluster.balancer_port, jar)
    page = balancer.get(LOGIN)
    form = form_to(page, LOGIN)
    form["login"] = "alice"
    form["password"] = PASSWORD
    done = form.submit()
    assert done.status_code == 302
    # One server rendered the form (and its CSRF token), the other took the log-in.
    assert {page.headers["X-Served-By"], done.headers["X-Served-By"]} == set(SERVERS)

    for server in SERVERS:
        assert current_user(on(cluster, server, jar).get("/")) == "alice", server
    # Through the balancer, page after page: the servers in turn, each knowing her.
    served = set()
    for _ in range(4):
        home = balancer.get("/")
        assert current_user(home) == "alice"
        served.add(home.headers["X-Served-By"])
    assert served == set(SERVERS)
    # Logged out through the balancer: logged out on both.
    form_to(balancer.get(reverse("account_logout")), reverse("account_logout")).submit()
    for server in SERVERS:
        assert current_user(on(cluster, server, jar).get("/")) is None, server


def test_a_post_made_on_one_server_is_on_the_other_at_once(cluster):
    jar = log_in(cluster, "alice")
    done = publish_post(on(cluster, "app1", jar), "Leaflets for the Saturday stall")
    assert done.status_code == 302
    page = on(cluster, "app2", jar).get(done.location)
    assert page.html.select_one("h1").get_text(strip=True) == "Leaflets for the Saturday stall"
    newest = browser(cluster.ports["app2"], new_cookie_jar()).get(reverse("forum:newest"))
    assert "Leaflets for the Saturday stall" in newest.text  # and for anyone, not only its author
    rows = cluster.query(
        "SELECT count(*) FROM forum_post WHERE title = %s",
        ("Leaflets for the Saturday stall",),
    )
    assert rows == [(1,)]


def test_the_posting_limit_holds_across_both_servers(cluster):
    """At most 5 posts an hour (forum/limits.py), counted in the database: alternating between
    the servers gives no extra allowance."""
    jar = log_in(cluster, "pat")
    answers = []
    for n in range(7):
        server = SERVERS[n % 2]
        answers.append((server, publish_post(on(cluster, server, jar), f"Motion {n + 1}")))
    assert [a.status_code for _, a in answers[:5]] == [302] * 5
    for server, refused in answers[5:]:
        assert refused.status_code == 200, server
        assert "at most 5 posts an hour" in refused.text, server
        assert refused.forms["post-form"]["title"].value.startswith("Motion")  # text kept
    rows = cluster.query(
        "SELECT p.title FROM forum_post p JOIN accounts_user u ON u.id = p.author_id"
        " WHERE u.username = 'pat' ORDER BY p.id"
    )
    assert [title for (title,) in rows] == [f"Motion {n}" for n in range(1, 6)]


def messages_in(folder: Path) -> list[Message]:
    found = []
    for path in sorted(folder.iterdir()):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk))
    return found


def test_a_campaign_update_posted_on_one_server_is_emailed_by_the_worker(cluster):
    slug = cluster.seeded["campaign"]
    supporters = cluster.seeded["supporters"]
    jar = log_in(cluster, "olu")
    form = on(cluster, "app2", jar).get(f"/campaigns/{slug}/updates/new/").forms["update-form"]
    form["title"] = "We meet the Treasurer on Monday"
    form["body"] = "Come to the branch office at six."
    done = form.submit("action", value="send")
    assert done.status_code == 302
    # On the other server at once, for a member who isn't logged in.
    page = browser(cluster.ports["app1"], new_cookie_jar()).get(f"/campaigns/{slug}/")
    assert "We meet the Treasurer on Monday" in page.text

    def sent() -> list[Message]:
        return [m for m in messages_in(cluster.mail_dir) if "Treasurer" in m["Subject"]]

    deadline = time.monotonic() + 60
    while len(sent()) < len(supporters):
        assert time.monotonic() < deadline, f"{len(sent())} sent:\n{cluster.logs()}"
        time.sleep(0.2)
    time.sleep(1.5)  # the worker has nothing left to send: nothing more arrives
    messages = sent()
    assert sorted(m["To"] for m in messages) == supporters  # each once
    assert len({m["Message-ID"] for m in messages}) == len(supporters)
    assert cluster.query(
        "SELECT count(*), count(sent_at) FROM accounts_outboundemail"
        " WHERE key LIKE 'campaign:%%:update:%%'"
    ) == [(len(supporters), len(supporters))]
    # Through Redis: RQ ran the jobs (the update's, then a chain of batches), none failed, and
    # the database backend's table never had a task.
    queue = rq.Queue("default", connection=redis.Redis.from_url(cluster.redis_url))
    assert queue.finished_job_registry.count >= 1 + len(supporters) // 10
    assert queue.failed_job_registry.count == 0
    assert cluster.query("SELECT count(*) FROM django_tasks_database_dbtaskresult") == [(0,)]


def json_lines(path: Path) -> list[dict]:
    found = []
    for line in path.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict):
                found.append(entry)
    return found


def wait_for(what: str, find, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (found := find()):
        assert time.monotonic() < deadline, f"never found {what}"
        time.sleep(0.2)
    return found


def test_one_request_id_from_the_balancer_through_the_server_to_the_worker(cluster):
    """HAProxy names each request (unique-id-header); the app server takes that id
    (TRUSTED_REQUEST_ID_HEADER), sends it back and logs it, and the task the request enqueued
    (telling the post's author about the reply) is found in the worker's log by it."""
    pk, url = cluster.seeded["welcome"]
    balancer = browser(cluster.balancer_port, log_in(cluster, "alice"))
    form = form_to(balancer.get(url), reverse("forum:comment-create", args=[pk]))
    form["body"] = "Hello from Leeds."
    done = form.submit()
    assert done.status_code == 302
    request_id = done.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9A-F]{20,}", request_id), request_id  # HAProxy's, hex

    balancer_line = wait_for(
        "the balancer's line",
        lambda: [
            line
            for line in cluster.log("haproxy").read_text().splitlines()
            if line.endswith(f" {request_id}")
        ],
    )
    assert '"POST /p/' in balancer_line[0]
    server_log = cluster.log(done.headers["X-Served-By"])
    mine = wait_for(
        "the server's lines",
        lambda: [e for e in json_lines(server_log) if e.get("request_id") == request_id],
    )
    enqueued = [e["enqueued_task_id"] for e in mine if "enqueued_task_id" in e]
    assert len(enqueued) == 1, mine
    worked = wait_for(
        "the worker's lines",
        lambda: [e for e in json_lines(cluster.log("worker")) if e.get("task_id") == enqueued[0]],
    )
    assert any("SUCCESSFUL" in e["message"] for e in worked), worked


# How a server stops: (signal, drained first?, what it has in hand when it gets the signal).
STOPS = {
    # A planned stop (a deploy): drained in HAProxy first, then gunicorn's graceful SIGTERM.
    "drained": (signal.SIGTERM, True, None),
    # SIGTERM out of the blue (`kill <pid>`): gunicorn finishes the requests it holds and exits.
    "sigterm": (signal.SIGTERM, False, "POST"),
    # A crash: the master and its workers killed at once, in the middle of a page...
    "sigkill-read": (signal.SIGKILL, False, "GET"),
    # ...or of saving a reply.
    "sigkill-write": (signal.SIGKILL, False, "POST"),
}


@pytest.mark.parametrize("how", list(STOPS))
def test_stopping_a_server_mid_run_loses_no_acknowledged_write(cluster, how):
    """Members keep replying through the balancer while one server stops. Every reply the
    balancer acknowledged is in the database, once; nothing is there twice; and the members'
    requests keep succeeding, but for a reply the stopping server had in hand (explained below)."""
    sig, drain, in_hand = STOPS[how]
    run = list(STOPS).index(how)
    sessions = cluster.seeded["load_sessions"]
    share = len(sessions) // len(STOPS)
    thread, thread_url = cluster.seeded["threads"][run]
    victim = "app1"
    with Load(
        port=cluster.balancer_port,
        sessions=sessions[share * run : share * (run + 1)],
        thread_url=thread_url,
        reply_action=reverse("forum:comment-create", args=[thread]),
        label=how,
    ) as load:
        try:
            load.wait_until(
                lambda answers: all(
                    sum(a.ok and a.kind == "write" and a.served_by == s for a in answers) >= 3
                    for s in SERVERS
                ),
                timeout=60,
                what="replies through both servers",
            )
            if in_hand:
                cluster.wait_in_hand(victim, in_hand)
            stopping = time.monotonic()
            if drain:
                cluster.drain(victim)
            # SIGTERM to gunicorn's master (as `kill <pid>`); SIGKILL to all its processes.
            cluster.stop(victim, sig, group=sig == signal.SIGKILL)
            stopped = time.monotonic()
            load.wait_until(
                lambda answers: (
                    time.monotonic() > stopped + 2.5
                    and sum(a.ok and a.kind == "write" and a.started > stopped for a in answers)
                    >= 8
                ),
                timeout=60,
                what="replies after the stop",
            )
        finally:
            load.__exit__()
            cluster.restore(victim)
    answers = load.snapshot()

    writes = [a for a in answers if a.kind == "write"]
    rows = cluster.query(
        "SELECT body, count(*) FROM forum_comment WHERE post_id = %s GROUP BY body",
        (thread,),
    )
    stored = dict(rows)
    lost = [a.body for a in writes if a.ok and a.body not in stored]
    assert not lost, lost
    assert all(count == 1 for count in stored.values()), "a reply saved twice"
    assert set(stored) <= {a.body for a in writes}  # nothing that no member sent

    failed = [a for a in answers if not a.ok]
    report = "\n".join(f"{a.kind} {a.status} {a.error[:120]}" for a in failed)
    print(f"{how}: {len(answers)} requests, {len(writes)} replies, {len(failed)} failed")  # -s
    # Reads never fail: one the stopping server drops is sent again to the other (retry-on).
    assert all(a.kind == "write" for a in failed), report
    # A failed reply is one the stopping server had taken when it went: HAProxy can't know
    # whether it was saved, so it doesn't send it again (deploy/haproxy.cfg) and the member sees
    # a 502. At most one per client (each sends one request at a time), none sent afterwards.
    assert all(a.status == 502 and a.started < stopped and a.ended > stopping for a in failed)
    assert len(failed) <= 2, report
    if drain:
        assert not failed, report  # a drained server has nothing in hand
    elif sig == signal.SIGTERM:
        # gunicorn answers every request its workers have read; what it drops is a connection
        # still waiting in its accept queue when the workers exit, which it never read.
        assert not [a for a in failed if a.body in stored], report
    # ...while after a SIGKILL the dropped reply may or may not have been saved, once at most.

    # The stopped server took requests before, and only the other one after HAProxy noticed.
    before = {a.served_by for a in answers if a.ok and a.ended < stopping}
    assert before == set(SERVERS)
    late = [a.served_by for a in answers if a.ok and a.started > stopped + 2]
    assert late and set(late) == {"app2"}
