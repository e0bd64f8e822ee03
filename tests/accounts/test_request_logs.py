"""Request ids and structured request logs (accounts/observability.py), read from what the site's
own log handler writes: one JSON line per request, the id in the X-Request-ID header and on every
line the request logs, the member named by id only."""

import io
import json
import logging
import re

import pytest
from django.urls import reverse

from accounts.observability import JsonFormatter, TextFormatter

pytestmark = pytest.mark.django_db

NEW_ID = re.compile(r"[0-9a-f]{32}")


def console_handler() -> logging.Handler:
    [handler] = [h for h in logging.getLogger().handlers if h.name == "console"]
    return handler


@pytest.fixture
def log_output():
    """What the site's console handler (LOGGING, with its filter) writes, in JSON; a function
    returning the lines so far, parsed."""
    handler = console_handler()
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    old_stream, old_formatter = handler.setStream(stream), handler.formatter
    handler.setFormatter(JsonFormatter())
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(old_stream)
    handler.setFormatter(old_formatter)


def request_lines(lines):
    return [line for line in lines if line["logger"] == "grassroots.request"]


def test_a_request_is_one_line_naming_the_member_by_id_only(client, member, log_output):
    client.force_login(member)
    response = client.get(reverse("forum:newest"), {"q": "my-private-search"})
    assert response.status_code == 200
    [line] = request_lines(log_output())
    assert line["request_id"] == response["X-Request-ID"]
    assert NEW_ID.fullmatch(line["request_id"])
    assert line["method"] == "GET"
    assert line["path"] == "/new/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["user_id"] == member.pk
    assert line["level"] == "INFO"
    assert "client_ip" not in line
    everything = json.dumps(log_output())
    for private in ["my-private-search", member.username, member.email, "127.0.0.1"]:
        assert private not in everything


def test_an_anonymous_request_has_no_user_and_healthz_is_not_made_to_read_the_session(
    client, member, log_output
):
    client.force_login(member)  # a session cookie the health check has no reason to read
    response = client.get("/healthz")
    [line] = request_lines(log_output())
    assert line["user_id"] is None
    assert line["request_id"] == response["X-Request-ID"]
    client.logout()
    client.get(reverse("forum:home"))
    assert request_lines(log_output())[-1]["user_id"] is None


def test_every_line_a_request_logs_carries_its_id_and_none_after(client, log_output):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    lines = log_output()
    [not_found] = [line for line in lines if line["logger"] == "django.request"]
    assert not_found["message"] == "Not Found: /no-such-page/"
    # Django logs this after the middleware has answered: the id is still that request's.
    assert not_found["request_id"] == request_id
    assert request_lines(lines)[0]["request_id"] == request_id
    assert request_lines(lines)[0]["status"] == 404
    logging.getLogger("tests").warning("between requests")
    assert log_output()[-1]["request_id"] is None


def test_each_request_gets_a_new_id(client, log_output):
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_an_incoming_request_id_is_ignored_unless_a_proxy_is_trusted(client, log_output):
    response = client.get("/healthz", headers={"X-Request-ID": "chosen-by-the-client"})
    assert NEW_ID.fullmatch(response["X-Request-ID"])
    assert "chosen-by-the-client" not in json.dumps(log_output())


@pytest.mark.parametrize(
    "incoming", ["f47ac10b-58cc-4372-a567-0e02b2c3d479", "0123456789abcdef0123456789abcdef"]
)
def test_a_trusted_proxys_request_id_is_kept(client, settings, log_output, incoming):
    settings.TRUSTED_REQUEST_ID_HEADER = "X-Request-ID"
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] == incoming
    assert request_lines(log_output())[0]["request_id"] == incoming


@pytest.mark.parametrize(
    "incoming", ["", "two words", "x" * 129, "<script>", "id\nforged log line", "-leading"]
)
def test_a_malformed_request_id_is_replaced_even_from_a_trusted_proxy(
    client, settings, log_output, incoming
):
    settings.TRUSTED_REQUEST_ID_HEADER = "X-Request-ID"
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert NEW_ID.fullmatch(response["X-Request-ID"])


def test_a_proxy_may_name_its_own_header(client, settings):
    settings.TRUSTED_REQUEST_ID_HEADER = "X-Unique-ID"
    response = client.get("/healthz", headers={"X-Unique-ID": "haproxy-7f3a"})
    assert response["X-Request-ID"] == "haproxy-7f3a"


def test_the_client_address_is_logged_only_when_asked(client, settings, log_output):
    settings.LOG_CLIENT_IP = True
    client.get("/healthz")
    assert request_lines(log_output())[0]["client_ip"] == "127.0.0.1"


def test_text_lines_end_with_the_request_id(client):
    handler = console_handler()
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    old_stream, old_formatter = handler.setStream(stream), handler.formatter
    handler.setFormatter(TextFormatter())
    try:
        response = client.get("/healthz")
    finally:
        handler.setStream(old_stream)
        handler.setFormatter(old_formatter)
    [line] = [line for line in stream.getvalue().splitlines() if "grassroots.request" in line]
    request_id = response["X-Request-ID"]
    assert re.fullmatch(
        rf"\S+ \S+ INFO grassroots\.request: GET /healthz 200 [\d.]+ms \[request_id={request_id}\]",
        line,
    ), line


def test_a_path_cannot_forge_a_log_line(client, log_output):
    client.get("/no-such-page%0A2026-12-02 INFO grassroots.request: GET /admin/ 200/")
    [line] = request_lines(log_output())
    assert line["path"] == "/no-such-page\\x0a2026-12-02 INFO grassroots.request: GET /admin/ 200/"
    assert "\n" not in line["message"]
